import { randomBytes } from "node:crypto"
import type { SqlClient } from "@effect/sql"
import type { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import Pg from "pg"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import type { DatabaseError } from "../../src/domain/Errors"

/** The Postgres this machine runs (trust auth); tests create their own databases on it. */
export const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const admin = <A>(run: (client: Pg.Client) => Promise<A>) =>
  Effect.promise(async () => {
    const client = new Pg.Client({ connectionString: adminUrl })
    await client.connect()
    try {
      return await run(client)
    } finally {
      await client.end()
    }
  })

/**
 * A database of its own for the surrounding scope, dropped afterwards: tests in different files
 * (and runs) never see each other's rows. Yields its URL.
 */
export const freshDatabase = Effect.acquireRelease(
  Effect.gen(function* () {
    const name = `cb_test_${randomBytes(6).toString("hex")}`
    yield* admin((client) => client.query(`CREATE DATABASE ${name}`))
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  }),
  ({ name }) => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
)

/** The app's own Database layer over a fresh database. */
export const fresh: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, DatabaseError> =
  Layer.unwrapScoped(
    Effect.map(freshDatabase, ({ url }) =>
      Database.layer.pipe(
        Layer.provide(
          Layer.succeed(DatabaseConfig, {
            url: Option.some(Redacted.make(url)),
            embeddedDir: "./.data/unused",
          }),
        ),
        // "Database: Postgres at …" once per test file is noise in the test output.
        Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
      ),
    ),
  )

/** A fresh database with every migration applied. */
export const migrated: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, DatabaseError> =
  Layer.effectDiscard(Database.migrate).pipe(Layer.provideMerge(fresh))
