/**
 * The pipeline benchmark's data, on the private Postgres: `pg_stat_statements` loaded, a database
 * and a login role for each bot (so that each one's statements are counted apart from the other's
 * and from the benchmark's own), the same employees and interests in both, and the reset that
 * puts every user's interests back before each run.
 *
 * `bench_ours` is migrated and seeded by the app's own code, then given the simulated users;
 * `bench_peer` is a copy of it (CREATE DATABASE … TEMPLATE), without the cache-invalidation
 * triggers of migration 0002: they feed ConnectBot's cache, which the peer does not have.
 */
import { Effect, Data as EffectData } from "effect"
import type IORedis from "ioredis"
import Pg from "pg"
import { databaseLayer } from "../../drill/World"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import { deleteKeysUnder } from "../../test/support/CacheSettings"
import type { PrivatePostgres } from "../../test/support/PrivatePostgres"
import { seededRandom } from "../Report"

export class SetupFailed extends EffectData.TaggedError("SetupFailed")<{
  readonly message: string
}> {}

export interface Variant {
  readonly id: "ours" | "peer"
  readonly label: string
  /** Its login role and its database (both named so). */
  readonly role: string
  /** Where its sessions live in Redis. */
  readonly sessionPrefix: string
}

export const ours: Variant = {
  id: "ours",
  label: "ConnectBot (src/main.ts)",
  role: "bench_ours",
  sessionPrefix: "connectbot:sess:",
}
export const peer: Variant = {
  id: "peer",
  label: "plain grammY peer (bench/peer/PlainBot.ts)",
  role: "bench_peer",
  sessionPrefix: "peer:sess:",
}

export interface BenchUser {
  readonly index: number
  readonly telegramId: number
  readonly employeeId: number
  readonly firstName: string
  readonly username: string
  /** The interests on at the start of every run. */
  readonly initial: ReadonlySet<number>
  /** Toggled twice (back to as it was). */
  readonly a: number
  /** Toggled once, then saved. */
  readonly b: number
}

export interface World {
  readonly users: ReadonlyArray<BenchUser>
  readonly interestIds: ReadonlyArray<number>
  readonly postgresVersion: string
  readonly statementsTracking: string
}

const telegramIdBase = 8_200_000_000

/** `url` with another user and database. */
export const urlFor = (url: string, role: string, database: string): string => {
  const parsed = new URL(url)
  parsed.username = role
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const attempt = <A>(what: string, work: () => Promise<A>) =>
  Effect.tryPromise({
    try: work,
    catch: (cause) => new SetupFailed({ message: `${what}: ${String(cause)}` }),
  })

/** A plain `pg` client of the benchmark's own (user postgres: never counted), closed after. */
export const withClient = <A>(url: string, work: (client: Pg.Client) => Promise<A>) =>
  attempt("Postgres", async () => {
    const client = new Pg.Client({ connectionString: url })
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end()
    }
  })

/** A client for the whole run, closed when the scope closes. */
export const openClient = (url: string) =>
  Effect.acquireRelease(
    attempt("Postgres", async () => {
      const client = new Pg.Client({ connectionString: url })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.end().catch(() => undefined)),
  )

/** Loads pg_stat_statements (a restart of the private server) and creates the extension. */
export const enableStatementCounting = (postgres: PrivatePostgres) =>
  Effect.gen(function* () {
    yield* withClient(postgres.url, (client) =>
      client.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"),
    )
    yield* postgres.stop
    yield* postgres.start
    return yield* withClient(postgres.url, async (client) => {
      await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
      const { rows } = await client.query<{ track: string; utility: string; version: string }>(
        `SELECT current_setting('pg_stat_statements.track') AS track,
                current_setting('pg_stat_statements.track_utility') AS utility,
                current_setting('server_version') AS version`,
      )
      const row = rows[0]
      return {
        version: row?.version ?? "unknown",
        tracking: `pg_stat_statements.track = ${row?.track}, track_utility = ${row?.utility}`,
      }
    })
  })

/** Both databases and roles, the users and their interests. */
export const prepareWorld = (postgres: PrivatePostgres, userCount: number, seedNumber: number) =>
  Effect.gen(function* () {
    const counting = yield* enableStatementCounting(postgres)
    yield* withClient(postgres.url, async (client) => {
      for (const variant of [ours, peer]) {
        await client.query(`CREATE ROLE ${variant.role} LOGIN SUPERUSER`)
      }
      await client.query(`CREATE DATABASE ${ours.role}`)
    })
    const oursUrl = urlFor(postgres.url, "postgres", ours.role)

    // Tables, reference data (9 interests, departments, offices) as the app makes them.
    yield* Effect.zipRight(Database.migrate, seed({ demo: false })).pipe(
      Effect.provide(databaseLayer(oursUrl)),
      Effect.mapError((error) => new SetupFailed({ message: `migrating: ${String(error)}` })),
    )

    const random = seededRandom(seedNumber)
    const world = yield* withClient(oursUrl, async (client) => {
      const interestIds = (
        await client.query<{ id: number }>("SELECT id FROM interests WHERE is_active ORDER BY id")
      ).rows.map((row) => row.id)
      if (interestIds.length < 2) throw new Error("fewer than 2 interests were seeded")
      const { rows } = await client.query<{ id: number; telegramId: string; n: number }>(
        `INSERT INTO employees (full_name, email, telegram_id, telegram_username, position,
                                department_id, business_center_id, hire_date, authorized)
         SELECT 'Bench User ' || n, 'bench-' || n || '@bench.connectbot.example', $1::bigint + n,
                'bench_user_' || n, 'Engineer',
                (SELECT id FROM departments ORDER BY id
                 OFFSET n % (SELECT count(*) FROM departments) LIMIT 1),
                (SELECT id FROM business_centers ORDER BY id
                 OFFSET n % (SELECT count(*) FROM business_centers) LIMIT 1),
                date '2021-01-01' + n, true
         FROM generate_series(0, $2::int - 1) AS n
         RETURNING id, telegram_id AS "telegramId", telegram_id - $1::bigint AS n`,
        [telegramIdBase, userCount],
      )
      const pick = () => interestIds[Math.floor(random() * interestIds.length)] as number
      const users: Array<BenchUser> = rows
        .map((row) => ({ ...row, n: Number(row.n) }))
        .sort((x, y) => x.n - y.n)
        .map((row) => {
          const initial = new Set(interestIds.filter(() => random() < 0.3))
          const a = pick()
          let b = pick()
          while (b === a) b = pick()
          return {
            index: row.n,
            telegramId: Number(row.telegramId),
            employeeId: row.id,
            firstName: `User${row.n}`,
            username: `bench_user_${row.n}`,
            initial,
            a,
            b,
          }
        })
      await insertInitial(client, users)
      await client.query("ANALYZE")
      return { users, interestIds }
    })

    // The peer's database: a copy, without ConnectBot's cache-invalidation triggers.
    yield* withClient(postgres.url, (client) =>
      client.query(`CREATE DATABASE ${peer.role} TEMPLATE ${ours.role}`),
    )
    yield* withClient(urlFor(postgres.url, "postgres", peer.role), async (client) => {
      const { rows } = await client.query<{ trigger: string; table: string }>(
        `SELECT t.tgname AS trigger, t.tgrelid::regclass::text AS table
         FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE NOT t.tgisinternal AND p.proname LIKE 'connectbot_invalidate%'`,
      )
      for (const row of rows) await client.query(`DROP TRIGGER ${row.trigger} ON ${row.table}`)
    })

    const result: World = {
      ...world,
      postgresVersion: counting.version,
      statementsTracking: counting.tracking,
    }
    return result
  })

const insertInitial = (client: Pg.Client, users: ReadonlyArray<BenchUser>) => {
  const pairs = users.flatMap((user) =>
    [...user.initial].map((interestId) => [user.employeeId, interestId] as const),
  )
  return client.query(
    `INSERT INTO employee_interests (employee_id, interest_id)
     SELECT * FROM unnest($1::int[], $2::int[])`,
    [pairs.map(([employeeId]) => employeeId), pairs.map(([, interestId]) => interestId)],
  )
}

/**
 * Every user's interests as at the start, and no sessions: each run does the same work. For
 * ConnectBot the reset goes through its change feed like any change made outside the bot (the
 * triggers log it; the bot drops the cached interests).
 */
export const resetState = (
  client: Pg.Client,
  redis: IORedis,
  variant: Variant,
  users: ReadonlyArray<BenchUser>,
) =>
  Effect.zipRight(
    attempt("resetting the interests", async () => {
      await client.query("BEGIN")
      try {
        await client.query("DELETE FROM employee_interests WHERE employee_id = ANY($1::int[])", [
          users.map((user) => user.employeeId),
        ])
        await insertInitial(client, users)
        await client.query("COMMIT")
      } catch (error) {
        await client.query("ROLLBACK")
        throw error
      }
      await client.query("VACUUM ANALYZE employee_interests")
    }),
    deleteKeysUnder(redis, variant.sessionPrefix),
  )

/** Users whose interests in the database are not what their run should have left. */
export const wrongOutcomes = (client: Pg.Client, users: ReadonlyArray<BenchUser>) =>
  attempt("reading the outcome", async () => {
    const { rows } = await client.query<{ employeeId: number; interests: Array<number> }>(
      `SELECT employee_id AS "employeeId", array_agg(interest_id ORDER BY interest_id) AS interests
       FROM employee_interests
       WHERE is_active AND employee_id = ANY($1::int[])
       GROUP BY employee_id`,
      [users.map((user) => user.employeeId)],
    )
    const actual = new Map(rows.map((row) => [row.employeeId, row.interests.join(",")]))
    return users.flatMap((user) => {
      const expected = new Set(user.initial)
      if (expected.has(user.b)) expected.delete(user.b)
      else expected.add(user.b)
      const want = [...expected].sort((x, y) => x - y).join(",")
      const got = actual.get(user.employeeId) ?? ""
      return want === got ? [] : [`${user.username}: interests [${got}], expected [${want}]`]
    })
  })
