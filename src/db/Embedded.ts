import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, Schema } from "effect"
import { DatabaseError } from "../domain/Errors"

/**
 * The embedded database for a trial: PGlite (Postgres compiled to WASM) keeping its files under
 * `dataDir`, served on a loopback port through the Postgres wire protocol so that the very same
 * PgClient, migrations and queries run on it.
 *
 * PGlite is a single-user database: only one process may open the directory. The process that
 * opens it writes `<dataDir>.lock` with its pid and port; another process (an ops script while the
 * bot runs) finds the lock and connects to that port instead of opening the files a second time.
 */
export interface EmbeddedServer {
  readonly port: number
  /** True when this process opened the files; false when it joined another process's server. */
  readonly owner: boolean
}

const LockFile = Schema.parseJson(Schema.Struct({ pid: Schema.Int, port: Schema.Int }))
const decodeLock = Schema.decodeUnknownOption(LockFile)
const encodeLock = Schema.encodeSync(LockFile)

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The port of a live server that another process runs on this directory, if any. */
const readLiveLock = async (lockPath: string): Promise<number | undefined> => {
  const text = await Fs.readFile(lockPath, "utf8").catch(() => undefined)
  if (text === undefined) return undefined
  const lock = decodeLock(text)
  if (lock._tag === "Some" && lock.value.pid !== process.pid && isAlive(lock.value.pid)) {
    return lock.value.port
  }
  // A lock left by a process that died: the files are free again.
  await Fs.rm(lockPath, { force: true })
  return undefined
}

const open = async (dataDir: string) => {
  const lockPath = `${Path.resolve(dataDir)}.lock`
  await Fs.mkdir(Path.dirname(lockPath), { recursive: true })
  const shared = await readLiveLock(lockPath)
  if (shared !== undefined) return { port: shared, owner: false, close: async () => {} }

  // Claim the directory atomically: of two processes starting together, one creates the lock.
  const handle = await Fs.open(lockPath, "wx")
  try {
    await Fs.mkdir(dataDir, { recursive: true })
    const db = await PGlite.create(dataDir)
    // Several pooled connections share the one PGlite session; the socket server queues their
    // statements and keeps a transaction's statements together.
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 16 })
    await server.start()
    const port = Number(server.getServerConn().split(":").pop())
    await handle.writeFile(encodeLock({ pid: process.pid, port }))
    await handle.close()
    return {
      port,
      owner: true,
      close: async () => {
        await server.stop()
        await db.close()
        await Fs.rm(lockPath, { force: true })
      },
    }
  } catch (error) {
    await handle.close().catch(() => {})
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
