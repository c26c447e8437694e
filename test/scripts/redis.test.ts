/**
 * `tsx scripts/redis.ts` as an operator runs it, on the machine's Redis (each test under prefixes
 * of its own) or on one that does not answer, judged by exit code and output. A child process for
 * what only a process of its own shows (the exit code of a degraded status, warmup's output when
 * stderr is not a terminal); the script's command line in-process (src/cli/redis/Commands.ts:
 * argument parsing, what each command opens and in which order), or a command's Effect over the
 * same layers, for the rest, which spares seconds of tsx start-up a run. Tests, and the runs of
 * one test that do not depend on each other, go concurrently.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import {
  Duration,
  Effect,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schedule,
  Schema,
} from "effect"
import type IORedis from "ioredis"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import * as CacheLive from "../../src/cache/CacheLive"
import { EmployeeEntry, InterestsEntry, ParticipantsEntry } from "../../src/cache/Keys"
import * as Clear from "../../src/cli/redis/Clear"
import { cli } from "../../src/cli/redis/Commands"
import * as SelfTest from "../../src/cli/redis/SelfTest"
import type { StatusJson } from "../../src/cli/redis/Status"
import * as Status from "../../src/cli/redis/Status"
import * as Warmup from "../../src/cli/redis/Warmup"
import { CacheConfig, DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { deleteKeysUnder, newPrefix, rawRedis, testRedisUrl } from "../support/CacheSettings"
import { insertActivity, insertEmployee, interestId, newTelegramId } from "../support/Fixtures"
import { freePort } from "../support/PrivateRedis"
import { runCliInProcess, runInProcess, runScript, type ScriptRun } from "../support/Scripts"
import { freshDatabase, migratedDatabase } from "../support/TestDatabase"

/**
 * Every run costs seconds of CPU (tsx start-up). The tests run concurrently and share these slots:
 * enough to keep the cores busy, few enough that no run comes near its 45 s limit on a busy machine.
 */
const slots = Effect.unsafeMakeSemaphore(2)

const redis = (args: ReadonlyArray<string>, settings: Record<string, string>) =>
  slots.withPermits(1)(runScript("redis.ts", args, settings))

/** The script's command line in-process: what each command opens, and its usage errors. */
const redisInProcess = (args: ReadonlyArray<string>, settings: Record<string, string>) =>
  runCliInProcess(cli, "redis.ts", args, settings)

// The layers scripts/redis.ts gives the commands, reading their settings from the run's own.
const CacheLayer = CacheLive.layer.pipe(Layer.provideMerge(CacheConfig.layer))
const RepoLayer = Layer.mergeAll(EmployeeRepo.layer, InterestRepo.layer, ActivityRepo.layer).pipe(
  Layer.provideMerge(Database.layer.pipe(Layer.provide(DatabaseConfig.layer))),
)

/** The commands, each over the layers scripts/redis.ts provides. */
const command = {
  status: (json: boolean) => Status.status({ json }).pipe(Effect.provide(CacheLayer)),
  test: SelfTest.selfTest.pipe(
    Effect.provide(SelfTest.layer.pipe(Layer.provide(CacheConfig.layer))),
  ),
  clear: (targets: Clear.ClearTargets) =>
    Effect.zipRight(
      Clear.requireTargets(targets),
      Clear.clear(targets, (ids) =>
        Clear.keysOfEmployees(ids).pipe(Effect.provide(RepoLayer)),
      ).pipe(Effect.provide(Clear.sharedCache), Effect.provide(CacheLayer)),
    ),
  warmup: (batchSize: number) =>
    Warmup.warmup({ batchSize }).pipe(
      Effect.provide(RepoLayer),
      Effect.provide(Warmup.sharedCache),
      Effect.provide(CacheLayer),
    ),
}

const clearTargets = (targets: Partial<Clear.ClearTargets>): Clear.ClearTargets => ({
  all: false,
  sessions: false,
  employees: [],
  activities: [],
  ...targets,
})

const output = (run: ScriptRun) => run.stdout + run.stderr
const errorLines = (run: ScriptRun) =>
  run.stderr.split("\n").filter((line) => line.startsWith("Error:"))

/** Every key under `prefix`, relative and sorted (SCAN, as an operator would look). */
const keysUnder = (client: IORedis, prefix: string) =>
  Effect.promise(async () => {
    const found: Array<string> = []
    let cursor = "0"
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)
      found.push(...keys.map((key) => key.slice(prefix.length)))
      cursor = next
    } while (cursor !== "0")
    return found.sort()
  })

/** A raw client on the test Redis, and the prefixes whose keys are deleted afterwards. */
const redisWithCleanup = (...prefixes: ReadonlyArray<string>) =>
  Effect.tap(rawRedis(), (client) =>
    Effect.addFinalizer(() =>
      Effect.forEach(prefixes, (prefix) => deleteKeysUnder(client, prefix), { discard: true }),
    ),
  )

const setRaw = (client: IORedis, entries: Record<string, string>) =>
  Effect.promise(() => client.mset(entries))

/** A fresh, migrated and seeded database; `fill` adds the test's rows. Yields its URL too. */
const databaseWith = <A, E>(fill: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.gen(function* () {
    const { url } = yield* migratedDatabase
    const config = Layer.succeed(DatabaseConfig, {
      url: Option.some(Redacted.make(url)),
      embeddedDir: "./.data/unused",
    })
    const data = yield* Effect.gen(function* () {
      yield* Database.migrate
      yield* seed({ demo: false })
      return yield* fill
    }).pipe(
      Effect.provide(Database.layer.pipe(Layer.provide(config))),
      Logger.withMinimumLogLevel(LogLevel.Warning),
    )
    return { url, data }
  })

/** A redis-server of the test's own that requires a password, stopped with the scope. */
const passwordRedis = (password: string) =>
  Effect.gen(function* () {
    const port = yield* freePort
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(
          "redis-server",
          [
            ...["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password],
            ...["--save", "", "--appendonly", "no"],
          ],
          { stdio: "ignore" },
        ),
      ),
      (server: ChildProcess) => Effect.sync(() => server.kill("SIGKILL")),
    )
    const url = `redis://default:${password}@127.0.0.1:${port}`
    yield* rawRedis(url).pipe(
      Effect.flatMap((client) => Effect.promise(() => client.ping())),
      Effect.scoped,
      Effect.sandbox,
      Effect.retry({ schedule: Schedule.spaced(Duration.millis(50)), times: 100 }),
      Effect.orDie,
    )
    return { port, url }
  })

/** The runs of a test may wait for slots taken by the other tests. */
const testTimeout = 120_000

describe.concurrent("tsx scripts/redis.ts", () => {
  // Live clock: the self-test on the memory backend waits for TTLs to pass.
  it.scopedLive(
    "without a Redis that answers: status says degraded and why (exit 0), test and warmup refuse (exit 1), no password is printed; usage errors",
    () =>
      Effect.gen(function* () {
        const closed = yield* freePort
        const secret = "s3cret"
        const unreachable = {
          REDIS_URL: `redis://:${secret}@127.0.0.1:${closed}`,
          CACHE_PREFIX: newPrefix(),
          // A closed port too: warmup must refuse before it opens the database.
          DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
        }
        const noRedis = { CACHE_PREFIX: newPrefix() }
        const [status, test, warmup, memoryTest, noTarget, badId] = yield* Effect.all(
          [
            redis(["status"], unreachable),
            redisInProcess(["test"], unreachable),
            redisInProcess(["warmup"], unreachable),
            runInProcess(command.test, noRedis),
            redisInProcess(["clear"], unreachable),
            redisInProcess(["clear", "--employee", "0"], noRedis),
          ],
          { concurrency: "unbounded" },
        )

        expect(status.code).toBe(0)
        expect(status.stdout).toMatch(
          new RegExp(
            `^Status: +degraded, on the memory fallback: Redis at 127\\.0\\.0\\.1:${closed} is not reachable`,
            "m",
          ),
        )
        expect(status.stdout).toMatch(/^Keys: +emp 0, int 0, act 0, sess 0, upd 0, other 0/m)

        expect(test.code).toBe(1)
        expect(errorLines(test)).toEqual([
          expect.stringMatching(/not reachable.*only exercise this process's memory fallback/),
        ])
        expect(test.stdout).not.toContain("✓")

        expect(warmup.code).toBe(1)
        expect(errorLines(warmup)).toEqual([
          expect.stringMatching(/^Error: Nothing warmed up: Redis at .* is not reachable/),
        ])
        expect(warmup.stderr).not.toContain("Database")

        // No REDIS_URL: the memory backend is tested, and the report says so.
        expect(memoryTest.code).toBe(0)
        expect(memoryTest.stdout).toContain("in-process memory cache (REDIS_URL is not set)")
        expect(memoryTest.stdout).not.toContain("✗")
        expect(memoryTest.stdout.match(/^✓ /gm)?.length).toBeGreaterThanOrEqual(15)

        // Usage errors come before anything is opened.
        expect(noTarget.code).toBe(1)
        expect(errorLines(noTarget)).toEqual([
          expect.stringMatching(/^Error: Say what to clear: --all, --sessions, --employee/),
        ])
        expect(noTarget.stderr).not.toContain("Cache:")
        expect(badId.code).toBe(1)
        expect(output(badId)).toContain("--employee takes a positive whole number (an id), not '0'")

        for (const run of [status, test, warmup, noTarget]) {
          expect(output(run)).not.toContain(secret)
        }
      }),
    testTimeout,
  )

  // Live clock: waiting for the private Redis to start is a retry on a schedule.
  it.scopedLive(
    "on Redis: status --json counts the keys per namespace; test passes every check, leaves no key behind and never prints the password; a wrong password is refused",
    () =>
      Effect.gen(function* () {
        const prefix = newPrefix()
        const client = yield* redisWithCleanup(prefix)
        yield* setRaw(client, {
          [`${prefix}emp:1`]: "{}",
          [`${prefix}emp:2`]: "{}",
          [`${prefix}int:1`]: "[]",
          [`${prefix}act:3:participants`]: "[]",
          [`${prefix}sess:9`]: "{}",
          [`${prefix}legacy:1`]: "x",
        })
        const password = "Pw-9f2c1e7a"
        const wrong = "Wrong-4b8d0c"
        const secured = yield* passwordRedis(password)
        const securedClient = yield* rawRedis(secured.url)
        // A key the self-test does not own, under its configured prefix: it must survive.
        yield* setRaw(securedClient, { "connectbot:emp:77": "{}" })

        const [status, test, refused] = yield* Effect.all(
          [
            runInProcess(command.status(true), { REDIS_URL: testRedisUrl, CACHE_PREFIX: prefix }),
            runInProcess(command.test, { REDIS_URL: secured.url, CACHE_PREFIX: "connectbot:" }),
            runInProcess(command.clear(clearTargets({ sessions: true })), {
              REDIS_URL: secured.url.replace(password, wrong),
              CACHE_PREFIX: newPrefix(),
            }),
          ],
          { concurrency: "unbounded" },
        )

        expect(status.code).toBe(0)
        const report = JSON.parse(status.stdout) as StatusJson
        expect(report).toMatchObject({
          backend: "redis",
          location: new URL(testRedisUrl).host,
          degraded: false,
          reason: null,
          available: true,
          prefix,
          keys: { emp: 2, int: 1, act: 1, sess: 1, upd: 0, other: 1 },
          totalKeys: 6,
          pendingInvalidations: 0,
        })
        expect(report.server.version).toMatch(/^\d+\.\d+/)
        expect(report.pingMs).toBeGreaterThanOrEqual(0)

        expect(test.code).toBe(0)
        expect(test.stdout).toContain(
          `Testing Redis at 127.0.0.1:${secured.port} under connectbot:selftest:`,
        )
        expect(test.stdout).not.toContain("✗")
        const passed = test.stdout.match(/^✓ .*$/gm) ?? []
        expect(passed.length).toBeGreaterThanOrEqual(15)
        for (const name of ["getOrLoad", "does not decode", "Sessions.clear"]) {
          expect(passed.some((line) => line.includes(name))).toBe(true)
        }
        expect(yield* keysUnder(securedClient, "")).toEqual(["connectbot:emp:77"])

        expect(refused.code).toBe(1)
        expect(errorLines(refused)).toEqual([
          expect.stringMatching(
            new RegExp(
              `^Error: Nothing cleared: Redis at 127.0.0.1:${secured.port} is not reachable`,
            ),
          ),
        ])
        for (const run of [test, refused]) {
          expect(output(run)).not.toContain(password)
          expect(output(run)).not.toContain(wrong)
        }
      }),
    testTimeout,
  )

  // Live clock: the commands run in-process, on real time.
  it.scopedLive(
    "warmup writes what the bot reads; clear deletes exactly what it is asked, under the prefix only",
    () =>
      Effect.gen(function* () {
        const { url, data } = yield* databaseWith(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const linked = [newTelegramId(), newTelegramId(), newTelegramId()]
            const employees = yield* Effect.forEach(linked, (telegramId) =>
              insertEmployee({ telegramId }),
            )
            const unlinked = yield* insertEmployee({})
            const inactive = yield* insertEmployee({
              telegramId: newTelegramId(),
              isActive: false,
            })
            const chess = yield* interestId("chess")
            yield* sql`INSERT INTO employee_interests (employee_id, interest_id)
                       VALUES (${employees[0] ?? 0}, ${chess})`
            const scheduled = yield* insertActivity({ interestCode: "chess" })
            const active = yield* insertActivity({ status: "active" })
            yield* insertActivity({ status: "draft" })
            yield* insertActivity({ status: "completed", inHours: -24 })
            yield* sql`INSERT INTO activity_participants (activity_id, employee_id, status, responded_at)
                       VALUES (${scheduled}, ${employees[0] ?? 0}, 'confirmed', now()),
                              (${scheduled}, ${employees[1] ?? 0}, 'confirmed', now()),
                              (${active}, ${employees[2] ?? 0}, 'declined', now())`
            return { linked, employees, unlinked, inactive, scheduled, active, chess }
          }),
        )
        const { url: emptyUrl } = yield* freshDatabase
        const prefix = newPrefix()
        const neighbour = newPrefix()
        const refusedPrefix = newPrefix()
        const client = yield* redisWithCleanup(prefix, neighbour, refusedPrefix)
        const [tg0, tg1, tg2] = data.linked.map(String)
        const [e0, e1, e2] = data.employees.map(String)
        const outside = {
          [`${neighbour}emp:${tg0}`]: "{}",
          [`${neighbour}sess:1`]: "{}",
          [`${neighbour}act:${data.scheduled}:participants`]: "[]",
        }
        yield* setRaw(client, {
          ...outside,
          [`${prefix}sess:1`]: "{}",
          [`${prefix}sess:2`]: "{}",
          [`${prefix}legacy:1`]: "x",
          [`${refusedPrefix}sess:1`]: "{}",
        })
        const settings = { REDIS_URL: testRedisUrl, CACHE_PREFIX: prefix, DATABASE_URL: url }

        const [warmup, noTables, unknownEmployee] = yield* Effect.all(
          [
            redis(["warmup", "--batch-size", "2"], settings),
            runInProcess(command.warmup(500), {
              ...settings,
              CACHE_PREFIX: newPrefix(),
              DATABASE_URL: emptyUrl,
            }),
            redisInProcess(["clear", "--sessions", "--employee", "999999"], {
              ...settings,
              CACHE_PREFIX: refusedPrefix,
            }),
          ],
          { concurrency: "unbounded" },
        )
        expect(warmup.code).toBe(0)
        expect(warmup.stdout).toMatch(/emp: 3 keys/)
        expect(warmup.stdout).toMatch(/int: 3 keys/)
        expect(warmup.stdout).toMatch(/act: 2 keys/)
        expect(warmup.stdout).toMatch(/ in \d+\.\d s:/)
        // Not a terminal: no progress line.
        expect(warmup.stderr).not.toContain("\r")
        expect(warmup.stderr).not.toContain("Warming up")
        const warmed = [
          `act:${data.active}:participants`,
          `act:${data.scheduled}:participants`,
          `emp:${tg0}`,
          `emp:${tg1}`,
          `emp:${tg2}`,
          `int:${e0}`,
          `int:${e1}`,
          `int:${e2}`,
        ]
        // No bot has recorded the change feed's position in this Redis: warmup does.
        expect(yield* keysUnder(client, prefix)).toEqual(
          [...warmed, "feed:cursor", "legacy:1", "sess:1", "sess:2"].sort(),
        )
        expect(warmup.stdout).toContain("feed:cursor set")
        const read = <A, I>(key: string, schema: Schema.Schema<A, I>) =>
          Effect.promise(() => client.get(`${prefix}${key}`)).pipe(
            Effect.map((raw) => Schema.decodeUnknownSync(Schema.parseJson(schema))(raw)),
          )
        const employee = yield* read(`emp:${tg0}`, EmployeeEntry.schema)
        expect(employee).toMatchObject({ id: data.employees[0], telegramId: data.linked[0] })
        const interests = yield* read(`int:${e0}`, InterestsEntry.schema)
        expect(interests.map((interest) => interest.code)).toEqual(["chess"])
        expect(yield* read(`int:${e1}`, InterestsEntry.schema)).toEqual([])
        const participants = yield* read(
          `act:${data.scheduled}:participants`,
          ParticipantsEntry.schema,
        )
        expect(participants.map((participant) => participant.employeeId)).toEqual(
          data.employees.slice(0, 2),
        )
        // A declined participant holds no place.
        expect(yield* read(`act:${data.active}:participants`, ParticipantsEntry.schema)).toEqual([])
        const ttl = yield* Effect.promise(() => client.pttl(`${prefix}emp:${tg0}`))
        expect(ttl).toBeGreaterThan(3_500_000)
        expect(ttl).toBeLessThanOrEqual(3_600_000)

        expect(noTables.code).toBe(1)
        expect(errorLines(noTables)).toEqual([
          expect.stringMatching(
            /^Error: Database error: .*relation "\w+" does not exist.*db\.ts migrate/,
          ),
        ])

        // An unknown employee: nothing deleted, not even the sessions asked for alongside.
        expect(unknownEmployee.code).toBe(1)
        expect(errorLines(unknownEmployee)).toEqual([
          "Error: Nothing cleared: employee 999999 does not exist (--employee takes an id of the employees table).",
        ])
        expect(yield* keysUnder(client, refusedPrefix)).toEqual(["sess:1"])

        const some = yield* runInProcess(
          command.clear(
            clearTargets({
              employees: [...data.employees.slice(0, 1), data.unlinked],
              activities: [data.scheduled],
              sessions: true,
            }),
          ),
          settings,
        )
        expect(some.code).toBe(0)
        expect(some.stdout).toContain(`Deleted emp:${tg0} (employee ${e0})`)
        expect(some.stdout).toContain(`Deleted int:${e0} (employee ${e0})`)
        expect(some.stdout).toContain(`Not cached: int:${data.unlinked}`)
        expect(some.stdout).toContain(`Deleted act:${data.scheduled}:participants`)
        expect(some.stdout).toContain("Deleted 2 session keys (sess:*)")
        expect(some.stdout).toContain("Total: 5 keys deleted.")
        expect(yield* keysUnder(client, prefix)).toEqual(
          [
            `act:${data.active}:participants`,
            `emp:${tg1}`,
            `emp:${tg2}`,
            `int:${e1}`,
            `int:${e2}`,
            "feed:cursor",
            "legacy:1",
          ].sort(),
        )

        const all = yield* runInProcess(command.clear(clearTargets({ all: true })), settings)
        expect(all.code).toBe(0)
        expect(all.stdout).toContain(
          "Deleted every key under the prefix but feed:cursor and sessions:epoch (the change feed's position, the sessions' epoch): emp 2, int 2, act 1, sess 0, upd 0, other 1",
        )
        expect(all.stdout).toContain("Total: 6 keys deleted.")
        expect(yield* keysUnder(client, prefix)).toEqual(["feed:cursor"])
        // Keys of another prefix are never touched.
        const survivors = yield* Effect.promise(() => client.mget(...Object.keys(outside)))
        expect(survivors).toEqual(Object.values(outside))
      }),
    testTimeout,
  )
})
