import { randomBytes } from "node:crypto"
import type { SqlClient } from "@effect/sql"
import type { PgClient } from "@effect/sql-pg"
import { Effect, Layer } from "effect"
import Pg from "pg"
import { inject } from "vitest"
import * as Database from "../../src/db/Database"
import type { DatabaseError } from "../../src/domain/Errors"
import { databaseAt } from "./DatabaseAt"

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

const urlOf = (name: string) => {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** A database of its own for the surrounding scope, made by `create`, dropped afterwards. */
const ownDatabase = (create: (name: string) => Effect.Effect<unknown>) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const name = `cb_test_${randomBytes(6).toString("hex")}`
      yield* create(name)
      return { name, url: urlOf(name) }
    }),
    ({ name }) => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  )

/**
 * A database of its own for the surrounding scope, dropped afterwards: tests in different files
 * (and runs) never see each other's rows. Yields its URL.
 */
export const freshDatabase = ownDatabase((name) =>
  admin((client) => client.query(`CREATE DATABASE ${name}`)),
)

/** Key of the advisory lock under which one worker builds the run's template database. */
const TEMPLATE_LOCK = 0x63627470

/**
 * The run's template database with every migration applied, built by the first worker that asks
 * while the others wait on an advisory lock; test/support/GlobalSetup.ts names it and drops it.
 * Copying it (CREATE DATABASE … TEMPLATE) takes a fraction of the time migrating a new database
 * does, and the migrations themselves are test/db/migrations.test.ts's.
 */
let template: Promise<string> | undefined

const buildTemplate = async () => {
  const name = inject("templateDatabase")
  const client = new Pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK])
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])
    if (rowCount === 0) {
      // Built under another name and renamed when complete: a worker that dies half-way leaves
      // no half-migrated template behind.
      const building = `${name}_building`
      await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`)
      await client.query(`CREATE DATABASE ${building}`)
      await Effect.runPromise(Effect.scoped(Layer.build(migratedAt(urlOf(building)))))
      await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`)
    }
    return name
  } finally {
    await client.end()
  }
}

/** A database of its own for the scope, as every migration leaves it (from the run's template). */
export const migratedDatabase = ownDatabase((name) =>
  Effect.flatMap(
    Effect.promise(() => {
      template ??= buildTemplate()
      return template
    }),
    (source) => admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${source}`)),
  ),
)

export { databaseAt }

const migratedAt = (url: string) =>
  Layer.effectDiscard(Database.migrate).pipe(Layer.provideMerge(databaseAt(url)))

/** The app's own Database layer over a fresh database. */
export const fresh: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, DatabaseError> =
  Layer.unwrapScoped(Effect.map(freshDatabase, ({ url }) => databaseAt(url)))

/**
 * A database of its own with every migration applied: a copy of the run's template, which the
 * app's migrate finds up to date.
 */
export const migrated: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, DatabaseError> =
  Layer.unwrapScoped(Effect.map(migratedDatabase, ({ url }) => migratedAt(url)))
