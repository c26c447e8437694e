/**
 * Once per `vitest run`: a directory for what test files share within the run (the embedded
 * database's templates, test/support/EmbeddedTemplate.ts; the private Postgres servers' one,
 * test/support/PrivatePostgres.ts), removed when the run ends; and the name of the run's migrated
 * template database on the shared Postgres (test/support/TestDatabase.ts), dropped then.
 */
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import Pg from "pg"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    readonly runDir: string
    readonly templateDatabase: string
  }
}

const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

export default async function setup(project: TestProject) {
  const runDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "connectbot-run-"))
  // The `postgres` user builds and reads its template in here (tests may run as root).
  await Fs.chmod(runDir, 0o755)
  project.provide("runDir", runDir)
  // Built by the first test that asks for a migrated database, if any does.
  const templateDatabase = `cb_template_${randomBytes(6).toString("hex")}`
  project.provide("templateDatabase", templateDatabase)
  return async () => {
    await Fs.rm(runDir, { recursive: true, force: true })
    const client = new Pg.Client({ connectionString: adminUrl })
    // A run of tests that need no Postgres needs none here either.
    await client
      .connect()
      .then(() => client.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`))
      .catch(() => undefined)
    await client.end().catch(() => undefined)
  }
}
