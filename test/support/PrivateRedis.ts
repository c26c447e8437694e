import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"
import { Duration, Effect, Schedule } from "effect"
import { freePort } from "./Ports"

export { freePort }

/** Whether a Redis on `port` answers PING (a raw RESP exchange: no client, no retries). */
const answersPing = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    const done = (answered: boolean) => {
      socket.destroy()
      resolve(answered)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")))
  })

export interface PrivateRedis {
  readonly url: string
  readonly port: number
  /** SIGKILL, and wait until the process is gone: its data is lost (no persistence). */
  readonly kill: Effect.Effect<void>
  /** A new, empty server on the same port, once it answers. */
  readonly start: Effect.Effect<void>
  /** SIGSTOP: connections stay open, nothing answers, the data is kept. */
  readonly freeze: Effect.Effect<void>
  /** SIGCONT: answers again, including what was sent while it was frozen. */
  readonly thaw: Effect.Effect<void>
}

/**
 * A redis-server of the test's own on a free loopback port, that the test may kill, restart,
 * freeze and thaw (the shared one on 6379 serves every other test and must stay up). Thawed and
 * killed when the scope closes.
 */
export const privateRedis = Effect.gen(function* () {
  const port = yield* freePort
  let server: ChildProcess | undefined
  let frozen = false

  const waitUntilAnswering = Effect.promise(() => answersPing(port)).pipe(
    Effect.filterOrFail(
      (answered) => answered,
      () => new Error(`redis-server on port ${port} does not answer`),
    ),
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(20)), times: 250 }),
    Effect.orDie,
  )

  const start = Effect.suspend(() => {
    const child = spawn(
      "redis-server",
      ["--save", "", "--appendonly", "no", "--port", String(port), "--bind", "127.0.0.1"],
      { stdio: "ignore" },
    )
    server = child
    frozen = false
    return waitUntilAnswering
  })

  const signal = (name: NodeJS.Signals) =>
    Effect.sync(() => {
      server?.kill(name)
    })

  const kill = Effect.suspend(() => {
    const child = server
    server = undefined
    frozen = false
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return Effect.void
    }
    return Effect.async<void>((resume) => {
      child.once("exit", () => resume(Effect.void))
      child.kill("SIGKILL")
    })
  })

  const freeze = Effect.zipRight(
    signal("SIGSTOP"),
    Effect.sync(() => {
      frozen = true
    }),
  )
  const thaw = Effect.zipRight(
    signal("SIGCONT"),
    Effect.sync(() => {
      frozen = false
    }),
  )

  yield* Effect.acquireRelease(start, () =>
    Effect.suspend(() => (frozen ? thaw : Effect.void)).pipe(Effect.zipRight(kill)),
  )
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    freeze,
    thaw,
  } satisfies PrivateRedis
})
