import { execFile } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

export const projectRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const tsx = Path.join(projectRoot, "node_modules/.bin/tsx")

export interface ScriptRun {
  /** `null` when the child was killed by the timeout: it fails every expectation. */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `tsx scripts/<script> ...args` as an operator would, with only the given settings:
 * whatever DATABASE_URL, REDIS_URL and the like the test runner has stay out of the child.
 */
export const runScript = (
  script: string,
  args: ReadonlyArray<string>,
  settings: Record<string, string>,
) =>
  Effect.promise(
    () =>
      new Promise<ScriptRun>((resolve) => {
        const env = { ...process.env }
        for (const name of ["DATABASE_URL", "REDIS_URL", "EMBEDDED_DATABASE_DIR", "LOG_LEVEL"]) {
          delete env[name]
        }
        execFile(
          tsx,
          [`scripts/${script}`, ...args],
          { cwd: projectRoot, env: { ...env, NO_COLOR: "1", ...settings }, timeout: 45_000 },
          (error, stdout, stderr) =>
            resolve({
              code: error === null ? 0 : typeof error.code === "number" ? error.code : null,
              stdout,
              stderr,
            }),
        )
      }),
  )

/** A temporary directory for the surrounding scope. */
export const tempDir = Effect.acquireRelease(
  Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "connectbot-test-"))),
  (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true })),
)
