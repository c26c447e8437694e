/**
 * The real bot, `src/main.ts`, as a child process run the way the Dockerfile runs it
 * (`node --import tsx`: one process, which gets the signals), in a directory of its own so that
 * a `.env` of the project cannot leak in, with exactly the settings given. A supervisor: when the
 * child exits without being asked to, that is a crash — recorded with its last lines — and it is
 * started again (as a container's restart policy would), so the drill can go on measuring.
 *
 * The child gets a process group of its own: Ctrl-C in the terminal reaches only the drill, which
 * then stops the bot itself (SIGTERM, then SIGKILL) — a Ctrl-C must not look like a crash.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync } from "node:fs"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { Data, Duration, Effect, type Scope } from "effect"
import { projectRoot, readLines } from "../test/support/Scripts"

const tsxLoader = pathToFileURL(Path.join(projectRoot, "node_modules/tsx/dist/loader.mjs")).href
const entry = Path.join(projectRoot, "src/main.ts")

export class BotStartFailed extends Data.TaggedError("BotStartFailed")<{
  readonly message: string
}> {}

export interface Crash {
  readonly at: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly lastLines: ReadonlyArray<string>
}

export interface Rss {
  /** Resident set size now, bytes. */
  readonly rss: number
  /** The highest it has been (VmHWM), bytes. */
  readonly peak: number
}

export interface BotProcess {
  readonly pid: () => number | undefined
  readonly crashes: ReadonlyArray<Crash>
  readonly rss: Effect.Effect<Rss | undefined>
  /** Lines the bot logged at these levels so far (every start). */
  readonly logged: () => {
    readonly errors: number
    readonly warnings: number
    readonly firstErrors: ReadonlyArray<string>
  }
  /** Waits until the (re)started bot listens again. */
  readonly ready: Effect.Effect<void, BotStartFailed>
}

/** `DRILL_BOT_LOG=FILE npm run drill` appends every line the bot logs to FILE. */
const logFile = process.env.DRILL_BOT_LOG

/** Every live bot child, for the last-resort kill when the drill itself exits abruptly. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on("exit", () => {
    for (const child of live) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL")
        } catch {
          // gone already
        }
      }
    }
  })
}

const readRss = async (pid: number): Promise<Rss | undefined> => {
  try {
    const status = await Fs.readFile(`/proc/${pid}/status`, "utf8")
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1])
    const rss = field("VmRSS")
    const peak = field("VmHWM")
    return Number.isFinite(rss) ? { rss: rss * 1024, peak: (peak || rss) * 1024 } : undefined
  } catch {
    return undefined
  }
}

export const startBot = (settings: {
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly startTimeout?: Duration.DurationInput
}): Effect.Effect<BotProcess, BotStartFailed, Scope.Scope> =>
  Effect.gen(function* () {
    installExitHook()
    const startTimeoutMillis = Duration.toMillis(
      Duration.decode(settings.startTimeout ?? Duration.seconds(60)),
    )
    const crashes: Array<Crash> = []
    const firstErrors: Array<string> = []
    let errors = 0
    let warnings = 0
    let stopping = false
    let child: ChildProcess | undefined
    let recent: Array<string> = []
    let listening = false
    let listeners: Array<() => void> = []
    let exitedEarly: string | undefined

    const notify = () => {
      const current = listeners
      listeners = []
      for (const listener of current) listener()
    }

    const onLine = (line: string) => {
      if (line.trim() === "") return
      // The bot's whole log, for a closer look at a failed run.
      if (logFile !== undefined) appendFileSync(logFile, `${line}\n`)
      recent.push(line)
      if (recent.length > 40) recent = recent.slice(-40)
      if (/level=(ERROR|FATAL)|^Error:/.test(line)) {
        errors++
        if (firstErrors.length < 5) firstErrors.push(line.slice(0, 400))
      } else if (/level=WARN/.test(line)) {
        warnings++
      }
      if (/HTTP server listening/.test(line)) {
        listening = true
        notify()
      }
    }

    const spawnChild = () => {
      listening = false
      exitedEarly = undefined
      const spawned = spawn(process.execPath, ["--import", tsxLoader, entry], {
        cwd: settings.cwd,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? settings.cwd,
          ...settings.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      })
      live.add(spawned)
      child = spawned
      readLines(spawned, onLine)
      spawned.once("close", (code, signal) => {
        live.delete(spawned)
        if (child !== spawned) return
        child = undefined
        if (stopping) return notify()
        crashes.push({ at: Date.now(), code, signal, lastLines: recent.slice(-15) })
        exitedEarly = `the bot exited (code ${code}, signal ${signal})`
        recent = []
        notify()
        // As a restart policy would: start it again, a moment later.
        setTimeout(() => {
          if (!stopping) spawnChild()
        }, 500)
      })
    }

    const stop = Effect.async<void>((resume) => {
      stopping = true
      const current = child
      if (current === undefined || current.exitCode !== null || current.signalCode !== null) {
        return resume(Effect.void)
      }
      const timer = setTimeout(() => {
        if (current.pid !== undefined) {
          try {
            process.kill(current.pid, "SIGKILL")
          } catch {
            // gone already
          }
        }
      }, 15_000)
      current.once("close", () => {
        clearTimeout(timer)
        resume(Effect.void)
      })
      current.kill("SIGTERM")
    })

    yield* Effect.acquireRelease(Effect.sync(spawnChild), () => stop)

    const ready: Effect.Effect<void, BotStartFailed> = Effect.async<void, BotStartFailed>(
      (resume) => {
        const began = Date.now()
        let timer: NodeJS.Timeout | undefined
        const check = () => {
          if (listening) {
            clearTimeout(timer)
            return resume(Effect.void)
          }
          if (stopping) {
            clearTimeout(timer)
            return resume(Effect.fail(new BotStartFailed({ message: "the drill is stopping" })))
          }
          listeners.push(check)
        }
        timer = setTimeout(() => {
          listeners = listeners.filter((listener) => listener !== check)
          resume(
            Effect.fail(
              new BotStartFailed({
                message: `the bot did not start listening within ${Math.round((Date.now() - began) / 1000)} s${
                  exitedEarly === undefined ? "" : ` (${exitedEarly})`
                }; its last lines:\n${recent.slice(-15).join("\n")}`,
              }),
            ),
          )
        }, startTimeoutMillis)
        check()
        return Effect.sync(() => {
          clearTimeout(timer)
          listeners = listeners.filter((listener) => listener !== check)
        })
      },
    )

    const bot: BotProcess = {
      pid: () => child?.pid,
      crashes,
      rss: Effect.suspend(() => {
        const pid = child?.pid
        return pid === undefined ? Effect.succeed(undefined) : Effect.promise(() => readRss(pid))
      }),
      logged: () => ({ errors, warnings, firstErrors }),
      ready,
    }
    return bot
  })
