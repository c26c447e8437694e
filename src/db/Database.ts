import * as NodeContext from "@effect/platform-node/NodeContext"
import { Migrator, SqlClient } from "@effect/sql"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { Duration, Effect, Layer, Option, Redacted, String as Str } from "effect"
import Pg from "pg"
import { DatabaseConfig } from "../config"
import { DatabaseError } from "../domain/Errors"
import { embeddedServer } from "./Embedded"
import initial from "./migrations/0001_initial"
import cacheInvalidations from "./migrations/0002_cache_invalidations"
import changeFeedSnapshots from "./migrations/0003_change_feed_snapshots"
import referenceData from "./migrations/0004_reference_data"
import catalogueInvalidation from "./migrations/0005_catalogue_invalidation"
import rounds from "./migrations/0006_rounds"
import organisers from "./migrations/0007_organisers"
import notifications from "./migrations/0008_notifications"
import employeeLocale from "./migrations/0009_employee_locale"
import employeeInvalidationScope from "./migrations/0010_employee_invalidation_scope"

const DATE_OID = 1082

/**
 * Options shared by every PgClient of the app, on real Postgres and on the embedded database:
 * snake_case columns appear as camelCase fields, and `date` columns stay `YYYY-MM-DD` strings
 * (`pg` would turn them into a `Date` at local midnight, which a time zone can shift a day).
 */
export const pgClientOptions = {
  transformResultNames: Str.snakeToCamel,
  transformQueryNames: Str.camelToSnake,
  connectTimeout: Duration.seconds(5),
  types: {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === DATE_OID && format !== "binary"
        ? (value: string) => value
        : Pg.types.getTypeParser(oid, format)) as Pg.CustomTypesConfig["getTypeParser"],
  },
} as const

/** Where the data lives, for logs and `status`: never the URL itself, which carries a password. */
export type DatabaseLocation =
  | { readonly _tag: "Postgres"; readonly host: string; readonly database: string }
  | { readonly _tag: "Embedded"; readonly dataDir: string; readonly owner: boolean }

const describe = (location: DatabaseLocation): string =>
  location._tag === "Postgres"
    ? `Postgres at ${location.host}/${location.database}`
    : location.owner
      ? `the embedded database in ${location.dataDir}`
      : `the embedded database in ${location.dataDir} (opened by another ConnectBot process)`

const locate = (url: Redacted.Redacted<string>): DatabaseLocation => {
  const parsed = new URL(Redacted.value(url))
  return { _tag: "Postgres", host: parsed.host, database: parsed.pathname.replace(/^\//, "") }
}

/**
 * PgClient and SqlClient over `DATABASE_URL`, or over the embedded PGlite database when it is
 * absent. Says once where the data lives. A connection failure is a `DatabaseError`.
 */
export const layer: Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient,
  DatabaseError,
  DatabaseConfig
> = Layer.unwrapScoped(
  Effect.gen(function* () {
    const settings = yield* DatabaseConfig
    if (Option.isSome(settings.url)) {
      const location = locate(settings.url.value)
      yield* Effect.logInfo(`Database: ${describe(location)}`)
      return PgClient.layer({ ...pgClientOptions, url: settings.url.value })
    }
    const server = yield* embeddedServer(settings.embeddedDir)
    yield* Effect.logInfo(
      `Database: ${describe({ _tag: "Embedded", dataDir: settings.embeddedDir, owner: server.owner })} (no DATABASE_URL)`,
    )
    return PgClient.layer({
      ...pgClientOptions,
      host: "127.0.0.1",
      port: server.port,
      username: "postgres",
      database: "postgres",
      // One connection: the socket server runs each connection's messages in turn, and keeps a
      // connection's statements together only inside a transaction; two connections' statements
      // outside one can interleave mid-statement (pglite-socket 0.2.17: "bind message supplies 1
      // parameters, but prepared statement requires 3"), which a stranger's first /start met while
      // the rounds' scheduler and the outbox ran beside it. PGlite runs one statement at a time
      // anyway, so one connection costs no throughput; callers wait their turn in the pool, for
      // longer than a connection attempt would take.
      maxConnections: 1,
      connectTimeout: Duration.seconds(60),
    })
  }),
).pipe(
  Layer.mapError((cause) =>
    cause instanceof DatabaseError ? cause : new DatabaseError({ cause }),
  ),
)

export const migrations = Migrator.fromRecord({
  "0001_initial": initial,
  "0002_cache_invalidations": cacheInvalidations,
  "0003_change_feed_snapshots": changeFeedSnapshots,
  "0004_reference_data": referenceData,
  "0005_catalogue_invalidation": catalogueInvalidation,
  "0006_rounds": rounds,
  "0007_organisers": organisers,
  "0008_notifications": notifications,
  "0009_employee_locale": employeeLocale,
  "0010_employee_invalidation_scope": employeeInvalidationScope,
})

/** Applies every pending migration; returns the ones applied now (none when up to date). */
export const migrate = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // The migrator creates its table before it takes its lock, so processes starting together on
  // a new database would collide: they take turns on an advisory lock, and the table is created
  // here (as the migrator would) because its existence probe would abort our transaction.
  return yield* sql.withTransaction(
    Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
      yield* sql`
        CREATE TABLE IF NOT EXISTS effect_sql_migrations (
          migration_id integer primary key,
          created_at timestamp with time zone not null default now(),
          name text not null
        )`
      return yield* PgMigrator.run({ loader: migrations })
    }),
  )
}).pipe(
  Effect.provide(NodeContext.layer),
  Effect.mapError((cause) => new DatabaseError({ cause })),
)

/**
 * Keys of the transaction-scoped advisory locks (`pg_advisory_xact_lock`) the app takes. Any
 * constant does; these spell "cbmg" and "cbsd" so that ops can tell them in `pg_locks`.
 */
export const MIGRATION_LOCK = 0x63626d67
export const SEED_LOCK = 0x63627364
