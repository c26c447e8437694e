/**
 * The bot's HTTP server, in both transport modes: `POST /telegram` (webhook mode only) hands
 * Telegram's updates to the bot, `GET /healthz` says whether the database and the cache answer,
 * `GET /metrics` shows every metric for Prometheus. A scoped layer: closing its scope closes the
 * server.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import {
  type HttpApp,
  HttpRouter,
  HttpServer,
  type HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
} from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { SqlClient } from "@effect/sql"
import { Cause, Context, Data, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { Bot, decodeUpdate } from "../bot/Bot"
import { Cache } from "../cache/Cache"
import { BotConfig, type Transport } from "../config"
import { describeCause } from "../domain/Errors"
import * as Prometheus from "./Prometheus"

/** Telegram's updates are a few KiB; anything near this is not Telegram. */
const maxBodyBytes = 1024 * 1024
const databaseTimeout = Duration.seconds(2)
const cacheTimeout = Duration.seconds(1)

const json = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status })
const problem = (status: number, error: string) => json(status, { ok: false, error })

const pathOf = (url: string): string => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

// ---------------------------------------------------------------------------------------------
// POST /telegram

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest()

/** Constant time whatever the lengths: both sides are hashed to 32 bytes before comparing. */
const secretMatches = (given: Option.Option<string>, secret: Redacted.Redacted<string>) =>
  Option.isSome(given) && timingSafeEqual(sha256(given.value), sha256(Redacted.value(secret)))

class BodyTooLarge extends Data.TaggedError("BodyTooLarge") {}
class BodyUnreadable extends Data.TaggedError("BodyUnreadable") {}
class NotJson extends Data.TaggedError("NotJson") {}

/**
 * The body as text, refused beyond `maxBodyBytes`: at once when Content-Length says so (Telegram
 * always sends it), else once the stream has been read (beyond the limit it is dropped).
 *
 * Read from Node's request with its own events, in one async step: the platform's body `Stream`
 * costs some 550 Effect operations per update, a third of all the bot does for one (profiled with
 * the pipeline benchmark).
 */
const readBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.suspend(() => {
    if (Number(request.headers["content-length"]) > maxBodyBytes) {
      return Effect.fail(new BodyTooLarge())
    }
    const source = NodeHttpServerRequest.toIncomingMessage(request)
    return Effect.async<string, BodyTooLarge | BodyUnreadable>((resume) => {
      const chunks: Array<Buffer> = []
      let size = 0
      // Beyond the limit the rest is read and dropped rather than the read stopped: stopping
      // destroys the request, and its socket with it, before the 413 could be written. Only a
      // sender that knows the secret gets this far.
      const onData = (chunk: Buffer) => {
        size += chunk.length
        if (size <= maxBodyBytes) chunks.push(chunk)
      }
      const onEnd = () => {
        stop()
        resume(
          size > maxBodyBytes
            ? Effect.fail(new BodyTooLarge())
            : Effect.succeed(Buffer.concat(chunks).toString("utf8")),
        )
      }
      // The client broke off sending (an `error`, or a `close` before the end).
      const onBroken = () => {
        stop()
        resume(Effect.fail(new BodyUnreadable()))
      }
      const stop = () => {
        source.off("data", onData)
        source.off("end", onEnd)
        source.off("error", onBroken)
        source.off("close", onBroken)
      }
      source.on("data", onData)
      source.on("end", onEnd)
      source.on("error", onBroken)
      source.on("close", onBroken)
      return Effect.sync(stop)
    })
  })

const parseJson = (text: string) =>
  Effect.try({ try: (): unknown => JSON.parse(text), catch: () => new NotJson() })

/**
 * The update is handled before the answer: a process stopping mid-update never said 200, so
 * Telegram sends the update again.
 */
const telegram = (secret: Redacted.Redacted<string>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const token = Option.fromNullable(request.headers["x-telegram-bot-api-secret-token"])
    if (!secretMatches(token, secret)) return problem(401, "missing or wrong secret token")
    const update = yield* readBody(request).pipe(
      Effect.flatMap(parseJson),
      Effect.flatMap((body) => decodeUpdate(body)),
    )
    const bot = yield* Bot
    const reply = yield* bot.handleUpdate(update)
    // A call for Telegram to make (the answer to a button press), or just "received".
    return json(200, reply ?? { ok: true })
  }).pipe(
    Effect.catchTags({
      BodyTooLarge: () => Effect.succeed(problem(413, "body larger than 1 MiB")),
      NotJson: () => Effect.succeed(problem(400, "body is not JSON")),
      // Only a sender that knows the secret gets here: worth one line in the log.
      InvalidUpdate: (invalid) =>
        Effect.logWarning(`Webhook: refused an update, ${invalid.message}`).pipe(
          Effect.as(problem(400, `body is ${invalid.message}`)),
        ),
      // The client broke off sending: it will not read this answer.
      BodyUnreadable: () => Effect.succeed(problem(400, "body could not be read")),
    }),
  )

// ---------------------------------------------------------------------------------------------
// GET /healthz

export interface Health {
  readonly status: "ok" | "degraded" | "unavailable"
  readonly database: { readonly ok: boolean; readonly error?: string }
  readonly cache: {
    readonly backend: "redis" | "memory"
    readonly reason?: string
    readonly available: boolean
  }
}

/** `SELECT 1`, bounded; the error says why without the URL (driver messages carry none). */
const checkDatabase: Effect.Effect<Health["database"], never, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
  },
).pipe(
  // Interrupting a query cancels it on the server, which waits for a connection of its own: the
  // answer does not wait for that.
  Effect.disconnect,
  Effect.timeoutFail({
    duration: databaseTimeout,
    onTimeout: () => `no answer within ${Duration.format(databaseTimeout)}`,
  }),
  Effect.withSpan("Http.checkDatabase"),
  Effect.exit,
  Effect.map((exit) =>
    Exit.isSuccess(exit)
      ? { ok: true }
      : { ok: false, error: describeCause(Cause.squash(exit.cause)) },
  ),
)

const checkCache: Effect.Effect<Health["cache"], never, Cache> = Effect.gen(function* () {
  const cache = yield* Cache
  const ping = yield* cache.ops.ping.pipe(Effect.timeout(cacheTimeout), Effect.exit)
  const available = Exit.isSuccess(ping)
  const report: Health["cache"] =
    cache.backend._tag === "Redis"
      ? { backend: "redis", available }
      : { backend: "memory", reason: cache.backend.reason, available }
  return report
}).pipe(Effect.withSpan("Http.checkCache"))

export const health: Effect.Effect<Health, never, SqlClient.SqlClient | Cache> = Effect.map(
  Effect.all([checkDatabase, checkCache], { concurrency: "unbounded" }),
  ([database, cache]) => ({
    status: !database.ok
      ? "unavailable"
      : cache.backend === "memory" || !cache.available
        ? "degraded"
        : "ok",
    database,
    cache,
  }),
)

/** 200 while the database answers (the bot works, perhaps degraded), else 503. */
const healthz = Effect.map(health, (report) =>
  json(report.status === "unavailable" ? 503 : 200, report),
)

// ---------------------------------------------------------------------------------------------
// GET /metrics

const metrics = Effect.map(Prometheus.scrape, (body) =>
  HttpServerResponse.text(body, { contentType: Prometheus.contentType }),
)

// ---------------------------------------------------------------------------------------------
// The server

/**
 * Routes beside the bot's, under a prefix: the playground's page and its API (src/playground).
 * A server that has them listens on loopback only, whatever it was asked: they have no login.
 */
export class PageRoutes extends Context.Tag("connectbot/PageRoutes")<
  PageRoutes,
  {
    readonly prefix: `/${string}`
    readonly router: HttpRouter.HttpRouter<never, never>
    /**
     * Ends the routes' long-lived responses (the page's event streams). Run when the server
     * starts to close: Node's `close` waits for every open response to end.
     */
    readonly closing: Effect.Effect<void>
  }
>() {}

/** Paths and the methods they answer; another method on one of them is a 405. */
const routesOf = (transport: Transport, page: Option.Option<PageRoutes["Type"]>) => {
  const allow = new Map([
    ["/healthz", "GET, HEAD"],
    ["/metrics", "GET, HEAD"],
  ])
  const bots = HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", healthz),
    HttpRouter.get("/metrics", metrics),
  )
  const router = Option.match(page, {
    onNone: () => bots,
    onSome: ({ prefix, router }) => HttpRouter.mount(bots, prefix, router),
  })
  if (transport._tag === "Polling") return { allow, router }
  allow.set("/telegram", "POST")
  return { allow, router: HttpRouter.post(router, "/telegram", telegram(transport.secret)) }
}

const makeApp = (transport: Transport, page: Option.Option<PageRoutes["Type"]>) => {
  const { allow, router } = routesOf(transport, page)
  return router.pipe(
    Effect.catchTag("RouteNotFound", (error: HttpServerError.RouteNotFound) => {
      const methods = allow.get(pathOf(error.request.url))
      return Effect.succeed(
        methods === undefined
          ? problem(404, "not found")
          : HttpServerResponse.setHeader(problem(405, "method not allowed"), "allow", methods),
      )
    }),
  )
}

/**
 * Requests are logged at debug level (path only: a query string may carry anything). A failure
 * or defect is logged and answered with a bare 500; an interrupted request (the client went
 * away, the server is closing) stays interrupted.
 */
const logged = <E, R>(
  app: HttpApp.Default<E, R>,
): HttpApp.Default<never, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = pathOf(request.url)
    const response = yield* app.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.interrupt
          : Effect.as(
              Effect.logError(`HTTP ${request.method} ${path} failed`, cause),
              problem(500, "internal error"),
            ),
      ),
    )
    yield* Effect.logDebug(`HTTP ${request.method} ${path} → ${response.status}`)
    return response
  })

export interface ServerOptions {
  readonly port: number
  /** Every interface when absent; tests listen on 127.0.0.1. */
  readonly host?: string
}

/**
 * The server on `options.port` (0 picks a free one). Gives the `HttpServer`, whose `address`
 * is where it listens.
 */
export const layerWith = (
  options: ServerOptions,
): Layer.Layer<
  HttpServer.HttpServer,
  HttpServerError.ServeError,
  Bot | BotConfig | SqlClient.SqlClient | Cache
> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const { transport } = yield* BotConfig
      const page = yield* Effect.serviceOption(PageRoutes)
      const paths = [
        "/healthz",
        "/metrics",
        ...(transport._tag === "Webhook" ? ["/telegram"] : []),
        ...Option.toArray(Option.map(page, ({ prefix }) => prefix)),
      ].join(", ")
      const listen = Option.isSome(page) ? { ...options, host: "127.0.0.1" } : options
      const announce = HttpServer.addressWith((address) =>
        Effect.logInfo(
          address._tag === "TcpAddress"
            ? `HTTP server listening on ${Option.isSome(page) ? address.hostname : ""}:${address.port} (${paths})`
            : `HTTP server listening on ${address.path} (${paths})`,
        ),
      )
      // Released before the server (it is built over it), so the streams end before Node waits.
      const endPageStreams = Layer.scopedDiscard(
        Effect.addFinalizer(() =>
          Option.match(page, { onNone: () => Effect.void, onSome: ({ closing }) => closing }),
        ),
      )
      return Layer.mergeAll(
        HttpServer.serve(logged(makeApp(transport, page))),
        Layer.effectDiscard(announce),
        endPageStreams,
        Layer.effect(HttpServer.HttpServer, HttpServer.HttpServer),
      ).pipe(Layer.provide(NodeHttpServer.layer(() => createServer(), listen)))
    }),
  )

/** The server on `BotConfig.port`, every interface. */
export const layer: Layer.Layer<
  never,
  HttpListenError,
  Bot | BotConfig | SqlClient.SqlClient | Cache
> = Layer.unwrapEffect(
  Effect.map(BotConfig, ({ port }) =>
    layerWith({ port }).pipe(
      Layer.mapError(
        (error) =>
          new HttpListenError({
            reason: `Cannot listen on port ${port} (PORT): ${describeCause(error.cause)}`,
          }),
      ),
    ),
  ),
).pipe(Layer.discard)

/** The server could not start (the port is taken, or not ours to use): one line for start-up. */
export class HttpListenError extends Data.TaggedError("HttpListenError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}
