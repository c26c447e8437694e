/**
 * Drops cached employee data that changed in the database, whoever changed it (DESIGN.md "Cache
 * keys"): the triggers of migration 0002 log each change in `cache_invalidations` and NOTIFY;
 * every process reads the log from where it was and deletes the affected keys. NOTIFY only makes
 * the reading immediate; a poll every `pollInterval` is the backstop, and on the embedded
 * database (whose socket server cannot pass NOTIFY between connections) it is the mechanism.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import {
  Cause,
  Duration,
  Effect,
  Layer,
  Option,
  Queue,
  Ref,
  Schedule,
  Schema,
  Stream,
} from "effect"
import { Cache } from "../cache/Cache"
import { cachedReadPatterns, EmployeeEntry, InterestsEntry, ParticipantsEntry } from "../cache/Keys"
import { orDatabaseError } from "../db/Database"
import type { DatabaseError } from "../domain/Errors"
import { ActivityId, EmployeeId, TelegramId } from "../domain/Ids"

export const channel = "connectbot_cache"

const Change = Schema.Struct({
  // bigserial and bigint[] arrive as strings from `pg`.
  id: Schema.NumberFromString,
  employeeId: Schema.NullOr(EmployeeId),
  telegramIds: Schema.Array(TelegramId),
  activityId: Schema.NullOr(ActivityId),
})
type Change = typeof Change.Type

/** The keys holding data that a change touched. */
export const keysOf = (change: Omit<Change, "id">): ReadonlyArray<string> => [
  ...change.telegramIds.map(EmployeeEntry.key),
  ...(change.employeeId === null ? [] : [InterestsEntry.key(change.employeeId)]),
  ...(change.activityId === null ? [] : [ParticipantsEntry.key(change.activityId)]),
]

const BATCH = 1000

/** The last change applied to a shared cache (a key in the `other` namespace). */
export const cursorKey = "feed:cursor"
export const cursorTtl = Duration.days(7)

/** Reading the log of migration 0002: the feed below, and `scripts/redis.ts warmup`. */
export const changeLog = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const readSince = SqlSchema.findAll({
    Request: Schema.Number,
    Result: Change,
    execute: (after) => sql`
      SELECT id, employee_id, telegram_ids, activity_id FROM cache_invalidations
      WHERE id > ${after} ORDER BY id LIMIT ${BATCH}`,
  })
  const LogId = Schema.Struct({ id: Schema.NullOr(Schema.NumberFromString) })
  const latest = SqlSchema.findOne({
    Request: Schema.Void,
    Result: LogId,
    execute: () => sql`SELECT max(id)::text AS id FROM cache_invalidations`,
  })
  const earliest = SqlSchema.findOne({
    Request: Schema.Void,
    Result: LogId,
    execute: () => sql`SELECT min(id)::text AS id FROM cache_invalidations`,
  })
  const since = (after: number) => orDatabaseError(readSince(after))
  /** Every key touched by a change logged after `after` (however many there are). */
  const keysSince = (after: number): Effect.Effect<ReadonlyArray<string>, DatabaseError> =>
    Effect.flatMap(since(after), (changes) => {
      const keys = changes.flatMap(keysOf)
      const last = changes.at(-1)
      return changes.length < BATCH || last === undefined
        ? Effect.succeed([...new Set(keys)])
        : Effect.map(keysSince(last.id), (more) => [...new Set([...keys, ...more])])
    })
  return {
    /** The id of the newest change (0 when there is none). */
    newest: orDatabaseError(Effect.map(latest(undefined), (row) => Option.getOrNull(row)?.id ?? 0)),
    /** The id of the oldest change kept, if any. */
    oldest: orDatabaseError(
      Effect.map(earliest(undefined), (row) => Option.getOrNull(row)?.id ?? null),
    ),
    /** Up to a batch of changes logged after `after`, oldest first. */
    since,
    keysSince,
  } as const
})

export interface ChangeFeedOptions {
  readonly pollInterval?: Duration.DurationInput
  /** The log is kept at least as long as the longest TTL, so a reader that was away for less
   * than that misses nothing that is still cached. */
  readonly retention?: Duration.DurationInput
}

export const make = (options: ChangeFeedOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const pg = yield* PgClient.PgClient
    const cache = yield* Cache
    const pollInterval = options.pollInterval ?? Duration.millis(500)
    const retentionSeconds = Duration.toSeconds(options.retention ?? Duration.hours(1))

    const log = yield* changeLog

    // A memory cache starts empty: changes from before this process are not its concern. Redis
    // outlives processes, so it keeps a cursor of the changes applied to it: changes made while no
    // process was running (an import, SQL by hand) are applied now, before anything is read.
    const shared = cache.backend._tag === "Redis"
    const cursor = shared
      ? yield* cache.get(cursorKey, Schema.Number).pipe(Effect.orElseSucceed(() => Option.none()))
      : Option.none<number>()
    const newest = yield* log.newest
    let start = newest
    if (Option.isSome(cursor)) {
      const oldest = yield* log.oldest
      // The log was pruned past the cursor, or belongs to another database (restored, recreated):
      // what changed is unknown, so every cached read goes.
      const unknown = cursor.value > newest || (oldest !== null && oldest > cursor.value + 1)
      if (unknown) {
        for (const pattern of cachedReadPatterns) {
          yield* Effect.ignore(cache.deleteMatching(pattern))
        }
      } else {
        start = cursor.value
      }
    }
    const last = yield* Ref.make(start)
    const failing = yield* Ref.make(false)

    const catchUp: Effect.Effect<void, unknown> = Effect.gen(function* () {
      const changes = yield* log.since(yield* Ref.get(last))
      const lastChange = changes.at(-1)
      if (lastChange === undefined) return
      const keys = [...new Set(changes.flatMap(keysOf))]
      // A deletion Redis misses now is kept by the cache and applied when Redis is back.
      yield* Effect.ignore(cache.delete(keys))
      yield* Ref.set(last, lastChange.id)
      if (shared) {
        yield* Effect.ignore(cache.set(cursorKey, Schema.Number, lastChange.id, cursorTtl))
      }
      if (changes.length === BATCH) yield* catchUp
    })

    const reportState = (ok: boolean, error?: unknown) =>
      Effect.flatMap(Ref.getAndSet(failing, !ok), (wasFailing) =>
        wasFailing === !ok
          ? Effect.void
          : ok
            ? Effect.logInfo("Cache invalidation: reading database changes again")
            : Effect.logWarning(
                `Cache invalidation: cannot read database changes (${error instanceof Error ? error.message : String(error)}); retrying`,
              ),
      )

    yield* catchUp
    if (shared) {
      yield* Effect.ignore(cache.set(cursorKey, Schema.Number, yield* Ref.get(last), cursorTtl))
    }

    const wake = yield* Queue.sliding<void>(1)
    yield* pg.listen(channel).pipe(
      Stream.runForEach(() => Queue.offer(wake, undefined)),
      Effect.retry(Schedule.spaced(Duration.seconds(5))),
      Effect.forkScoped,
    )

    yield* Queue.take(wake).pipe(
      Effect.timeoutOption(pollInterval),
      Effect.zipRight(catchUp),
      Effect.matchCauseEffect({
        onSuccess: () => reportState(true),
        onFailure: (cause) => reportState(false, Cause.squash(cause)),
      }),
      Effect.forever,
      Effect.forkScoped,
    )

    const prune = sql`
      DELETE FROM cache_invalidations
      WHERE created_at < now() - make_interval(secs => ${retentionSeconds})`
    yield* prune.pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(Duration.minutes(10))),
      Effect.forkScoped,
    )
  })

/** Runs the change feed in the background for as long as the layer lives. */
export const layerWith = (options: ChangeFeedOptions = {}) => Layer.scopedDiscard(make(options))
export const layer = layerWith()
