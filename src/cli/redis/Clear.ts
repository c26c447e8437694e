/** `tsx scripts/redis.ts clear …`: deletes the keys the operator names, under the prefix only. */
import { Array as Arr, Console, Effect, Schema } from "effect"
import { type CacheService, describeBackend } from "../../cache/Cache"
import {
  EmployeeEntry,
  InterestsEntry,
  type Namespace,
  namespaceOf,
  ParticipantsEntry,
  sessionsEpochKey,
} from "../../cache/Keys"
import type { ActivityId, EmployeeId } from "../../domain/Ids"
import * as ChangeFeed from "../../employees/ChangeFeed"
import { EmployeeRepo } from "../../employees/EmployeeRepo"
import { plural, SharedCache } from "./Shared"

/** `clear` was given nothing to clear. */
export class NothingToClear extends Schema.TaggedError<NothingToClear>()("NothingToClear", {}) {
  override get message(): string {
    return "Say what to clear: --all, --sessions, --employee ID or --activity ID (see clear --help)."
  }
}

/** An employee id given to `clear --employee` that the database does not know. */
export class UnknownEmployee extends Schema.TaggedError<UnknownEmployee>()("UnknownEmployee", {
  employeeId: Schema.Number,
}) {
  override get message(): string {
    return `Nothing cleared: employee ${this.employeeId} does not exist (--employee takes an id of the employees table).`
  }
}

export interface ClearTargets {
  readonly all: boolean
  readonly sessions: boolean
  readonly employees: ReadonlyArray<EmployeeId>
  readonly activities: ReadonlyArray<ActivityId>
}

export interface Target {
  readonly key: string
  /** What the key belongs to, as the operator named it. */
  readonly owner: string
}

/** The keys of each employee; an unknown id fails before anything is deleted. */
export const keysOfEmployees = (ids: ReadonlyArray<EmployeeId>) =>
  Effect.gen(function* () {
    const repo = yield* EmployeeRepo
    return yield* Effect.forEach(ids, (id) =>
      repo.getEmployee(id).pipe(
        Effect.catchTag("EmployeeNotFound", () => new UnknownEmployee({ employeeId: id })),
        Effect.map(
          (employee): ReadonlyArray<Target> =>
            employee.telegramId === null
              ? [
                  {
                    key: InterestsEntry.key(id),
                    owner: `employee ${id}; no Telegram account linked, so no emp: key`,
                  },
                ]
              : [
                  { key: EmployeeEntry.key(employee.telegramId), owner: `employee ${id}` },
                  { key: InterestsEntry.key(id), owner: `employee ${id}` },
                ],
        ),
      ),
    )
  }).pipe(Effect.map(Arr.flatten))

/**
 * Two keys describe the cache rather than hold data, and stay true for an empty cache: the change
 * feed's cursor (which database changes the cache has had: without it the next bot to start could
 * not tell which changes a later warm-up missed), and the sessions' epoch (without it, every bot
 * would take the cleared sessions for lost ones and write its own copies back).
 */
const bookkeepingKeys: ReadonlyArray<string> = [ChangeFeed.cursorKey, sessionsEpochKey]

/** Deletes every key under the prefix, counted per namespace, except the bookkeeping keys. */
const clearAll = (cache: CacheService) =>
  Effect.gen(function* () {
    const keys = (yield* cache.ops.keys("*")).filter((key) => !bookkeepingKeys.includes(key))
    const byNamespace = Arr.groupBy(keys, namespaceOf)
    const counts: Record<Namespace, number> = {
      emp: 0,
      int: 0,
      act: 0,
      sess: 0,
      upd: 0,
      other: 0,
    }
    for (const namespace of Object.keys(counts) as Array<Namespace>) {
      counts[namespace] = yield* cache.ops.delete(byNamespace[namespace] ?? [])
    }
    const detail = Object.entries(counts)
      .map(([namespace, count]) => `${namespace} ${count}`)
      .join(", ")
    yield* Console.log(
      `Deleted every key under the prefix but ${bookkeepingKeys.join(" and ")} (the change feed's position, the sessions' epoch): ${detail}`,
    )
    return Object.values(counts).reduce((sum, count) => sum + count, 0)
  })

/** Deletes the named keys one by one, saying for each whether it was cached. */
const clearKeys = (cache: CacheService, targets: ReadonlyArray<Target>) =>
  Effect.reduce(targets, 0, (total, { key, owner }) =>
    Effect.flatMap(cache.ops.delete([key]), (deleted) =>
      Console.log(deleted > 0 ? `Deleted ${key} (${owner})` : `Not cached: ${key} (${owner})`).pipe(
        Effect.as(total + deleted),
      ),
    ),
  )

/** A usage error, to report before Redis or the database is opened. */
export const requireTargets = ({ all, sessions, employees, activities }: ClearTargets) =>
  !all && !sessions && employees.length === 0 && activities.length === 0
    ? Effect.fail(new NothingToClear())
    : Effect.void

/** `clear` acts on Redis only: this process's own memory holds nothing of the bots'. */
export const sharedCache = SharedCache.layer(
  (reason) =>
    `Nothing cleared: ${reason}. Without Redis each bot process caches in its own memory, out of this command's reach: clearing this process's memory would do nothing.`,
)

/**
 * Deletes what the operator asked for, under the prefix only (SCAN and UNLINK, never FLUSHDB),
 * and says what it deleted. Employees are looked up first, so an unknown id deletes nothing.
 * `lookUp` finds their keys (`keysOfEmployees`): a parameter, so that the database is opened
 * only when `--employee` names some, and only once Redis is known to be there.
 */
export const clear = <E, R>(
  { all, sessions, employees, activities }: ClearTargets,
  lookUp: (ids: ReadonlyArray<EmployeeId>) => Effect.Effect<ReadonlyArray<Target>, E, R>,
) =>
  Effect.gen(function* () {
    const cache = yield* SharedCache
    // --all covers everything the other options name.
    const named: ReadonlyArray<Target> = all
      ? []
      : [
          ...(employees.length === 0 ? [] : yield* lookUp(Arr.dedupe(employees))),
          ...Arr.dedupe(activities).map((id) => ({
            key: ParticipantsEntry.key(id),
            owner: `activity ${id}`,
          })),
        ]
    yield* Console.log(`Clearing ${describeBackend(cache.backend)}, prefix ${cache.prefix}`)
    let total = all ? yield* clearAll(cache) : yield* clearKeys(cache, named)
    if (sessions && !all) {
      const deleted = yield* cache.ops.deleteMatching("sess:*")
      total += deleted
      yield* Console.log(`Deleted ${plural(deleted, "session key")} (sess:*)`)
    }
    yield* Console.log(`Total: ${plural(total, "key")} deleted.`)
  })
