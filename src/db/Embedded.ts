import * as Fs from "node:fs/promises"
import * as Net from "node:net"
import * as Path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, Option, Schema } from "effect"
import { DatabaseError } from "../domain/Errors"

/**
 * The embedded database for a trial: PGlite (Postgres compiled to WASM) keeping its files under
 * `dataDir`, served on a loopback port through the Postgres wire protocol so that the very same
 * PgClient, migrations and queries run on it.
 *
 * PGlite is a single-user database: two processes opening one directory would corrupt it. The
 * process that opens it holds `<dataDir>.lock` (its pid, then its port once it serves); another
 * process (an ops script while the bot runs) waits while the owner starts, then connects to the
 * owner's port instead of opening the files a second time.
 */
export interface EmbeddedServer {
  readonly port: number
  /** True when this process opened the files; false when it joined another process's server. */
  readonly owner: boolean
}

const Lock = Schema.parseJson(Schema.Struct({ pid: Schema.Int, port: Schema.NullOr(Schema.Int) }))
type Lock = typeof Lock.Type
const decodeLock = Schema.decodeUnknownOption(Lock)
const encodeLock = Schema.encodeSync(Lock)

/** How long a second process waits for the owner to start serving. */
const STARTUP_WAIT_MS = 60_000
/** How long the owner, shutting down, waits for other processes to finish their statements. */
const DRAIN_WAIT_MS = 10_000

/**
 * The directories this process holds (lock path → port once serving). A lock naming our own pid
 * is ours only if it is here; otherwise an earlier process with the same pid left it (a
 * container's pid 1 after a restart).
 */
const heldHere = new Map<string, number | null>()

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const isLive = (lockPath: string, lock: Lock): boolean =>
  lock.pid === process.pid ? heldHere.has(lockPath) : isAlive(lock.pid)

/**
 * Removes a lock left by a dead process. Moved aside first, then checked: if another process
 * replaced it with a fresh lock meanwhile, that one is put back.
 */
const removeStale = async (lockPath: string) => {
  const aside = `${lockPath}.stale.${process.pid}`
  try {
    await Fs.rename(lockPath, aside)
  } catch {
    return // Already gone: someone else cleaned up.
  }
  const moved = decodeLock(await Fs.readFile(aside, "utf8").catch(() => ""))
  if (Option.isSome(moved) && isLive(lockPath, moved.value)) {
    await Fs.link(aside, lockPath).catch(() => {})
  }
  await Fs.rm(aside, { force: true })
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** Writes the lock in one step, so that a reader never sees half of it. */
const writeLock = async (lockPath: string, lock: Lock, mode: "create" | "replace") => {
  const temporary = `${lockPath}.${process.pid}.tmp`
  await Fs.writeFile(temporary, encodeLock(lock))
  try {
    // link() fails if the lock exists: of two processes starting together, one wins.
    if (mode === "create") await Fs.link(temporary, lockPath)
    else await Fs.rename(temporary, lockPath)
  } finally {
    await Fs.rm(temporary, { force: true })
  }
}

type Claim = { readonly _tag: "Claimed" } | { readonly _tag: "Shared"; readonly port: number }

/** Claims the directory, or finds the live server of the process that holds it. */
const claim = async (lockPath: string): Promise<Claim> => {
  const deadline = Date.now() + STARTUP_WAIT_MS
  for (;;) {
    heldHere.set(lockPath, null)
    try {
      await writeLock(lockPath, { pid: process.pid, port: null }, "create")
      return { _tag: "Claimed" }
    } catch (error) {
      heldHere.delete(lockPath)
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
    const lock = decodeLock(await Fs.readFile(lockPath, "utf8").catch(() => ""))
    if (Option.isNone(lock) || !isLive(lockPath, lock.value)) {
      // Left by a process that died (locks are written whole, so unreadable means foreign).
      await removeStale(lockPath)
      continue
    }
    const { pid, port } = lock.value
    if (port !== null && (await accepts(port))) return { _tag: "Shared", port }
    if (Date.now() > deadline) {
      throw new Error(
        `the embedded database is held by process ${pid}, which does not answer; stop it, or remove ${lockPath} if it is not ConnectBot`,
      )
    }
    // The owner is still starting.
    await sleep(200)
  }
}

const open = async (dataDir: string) => {
  const lockPath = `${Path.resolve(dataDir)}.lock`
  await Fs.mkdir(Path.dirname(lockPath), { recursive: true })
  const claimed = await claim(lockPath)
  if (claimed._tag === "Shared") return { port: claimed.port, owner: false, close: async () => {} }
  try {
    await Fs.mkdir(dataDir, { recursive: true })
    const db = await PGlite.create(dataDir)
    // Pooled connections, ours and other processes', share the one PGlite session; the socket
    // server queues their statements and keeps a transaction's statements together.
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 16 })
    await server.start()
    const port = Number(server.getServerConn().split(":").pop())
    await writeLock(lockPath, { pid: process.pid, port }, "replace")
    heldHere.set(lockPath, port)
    return {
      port,
      owner: true,
      close: async () => {
        // Our own pool is closed by now; let the processes that joined finish.
        const until = Date.now() + DRAIN_WAIT_MS
        while (server.getStats().activeConnections > 0 && Date.now() < until) await sleep(100)
        await server.stop()
        await db.close()
        // Only now may another process open the files.
        heldHere.delete(lockPath)
        await Fs.rm(lockPath, { force: true })
      },
    }
  } catch (error) {
    heldHere.delete(lockPath)
    await Fs.rm(lockPath, { force: true })
    throw error
  }
}

/** Opens (or joins) the embedded database for the lifetime of the surrounding scope. */
export const embeddedServer = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => open(dataDir),
      catch: (cause) => new DatabaseError({ cause }),
    }),
    (server) => Effect.promise(server.close),
  ).pipe(Effect.map(({ port, owner }): EmbeddedServer => ({ port, owner })))
