/** `tsx scripts/redis.ts warmup`: fills Redis from the database with what the bot reads most. */
import { Array as Arr, Console, Effect, Option, Stream } from "effect"
import { ActivityRepo } from "../../activities/ActivityRepo"
import { type CacheService, describeBackend } from "../../cache/Cache"
import {
  cachedReadPatterns,
  EmployeeEntry,
  InterestsEntry,
  ParticipantsEntry,
} from "../../cache/Keys"
import { DatabaseError, describeCause } from "../../domain/Errors"
import * as ChangeFeed from "../../employees/ChangeFeed"
import { EmployeeRepo } from "../../employees/EmployeeRepo"
import { InterestRepo } from "../../interests/InterestRepo"
import { formatSeconds, plural, SharedCache } from "./Shared"

/** One updating line on a terminal; nothing when stderr is a pipe or a file (no log spam). */
const progressLine = (stream: NodeJS.WriteStream) => ({
  show: (text: string) =>
    stream.isTTY ? Effect.sync(() => stream.write(`\r\x1b[2K${text}`)) : Effect.void,
  done: stream.isTTY ? Effect.sync(() => stream.write("\r\x1b[2K")) : Effect.void,
})

/** Postgres's SQLSTATE for a table that does not exist. */
const UNDEFINED_TABLE = "42P01"

/** warmup only reads: a database without the tables gets a hint instead of being migrated. */
const explainMissingTables = (error: DatabaseError) => {
  let cause: unknown = error.cause
  while (cause instanceof Error && (cause as { code?: unknown }).code !== UNDEFINED_TABLE) {
    cause = cause.cause
  }
  return Effect.fail(
    cause instanceof Error
      ? new DatabaseError({
          cause: new Error(
            `${describeCause(error.cause)} (warmup only reads; run tsx scripts/db.ts migrate first)`,
          ),
        })
      : error,
  )
}

/**
 * When no bot has recorded the change feed's position in Redis yet (a new Redis, warmed up before
 * the first bot starts), warmup records where the log stood before it read: the first bot then
 * applies every change committed since, instead of dropping the warmed keys as unknown. A
 * position that is there already is left alone: it may be behind changes the warmed keys do not
 * cover.
 */
const recordFeedPosition = (cache: CacheService, mark: ChangeFeed.Position) =>
  Effect.gen(function* () {
    const cursor = yield* cache.ops.get(ChangeFeed.cursorKey, ChangeFeed.Position)
    if (Option.isSome(cursor)) return false
    yield* cache.ops.set(ChangeFeed.cursorKey, ChangeFeed.Position, mark, ChangeFeed.cursorTtl)
    return true
  })

/** Writes `emp:`, `int:` and `act:` keys from the database in pipelined batches. */
const fill = (cache: CacheService, batchSize: number) =>
  Effect.gen(function* () {
    const employeeRepo = yield* EmployeeRepo
    const interestRepo = yield* InterestRepo
    const activityRepo = yield* ActivityRepo
    const log = yield* ChangeFeed.changeLog()
    const progress = progressLine(process.stderr)
    // A bot process drops the keys of a change as soon as it commits; a value that warmup read
    // just before a change and wrote just after that drop would be stale for its whole TTL. So
    // warmup notes where the log stood before it read anything and, once it has written, drops
    // the keys of every change committed since.
    const mark = yield* log.now
    const employeeTotal = yield* employeeRepo.linkedEmployeeCount
    const activities = yield* activityRepo.openActivities
    const report = (employees: number, activitiesDone: number) =>
      progress.show(
        `Warming up: employees ${employees}/${employeeTotal}, activities ${activitiesDone}/${activities.length}`,
      )
    yield* report(0, 0)

    const employees = yield* employeeRepo.linkedEmployees(batchSize).pipe(
      Stream.runFoldEffect(0, (done, batch) =>
        Effect.gen(function* () {
          const interests = yield* interestRepo.activeInterestsOf(
            batch.map((employee) => employee.id),
          )
          yield* cache.ops.setMany(
            EmployeeEntry.schema,
            batch.flatMap((employee) =>
              employee.telegramId === null
                ? []
                : [[EmployeeEntry.key(employee.telegramId), employee] as const],
            ),
            EmployeeEntry.ttl,
          )
          yield* cache.ops.setMany(
            InterestsEntry.schema,
            [...interests].map(([id, list]) => [InterestsEntry.key(id), list] as const),
            InterestsEntry.ttl,
          )
          yield* report(done + batch.length, 0)
          return done + batch.length
        }),
      ),
    )

    let activitiesDone = 0
    for (const batch of Arr.chunksOf(activities, batchSize)) {
      const participants = yield* activityRepo.participantsOf(batch.map((activity) => activity.id))
      yield* cache.ops.setMany(
        ParticipantsEntry.schema,
        [...participants].map(([id, list]) => [ParticipantsEntry.key(id), list] as const),
        ParticipantsEntry.ttl,
      )
      activitiesDone += batch.length
      yield* report(employees, activitiesDone)
    }
    const changed = yield* log.since(mark)
    const dropped = changed.unknown
      ? yield* Effect.reduce(cachedReadPatterns, 0, (total, pattern) =>
          Effect.map(cache.ops.deleteMatching(pattern), (count) => total + count),
        )
      : (yield* cache.ops.delete(changed.keys)) +
        (yield* Effect.reduce(changed.patterns, 0, (total, pattern) =>
          Effect.map(cache.ops.deleteMatching(pattern), (count) => total + count),
        ))
    const cursorSet = yield* recordFeedPosition(cache, mark)
    return { employees, activities: activities.length, dropped, cursorSet }
  }).pipe(
    Effect.ensuring(progressLine(process.stderr).done),
    Effect.catchTag("DatabaseError", explainMissingTables),
  )

/** `warmup` acts on Redis only: this process's own memory would be gone when it exits. */
export const sharedCache = SharedCache.layer(
  (reason) =>
    `Nothing warmed up: ${reason}. Without Redis each bot process fills its own memory as it reads: warming this process's memory would be pointless.`,
)

/**
 * Fills Redis with what the bot reads most: active employees with a Telegram id, their
 * interests, and the participants of scheduled and active activities. Only reads the database.
 */
export const warmup = (options: { readonly batchSize: number }) =>
  Effect.gen(function* () {
    const cache = yield* SharedCache
    const [elapsed, counts] = yield* Effect.timed(fill(cache, options.batchSize))
    yield* Console.log(
      [
        `Warmed up ${describeBackend(cache.backend)}, prefix ${cache.prefix}, in ${formatSeconds(elapsed)}:`,
        `  emp: ${plural(counts.employees, "key")} (active employees with a Telegram id)`,
        `  int: ${plural(counts.employees, "key")} (their active interests)`,
        `  act: ${plural(counts.activities, "key")} (participants of scheduled and active activities)`,
        ...(counts.dropped > 0
          ? [`  dropped ${plural(counts.dropped, "key")} again: their data changed meanwhile`]
          : []),
        ...(counts.cursorSet
          ? [`  ${ChangeFeed.cursorKey} set: the first bot to start applies the changes made since`]
          : []),
      ].join("\n"),
    )
  })
