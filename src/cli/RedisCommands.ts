/**
 * The cache ops commands of `tsx scripts/redis.ts` (DESIGN.md "Ops commands"): Effect programs
 * over the layers the bot uses. Each opens only what it needs: `status` and `test` the cache;
 * `clear` the database too when it must look up an employee; `warmup` the cache and the database.
 *
 * `clear` and `warmup` act on Redis only: without it every bot process caches in its own memory,
 * which a command running in another process cannot reach.
 */
import { randomBytes } from "node:crypto"
import {
  Array as Arr,
  Cause,
  Console,
  Data,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Option,
  Ref,
  Schema,
  Stream,
} from "effect"
import { Cache, type CacheService, type CacheStatus, describeBackend } from "../cache/Cache"
import * as CacheLive from "../cache/CacheLive"
import {
  cachedReadPatterns,
  EmployeeEntry,
  InterestsEntry,
  type Namespace,
  namespaceOf,
  namespaces,
  ParticipantsEntry,
  sessionKey,
  sessionsEpochKey,
} from "../cache/Keys"
import { CacheConfig, cacheSettingsConfig, DatabaseConfig } from "../config"
import * as Database from "../db/Database"
import { DatabaseError, describeCause } from "../domain/Errors"
import { type ActivityId, type EmployeeId, InterestId, TelegramId } from "../domain/Ids"
import * as ChangeFeed from "../employees/ChangeFeed"
import { EmployeeRepo } from "../employees/EmployeeRepo"
import { Session, Sessions, togglePending } from "../sessions/Sessions"
import { describeFailure } from "./Cli"

const CacheLayer = CacheLive.layer.pipe(Layer.provideMerge(CacheConfig.layer))
const DatabaseLive = Database.layer.pipe(Layer.provide(DatabaseConfig.layer))
const RepoLive = EmployeeRepo.Default.pipe(Layer.provideMerge(DatabaseLive))

/** A command that only makes sense on a Redis shared by the bot processes was run without one. */
export class RedisRequired extends Schema.TaggedError<RedisRequired>()("RedisRequired", {
  reason: Schema.String,
}) {
  override get message(): string {
    return this.reason
  }
}

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

/** Some checks of `test` failed; each was reported on its own line. */
export class SelfTestFailed extends Schema.TaggedError<SelfTestFailed>()("SelfTestFailed", {
  failed: Schema.Number,
  total: Schema.Number,
}) {
  override get message(): string {
    return `${this.failed} of ${this.total} checks failed`
  }
}

/** The cache, if it is Redis; on the memory fallback, `refuse` says why the command stops. */
const sharedCache = (refuse: (reason: string) => string) =>
  Effect.flatMap(Cache, (cache) =>
    cache.backend._tag === "Redis"
      ? Effect.succeed(cache)
      : Effect.fail(new RedisRequired({ reason: refuse(cache.backend.reason) })),
  )

const plural = (count: number, noun: string, nouns = `${noun}s`) =>
  `${count} ${count === 1 ? noun : nouns}`

const formatMillis = (duration: Duration.Duration) => {
  const millis = Duration.toMillis(duration)
  return millis < 10 ? `${millis.toFixed(2)} ms` : `${Math.round(millis)} ms`
}

const formatSeconds = (duration: Duration.Duration) =>
  `${(Duration.toMillis(duration) / 1000).toFixed(1)} s`

// ---------------------------------------------------------------------------------------------
// status

/** What `status --json` prints: stable field names, durations in milliseconds. */
export interface StatusJson {
  readonly backend: "redis" | "memory"
  /** `host:port[/db]` of Redis; `null` on the memory fallback. */
  readonly location: string | null
  /** The memory fallback is in use (with `reason`), or Redis is failing (`available: false`). */
  readonly degraded: boolean
  readonly reason: string | null
  readonly available: boolean
  readonly prefix: string
  readonly server: {
    readonly version: string
    readonly usedMemory: string
    /** Keys in the whole Redis database (or entries of this process's memory cache). */
    readonly entries: number
    readonly maxEntries: number | null
  }
  /** `null` while Redis is failing (it is not asked). */
  readonly pingMs: number | null
  /** Keys under the prefix per namespace, and their total. */
  readonly keys: Readonly<Record<Namespace, number>>
  readonly totalKeys: number
  readonly pendingInvalidations: number
}

const namespaceCounts = (report: CacheStatus): Record<Namespace, number> => ({
  emp: report.keys.emp ?? 0,
  int: report.keys.int ?? 0,
  act: report.keys.act ?? 0,
  sess: report.keys.sess ?? 0,
  upd: report.keys.upd ?? 0,
  other: report.keys.other ?? 0,
})

export const statusJson = (prefix: string, report: CacheStatus): StatusJson => {
  const keys = namespaceCounts(report)
  return {
    backend: report.backend._tag === "Redis" ? "redis" : "memory",
    location: report.backend._tag === "Redis" ? report.backend.location : null,
    degraded: report.backend._tag === "Memory" || !report.available,
    reason: report.backend._tag === "Memory" ? report.backend.reason : null,
    available: report.available,
    prefix,
    server: {
      version: report.server.version,
      usedMemory: report.server.usedMemory,
      entries: report.server.entries,
      maxEntries: report.server.maxEntries ?? null,
    },
    pingMs: Duration.isFinite(report.pingLatency)
      ? Math.round(Duration.toMillis(report.pingLatency) * 1000) / 1000
      : null,
    keys,
    totalKeys: Object.values(keys).reduce((sum, count) => sum + count, 0),
    pendingInvalidations: report.pendingInvalidations,
  }
}

const statusLines = (prefix: string, report: CacheStatus): ReadonlyArray<string> => {
  const json = statusJson(prefix, report)
  const keys = Object.entries(json.keys)
    .map(([namespace, count]) => `${namespace} ${count}`)
    .join(", ")
  if (report.backend._tag === "Memory") {
    return [
      `Status:    degraded, on the memory fallback: ${report.backend.reason}`,
      "Backend:   this command's own in-process memory (each bot process then has its own)",
      `Prefix:    ${prefix}`,
      `Server:    in-process, ${plural(json.server.entries, "entry", "entries")} of at most ${json.server.maxEntries ?? "?"}`,
      `Keys:      ${keys} (${json.totalKeys} under ${prefix})`,
    ]
  }
  return [
    json.available
      ? "Status:    ok"
      : "Status:    degraded: Redis is failing; reads miss and writes are skipped",
    `Backend:   Redis at ${report.backend.location}`,
    `Prefix:    ${prefix}`,
    `Server:    Redis ${json.server.version}, ${json.server.usedMemory} used, ${plural(json.server.entries, "key")} in the database`,
    `Ping:      ${Duration.isFinite(report.pingLatency) ? formatMillis(report.pingLatency) : "no answer"}`,
    `Keys:      ${keys} (${json.totalKeys} under ${prefix})`,
    `Pending invalidations: ${json.pendingInvalidations}`,
  ]
}

/** Backend, server, latency and key counts; exit 0 whether Redis or the fallback is in use. */
export const status = (options: { readonly json: boolean }) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    const report = yield* cache.status
    if (options.json) {
      yield* Console.log(JSON.stringify(statusJson(cache.prefix, report)))
    } else {
      for (const line of statusLines(cache.prefix, report)) yield* Console.log(line)
    }
  }).pipe(Effect.provide(CacheLayer))

// ---------------------------------------------------------------------------------------------
// test

class CheckFailed extends Data.TaggedError("CheckFailed")<{ readonly message: string }> {}

const ensure = (condition: boolean, message: string) =>
  condition ? Effect.void : Effect.fail(new CheckFailed({ message }))

const Probe = Schema.Struct({ n: Schema.Number, text: Schema.String })
const probe: typeof Probe.Type = { n: 42, text: "ConnectBot ✓ кэш" }
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
const show = <A>(value: Option.Option<A>) =>
  Option.match(value, { onNone: () => "nothing", onSome: (a) => JSON.stringify(a) })
const minute = Duration.minutes(1)

interface Check {
  readonly name: string
  readonly run: Effect.Effect<void, unknown>
}

/** Every Cache and Sessions operation, each under keys of the throwaway prefix. */
const checks = (cache: CacheService, sessions: Sessions): ReadonlyArray<Check> => {
  const alice = TelegramId.make(101)
  const bob = TelegramId.make(102)
  const coffee = InterestId.make(3)
  return [
    {
      name: "set, then get returns the value",
      run: Effect.gen(function* () {
        yield* cache.set("probe:value", Probe, probe, minute)
        const read = yield* cache.get("probe:value", Probe)
        yield* ensure(Option.isSome(read) && same(read.value, probe), `read back ${show(read)}`)
      }),
    },
    {
      name: "get of a missing key is a miss",
      run: Effect.gen(function* () {
        const read = yield* cache.get("probe:missing", Probe)
        yield* ensure(Option.isNone(read), `read ${show(read)}`)
      }),
    },
    {
      name: "a value expires after its TTL; get with renewTtl extends it",
      run: Effect.gen(function* () {
        const ttl = Duration.millis(400)
        yield* cache.set("ttl:plain", Probe, probe, ttl)
        yield* cache.set("ttl:renewed", Probe, probe, ttl)
        const renewed = yield* cache.get("ttl:renewed", Probe, { renewTtl: minute })
        yield* ensure(Option.isSome(renewed), "the value was gone before its TTL")
        yield* Effect.sleep(Duration.millis(700))
        yield* ensure(
          Option.isNone(yield* cache.get("ttl:plain", Probe)),
          "a value outlived its TTL",
        )
        yield* ensure(
          Option.isSome(yield* cache.get("ttl:renewed", Probe)),
          "get with renewTtl did not extend the TTL",
        )
      }),
    },
    {
      name: "setMany writes every entry",
      run: Effect.gen(function* () {
        const entries = [1, 2, 3].map((n) => [`batch:${n}`, { ...probe, n }] as const)
        yield* cache.setMany(Probe, entries, minute)
        for (const [key, value] of entries) {
          const read = yield* cache.get(key, Probe)
          yield* ensure(
            Option.isSome(read) && same(read.value, value),
            `${key}: read back ${show(read)}`,
          )
        }
      }),
    },
    {
      name: "add writes a key only when it is absent",
      run: Effect.gen(function* () {
        const first = yield* cache.add("claim:1", Probe, probe, minute)
        const second = yield* cache.add("claim:1", Probe, { ...probe, n: 2 }, minute)
        const read = yield* cache.get("claim:1", Probe)
        yield* cache.delete(["claim:1"])
        yield* ensure(first && !second, `added ${first}, then ${second}`)
        yield* ensure(Option.isSome(read) && same(read.value, probe), `read back ${show(read)}`)
      }),
    },
    {
      name: "keys lists the keys matching a pattern",
      run: Effect.gen(function* () {
        const found = [...(yield* cache.keys("batch:*"))].sort()
        yield* ensure(same(found, ["batch:1", "batch:2", "batch:3"]), `found ${found.join(", ")}`)
      }),
    },
    {
      name: "delete removes the keys and counts those that existed",
      run: Effect.gen(function* () {
        const deleted = yield* cache.delete(["batch:1", "batch:none"])
        yield* ensure(deleted === 1, `counted ${deleted} deleted keys instead of 1`)
        const read = yield* cache.get("batch:1", Probe)
        yield* ensure(Option.isNone(read), "the deleted key is still there")
      }),
    },
    {
      name: "deleteMatching removes the matching keys only",
      run: Effect.gen(function* () {
        const deleted = yield* cache.deleteMatching("batch:*")
        yield* ensure(deleted === 2, `counted ${deleted} deleted keys instead of 2`)
        const left = yield* cache.keys("*")
        yield* ensure(!left.some((key) => key.startsWith("batch:")), "a matching key survived")
        yield* ensure(left.includes("probe:value"), "a key that did not match was deleted")
      }),
    },
    {
      name: "getOrLoad loads a miss once, caches it, then serves the cached value",
      run: Effect.gen(function* () {
        const loads = yield* Ref.make(0)
        const load = Ref.update(loads, (n) => n + 1).pipe(
          Effect.zipRight(Effect.sleep(Duration.millis(50))),
          Effect.as(probe),
        )
        const values = yield* Effect.all(
          Arr.makeBy(5, () => cache.getOrLoad("load:value", Probe, minute, load)),
          { concurrency: "unbounded" },
        )
        yield* ensure(
          values.every((value) => same(value, probe)),
          "a caller got a different value",
        )
        const loaded = yield* Ref.get(loads)
        yield* ensure(loaded === 1, `5 concurrent misses loaded ${plural(loaded, "time")}`)
        yield* cache.getOrLoad("load:value", Probe, minute, load)
        yield* ensure((yield* Ref.get(loads)) === 1, "the loaded value was not cached")
      }),
    },
    {
      name: "a value that does not decode is a miss and is deleted",
      run: Effect.gen(function* () {
        yield* cache.set("corrupt:value", Schema.String, "not a probe", minute)
        const read = yield* cache.get("corrupt:value", Probe)
        yield* ensure(Option.isNone(read), `served ${show(read)}`)
        const left = yield* cache.keys("corrupt:*")
        yield* ensure(left.length === 0, "the value that does not decode is still there")
        // The warning the cache logs for a dropped value is what this check provokes.
      }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)),
    },
    {
      name: "ping answers",
      run: Effect.gen(function* () {
        const latency = yield* cache.ping
        yield* ensure(Duration.isFinite(latency), "no latency measured")
      }),
    },
    {
      name: "status reports the backend and counts keys per namespace",
      run: Effect.gen(function* () {
        const perNamespace = ["emp:1", "int:1", "act:1:participants", "sess:1", "upd:1:1"]
        yield* cache.setMany(
          Probe,
          perNamespace.map((key) => [key, probe] as const),
          minute,
        )
        const report = yield* cache.status
        const all = yield* cache.keys("*")
        yield* cache.delete(perNamespace)
        yield* ensure(
          report.backend._tag === cache.backend._tag,
          `reported ${describeBackend(report.backend)}`,
        )
        yield* ensure(report.available, "reported the backend unavailable")
        const counts = namespaceCounts(report)
        yield* ensure(
          namespaces.every((namespace) => counts[namespace] === 1) &&
            counts.other === all.length - perNamespace.length,
          `counted ${JSON.stringify(counts)} for ${plural(all.length, "key")}`,
        )
      }),
    },
    {
      name: "Sessions.update creates a session that Sessions.get returns",
      run: Effect.gen(function* () {
        const created = yield* sessions.update(
          alice,
          (session) => new Session({ ...session, step: "interests" }),
        )
        const read = yield* sessions.get(alice)
        yield* ensure(
          Option.isSome(read) &&
            read.value.step === "interests" &&
            read.value.createdAt.getTime() === created.createdAt.getTime(),
          `read back ${show(read)}`,
        )
        const stored = yield* cache.keys(sessionKey(alice))
        yield* ensure(stored.length === 1, `no ${sessionKey(alice)} key in the cache`)
      }),
    },
    {
      name: "Sessions.update keeps pending interest changes; a second press undoes the first",
      run: Effect.gen(function* () {
        const press = (session: Session) =>
          new Session({
            ...session,
            pendingInterests: togglePending(session.pendingInterests, coffee, false),
          })
        yield* sessions.update(alice, press)
        const pressed = yield* sessions.get(alice)
        yield* ensure(
          Option.isSome(pressed) && same(pressed.value.pendingInterests.enable, [coffee]),
          `after one press: ${show(Option.map(pressed, (s) => s.pendingInterests))}`,
        )
        yield* sessions.update(alice, press)
        const undone = yield* sessions.get(alice)
        yield* ensure(
          Option.isSome(undone) && same(undone.value.pendingInterests, { enable: [], disable: [] }),
          `after two presses: ${show(Option.map(undone, (s) => s.pendingInterests))}`,
        )
      }),
    },
    {
      name: "Sessions.inOrder runs one user's work in order, other users' meanwhile",
      run: Effect.gen(function* () {
        const order = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (label: string) => Ref.update(order, (labels) => [...labels, label])
        const first = yield* Effect.fork(
          sessions.inOrder(alice)(Effect.zipRight(Effect.sleep("100 millis"), record("alice 1"))),
        )
        yield* Effect.sleep("10 millis")
        const second = yield* Effect.fork(sessions.inOrder(alice)(record("alice 2")))
        yield* Effect.sleep("10 millis")
        const other = yield* Effect.fork(sessions.inOrder(bob)(record("bob")))
        yield* Fiber.join(Fiber.zip(Fiber.zip(first, second), other))
        const ran = yield* Ref.get(order)
        yield* ensure(same(ran, ["bob", "alice 1", "alice 2"]), `ran ${ran.join(", ")}`)
      }),
    },
    {
      name: "Sessions.clear forgets the session",
      run: Effect.gen(function* () {
        yield* sessions.clear(alice)
        const read = yield* sessions.get(alice)
        yield* ensure(Option.isNone(read), `read back ${show(read)}`)
        const stored = yield* cache.keys("sess:*")
        yield* ensure(stored.length === 0, `left ${stored.join(", ")}`)
      }),
    },
    {
      name: "no keys are left under the throwaway prefix",
      run: Effect.gen(function* () {
        yield* cache.deleteMatching("*")
        const left = yield* cache.keys("*")
        yield* ensure(left.length === 0, `left ${left.join(", ")}`)
      }),
    },
  ]
}

const describeCheckFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    return describeFailure(failure.value)?.replaceAll("\n", "; ") ?? "failed"
  }
  return Cause.isInterruptedOnly(cause) ? "interrupted" : `defect: ${Cause.pretty(cause)}`
}

/** The configured cache settings, with a prefix of the run's own under `selftest:`. */
const selfTestConfig = Layer.effect(
  CacheConfig,
  Effect.gen(function* () {
    const settings = yield* cacheSettingsConfig
    const run = yield* Effect.sync(() => randomBytes(4).toString("hex"))
    return { ...settings, prefix: `${settings.prefix}selftest:${run}:` }
  }),
)

const checkTimeout = Duration.seconds(5)

/**
 * Runs every check on the configured backend under `<CACHE_PREFIX>selftest:<random>:`, one
 * report line each, and deletes everything under that prefix afterwards, even on failure or
 * Ctrl-C. Refuses to run when REDIS_URL is set but Redis does not answer: it would only test this
 * process's memory fallback.
 */
export const selfTest = Effect.gen(function* () {
  const settings = yield* CacheConfig
  const cache = yield* Cache
  if (Option.isSome(settings.redisUrl) && cache.backend._tag === "Memory") {
    return yield* new RedisRequired({
      reason: `${cache.backend.reason}. The self-test would only exercise this process's memory fallback, not the configured Redis.`,
    })
  }
  const sessions = yield* Sessions
  yield* Console.log(
    cache.backend._tag === "Redis"
      ? `Testing Redis at ${cache.backend.location} under ${cache.prefix} (throwaway keys)`
      : `Testing the in-process memory cache (${cache.backend.reason}) under ${cache.prefix} (throwaway keys). This shows that the code works, not that a shared cache does.`,
  )
  const all = checks(cache, sessions)
  const passed = yield* Effect.forEach(all, (check) =>
    check.run.pipe(
      Effect.timeoutFail({
        duration: checkTimeout,
        onTimeout: () =>
          new CheckFailed({ message: `no answer within ${Duration.format(checkTimeout)}` }),
      }),
      Effect.exit,
      Effect.tap((exit) =>
        Console.log(
          Exit.match(exit, {
            onSuccess: () => `✓ ${check.name}`,
            onFailure: (cause) => `✗ ${check.name}: ${describeCheckFailure(cause)}`,
          }),
        ),
      ),
      Effect.map(Exit.isSuccess),
    ),
  ).pipe(Effect.ensuring(Effect.ignore(cache.deleteMatching("*"))))
  const failed = passed.filter((ok) => !ok).length
  if (failed > 0) return yield* new SelfTestFailed({ failed, total: all.length })
  yield* Console.log(`All ${all.length} checks passed; no keys left behind.`)
}).pipe(
  Effect.provide(Sessions.Default.pipe(Layer.provideMerge(CacheLive.layer))),
  Effect.provide(selfTestConfig),
)

// ---------------------------------------------------------------------------------------------
// clear

export interface ClearTargets {
  readonly all: boolean
  readonly sessions: boolean
  readonly employees: ReadonlyArray<EmployeeId>
  readonly activities: ReadonlyArray<ActivityId>
}

interface Target {
  readonly key: string
  /** What the key belongs to, as the operator named it. */
  readonly owner: string
}

/** The keys of each employee; an unknown id fails before anything is deleted. */
const keysOfEmployees = (ids: ReadonlyArray<EmployeeId>) =>
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
  }).pipe(Effect.map(Arr.flatten), Effect.provide(RepoLive))

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
    const keys = (yield* cache.keys("*")).filter((key) => !bookkeepingKeys.includes(key))
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
      counts[namespace] = yield* cache.delete(byNamespace[namespace] ?? [])
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
    Effect.flatMap(cache.delete([key]), (deleted) =>
      Console.log(deleted > 0 ? `Deleted ${key} (${owner})` : `Not cached: ${key} (${owner})`).pipe(
        Effect.as(total + deleted),
      ),
    ),
  )

/**
 * Deletes what the operator asked for, under the prefix only (SCAN and UNLINK, never FLUSHDB),
 * and says what it deleted. Employees are looked up first, so an unknown id deletes nothing.
 */
export const clear = ({ all, sessions, employees, activities }: ClearTargets) =>
  Effect.gen(function* () {
    // A usage error, reported before Redis or the database is opened.
    if (!all && !sessions && employees.length === 0 && activities.length === 0) {
      return yield* new NothingToClear()
    }
    yield* Effect.gen(function* () {
      const cache = yield* sharedCache(
        (reason) =>
          `Nothing cleared: ${reason}. Without Redis each bot process caches in its own memory, out of this command's reach: clearing this process's memory would do nothing.`,
      )
      // --all covers everything the other options name.
      const named: ReadonlyArray<Target> = all
        ? []
        : [
            ...(employees.length === 0 ? [] : yield* keysOfEmployees(Arr.dedupe(employees))),
            ...Arr.dedupe(activities).map((id) => ({
              key: ParticipantsEntry.key(id),
              owner: `activity ${id}`,
            })),
          ]
      yield* Console.log(`Clearing ${describeBackend(cache.backend)}, prefix ${cache.prefix}`)
      let total = all ? yield* clearAll(cache) : yield* clearKeys(cache, named)
      if (sessions && !all) {
        const deleted = yield* cache.deleteMatching("sess:*")
        total += deleted
        yield* Console.log(`Deleted ${plural(deleted, "session key")} (sess:*)`)
      }
      yield* Console.log(`Total: ${plural(total, "key")} deleted.`)
    }).pipe(Effect.provide(CacheLayer))
  })

// ---------------------------------------------------------------------------------------------
// warmup

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
    const cursor = yield* cache.get(ChangeFeed.cursorKey, ChangeFeed.Position)
    if (Option.isSome(cursor)) return false
    yield* cache.set(ChangeFeed.cursorKey, ChangeFeed.Position, mark, ChangeFeed.cursorTtl)
    return true
  })

/** Writes `emp:`, `int:` and `act:` keys from the database in pipelined batches. */
const fill = (cache: CacheService, batchSize: number) =>
  Effect.gen(function* () {
    const repo = yield* EmployeeRepo
    const log = yield* ChangeFeed.changeLog()
    const progress = progressLine(process.stderr)
    // A bot process drops the keys of a change as soon as it commits; a value that warmup read
    // just before a change and wrote just after that drop would be stale for its whole TTL. So
    // warmup notes where the log stood before it read anything and, once it has written, drops
    // the keys of every change committed since.
    const mark = yield* log.now
    const employeeTotal = yield* repo.linkedEmployeeCount
    const activities = yield* repo.openActivities
    const report = (employees: number, activitiesDone: number) =>
      progress.show(
        `Warming up: employees ${employees}/${employeeTotal}, activities ${activitiesDone}/${activities.length}`,
      )
    yield* report(0, 0)

    const employees = yield* repo.linkedEmployees(batchSize).pipe(
      Stream.runFoldEffect(0, (done, batch) =>
        Effect.gen(function* () {
          const interests = yield* repo.activeInterestsOf(batch.map((employee) => employee.id))
          yield* cache.setMany(
            EmployeeEntry.schema,
            batch.flatMap((employee) =>
              employee.telegramId === null
                ? []
                : [[EmployeeEntry.key(employee.telegramId), employee] as const],
            ),
            EmployeeEntry.ttl,
          )
          yield* cache.setMany(
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
      const participants = yield* repo.participantsOf(batch.map((activity) => activity.id))
      yield* cache.setMany(
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
          Effect.map(cache.deleteMatching(pattern), (count) => total + count),
        )
      : (yield* cache.delete(changed.keys)) +
        (yield* Effect.reduce(changed.patterns, 0, (total, pattern) =>
          Effect.map(cache.deleteMatching(pattern), (count) => total + count),
        ))
    const cursorSet = yield* recordFeedPosition(cache, mark)
    return { employees, activities: activities.length, dropped, cursorSet }
  }).pipe(
    Effect.ensuring(progressLine(process.stderr).done),
    Effect.catchTag("DatabaseError", explainMissingTables),
    Effect.provide(RepoLive),
  )

/**
 * Fills Redis with what the bot reads most: active employees with a Telegram id, their
 * interests, and the participants of scheduled and active activities. Only reads the database.
 */
export const warmup = (options: { readonly batchSize: number }) =>
  Effect.gen(function* () {
    const cache = yield* sharedCache(
      (reason) =>
        `Nothing warmed up: ${reason}. Without Redis each bot process fills its own memory as it reads: warming this process's memory would be pointless.`,
    )
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
  }).pipe(Effect.provide(CacheLayer))
