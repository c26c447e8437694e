import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import Pg from "pg"
import { RepositoriesLive } from "../../src/App"
import * as MemoryCache from "../../src/cache/MemoryCache"
import * as RedisCache from "../../src/cache/RedisCache"
import { CacheConfig, DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import type { TelegramId } from "../../src/domain/Ids"
import * as ChangeFeed from "../../src/employees/ChangeFeed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { deleteKeysUnder, newPrefix, rawRedis, testRedisUrl } from "../support/CacheSettings"
import { initialisedDataDir } from "../support/EmbeddedTemplate"
import { insertEmployee, newTelegramId } from "../support/Fixtures"
import { tempDir } from "../support/Scripts"
import * as TestDatabase from "../support/TestDatabase"

const quiet = Logger.minimumLogLevel(LogLevel.Warning)

/** A connection of its own to the database behind the layer, as HR's `psql` would be. */
const psql = Effect.acquireRelease(
  Effect.flatMap(PgClient.PgClient, ({ config }) =>
    Effect.promise(async () => {
      const client = new Pg.Client({
        host: config.host ?? "127.0.0.1",
        port: config.port ?? 5432,
        user: config.username ?? "postgres",
        database: config.database ?? "postgres",
      })
      await client.connect()
      return client
    }),
  ),
  (client) => Effect.promise(() => client.end()),
)

const sqlBy = (client: Pg.Client, text: string, values: ReadonlyArray<unknown> = []) =>
  Effect.promise(() => client.query(text, [...values]))

/** Polls `read` until it gives `expected` or `within` ends; yields the last value and the time. */
const waitFor = <A, E, R>(read: Effect.Effect<A, E, R>, expected: A, within: Duration.Duration) =>
  Effect.gen(function* () {
    const started = Date.now()
    let seen = yield* read
    while (seen !== expected && Date.now() - started < Duration.toMillis(within)) {
      yield* Effect.sleep(Duration.millis(20))
      seen = yield* read
    }
    return { seen, millis: Date.now() - started }
  })

const recognizedName = (telegramId: TelegramId) =>
  Effect.flatMap(EmployeeRepo, (repo) => repo.recognize({ telegramId })).pipe(
    Effect.map((recognition) =>
      recognition._tag === "Recognized" ? recognition.employee.fullName : recognition._tag,
    ),
  )

/** A migrated, seeded database of the test's own. */
const seededDatabase = Layer.build(
  Layer.provideMerge(Layer.effectDiscard(seed({ demo: false })), TestDatabase.migrated),
)

/**
 * A bot's cached reads and change feed on the machine's Redis, under a prefix of the test's own
 * (deleted afterwards); each `Effect.provide(bot)` is one run of a bot process.
 */
const botOnSharedRedis = Effect.gen(function* () {
  const prefix = newPrefix()
  const redis = yield* rawRedis()
  yield* Effect.addFinalizer(() => deleteKeysUnder(redis, prefix))
  const bot = Layer.mergeAll(
    RepositoriesLive,
    ChangeFeed.layerWith({ pollInterval: Duration.millis(100) }),
  ).pipe(
    Layer.provideMerge(RedisCache.layer),
    Layer.provide(
      Layer.succeed(CacheConfig, { redisUrl: Option.some(Redacted.make(testRedisUrl)), prefix }),
    ),
    Layer.provide(quiet),
  )
  return { prefix, redis, bot }
})

describe("the change feed", () => {
  it.live("a shared Redis gets the changes made while no process was running", () =>
    Effect.gen(function* () {
      const { prefix, redis, bot } = yield* botOnSharedRedis
      const database = yield* seededDatabase
      const telegramId = newTelegramId()
      const employeeId = yield* insertEmployee({ telegramId, fullName: "Before" }).pipe(
        Effect.provide(database),
      )

      // A bot recognises the user (caching them), then stops.
      expect(
        yield* recognizedName(telegramId).pipe(Effect.provide(bot), Effect.provide(database)),
      ).toBe("Before")
      // HR renames them by hand while no bot runs.
      yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`UPDATE employees SET full_name = 'After' WHERE id = ${employeeId}`,
      ).pipe(Effect.provide(database))
      expect(yield* Effect.promise(() => redis.exists(`${prefix}emp:${telegramId}`))).toBe(1)

      // The next bot applies the change before it reads anything.
      expect(
        yield* recognizedName(telegramId).pipe(Effect.provide(bot), Effect.provide(database)),
      ).toBe("After")
    }).pipe(Effect.scoped),
  )

  it.live("a deactivation committed after a later change is applied within 2 s of its COMMIT", () =>
    Effect.gen(function* () {
      const database = yield* seededDatabase
      // The production settings: NOTIFY wakes the feed, a poll every 0.5 s backs it up.
      const bot = yield* Layer.build(
        Layer.mergeAll(RepositoriesLive, ChangeFeed.layer).pipe(
          Layer.provideMerge(MemoryCache.layer({ reason: "test" })),
          Layer.provide(Layer.succeed(CacheConfig, { redisUrl: Option.none(), prefix: "t:" })),
          Layer.provide(Layer.succeedContext(database)),
          Layer.provide(quiet),
        ),
      )
      const leaving = newTelegramId()
      const staying = newTelegramId()
      const leavingId = yield* insertEmployee({ telegramId: leaving, fullName: "Leaving" }).pipe(
        Effect.provide(database),
      )
      const stayingId = yield* insertEmployee({ telegramId: staying, fullName: "Before" }).pipe(
        Effect.provide(database),
      )
      expect(yield* recognizedName(leaving).pipe(Effect.provide(bot))).toBe("Leaving")
      expect(yield* recognizedName(staying).pipe(Effect.provide(bot))).toBe("Before")

      // HR deactivates in a transaction kept open: its change takes the lower log id…
      const hr = yield* psql.pipe(Effect.provide(database))
      yield* sqlBy(hr, "BEGIN")
      yield* sqlBy(hr, "UPDATE employees SET is_active = false WHERE id = $1", [leavingId])
      // …while another change takes a higher one, commits, and is read by the feed.
      const other = yield* psql.pipe(Effect.provide(database))
      yield* sqlBy(other, "UPDATE employees SET full_name = 'After' WHERE id = $1", [stayingId])
      const read = yield* waitFor(
        recognizedName(staying).pipe(Effect.provide(bot)),
        "After",
        Duration.seconds(5),
      )
      expect(read.seen).toBe("After")
      expect(yield* recognizedName(leaving).pipe(Effect.provide(bot))).toBe("Leaving")

      yield* sqlBy(hr, "COMMIT")
      const refused = yield* waitFor(
        recognizedName(leaving).pipe(Effect.provide(bot)),
        "Inactive",
        Duration.seconds(5),
      )
      expect(refused.seen).toBe("Inactive")
      expect(refused.millis).toBeLessThan(2000)
    }).pipe(Effect.scoped),
  )

  it.live("a shared Redis gets a change that committed out of id order while no bot ran", () =>
    Effect.gen(function* () {
      const { prefix, redis, bot } = yield* botOnSharedRedis
      const database = yield* seededDatabase
      const leaving = newTelegramId()
      const staying = newTelegramId()
      const leavingId = yield* insertEmployee({ telegramId: leaving, fullName: "Leaving" }).pipe(
        Effect.provide(database),
      )
      const stayingId = yield* insertEmployee({ telegramId: staying, fullName: "Before" }).pipe(
        Effect.provide(database),
      )
      const hr = yield* psql.pipe(Effect.provide(database))
      const other = yield* psql.pipe(Effect.provide(database))

      // A bot caches both, sees the later change commit first, and stops with its position
      // recorded in Redis; HR commits the earlier change after that.
      yield* Effect.gen(function* () {
        expect(yield* recognizedName(leaving)).toBe("Leaving")
        expect(yield* recognizedName(staying)).toBe("Before")
        yield* sqlBy(hr, "BEGIN")
        yield* sqlBy(hr, "UPDATE employees SET is_active = false WHERE id = $1", [leavingId])
        yield* sqlBy(other, "UPDATE employees SET full_name = 'After' WHERE id = $1", [stayingId])
        expect((yield* waitFor(recognizedName(staying), "After", Duration.seconds(5))).seen).toBe(
          "After",
        )
      }).pipe(Effect.provide(bot), Effect.provide(database))
      yield* sqlBy(hr, "COMMIT")
      expect(yield* Effect.promise(() => redis.exists(`${prefix}emp:${leaving}`))).toBe(1)

      // The next bot applies it before it reads anything.
      expect(
        yield* recognizedName(leaving).pipe(Effect.provide(bot), Effect.provide(database)),
      ).toBe("Inactive")
    }).pipe(Effect.scoped),
  )

  it.live("on the embedded database, changes by another connection arrive by polling", () =>
    Effect.gen(function* () {
      const dir = join(yield* tempDir, "pg")
      // A directory an earlier run made: its creation is not what this test is about.
      yield* initialisedDataDir(dir)
      const database = yield* Layer.build(
        Layer.effectDiscard(Effect.zipRight(Database.migrate, seed({ demo: false }))).pipe(
          Layer.provideMerge(Database.layer),
          Layer.provide(Layer.succeed(DatabaseConfig, { url: Option.none(), embeddedDir: dir })),
          Layer.provide(quiet),
        ),
      )
      const bot = yield* Layer.build(
        Layer.mergeAll(
          RepositoriesLive,
          ChangeFeed.layerWith({ pollInterval: Duration.millis(200) }),
        ).pipe(
          Layer.provideMerge(MemoryCache.layer({ reason: "test" })),
          Layer.provide(Layer.succeed(CacheConfig, { redisUrl: Option.none(), prefix: "t:" })),
          Layer.provide(Layer.succeedContext(database)),
        ),
      )
      const telegramId = newTelegramId()
      const employeeId = yield* insertEmployee({ telegramId, fullName: "Before" }).pipe(
        Effect.provide(database),
      )
      expect(yield* recognizedName(telegramId).pipe(Effect.provide(bot))).toBe("Before")

      // Another client of the same embedded server, as `psql` or an ops script would be.
      const { host, port } = (yield* Effect.provide(PgClient.PgClient, database)).config
      yield* Effect.promise(async () => {
        const client = new Pg.Client({ host, port, user: "postgres", database: "postgres" })
        await client.connect()
        await client.query("UPDATE employees SET is_active = false WHERE id = $1", [employeeId])
        await client.end()
      })
      const deadline = Date.now() + 1000
      let seen = yield* recognizedName(telegramId).pipe(Effect.provide(bot))
      while (seen !== "Inactive" && Date.now() < deadline) {
        yield* Effect.sleep(Duration.millis(20))
        seen = yield* recognizedName(telegramId).pipe(Effect.provide(bot))
      }
      expect(seen).toBe("Inactive")
    }).pipe(Effect.scoped),
  )
})
