import { execFile } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"
import { Effect } from "effect"
import { freePort } from "./Ports"

const run = promisify(execFile)

/** The server binaries of the machine's PostgreSQL (Debian lays them out by major version). */
const binaries = Effect.promise(async () => {
  const root = "/usr/lib/postgresql"
  const [major] = (await Fs.readdir(root)).sort((a, b) => Number(b) - Number(a))
  return Path.join(root, major ?? "", "bin")
})

/** Postgres refuses to run as root: its files and processes belong to the `postgres` user. */
const asPostgres = (command: string, args: ReadonlyArray<string>) =>
  process.getuid?.() === 0
    ? run("runuser", ["-u", "postgres", "--", command, ...args])
    : run(command, args)

/** A private directory the `postgres` user owns (Postgres refuses to run as root). */
const ownedDir = async (parent: string, prefix: string) => {
  const dir = await Fs.mkdtemp(Path.join(parent, prefix))
  if (process.getuid?.() === 0) await run("chown", ["postgres", dir])
  return dir
}

/**
 * A data directory as initdb leaves it, made once per run by the first test that asks (any
 * worker) and kept in the run's directory (test/support/GlobalSetup.ts): initdb is most of a
 * private server's start (seconds), copying its 40 MB a fraction of one.
 */
let made: Promise<string> | undefined

const initdb = (bin: string, data: string) =>
  asPostgres(Path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])

/**
 * The run's directory, under vitest only: the benchmarks start private servers too, outside any
 * test run, and importing vitest there fails ("failed to access its internal state").
 */
const runDir = async () =>
  process.env.VITEST === undefined ? undefined : (await import("vitest")).inject("runDir")

const makeTemplate = async (bin: string, run: string) => {
  const template = Path.join(run, "postgres-template")
  if (await isDataDir(template)) return template
  // Workers may build it at the same time: each builds its own, the first rename wins.
  const building = await ownedDir(run, "postgres-building-")
  const data = Path.join(building, "data")
  await initdb(bin, data)
  try {
    await Fs.rename(data, template)
  } catch (error) {
    if (!(await isDataDir(template))) throw error
  }
  await Fs.rm(building, { recursive: true, force: true })
  return template
}

const isDataDir = (dir: string) =>
  Fs.access(Path.join(dir, "PG_VERSION")).then(
    () => true,
    () => false,
  )

export interface PrivatePostgres {
  readonly url: string
  readonly stop: Effect.Effect<void>
  readonly start: Effect.Effect<void>
}

/**
 * A PostgreSQL server of the test's own, on a free loopback port, that the test may stop and
 * start again (the shared one on 5432 serves every other test and must stay up), on a copy of the
 * run's initialised data directory. Removed with its files when the scope closes.
 */
export const privatePostgres = Effect.gen(function* () {
  const bin = yield* binaries
  const port = yield* freePort
  const dir = yield* Effect.acquireRelease(
    Effect.promise(() => ownedDir(Os.tmpdir(), "connectbot-pg-")),
    (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true })),
  )
  const data = Path.join(dir, "data")
  const pgCtl = Path.join(bin, "pg_ctl")
  yield* Effect.promise(async () => {
    const run = await runDir()
    if (run === undefined) return initdb(bin, data)
    made ??= makeTemplate(bin, run)
    // -a keeps the modes Postgres insists on (0700 on the data directory).
    return asPostgres("cp", ["-a", await made, data])
  })
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const start = Effect.promise(() =>
    asPostgres(pgCtl, ["-D", data, "-o", options, "-l", Path.join(dir, "log"), "-w", "start"]),
  ).pipe(Effect.asVoid)
  const stopServer = Effect.tryPromise(() =>
    asPostgres(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]),
  )
  const stop = Effect.orDie(stopServer).pipe(Effect.asVoid)
  // Stopped already by the test, or not: either way it is gone before its files are.
  yield* Effect.acquireRelease(start, () => Effect.ignore(stopServer))
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
  } satisfies PrivatePostgres
})
