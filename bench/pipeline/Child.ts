/**
 * A bot under measurement as a child process: `node [nodeArgs] --import tsx ENTRY`, in a
 * directory of its own with exactly the settings given (as drill/BotProcess.ts runs the bot).
 * Unlike the drill's supervisor it never restarts the child: a bot that exits during a benchmark
 * makes the benchmark fail, with its last lines.
 *
 * The child has a process group of its own (Ctrl-C reaches only the benchmark, which stops it:
 * SIGCONT if paused, SIGTERM, then SIGKILL after 15 s). `pause`/`resume` are SIGSTOP/SIGCONT:
 * the variant not being measured is paused, so that the server-wide counters (Redis) and the
 * machine's cores belong to the measured one alone. CPU time is read from /proc/PID/stat.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { Data, Effect, type Scope } from "effect"
import { projectRoot, readLines } from "../../test/support/Scripts"

const tsxLoader = pathToFileURL(Path.join(projectRoot, "node_modules/tsx/dist/loader.mjs")).href

export class ChildFailed extends Data.TaggedError("ChildFailed")<{ readonly message: string }> {}

/** Clock ticks per second of /proc/PID/stat's times. */
export const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

export interface ProcTimes {
  readonly ppid: number
  /** utime + stime of the process itself, ms. */
  readonly ownMillis: number
  /** cutime + cstime: of its children that exited and were waited for, ms. */
  readonly childrenMillis: number
}

/** The times of a process from /proc/PID/stat; undefined when it is gone. */
export const procTimes = async (pid: number): Promise<ProcTimes | undefined> => {
  try {
    const stat = await Fs.readFile(`/proc/${pid}/stat`, "utf8")
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const field = (n: number) => Number(fields[n - 3])
    const tick = 1000 / clockTicks
    return {
      ppid: field(4),
      ownMillis: (field(14) + field(15)) * tick,
      childrenMillis: (field(16) + field(17)) * tick,
    }
  } catch {
    return undefined
  }
}

/** What the benchmark measures a bot by: one process, or several behind a proxy. */
export interface BotProcesses {
  readonly name: string
  /** utime + stime so far, ms (of all its processes). */
  readonly cpuMillis: Effect.Effect<number, ChildFailed>
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
  /** Fails when the child has exited (it is never asked to before the scope closes). */
  readonly alive: Effect.Effect<void, ChildFailed>
  /** Lines logged at ERROR/FATAL and WARN level so far, and the first few errors. */
  readonly logged: () => {
    readonly errors: number
    readonly warnings: number
    readonly firstErrors: ReadonlyArray<string>
  }
}

export interface ChildProcessHandle extends BotProcesses {
  readonly pid: number
}

/**
 * Several processes of one bot as one: CPU summed, paused and resumed together (a bot not being
 * measured is paused whole), alive only while every one is, their log lines counted together.
 */
export const processGroup = (name: string, members: ReadonlyArray<BotProcesses>): BotProcesses => ({
  name,
  cpuMillis: Effect.map(
    Effect.forEach(members, (member) => member.cpuMillis),
    (times) => times.reduce((total, millis) => total + millis, 0),
  ),
  pause: Effect.forEach(members, (member) => member.pause, { discard: true }),
  resume: Effect.forEach(members, (member) => member.resume, { discard: true }),
  alive: Effect.forEach(members, (member) => member.alive, { discard: true }),
  logged: () => {
    const each = members.map((member) => member.logged())
    return {
      errors: each.reduce((total, logged) => total + logged.errors, 0),
      warnings: each.reduce((total, logged) => total + logged.warnings, 0),
      firstErrors: each.flatMap((logged) => logged.firstErrors).slice(0, 5),
    }
  },
})

/** Every child still running, for the last-resort SIGKILL when the benchmark exits abruptly. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on("exit", () => {
    for (const child of live) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue
      try {
        process.kill(child.pid, "SIGKILL")
      } catch {
        // gone already
      }
    }
  })
}

export const startChild = (settings: {
  readonly name: string
  readonly entry: string
  readonly nodeArgs?: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  /** A line the child logs once it takes requests. */
  readonly ready: RegExp
  readonly startTimeoutMillis?: number
  /** Appends every line the child logs to this file. */
  readonly logFile?: string | undefined
}): Effect.Effect<ChildProcessHandle, ChildFailed, Scope.Scope> =>
  Effect.gen(function* () {
    installExitHook()
    let recent: Array<string> = []
    const firstErrors: Array<string> = []
    let errors = 0
    let warnings = 0
    let ready = false
    let exited: string | undefined
    let paused = false
    let wake: () => void = () => {}
    let logLines: Array<string> = []

    const onLine = (line: string) => {
      if (line.trim() === "") return
      if (settings.logFile !== undefined) logLines.push(line)
      recent.push(line)
      if (recent.length > 30) recent = recent.slice(-30)
      if (/level=(ERROR|FATAL)|^Error:/.test(line)) {
        errors++
        if (firstErrors.length < 5) firstErrors.push(line.slice(0, 400))
      } else if (/level=WARN/.test(line)) {
        warnings++
      }
      if (!ready && settings.ready.test(line)) {
        ready = true
        wake()
      }
    }
    const flushLog = () => {
      if (settings.logFile === undefined || logLines.length === 0) return
      const lines = logLines
      logLines = []
      void Fs.appendFile(settings.logFile, `${lines.join("\n")}\n`).catch(() => {})
    }
    const flushTimer = setInterval(flushLog, 1000)

    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const spawned = spawn(
          process.execPath,
          [...(settings.nodeArgs ?? []), "--import", tsxLoader, settings.entry],
          {
            cwd: settings.cwd,
            env: {
              PATH: process.env.PATH ?? "",
              HOME: process.env.HOME ?? settings.cwd,
              ...settings.env,
            },
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
          },
        )
        live.add(spawned)
        readLines(spawned, onLine)
        spawned.once("close", (code, signal) => {
          live.delete(spawned)
          exited = `${settings.name} exited (code ${code}, signal ${signal})`
          wake()
        })
        return spawned
      }),
      (spawned) =>
        Effect.async<void>((resume) => {
          const done = () => {
            clearInterval(flushTimer)
            flushLog()
            resume(Effect.void)
          }
          if (exited !== undefined || spawned.pid === undefined) return done()
          const timer = setTimeout(() => {
            try {
              process.kill(spawned.pid as number, "SIGKILL")
            } catch {
              // gone already
            }
          }, 15_000)
          spawned.once("close", () => {
            clearTimeout(timer)
            done()
          })
          // A stopped process keeps SIGTERM pending until it runs again.
          if (paused) spawned.kill("SIGCONT")
          spawned.kill("SIGTERM")
        }),
    )
    const pid = child.pid
    if (pid === undefined) {
      return yield* new ChildFailed({ message: `${settings.name} could not be started` })
    }

    const lastLines = () => recent.slice(-15).join("\n")
    yield* Effect.async<void, ChildFailed>((resume) => {
      const timer = setTimeout(
        () =>
          resume(
            Effect.fail(
              new ChildFailed({
                message: `${settings.name} did not start within ${Math.round((settings.startTimeoutMillis ?? 60_000) / 1000)} s; its last lines:\n${lastLines()}`,
              }),
            ),
          ),
        settings.startTimeoutMillis ?? 60_000,
      )
      const check = () => {
        if (ready) {
          clearTimeout(timer)
          resume(Effect.void)
        } else if (exited !== undefined) {
          clearTimeout(timer)
          resume(
            Effect.fail(
              new ChildFailed({
                message: `${exited} while starting; its last lines:\n${lastLines()}`,
              }),
            ),
          )
        }
      }
      wake = check
      check()
      return Effect.sync(() => clearTimeout(timer))
    })

    const alive = Effect.suspend(() =>
      exited === undefined
        ? Effect.void
        : Effect.fail(new ChildFailed({ message: `${exited}; its last lines:\n${lastLines()}` })),
    )
    const signal = (name: NodeJS.Signals, pausedAfter: boolean) =>
      Effect.sync(() => {
        if (exited !== undefined) return
        child.kill(name)
        paused = pausedAfter
      })
    const handle: ChildProcessHandle = {
      name: settings.name,
      pid,
      cpuMillis: Effect.flatMap(
        Effect.promise(() => procTimes(pid)),
        (times) =>
          times === undefined
            ? Effect.fail(new ChildFailed({ message: `${settings.name} is gone` }))
            : Effect.succeed(times.ownMillis),
      ),
      pause: signal("SIGSTOP", true),
      resume: signal("SIGCONT", false),
      alive,
      logged: () => ({ errors, warnings, firstErrors }),
    }
    return handle
  })
