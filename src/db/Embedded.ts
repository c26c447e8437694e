import * as Net from "node:net"
import * as Path from "node:path"
import { FileSystem } from "@effect/platform"
import type { PlatformError, SystemError } from "@effect/platform/Error"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Data, Duration, Effect, Option, Schedule, Schema, type Scope } from "effect"
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
const STARTUP_WAIT = Duration.seconds(60)
/** How often it looks again meanwhile. */
const STARTUP_POLL = Duration.millis(200)
/** How long the owner, shutting down, waits for other processes to finish their statements. */
const DRAIN_WAIT = Duration.seconds(10)
/** How often it looks again meanwhile. */
const DRAIN_POLL = Duration.millis(100)

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

const isAlreadyExists = (error: PlatformError): error is SystemError =>
  error._tag === "SystemError" && error.reason === "AlreadyExists"

/** The lock as written, or none when it is gone or unreadable. */
const readLock = (fs: FileSystem.FileSystem, path: string) =>
  fs.readFileString(path).pipe(
    Effect.orElseSucceed(() => ""),
    Effect.map(decodeLock),
  )

/**
 * Removes a lock left by a dead process. Moved aside first, then checked: if another process
 * replaced it with a fresh lock meanwhile, that one is put back.
 */
const removeStale = (fs: FileSystem.FileSystem, lockPath: string) =>
  Effect.gen(function* () {
    const aside = `${lockPath}.stale.${process.pid}`
    const movedAside = yield* fs.rename(lockPath, aside).pipe(
      Effect.as(true),
      Effect.orElseSucceed(() => false),
    )
    if (!movedAside) return // Already gone: someone else cleaned up.
    const moved = yield* readLock(fs, aside)
    if (Option.isSome(moved) && isLive(lockPath, moved.value)) {
      yield* Effect.ignore(fs.link(aside, lockPath))
    }
    yield* fs.remove(aside, { force: true })
  })

/** Whether a server accepts connections on the loopback port (no Effect socket needed for a probe). */
const accepts = (port: number) =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
    return Effect.sync(() => socket.destroy())
  })

/** Writes the lock in one step, so that a reader never sees half of it. */
const writeLock = (
  fs: FileSystem.FileSystem,
  lockPath: string,
  lock: Lock,
  mode: "create" | "replace",
) => {
  const temporary = `${lockPath}.${process.pid}.tmp`
  return fs.writeFileString(temporary, encodeLock(lock)).pipe(
    // link() fails if the lock exists: of two processes starting together, one wins.
    Effect.zipRight(
      mode === "create" ? fs.link(temporary, lockPath) : fs.rename(temporary, lockPath),
    ),
    Effect.ensuring(Effect.ignore(fs.remove(temporary, { force: true }))),
  )
}

type Claim = { readonly _tag: "Claimed" } | { readonly _tag: "Shared"; readonly port: number }
const claimed: Claim = { _tag: "Claimed" }
const shared = (port: number): Claim => ({ _tag: "Shared", port })

/** The lock was left by a dead process and is removed now: try again at once. */
class StaleLock extends Data.TaggedError("StaleLock") {}
/** The lock's owner lives but does not serve yet: try again in a moment. */
class OwnerStarting extends Data.TaggedError("OwnerStarting")<{ readonly pid: number }> {}

/** Retries a claim while the lock was stale or its owner is starting, for `STARTUP_WAIT`. */
const whileOwnerStarts = Schedule.recurWhile<PlatformError | StaleLock | OwnerStarting>(
  (error) => error._tag === "StaleLock" || error._tag === "OwnerStarting",
).pipe(
  Schedule.addDelay((error) => (error._tag === "OwnerStarting" ? STARTUP_POLL : Duration.zero)),
  Schedule.upTo(STARTUP_WAIT),
)

/** Claims the directory, or finds the live server of the process that holds it. */
const claim = (fs: FileSystem.FileSystem, lockPath: string) =>
  Effect.gen(function* () {
    heldHere.set(lockPath, null)
    const created = yield* writeLock(fs, lockPath, { pid: process.pid, port: null }, "create").pipe(
      Effect.onError(() => Effect.sync(() => heldHere.delete(lockPath))),
      Effect.as(true),
      Effect.catchIf(isAlreadyExists, () => Effect.succeed(false)),
    )
    if (created) return claimed
    const lock = yield* readLock(fs, lockPath)
    if (Option.isNone(lock) || !isLive(lockPath, lock.value)) {
      // Left by a process that died (locks are written whole, so unreadable means foreign).
      yield* removeStale(fs, lockPath)
      return yield* new StaleLock()
    }
    const { pid, port } = lock.value
    if (port !== null && (yield* accepts(port))) return shared(port)
    return yield* new OwnerStarting({ pid })
  }).pipe(
    Effect.retry(whileOwnerStarts),
    Effect.catchTags({
      OwnerStarting: ({ pid }) =>
        Effect.fail(
          new Error(
            `the embedded database is held by process ${pid}, which does not answer; stop it, or remove ${lockPath} if it is not ConnectBot`,
          ),
        ),
      // Only if stale locks kept reappearing for the whole wait.
      StaleLock: () =>
        Effect.fail(new Error(`could not take over the stale lock ${lockPath}; remove it`)),
    }),
  )

/** Waits, bounded, until the processes that joined our server have finished their statements. */
const drain = (server: PGLiteSocketServer) => {
  const active = Effect.sync(() => server.getStats().activeConnections)
  return active.pipe(
    Effect.repeat({
      schedule: Schedule.spaced(DRAIN_POLL).pipe(Schedule.upTo(DRAIN_WAIT)),
      while: (count) => count > 0,
    }),
    Effect.zipRight(active),
    Effect.tap((stillOpen) =>
      stillOpen > 0
        ? Effect.logWarning(
            `Embedded database: closing with ${stillOpen} connection(s) still open after waiting ${Duration.format(DRAIN_WAIT)}`,
          )
        : Effect.void,
    ),
  )
}

const open = (dataDir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const lockPath = `${Path.resolve(dataDir)}.lock`
    yield* fs.makeDirectory(Path.dirname(lockPath), { recursive: true })
    // Finalizers run in reverse: the lock goes last, once the files are closed; only then may
    // another process open them.
    const claimedHere = yield* Effect.acquireRelease(claim(fs, lockPath), (claimedHere) =>
      claimedHere._tag === "Shared"
        ? Effect.void
        : Effect.sync(() => heldHere.delete(lockPath)).pipe(
            Effect.zipRight(fs.remove(lockPath, { force: true })),
            Effect.orDie,
          ),
    )
    if (claimedHere._tag === "Shared") return { port: claimedHere.port, owner: false }
    yield* fs.makeDirectory(dataDir, { recursive: true })
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => PGlite.create(dataDir), catch: (cause) => cause }),
      (db) => Effect.promise(() => db.close()),
    )
    // Pooled connections, ours and other processes', share the one PGlite session; the socket
    // server queues their statements and keeps a transaction's statements together.
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const server = new PGLiteSocketServer({
            db,
            host: "127.0.0.1",
            port: 0,
            maxConnections: 16,
          })
          await server.start()
          return server
        },
        catch: (cause) => cause,
      }),
      // Our own pool is closed by now; let the processes that joined finish.
      (server) => drain(server).pipe(Effect.zipRight(Effect.promise(() => server.stop()))),
    )
    const port = Number(server.getServerConn().split(":").pop())
    yield* writeLock(fs, lockPath, { pid: process.pid, port }, "replace")
    heldHere.set(lockPath, port)
    return { port, owner: true }
  })

/**
 * Opens (or joins) the embedded database for the lifetime of the surrounding scope. Node's
 * FileSystem is provided here: the database layer, its only caller, needs nothing but its
 * config, and the lock files are always on this machine's disk.
 */
export const embeddedServer = (
  dataDir: string,
): Effect.Effect<EmbeddedServer, DatabaseError, Scope.Scope> =>
  open(dataDir).pipe(
    Effect.mapError((cause) => new DatabaseError({ cause })),
    Effect.provide(NodeFileSystem.layer),
  )
