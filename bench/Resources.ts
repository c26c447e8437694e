/**
 * What the benchmark owns for one run, and gives back when its scope closes (also on a failure or
 * Ctrl-C): a database of its own on the local Postgres, filled with employees, and a key prefix
 * of its own on the local Redis.
 */
import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Data, Effect, Layer, Redacted, Schema } from "effect"
import IORedis from "ioredis"
import Pg from "pg"
import * as RedisCache from "../src/cache/RedisCache"
import * as Database from "../src/db/Database"
import { seed } from "../src/db/Seed"
import { EmployeeId, TelegramId } from "../src/domain/Ids"
import { deleteKeysUnder } from "../test/support/CacheSettings"
import { databaseAt } from "../test/support/DatabaseAt"

/** The bench could not set up or reach what it measures. */
export class BenchSetupError extends Data.TaggedError("BenchSetupError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

const onAdminConnection = (adminUrl: string, statement: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new Pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        await client.query(statement)
      } finally {
        await client.end()
      }
    },
    catch: (cause) =>
      new BenchSetupError({ message: `Postgres refused "${statement}": ${String(cause)}`, cause }),
  })

/** `cb_bench_<random>` on the admin connection's server, dropped when the scope closes. */
const throwawayDatabase = (adminUrl: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const name = `cb_bench_${randomBytes(6).toString("hex")}`
      yield* onAdminConnection(adminUrl, `CREATE DATABASE ${name}`)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return { name, url: url.toString() }
    }),
    ({ name }) =>
      onAdminConnection(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(
        Effect.catchAll((error) => Effect.logError(`could not drop ${name}: ${error.message}`)),
      ),
  )

/** The app's own Database layer over a throwaway database. */
const throwawayDatabaseLayer = (adminUrl: string) =>
  Layer.unwrapScoped(Effect.map(throwawayDatabase(adminUrl), ({ url }) => databaseAt(url)))

/** A throwaway database, migrated and seeded as the app does it. */
export const database = (adminUrl: string) =>
  Layer.effectDiscard(Effect.zipRight(Database.migrate, seed({ demo: false }))).pipe(
    Layer.provideMerge(throwawayDatabaseLayer(adminUrl)),
  )

/** An employee the read path can recognise: what a Telegram update carries, and the row's id. */
export interface Reader {
  readonly telegramId: TelegramId
  readonly employeeId: EmployeeId
}

const ReaderRow = Schema.Struct({ employeeId: EmployeeId, telegramId: TelegramId })

/**
 * `count` active, linked employees shaped like HR's (department, office, phone, dates), each with
 * 2–4 of the seeded interests picked by a hash of their id, in two statements.
 */
export const insertEmployees = (count: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`
      INSERT INTO employees (full_name, email, telegram_id, telegram_username, phone, position,
                             department_id, business_center_id, hire_date, authorized, last_activity)
      SELECT 'Сотрудник ' || n, 'bench-' || n || '@bench.connectbot.example', 5000000000 + n,
             'bench_user_' || n, '+7 900 ' || lpad(n::text, 7, '0'), 'Инженер',
             (SELECT id FROM departments ORDER BY id
              OFFSET n % (SELECT count(*) FROM departments) LIMIT 1),
             (SELECT id FROM business_centers ORDER BY id
              OFFSET n % (SELECT count(*) FROM business_centers) LIMIT 1),
             date '2020-01-01' + n, true, now()
      FROM generate_series(1, ${count}) AS n
      RETURNING id AS employee_id, telegram_id`
    yield* sql`
      INSERT INTO employee_interests (employee_id, interest_id)
      SELECT e.id, i.id FROM employees e
      CROSS JOIN LATERAL (
        SELECT id FROM interests ORDER BY md5(e.id || ':' || code) LIMIT 2 + e.id % 3
      ) i`
    yield* sql`ANALYZE`
    return yield* Schema.decodeUnknown(Schema.Array(ReaderRow))(rows)
  })

export const postgresVersion = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ version: string }>`SELECT current_setting('server_version') AS version`
  return row?.version ?? "unknown"
})

/** A plain ioredis client: the floor is measured on it, and it deletes the bench's keys. */
export const plainRedis = (url: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = new IORedis(url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        })
        // ioredis rejects with "Connection is closed"; the socket's error event says why.
        let socketError: unknown
        client.on("error", (error) => {
          socketError = error
        })
        await client.connect().catch((error) => {
          throw socketError ?? error
        })
        return client
      },
      catch: (cause) =>
        new BenchSetupError({
          message: `Redis at ${RedisCache.locationOf(Redacted.make(url))} does not answer: ${String(cause)}`,
          cause,
        }),
    }),
    (client) => Effect.promise(() => client.quit().catch(() => client.disconnect())),
  )

export const redisVersion = (client: IORedis) =>
  Effect.map(
    Effect.promise(() => client.info("server")),
    (info) => /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown",
  )

/** `cbbench:<random>:`; every key under it is deleted (SCAN + UNLINK) when the scope closes. */
export const throwawayPrefix = (client: IORedis) =>
  Effect.acquireRelease(
    Effect.sync(() => `cbbench:${randomBytes(6).toString("hex")}:`),
    (prefix) =>
      deleteKeysUnder(client, prefix).pipe(
        Effect.catchAllDefect(() => Effect.logError(`could not delete ${prefix}* keys`)),
      ),
  )
