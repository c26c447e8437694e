import * as NodeHttp from "node:http"
import { HttpServer } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import {
  ConfigProvider,
  Context,
  Effect,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Ref,
  Schema,
  type Scope,
} from "effect"
import { Bot, type TelegramUpdate } from "../../src/bot/Bot"
import { observeUpdate, updateKind } from "../../src/bot/BotMetrics"
import { Cache, type CacheService } from "../../src/cache/Cache"
import * as MemoryCache from "../../src/cache/MemoryCache"
import { BotConfig, DatabaseConfig, type Transport } from "../../src/config"
import * as Database from "../../src/db/Database"
import type { DatabaseError } from "../../src/domain/Errors"
import * as Http from "../../src/http/Http"
import { cacheConfig } from "../support/CacheSettings"
import { privatePostgres } from "../support/PrivatePostgres"
import * as TestDatabase from "../support/TestDatabase"

const secret = "webhook_Secret-42"
const webhook: Transport = {
  _tag: "Webhook",
  url: new URL("https://bot.example/telegram"),
  secret: Redacted.make(secret),
}
const memoryReason = "REDIS_URL is not set"

/** The app's own BotConfig, read from these settings (every other setting at its default). */
const botConfig = (transport: Transport) =>
  BotConfig.layer.pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
            ...(transport._tag === "Webhook"
              ? [
                  ["BOT_MODE", "webhook"],
                  ["WEBHOOK_URL", transport.url.toString()],
                  ["WEBHOOK_SECRET", Redacted.value(transport.secret)],
                ]
              : [["BOT_MODE", "polling"]]),
          ] as Array<[string, string]>),
        ),
      ),
    ),
    Layer.orDie,
  )

interface RunningServer {
  readonly url: string
  /** The updates the bot was handed, in order. */
  readonly updates: Ref.Ref<ReadonlyArray<TelegramUpdate>>
  /** Everything logged at info level and above, as `LEVEL message`. */
  readonly logs: ReadonlyArray<string>
  readonly cache: CacheService
}

/**
 * The real server on a free loopback port, over the given database, a memory cache and a fake
 * bot that records its updates (and dies on `/crash`, as a bug in the bot would).
 */
const startServer = (
  transport: Transport,
  database: Layer.Layer<SqlClient.SqlClient, DatabaseError>,
): Effect.Effect<RunningServer, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const updates = yield* Ref.make<ReadonlyArray<TelegramUpdate>>([])
    const logs: Array<string> = []
    const bot = Layer.succeed(Bot, {
      username: "test",
      handleUpdate: (update) =>
        observeUpdate(updateKind(update))(
          update.message?.text === "/crash"
            ? Effect.die(new Error("connection string postgres://admin:hunter2@db"))
            : Ref.update(updates, (handled) => [...handled, update]).pipe(
                // A bot that ends the update with a call for Telegram to make.
                Effect.as(
                  update.message?.text === "/answer"
                    ? { method: "answerCallbackQuery", callback_query_id: "q7", text: "Saved" }
                    : undefined,
                ),
              ),
        ),
    })
    const config = botConfig(transport)
    const cache = MemoryCache.layer({ reason: memoryReason }).pipe(
      Layer.provide(cacheConfig(Option.none())),
    )
    const capture = Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
    const context = yield* Layer.build(
      Http.layerWith({ port: 0, host: "127.0.0.1" }).pipe(
        // TestDatabase quiets the log to warnings for what is built after it; the server's own
        // lines are part of what is tested here.
        Layer.provide(Logger.minimumLogLevel(LogLevel.Info)),
        Layer.provideMerge(Layer.mergeAll(bot, config, database, cache)),
        Layer.provide(Logger.replace(Logger.defaultLogger, capture)),
      ),
    )
    const { address } = Context.get(context, HttpServer.HttpServer)
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("not a TCP server")
    return {
      url: `http://127.0.0.1:${address.port}`,
      updates,
      logs,
      cache: Context.get(context, Cache),
    }
  })

class TestServer extends Context.Tag("test/http/TestServer")<TestServer, RunningServer>() {}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

const send = (url: string, init?: RequestInit): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, headers: response.headers, text: await response.text() }
  })

const postUpdate = (
  server: RunningServer,
  body: string,
  headers: Record<string, string> = { "x-telegram-bot-api-secret-token": secret },
) =>
  send(`${server.url}/telegram`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  })

let nextUpdateId = 1000
const messageUpdate = (text: string) => ({
  update_id: ++nextUpdateId,
  message: {
    message_id: 1,
    date: 1_700_000_000,
    chat: { id: 42, type: "private", first_name: "Ann" },
    from: { id: 42, is_bot: false, first_name: "Ann" },
    text,
    ...(text.startsWith("/")
      ? { entities: [{ type: "bot_command", offset: 0, length: text.length }] }
      : {}),
  },
})

const handledIds = (server: RunningServer) =>
  Effect.map(Ref.get(server.updates), (updates) => updates.map((update) => update.update_id))

/** The value of one series on /metrics, 0 when it is not there. */
const sampleOf = (metrics: string, series: string): number => {
  const line = metrics.split("\n").find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

describe("HTTP server in webhook mode", () => {
  layer(Layer.scoped(TestServer, startServer(webhook, TestDatabase.fresh)), {
    excludeTestServices: true,
  })((it) => {
    it.effect("says once where it listens and what it serves", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const port = new URL(server.url).port
        expect(server.logs.filter((line) => line.includes("HTTP server listening"))).toEqual([
          `INFO HTTP server listening on :${port} (/healthz, /metrics, /telegram)`,
        ])
      }),
    )

    it.effect("an update with the right secret is handed to the bot before the 200", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const update = messageUpdate("hello")
        const answer = yield* postUpdate(server, JSON.stringify(update))
        expect(answer.status).toBe(200)
        expect(JSON.parse(answer.text)).toEqual({ ok: true })
        const handled = yield* Ref.get(server.updates)
        // As the bot reads it: the checked fields, the rest left out.
        expect(handled.filter((u) => u.update_id === update.update_id)).toEqual([
          {
            update_id: update.update_id,
            message: {
              message_id: update.message.message_id,
              chat: { id: update.message.chat.id, type: "private" },
              from: update.message.from,
              text: "hello",
            },
          },
        ])
      }),
    )

    it.effect("a missing or wrong secret is 401 and the update is not handled", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const update = messageUpdate("sneaky")
        const body = JSON.stringify(update)
        for (const headers of [
          {},
          { "x-telegram-bot-api-secret-token": "wrong" },
          { "x-telegram-bot-api-secret-token": secret.slice(0, -1) },
          { "x-telegram-bot-api-secret-token": `${secret}x` },
          { "x-telegram-bot-api-secret-token": secret.toLowerCase() },
        ]) {
          const answer = yield* postUpdate(server, body, headers)
          expect(answer.status).toBe(401)
          expect(JSON.parse(answer.text)).toEqual({
            ok: false,
            error: "missing or wrong secret token",
          })
        }
        expect(yield* handledIds(server)).not.toContain(update.update_id)
      }),
    )

    it.effect("a body that is not JSON, or not an update, is 400 and not handled", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const before = yield* handledIds(server)
        const cases = [
          ["{", "body is not JSON"],
          ["", "body is not JSON"],
          ['{"update_id":1,', "body is not JSON"],
          ['{"foo":1}', "body is not a Telegram update (update_id is missing)"],
          ["[]", "body is not a Telegram update (the update is malformed)"],
          ["null", "body is not a Telegram update (the update is malformed)"],
          ['{"update_id":-1}', "body is not a Telegram update (update_id is malformed)"],
          ['{"update_id":1.5}', "body is not a Telegram update (update_id is malformed)"],
          ['{"update_id":"7"}', "body is not a Telegram update (update_id is malformed)"],
          [
            '{"update_id":8,"callback_query":{"id":"q","data":"m"}}',
            "body is not a Telegram update (callback_query.from is missing)",
          ],
          // Printing what it got would overflow the stack: the answer names the field only.
          [
            `{"update_id":9,"message":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
            "body is not a Telegram update (message is malformed)",
          ],
        ] as const
        for (const [body, error] of cases) {
          const answer = yield* postUpdate(server, body)
          expect({ body: body.slice(0, 80), status: answer.status }).toEqual({
            body: body.slice(0, 80),
            status: 400,
          })
          expect(JSON.parse(answer.text)).toEqual({ ok: false, error })
        }
        expect(yield* handledIds(server)).toEqual(before)
      }),
    )

    it.effect("a body up to 1 MiB is read; beyond it is 413 and not handled", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const fill = (update: ReturnType<typeof messageUpdate>, size: number) => {
          const bare = JSON.stringify(update)
          return bare.replace('"text":"', `"text":"${"x".repeat(size - bare.length)}`)
        }
        const fits = messageUpdate("long")
        const fitsBody = fill(fits, 1024 * 1024)
        expect(Buffer.byteLength(fitsBody)).toBe(1024 * 1024)
        expect((yield* postUpdate(server, fitsBody)).status).toBe(200)

        const tooLarge = messageUpdate("longer")
        const answer = yield* postUpdate(server, fill(tooLarge, 1024 * 1024 + 1))
        expect(answer.status).toBe(413)
        expect(JSON.parse(answer.text)).toEqual({ ok: false, error: "body larger than 1 MiB" })
        const handled = yield* handledIds(server)
        expect(handled).toContain(fits.update_id)
        expect(handled).not.toContain(tooLarge.update_id)
      }),
    )

    it.effect(
      "the call a bot ends an update with is the webhook's response, for Telegram to make",
      () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const answer = yield* postUpdate(server, JSON.stringify(messageUpdate("/answer")))
          expect(answer.status).toBe(200)
          expect(answer.headers.get("content-type")).toContain("application/json")
          expect(JSON.parse(answer.text)).toEqual({
            method: "answerCallbackQuery",
            callback_query_id: "q7",
            text: "Saved",
          })
        }),
    )

    it.effect(
      "a chunked body (no Content-Length) beyond 1 MiB is 413; a body cut off is not handled",
      () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          /** Posts `chunks` with chunked encoding; `cut`: the connection is destroyed after them. */
          const postChunked = (chunks: ReadonlyArray<string>, cut: boolean) =>
            Effect.async<number | "cut">((resume) => {
              const request = NodeHttp.request(`${server.url}/telegram`, {
                method: "POST",
                headers: {
                  "content-type": "application/json",
                  "transfer-encoding": "chunked",
                  "x-telegram-bot-api-secret-token": secret,
                },
              })
              request.on("response", (response) => {
                response.resume()
                resume(Effect.succeed(response.statusCode ?? 0))
              })
              request.on("error", () => resume(Effect.succeed("cut")))
              for (const chunk of chunks) request.write(chunk)
              if (cut) setTimeout(() => request.destroy(), 50)
              else request.end()
            })
          const big = messageUpdate("big")
          const body = JSON.stringify(big).replace('"text":"', `"text":"${"x".repeat(1024 * 1024)}`)
          expect(yield* postChunked([body.slice(0, 1000), body.slice(1000)], false)).toBe(413)

          const cutOff = messageUpdate("cut off")
          const half = JSON.stringify(cutOff).slice(0, 40)
          expect(yield* postChunked([half], true)).toBe("cut")
          // The server still answers, and neither update was handed to the bot.
          const after = messageUpdate("after")
          expect((yield* postUpdate(server, JSON.stringify(after))).status).toBe(200)
          const handled = yield* handledIds(server)
          expect(handled).toContain(after.update_id)
          expect(handled).not.toContain(big.update_id)
          expect(handled).not.toContain(cutOff.update_id)
        }),
    )

    it.effect("unknown paths are 404, a wrong method on a known path is 405", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const notFound = yield* send(`${server.url}/nothing-here`)
        expect(notFound.status).toBe(404)
        expect(JSON.parse(notFound.text)).toEqual({ ok: false, error: "not found" })

        const getWebhook = yield* send(`${server.url}/telegram`)
        expect(getWebhook.status).toBe(405)
        expect(getWebhook.headers.get("allow")).toBe("POST")
        const postHealth = yield* send(`${server.url}/healthz`, { method: "POST", body: "{}" })
        expect(postHealth.status).toBe(405)
        expect(postHealth.headers.get("allow")).toBe("GET, HEAD")
        expect((yield* send(`${server.url}/metrics`, { method: "DELETE" })).status).toBe(405)
        // Requests are logged at debug level only.
        expect(server.logs.filter((line) => line.includes("/nothing-here"))).toEqual([])
      }),
    )

    it.effect("/healthz: the database answers, the cache is on memory: 200 degraded", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const answer = yield* send(`${server.url}/healthz`)
        expect(answer.status).toBe(200)
        expect(answer.headers.get("content-type")).toBe("application/json")
        expect(JSON.parse(answer.text)).toEqual({
          status: "degraded",
          database: { ok: true },
          cache: { backend: "memory", reason: memoryReason, available: true },
        })
      }),
    )

    it.effect("/metrics: cache and bot metrics in the Prometheus text format", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const scrape = Effect.map(send(`${server.url}/metrics`), (answer) => {
          expect(answer.status).toBe(200)
          expect(answer.headers.get("content-type")).toBe(
            "text/plain; version=0.0.4; charset=utf-8",
          )
          return answer.text
        })
        const before = yield* scrape
        // Every bot series is there from the start, before the kind is ever seen.
        for (const name of [
          "connectbot_updates_handled_total",
          "connectbot_updates_failed_total",
        ]) {
          expect(before).toContain(`# HELP ${name} `)
          expect(before).toContain(`# TYPE ${name} counter\n`)
          expect(before).toMatch(new RegExp(`^${name}\\{kind="callback_query"\\} \\d+$`, "m"))
        }
        // A rate of redeliveries starts from 0, before the first one.
        expect(before).toMatch(/^connectbot_updates_redelivered_total \d+$/m)
        expect(before).toContain("# TYPE connectbot_update_duration_seconds histogram\n")
        expect(before).toMatch(
          /^connectbot_update_duration_seconds_bucket\{kind="other",le="0.005"\} \d+$/m,
        )

        yield* Effect.ignore(server.cache.get("emp:999999", Schema.Number))
        yield* postUpdate(server, JSON.stringify(messageUpdate("/menu")))
        const after = yield* scrape
        expect(after).toContain("# HELP connectbot_cache_misses_total ")
        expect(after).toContain("# TYPE connectbot_cache_misses_total counter\n")
        expect(after).toContain("# TYPE connectbot_cache_backend gauge\n")
        expect(after).toContain('connectbot_cache_backend{backend="memory"} 1\n')
        expect(after).toContain('connectbot_cache_backend{backend="redis"} 0\n')
        const handled = 'connectbot_updates_handled_total{kind="command"}'
        expect(sampleOf(after, handled)).toBe(sampleOf(before, handled) + 1)
        const timed = 'connectbot_update_duration_seconds_count{kind="command"}'
        expect(sampleOf(after, timed)).toBe(sampleOf(before, timed) + 1)
      }),
    )

    it.effect("a defect in the bot is a bare 500 (Telegram retries), logged and counted", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const failed = 'connectbot_updates_failed_total{kind="command"}'
        const before = (yield* send(`${server.url}/metrics`)).text
        const answer = yield* postUpdate(server, JSON.stringify(messageUpdate("/crash")))
        expect(answer.status).toBe(500)
        expect(JSON.parse(answer.text)).toEqual({ ok: false, error: "internal error" })
        expect(answer.text).not.toContain("hunter2")
        expect(server.logs.some((line) => line.startsWith("ERROR HTTP POST /telegram"))).toBe(true)
        const after = (yield* send(`${server.url}/metrics`)).text
        expect(sampleOf(after, failed)).toBe(sampleOf(before, failed) + 1)
      }),
    )
  })
})

describe("HTTP server in polling mode", () => {
  it.scopedLive("has no /telegram; /healthz and /metrics still answer", () =>
    Effect.gen(function* () {
      const server = yield* startServer({ _tag: "Polling" }, TestDatabase.fresh)
      const update = messageUpdate("hello")
      const answer = yield* postUpdate(server, JSON.stringify(update))
      expect(answer.status).toBe(404)
      expect(yield* handledIds(server)).toEqual([])
      expect((yield* send(`${server.url}/healthz`)).status).toBe(200)
      expect((yield* send(`${server.url}/metrics`)).status).toBe(200)
      expect(server.logs.filter((line) => line.includes("HTTP server listening"))).toEqual([
        `INFO HTTP server listening on :${new URL(server.url).port} (/healthz, /metrics)`,
      ])
    }),
  )

  it.live("closing the layer's scope closes the server", () =>
    Effect.gen(function* () {
      const url = yield* Effect.scoped(
        Effect.map(startServer({ _tag: "Polling" }, TestDatabase.fresh), (server) => server.url),
      )
      const refused = yield* Effect.promise(() =>
        fetch(`${url}/healthz`).then(
          () => "answered",
          () => "refused",
        ),
      )
      expect(refused).toBe("refused")
    }),
  )
})

describe("/healthz across a Postgres outage", () => {
  it.scopedLive("503 unavailable while Postgres is down, 200 again when it is back", () =>
    Effect.gen(function* () {
      const postgres = yield* privatePostgres
      const database = Database.layer.pipe(
        Layer.provide(
          Layer.succeed(DatabaseConfig, {
            url: Option.some(Redacted.make(postgres.url)),
            embeddedDir: "unused",
          }),
        ),
      )
      const server = yield* startServer(webhook, database)
      expect((yield* send(`${server.url}/healthz`)).status).toBe(200)

      yield* postgres.stop
      const down = yield* send(`${server.url}/healthz`)
      expect(down.status).toBe(503)
      const report = JSON.parse(down.text)
      expect(report.status).toBe("unavailable")
      expect(report.database.ok).toBe(false)
      expect(typeof report.database.error).toBe("string")
      expect(report.database.error).not.toContain("postgres://")
      expect(report.cache).toEqual({ backend: "memory", reason: memoryReason, available: true })

      // The same server, no restart: the pool reconnects by itself.
      yield* postgres.start
      const up = yield* send(`${server.url}/healthz`)
      expect(up.status).toBe(200)
      expect(JSON.parse(up.text).database).toEqual({ ok: true })
    }),
  )
})
