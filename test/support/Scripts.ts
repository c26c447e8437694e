import { type ChildProcess, execFile } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { NodeContext } from "@effect/platform-node"
import {
  Cause,
  ConfigError,
  ConfigProvider,
  Effect,
  Exit,
  FiberRef,
  HashSet,
  Logger,
  Option,
} from "effect"
import { describeFailure } from "../../src/cli/Cli"

export const projectRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const tsx = Path.join(projectRoot, "node_modules/.bin/tsx")

/**
 * The node flags `npm start` runs the bot with (package.json: `node FLAGS --import tsx
 * src/main.ts`), so that what tests and benchmarks start is what operators start.
 */
export const startNodeFlags = async (): Promise<ReadonlyArray<string>> => {
  const manifest = JSON.parse(
    await Fs.readFile(Path.join(projectRoot, "package.json"), "utf8"),
  ) as { readonly scripts: { readonly start: string } }
  const words = manifest.scripts.start.trim().split(/\s+/)
  const tsxAt = words.indexOf("--import")
  if (words[0] !== "node" || tsxAt === -1 || words[tsxAt + 1] !== "tsx") {
    throw new Error(
      `package.json's start is not 'node [flags] --import tsx ENTRY': ${manifest.scripts.start}`,
    )
  }
  return words.slice(1, tsxAt)
}

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
          { cwd: projectRoot, env: { ...env, NO_COLOR: "1", ...settings }, timeout: 100_000 },
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

/**
 * A command's Effect run in-process with only the given settings, its output as the script would
 * print it (src/cli/Cli.ts `runScript`): Console.log lines on stdout; Console.error lines (the
 * usage errors of @effect/cli), log lines, and an `Error:` line for a failure, on stderr. A
 * command that succeeds with a number exits with it, as scripts/db.ts makes import-employees do.
 */
export const runInProcess = <E>(
  command: Effect.Effect<unknown, E, NodeContext.NodeContext>,
  settings: Record<string, string>,
) =>
  Effect.gen(function* () {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    const capture = Logger.make(({ message }) => {
      stderr.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
    })
    const exit = yield* Effect.consoleWith((console) =>
      Effect.withConsole(command, {
        ...console,
        log: (...args) => Effect.sync(() => void stdout.push(args.map(String).join(" "))),
        error: (...args) => Effect.sync(() => void stderr.push(args.map(String).join(" "))),
      }),
    ).pipe(
      Effect.provide(NodeContext.layer),
      Effect.locally(FiberRef.currentLoggers, HashSet.make(capture)),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(settings)))),
      Effect.exit,
    )
    if (Exit.isFailure(exit)) {
      const failure = Cause.failureOption(exit.cause)
      const line = Option.isSome(failure)
        ? describeFailure(failure.value)
        : `unexpected defect (a bug): ${Cause.pretty(exit.cause)}`
      // None for a usage error: @effect/cli printed it already, with the usage.
      if (line !== undefined) {
        const lines =
          Option.isSome(failure) && ConfigError.isConfigError(failure.value)
            ? line.split("\n")
            : [line]
        for (const each of lines) stderr.push(`Error: ${each}`)
      }
    }
    const text = (lines: ReadonlyArray<string>) => lines.map((line) => `${line}\n`).join("")
    return {
      code: Exit.isSuccess(exit) ? (typeof exit.value === "number" ? exit.value : 0) : 1,
      stdout: text(stdout),
      stderr: text(stderr),
    } satisfies ScriptRun
  })

/**
 * `tsx scripts/<script> ...args` in-process: the script's own command line (src/cli/<name>/
 * Commands.ts), parsed and run as the script runs it, over `runInProcess`. For what does not need
 * a process of its own: help, usage errors, settings at fault.
 */
export const runCliInProcess = <E>(
  cli: (argv: ReadonlyArray<string>) => Effect.Effect<void, E, NodeContext.NodeContext>,
  script: string,
  args: ReadonlyArray<string>,
  settings: Record<string, string>,
) => runInProcess(cli(["node", `scripts/${script}`, ...args]), settings)

/**
 * Calls `onLine` for each line a child process prints on stdout or stderr, as it comes; the last
 * line without a newline when the process closes (before the caller's own "close" listeners, when
 * called right after spawning).
 */
export const readLines = (child: ChildProcess, onLine: (line: string) => void) => {
  let buffered = ""
  const take = (chunk: Buffer) => {
    buffered += chunk.toString("utf8")
    const lines = buffered.split("\n")
    buffered = lines.pop() ?? ""
    for (const line of lines) onLine(line)
  }
  child.stdout?.on("data", take)
  child.stderr?.on("data", take)
  child.once("close", () => {
    if (buffered !== "") onLine(buffered)
    buffered = ""
  })
}
