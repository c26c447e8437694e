/**
 * The app's own Database layer (PgClient + SqlClient) over a Postgres database at `url`: each
 * build is a pool of its own, another process as Postgres sees it. Shared by the tests
 * (TestDatabase), the benchmarks and the drill; it imports nothing of vitest, so that
 * `npm run bench` and `npm run drill` can use it outside a test run.
 */
import { Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"

export const databaseAt = (url: string) =>
  Database.layer.pipe(
    Layer.provide(
      Layer.succeed(DatabaseConfig, {
        url: Option.some(Redacted.make(url)),
        embeddedDir: "./.data/unused",
      }),
    ),
    // "Database: Postgres at …" at each build is noise in the output of tests, bench and drill.
    Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
  )
