/**
 * Once per `vitest run`: a directory for what test files share within the run (the embedded
 * database's template, test/support/EmbeddedTemplate.ts; the private Postgres servers' one,
 * test/support/PrivatePostgres.ts), removed when the run ends.
 */
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    readonly runDir: string
  }
}

export default async function setup(project: TestProject) {
  const runDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "connectbot-run-"))
  // The `postgres` user builds and reads its template in here (tests may run as root).
  await Fs.chmod(runDir, 0o755)
  project.provide("runDir", runDir)
  return () => Fs.rm(runDir, { recursive: true, force: true })
}
