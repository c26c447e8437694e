/**
 * Telegram's side of the webhook, as the drill needs it. The local Bot API server (test/support)
 * posts updates to one webhook one at a time; Telegram itself keeps up to 40 connections open to a
 * bot (`max_connections`), so the relay stands where the webhook URL points: it takes each update
 * from the local server at once and posts it to the bot's `POST /telegram` with up to 40 in
 * flight, retrying as Telegram does (a refused connection while the bot restarts, a non-2xx).
 *
 * Every POST to the bot goes through here — the relayed ones, redeliveries of an update already
 * answered, and the drill's hostile bodies — so the HTTP statuses and latencies are counted in one
 * place. A call the bot answers with (the answer to a button press) is made on the local Bot API
 * server, as Telegram makes it. Plain callbacks over `node:http` and `fetch` inside; Effect outside.
 */

import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { text } from "node:stream/consumers"
import { Effect, type Scope } from "effect"

/** One POST to the bot and what it got. */
export interface Attempt {
  readonly kind: PostKind
  readonly updateId: number | undefined
  /** HTTP status, or undefined when there was no answer (refused, reset, timed out). */
  readonly status: number | undefined
  readonly error: string | undefined
  readonly millis: number
  readonly at: number
}

/** Relayed: Telegram delivering (or retrying); redelivery: the same update again after a 2xx. */
export type PostKind = "relayed" | "retry" | "redelivery" | "hostile"

/** How a relayed update ended: answered 2xx (maybe after retries), or given up. */
export interface Outcome {
  readonly ok: boolean
  readonly status: number | undefined
  readonly attempts: number
}

export interface DirectPost {
  readonly body: string
  readonly secret?: string | undefined
  readonly contentType?: string
  readonly kind: PostKind
  readonly updateId?: number
}

export interface Relay {
  /** Where the local Bot API server posts (the bot's WEBHOOK_URL). */
  readonly url: string
  /** The bot's `POST /telegram`. */
  readonly setTarget: (url: string) => Effect.Effect<void>
  /** The end of the update's first delivery (it may not have arrived at the relay yet). */
  readonly outcome: (updateId: number) => Effect.Effect<Outcome>
  /** Posts a body to the bot directly, as is: a redelivery or a hostile body. */
  readonly post: (post: DirectPost) => Effect.Effect<Attempt>
  readonly attempts: ReadonlyArray<Attempt>
  /** Updates relayed so far, and those still not answered 2xx. */
  readonly relayed: () => number
  readonly pending: () => number
}

export interface RelayOptions {
  /**
   * The local Bot API server (its root and the bot's token): a call the bot answers a webhook
   * with (a "webhook reply") is made there, as Telegram makes it.
   */
  readonly botApi: { readonly apiRoot: string; readonly token: string }
  /** POSTs in flight to the bot at most (Telegram's default `max_connections`). */
  readonly maxConnections?: number
  /** How long Telegram keeps retrying an update the bot does not answer 2xx. */
  readonly retryForMillis?: number
  /** Non-2xx answers after which an update is given up (connection failures retry until then). */
  readonly maxHttpFailures?: number
  readonly requestTimeoutMillis?: number
}

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** A counting semaphore for promises. */
const limiter = (max: number) => {
  let active = 0
  const waiting: Array<() => void> = []
  return async <A>(work: () => Promise<A>): Promise<A> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await work()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

export const makeRelay = (options: RelayOptions): Effect.Effect<Relay, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (running) => Effect.promise(() => running.close()),
  ).pipe(Effect.map((running) => running.relay))

const start = async (options: RelayOptions) => {
  const maxConnections = options.maxConnections ?? 40
  const retryForMillis = options.retryForMillis ?? 60_000
  const maxHttpFailures = options.maxHttpFailures ?? 3
  const requestTimeoutMillis = options.requestTimeoutMillis ?? 30_000
  const closing = new AbortController()
  const limit = limiter(maxConnections)
  const attempts: Array<Attempt> = []
  let target: string | undefined
  let relayedCount = 0
  let pendingCount = 0

  interface Waiter {
    readonly promise: Promise<Outcome>
    resolve: (outcome: Outcome) => void
    started: boolean
  }
  const outcomes = new Map<number, Waiter>()
  const waiterOf = (updateId: number): Waiter => {
    const known = outcomes.get(updateId)
    if (known !== undefined) return known
    let resolve: (outcome: Outcome) => void = () => {}
    const promise = new Promise<Outcome>((settle) => {
      resolve = settle
    })
    const waiter: Waiter = { promise, resolve, started: false }
    outcomes.set(updateId, waiter)
    return waiter
  }

  /** Telegram makes the call a webhook answers with (`{"method": …}`); other answers say nothing. */
  const callFromReply = async (answer: string) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(answer)
    } catch {
      return
    }
    if (typeof parsed !== "object" || parsed === null) return
    const { method, ...params } = parsed as Record<string, unknown>
    if (typeof method !== "string") return
    const { apiRoot, token } = options.botApi
    await fetch(`${apiRoot}/bot${token}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
      signal: closing.signal,
    })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined)
  }

  const postOnce = async (post: DirectPost): Promise<Attempt> => {
    const startedAt = performance.now()
    let status: number | undefined
    let error: string | undefined
    if (target === undefined) {
      error = "the bot's address is not known yet"
    } else {
      try {
        const response = await fetch(target, {
          method: "POST",
          headers: {
            "content-type": post.contentType ?? "application/json",
            ...(post.secret === undefined
              ? {}
              : { "x-telegram-bot-api-secret-token": post.secret }),
          },
          body: post.body,
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(requestTimeoutMillis)]),
        })
        status = response.status
        const answer = await response.text()
        if (status >= 200 && status < 300) await callFromReply(answer)
      } catch (cause) {
        const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
        error = reason instanceof Error ? reason.message : String(reason)
      }
    }
    const attempt: Attempt = {
      kind: post.kind,
      updateId: post.updateId,
      status,
      error,
      millis: performance.now() - startedAt,
      at: Date.now(),
    }
    attempts.push(attempt)
    return attempt
  }

  /** Delivers one update as Telegram would: retries until a 2xx, a few refusals, or time out. */
  const deliver = async (updateId: number, body: string, secret: string | undefined) => {
    const waiter = waiterOf(updateId)
    const firstAt = Date.now()
    let httpFailures = 0
    let tries = 0
    let last: Attempt | undefined
    for (;;) {
      tries++
      last = await limit(() =>
        postOnce({ body, secret, kind: tries === 1 ? "relayed" : "retry", updateId }),
      )
      if (last.status !== undefined && last.status >= 200 && last.status < 300) break
      if (last.status !== undefined) httpFailures++
      if (
        closing.signal.aborted ||
        httpFailures >= maxHttpFailures ||
        Date.now() - firstAt > retryForMillis
      ) {
        break
      }
      await sleep(Math.min(2000, 100 * 2 ** Math.min(tries, 5)))
    }
    pendingCount--
    waiter.resolve({
      ok: last.status !== undefined && last.status >= 200 && last.status < 300,
      status: last.status,
      attempts: tries,
    })
  }

  const server = Http.createServer((request, response) => {
    void text(request)
      .then((body) => {
        let updateId: number | undefined
        try {
          const parsed = JSON.parse(body) as { update_id?: unknown }
          updateId = typeof parsed.update_id === "number" ? parsed.update_id : undefined
        } catch {
          updateId = undefined
        }
        if (updateId === undefined) {
          response.writeHead(400).end()
          return
        }
        // Taken: the local server may post the next one while this one is being delivered.
        response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}')
        const waiter = waiterOf(updateId)
        if (waiter.started) return
        waiter.started = true
        relayedCount++
        pendingCount++
        const secret = request.headers["x-telegram-bot-api-secret-token"]
        void deliver(updateId, body, typeof secret === "string" ? secret : undefined)
      })
      .catch(() => {
        if (!response.headersSent) response.writeHead(400).end()
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`

  const relay: Relay = {
    url,
    setTarget: (url) =>
      Effect.sync(() => {
        target = url
      }),
    outcome: (updateId) => Effect.promise(() => waiterOf(updateId).promise),
    post: (post) => Effect.promise(() => limit(() => postOnce(post))),
    attempts,
    relayed: () => relayedCount,
    pending: () => pendingCount,
  }

  const close = async () => {
    closing.abort()
    for (const waiter of outcomes.values()) {
      waiter.resolve({ ok: false, status: undefined, attempts: 0 })
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
  return { relay, close }
}
