/**
 * A small HTTP proxy in front of several bot processes, as a load balancer in front of a
 * deployment of N webhook bots would be: Telegram (here the load driver) posts every update to
 * one URL, and the proxy hands each POST to one of the processes.
 *
 * Sticky routing (the default) sends each update to the process picked by a stable hash of its
 * sender's id (`message.from.id`, `callback_query.from.id`, … — the key of the bot's own per-user
 * queue), so one user's updates always reach the same process and that process's queue keeps
 * them in order, even when Telegram delivers the next one while the previous is still running.
 * A body with no sender (or not JSON at all) goes round-robin: the proxy never judges an update,
 * the bot answers it as it would without the proxy (400 for what is not an update). Round-robin
 * routing of every update is there for comparison only: it gives up per-user order across
 * processes.
 *
 * Plain node:http in the benchmark's own process (its CPU is in the "driver + fake" figure),
 * loopback only, keep-alive connections to every process.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"

export type Routing = "sticky" | "round-robin"

export const routings: ReadonlyArray<Routing> = ["sticky", "round-robin"]

/** Bodies larger than this are not read for a sender (the bot refuses them anyway: 413). */
const parsedBodyLimit = 1 << 20

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined

const safeId = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : undefined

/**
 * The id of the user an update comes from: `from.id` of its payload (whichever kind of update it
 * is), else the payload's `chat.id` (a channel post has no `from`); undefined when there is none
 * or the body is not a JSON object.
 */
export const senderOf = (body: string): number | undefined => {
  if (body.length > parsedBodyLimit) return undefined
  let update: Record<string, unknown> | undefined
  try {
    update = record(JSON.parse(body))
  } catch {
    // Not JSON (or nested too deep to parse): no sender; the bot answers it.
    return undefined
  }
  if (update === undefined) return undefined
  for (const [field, value] of Object.entries(update)) {
    if (field === "update_id") continue
    const payload = record(value)
    if (payload === undefined) continue
    const sender = safeId(record(payload.from)?.id) ?? safeId(record(payload.chat)?.id)
    if (sender !== undefined) return sender
  }
  return undefined
}

/** FNV-1a (32 bits) of the id's decimal digits: the same process for an id on every run. */
export const stableHash = (id: number): number => {
  let hash = 0x811c9dc5
  for (const char of String(id)) {
    hash ^= char.charCodeAt(0)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/**
 * Picks the backend (0 … backends − 1) for each request body, given or absent, and the sender it
 * read (with round-robin routing too, to count users whose updates were split).
 */
export const makeRouter = (backends: number, routing: Routing) => {
  let next = 0
  return (body: string | undefined): { readonly backend: number; readonly sender?: number } => {
    // Read even with one backend: a proxy in front of one process does the same work per update
    // as in front of several, so that 1 and N processes are compared through the same hop.
    const sender = body === undefined ? undefined : senderOf(body)
    if (sender !== undefined && routing === "sticky") {
      return { backend: stableHash(sender) % backends, sender }
    }
    const backend = next
    next = (next + 1) % backends
    return sender === undefined ? { backend } : { backend, sender }
  }
}

export interface UpdateProxy {
  readonly port: number
  readonly routing: Routing
  /** Requests handed to each backend since the last `resetCounts`, in the backends' order. */
  readonly counts: () => ReadonlyArray<number>
  /** Senders since the last `resetCounts` whose updates went to more than one backend. */
  readonly splitSenders: () => number
  readonly resetCounts: () => void
}

// Hop-by-hop headers are the proxy's own business on each side, not passed through.
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
  "content-length",
])

const passed = (headers: Http.IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)))

const start = async (backendPorts: ReadonlyArray<number>, routing: Routing) => {
  const route = makeRouter(backendPorts.length, routing)
  const agent = new Http.Agent({ keepAlive: true })
  let counts = backendPorts.map(() => 0)
  let backendOf = new Map<number, number>()
  let split = new Set<number>()

  const forward = (request: Http.IncomingMessage, response: Http.ServerResponse, body: Buffer) => {
    const isUpdate = request.method === "POST" && request.url?.split("?")[0] === "/telegram"
    const { backend: index, sender } = route(isUpdate ? body.toString("utf8") : undefined)
    counts[index] = (counts[index] ?? 0) + 1
    if (sender !== undefined) {
      const before = backendOf.get(sender)
      if (before === undefined) backendOf.set(sender, index)
      else if (before !== index) split.add(sender)
    }
    send(request, response, body, index, true)
  }

  const send = (
    request: Http.IncomingMessage,
    response: Http.ServerResponse,
    body: Buffer,
    index: number,
    mayRetry: boolean,
  ) => {
    const upstream = Http.request(
      {
        host: "127.0.0.1",
        port: backendPorts[index],
        method: request.method,
        path: request.url,
        agent,
        headers: { ...passed(request.headers), "content-length": body.length },
      },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, passed(reply.headers))
        reply.pipe(response)
      },
    )
    upstream.once("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the process closed as it was reused (its idle timeout, which a
      // process paused between runs lets pass): sent once more on a new connection, as Node's
      // documentation advises. Safe for an update: the bot applies each update_id once.
      if (mayRetry && upstream.reusedSocket && error.code === "ECONNRESET") {
        return send(request, response, body, index, false)
      }
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" })
      response.end(`proxy: process ${index + 1}: ${error.message}`)
    })
    upstream.end(body)
  }

  const server = Http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.once("end", () => forward(request, response, Buffer.concat(chunks)))
    request.once("error", () => response.destroy())
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const proxy: UpdateProxy = {
    port: (server.address() as AddressInfo).port,
    routing,
    counts: () => counts,
    splitSenders: () => split.size,
    resetCounts: () => {
      counts = backendPorts.map(() => 0)
      backendOf = new Map()
      split = new Set()
    },
  }
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
      agent.destroy()
    })
  return { proxy, close }
}

/** The proxy on a free loopback port in front of the processes on `backendPorts`, closed with the scope. */
export const makeProxy = (
  backendPorts: ReadonlyArray<number>,
  routing: Routing,
): Effect.Effect<UpdateProxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(backendPorts, routing)),
    (running) => Effect.promise(running.close),
  ).pipe(Effect.map((running) => running.proxy))
