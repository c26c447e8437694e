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
  Clock,
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
import {
  CatalogueEntry,
  cachedReadPatterns,
  EmployeeEntry,
  InterestsEntry,
  ParticipantsEntry,
} from "../cache/Keys"
import { onEmbeddedDatabase } from "../config"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError } from "../domain/Errors"
import { ActivityId, EmployeeId, TelegramId } from "../domain/Ids"

export const channel = "connectbot_cache"

/** The keys holding data that a change touched. */
export const keysOf = (change: {
  readonly employeeIds: ReadonlyArray<EmployeeId>
  readonly telegramIds: ReadonlyArray<TelegramId>
  readonly activityIds: ReadonlyArray<ActivityId>
}): ReadonlyArray<string> => [
  ...change.telegramIds.map(EmployeeEntry.key),
  ...change.employeeIds.map(InterestsEntry.key),
  ...change.activityIds.map(ParticipantsEntry.key),
]

/**
 * A point in the log of migration 0002: every change whose transaction had committed when the
 * position was taken is behind it, every other change is ahead, whatever order the changes' ids
 * are in. (Ids are taken at insert, not at commit: a transaction kept open for a minute commits
 * changes with ids far below ones already read. A snapshot lists the transactions still open.)
 */
export class Position extends Schema.Class<Position>("Position")({
  /** `pg_current_snapshot()` when the position was taken (`xmin:xmax:xip,…`). */
  snapshot: Schema.String.pipe(Schema.pattern(/^\d+:\d+:(\d+(,\d+)*)?$/)),
  /** The database it belongs to (cluster identifier / database oid): elsewhere it means nothing. */
  database: Schema.String,
  /** When it was taken, in epoch milliseconds by the database's clock. */
  takenAt: Schema.Number,
}) {}

/** The last position a shared cache has had every change up to (a key in the `other` namespace). */
export const cursorKey = "feed:cursor"
export const cursorTtl = Duration.days(7)

/** How long the log keeps a change: at least the longest TTL of a cached read. */
export const defaultRetention = Duration.hours(1)

/** What changed after a position, and the position after those changes. */
export interface Changes {
  readonly position: Position
  readonly keys: ReadonlyArray<string>
  /** Globs of keys that changed too: a catalogue change touches every employee's `int:` list. */
  readonly patterns: ReadonlyArray<string>
  /**
   * The log cannot tell what changed since that position: it was taken on another database (a
   * restored or recreated one), or so long ago that the log was pruned past it. Every cached read
   * must go.
   */
  readonly unknown: boolean
}

const PositionRow = Schema.Struct({
  snapshot: Schema.String,
  database: Schema.String,
  takenAt: Schema.Number,
})

const ChangesRow = Schema.Struct({
  ...PositionRow.fields,
  // integer[] arrives as numbers, bigint[] as strings from `pg`.
  employeeIds: Schema.Array(EmployeeId),
  telegramIds: Schema.Array(TelegramId),
  activityIds: Schema.Array(ActivityId),
  catalogue: Schema.Boolean,
  ahead: Schema.Boolean,
})

/** Reading the log of migration 0002: the feed below, and `scripts/redis.ts warmup`. */
export const changeLog = (options: { readonly retention?: Duration.DurationInput } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const retentionMillis = Duration.toMillis(options.retention ?? defaultRetention)
    // Within one statement, `pg_current_snapshot()` is the snapshot the statement reads with:
    // the rows read are exactly those of the transactions it shows as committed.
    const positionColumns = sql`
      pg_current_snapshot()::text AS snapshot,
      (SELECT system_identifier FROM pg_control_system())::text || '/' ||
        (SELECT oid FROM pg_database WHERE datname = current_database())::text AS database,
      (extract(epoch FROM statement_timestamp()) * 1000)::float8 AS taken_at`
    const current = SqlSchema.single({
      Request: Schema.Void,
      Result: PositionRow,
      execute: () => sql`SELECT ${positionColumns}`,
    })
    // A change is ahead of `after` when its transaction is not visible in `after`'s snapshot;
    // transactions older than the snapshot's xmin all are, which bounds the scan.
    const committedSince = SqlSchema.single({
      Request: Schema.String,
      Result: ChangesRow,
      execute: (after) => sql`
        WITH changed AS (
          SELECT employee_id, telegram_ids, activity_id, catalogue FROM cache_invalidations
          WHERE txid >= pg_snapshot_xmin(${after}::pg_snapshot)
            AND NOT pg_visible_in_snapshot(txid, ${after}::pg_snapshot)
        )
        SELECT ${positionColumns},
          ARRAY(SELECT DISTINCT employee_id FROM changed WHERE employee_id IS NOT NULL)
            AS employee_ids,
          ARRAY(SELECT DISTINCT id FROM changed, unnest(telegram_ids) AS id) AS telegram_ids,
          ARRAY(SELECT DISTINCT activity_id FROM changed WHERE activity_id IS NOT NULL)
            AS activity_ids,
          COALESCE((SELECT bool_or(catalogue) FROM changed), false) AS catalogue,
          pg_snapshot_xmax(${after}::pg_snapshot) > pg_snapshot_xmax(pg_current_snapshot())
            AS ahead`,
    })

    /** The current position: every change committed now is behind it. */
    const now = orDatabaseError(Effect.map(current(undefined), (row) => new Position(row)))

    /** Every change committed after `after` (however many, in whatever order they committed). */
    const since = (after: Position): Effect.Effect<Changes, DatabaseError> =>
      orDatabaseError(
        Effect.map(committedSince(after.snapshot), (row) => ({
          position: new Position({
            snapshot: row.snapshot,
            database: row.database,
            takenAt: row.takenAt,
          }),
          keys: row.catalogue ? [...keysOf(row), CatalogueEntry.key] : keysOf(row),
          patterns: row.catalogue ? [InterestsEntry.pattern] : [],
          unknown:
            row.database !== after.database ||
            row.ahead ||
            row.takenAt - after.takenAt > retentionMillis,
        })),
      )
    return { now, since } as const
  })

export interface ChangeFeedOptions {
  readonly pollInterval?: Duration.DurationInput
  /** The log is kept at least as long as the longest TTL, so a reader that was away for less
   * than that misses nothing that is still cached. */
  readonly retention?: Duration.DurationInput
}

/** How often a shared cache's position is written when nothing changes, so it never looks lost. */
const cursorRefresh = Duration.minutes(1)

export const make = (options: ChangeFeedOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const pg = yield* PgClient.PgClient
    const cache = yield* Cache
    const pollInterval = options.pollInterval ?? Duration.millis(500)
    const retention = options.retention ?? defaultRetention
    const log = yield* changeLog({ retention })

    const dropEveryCachedRead = Effect.forEach(
      cachedReadPatterns,
      (pattern) => Effect.ignore(cache.ops.deleteMatching(pattern)),
      { discard: true },
    )

    // A memory cache starts empty: changes from before this process are not its concern. Redis
    // outlives processes, so it keeps the position it has had every change up to: changes made
    // while no process was running (an import, SQL by hand) are applied now, before anything is
    // read. A Redis without a position may hold anything: every cached read goes.
    const shared = cache.backend._tag === "Redis"
    const stored = shared ? yield* cache.get(cursorKey, Position) : Option.none<Position>()
    if (shared && Option.isNone(stored)) yield* dropEveryCachedRead
    const position = yield* Ref.make(Option.isSome(stored) ? stored.value : yield* log.now)
    const cursorWrittenAt = yield* Ref.make(Number.NEGATIVE_INFINITY)
    const failing = yield* Ref.make(false)

    const recordPosition = (at: Position, force: boolean) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (!force && now - (yield* Ref.get(cursorWrittenAt)) < Duration.toMillis(cursorRefresh)) {
          return
        }
        // Only a position Redis took counts as written: one it missed is tried again next time.
        yield* cache.ops.set(cursorKey, Position, at, cursorTtl)
        yield* Ref.set(cursorWrittenAt, now)
      }).pipe(Effect.ignore)

    const catchUp: Effect.Effect<void, DatabaseError> = Effect.gen(function* () {
      const changes = yield* log.since(yield* Ref.get(position))
      // A deletion Redis misses now is kept by the cache and applied when Redis is back.
      if (changes.unknown) yield* dropEveryCachedRead
      else {
        if (changes.keys.length > 0) yield* cache.invalidate(changes.keys)
        for (const pattern of changes.patterns) {
          yield* Effect.ignore(cache.ops.deleteMatching(pattern))
        }
      }
      yield* Ref.set(position, changes.position)
      if (shared) {
        yield* recordPosition(
          changes.position,
          changes.unknown || changes.keys.length > 0 || changes.patterns.length > 0,
        )
      }
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
    if (shared) yield* recordPosition(yield* Ref.get(position), true)

    const wake = yield* Queue.sliding<void>(1)
    // The embedded database's socket server passes no NOTIFY between connections: there the poll
    // is the mechanism, and a listening connection would only be one more for the owner to wait
    // for when it closes (a start that failed then took 10 s more to exit).
    if (!(yield* onEmbeddedDatabase)) {
      yield* pg.listen(channel).pipe(
        Stream.runForEach(() => Queue.offer(wake, undefined)),
        Effect.retry(Schedule.spaced(Duration.seconds(5))),
        Effect.forkScoped,
      )
    }

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

    const retentionSeconds = Duration.toSeconds(retention)
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
