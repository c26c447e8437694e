/**
 * The real bot in webhook mode: it registers its webhook (with the secret) with the local
 * Telegram server, which then POSTs the updates to the bot's HTTP server. Beside the flows over
 * that delivery, the endpoint is attacked directly with `fetch`: wrong secrets, malformed bodies.
 * The HTTP server's /healthz and /metrics are checked in both transport modes.
 */
import * as NodeHttp from "node:http"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import { TelegramId } from "../../src/domain/Ids"
import { Sessions } from "../../src/sessions/Sessions"
import * as Harness from "../support/BotHarness"
import { interestId } from "../support/Fixtures"
import type { TelegramUser } from "../support/TelegramServer"

const en = messagesFor("en")
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

interface HttpAnswer {
  readonly status: number
  readonly body: string
}

const request = (url: string, init: RequestInit = {}) =>
  Effect.promise(async (): Promise<HttpAnswer> => {
    const response = await fetch(url, init)
    return { status: response.status, body: await response.text() }
  })

const postTelegram = (url: string, body: string, secret: string | undefined) =>
  request(`${url}/telegram`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret === undefined ? {} : { [secretHeader]: secret }),
    },
    body,
  })

/**
 * A POST whose body is streamed in chunks, without Content-Length. Through node:http, not fetch:
 * a server may answer and close before the body is all sent, and fetch then reports only that
 * the socket closed; here the answer is what counts.
 */
const postChunked = (url: string, body: string, secret: string) =>
  Effect.async<number, Error>((resume) => {
    const outgoing = NodeHttp.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", [secretHeader]: secret },
    })
    let answered = false
    outgoing.on("response", (response) => {
      answered = true
      response.resume()
      resume(Effect.succeed(response.statusCode ?? 0))
    })
    outgoing.on("error", (error) => {
      if (!answered) {
        resume(
          Effect.fail(new Error(`the server closed the connection unanswered: ${error.message}`)),
        )
      }
    })
    const chunk = 64 * 1024
    for (let at = 0; at < body.length; at += chunk) outgoing.write(body.slice(at, at + chunk))
    outgoing.end()
  })

// Update and message ids of the updates the test posts itself, far from the local server's own.
let nextUpdateId = 500_000_000 + Math.floor(Math.random() * 100_000_000)
let nextMessageId = 1_000_000

/** A command from the user, as Telegram posts it to a webhook. */
const commandUpdate = (user: TelegramUser, text: string) => ({
  update_id: nextUpdateId++,
  message: {
    message_id: nextMessageId++,
    date: Math.floor(Date.now() / 1000),
    chat: { id: user.chatId, type: "private", first_name: user.user.first_name },
    from: {
      id: user.id,
      is_bot: false,
      first_name: user.user.first_name,
      language_code: "en",
    },
    text,
    entities: [{ type: "bot_command", offset: 0, length: text.length }],
  },
})

/** What the bot tried to send to the chat (failed attempts included). */
const sendMessagesTo = (chatId: number) =>
  Effect.map(Harness.Telegram, (server) =>
    server.callsOf("sendMessage").filter((call) => Number(call.params.chat_id) === chatId),
  )

const sessionOf = (telegramId: number) =>
  Effect.flatMap(Sessions, (sessions) => sessions.get(TelegramId.make(telegramId)))

const interestRows = (employeeId: number) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ interestId: number; isActive: boolean }>`
      SELECT interest_id, is_active FROM employee_interests
      WHERE employee_id = ${employeeId} ORDER BY interest_id`,
  )

/** The value of one sample line (`name{labels} value`) of a Prometheus scrape. */
const sampleValue = (scrape: string, series: string): number | undefined => {
  const line = scrape.split("\n").find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

layer(Harness.layer({ transport: "webhook" }), { excludeTestServices: true, timeout: 60_000 })(
  "the bot in webhook mode",
  (it) => {
    it.effect("registers its webhook with the secret and never polls", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const registrations = server.callsOf("setWebhook")
        expect(registrations).toHaveLength(1)
        expect(registrations[0]?.params.url).toBe(`${url}/telegram`)
        expect(registrations[0]?.params.secret_token).toBe(Harness.webhookSecret)
        expect(registrations[0]?.response.ok).toBe(true)
        expect(server.callsOf("getUpdates")).toHaveLength(0)
      }),
    )

    it.effect("a user's flow over webhook delivery: /start, Interests, toggle, Save", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const { user, employeeId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Wanda Hook",
        })
        const coffee = yield* interestId("coffee")

        const menu = yield* user.send("/start")
        expect(menu.text).toBe(en.menuGreeting("Wanda"))
        expect(menu.buttons.flat()).toContain(en.menu.interests)

        const interests = yield* user.press(en.menu.interests)
        expect(interests.message.buttons[0]?.[0]).toBe("❌ ☕️ Secret coffee")
        const toggled = yield* user.press("❌ ☕️ Secret coffee")
        expect(toggled.message.buttons[0]?.[0]).toBe("✅ ☕️ Secret coffee")
        // The press was answered in the webhook's response, once, not by a call of the bot's own.
        const answersOfPress = server
          .callsOf("answerCallbackQuery")
          .filter((call) => call.params.callback_query_id === toggled.query.id)
        expect(answersOfPress.map((call) => call.viaWebhookReply)).toEqual([true])
        // Pending only: nothing written before Save.
        expect(yield* interestRows(employeeId)).toEqual([])

        const saved = yield* user.press(en.interests.save)
        expect(saved.message.buttons[0]?.[0]).toBe("✅ ☕️ Secret coffee")
        expect(saved.message.text).toContain(en.interests.saved(1, 0))
        expect(yield* interestRows(employeeId)).toEqual([{ interestId: coffee, isActive: true }])

        // Every update so far came by webhook, with the secret, and was answered 200 once handled.
        const deliveries = server.webhookDeliveries
        expect(deliveries.length).toBeGreaterThanOrEqual(4)
        for (const delivery of deliveries) {
          expect(delivery).toMatchObject({
            url: `${url}/telegram`,
            secretToken: Harness.webhookSecret,
            status: 200,
          })
        }
      }),
    )

    it.effect("an update POSTed with the right secret is handled before the 200", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const { user, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Rita Right",
        })
        expect(Option.isNone(yield* sessionOf(telegramId))).toBe(true)

        const answer = yield* postTelegram(
          url,
          JSON.stringify(commandUpdate(user, "/menu")),
          Harness.webhookSecret,
        )
        expect(answer.status).toBe(200)
        // The bot answers Telegram only once the update is handled: the menu is there already.
        const messages = server.messagesIn(user.chatId)
        expect(messages).toHaveLength(1)
        expect(messages[0]?.text).toBe(en.menuGreeting("Rita"))
        expect(messages[0]?.buttons.flat()).toEqual(Object.values(en.menu))
        const session = yield* sessionOf(telegramId)
        expect(Option.map(session, (s) => s.lastCommand)).toEqual(Option.some("menu"))
      }),
    )

    it.effect("a wrong, missing, nearly right or much longer secret: 401, nothing handled", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const { user, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Sam Spoof",
        })
        const last = Harness.webhookSecret.at(-1)
        const secrets = [
          "not-the-secret",
          undefined,
          "",
          `${Harness.webhookSecret.slice(0, -1)}${last === "x" ? "y" : "x"}`,
          Harness.webhookSecret.toUpperCase(),
          `${Harness.webhookSecret}${"0".repeat(200)}`,
          Harness.webhookSecret.repeat(40),
        ]
        for (const secret of secrets) {
          const answer = yield* postTelegram(
            url,
            JSON.stringify(commandUpdate(user, "/menu")),
            secret,
          )
          expect({ secret, status: answer.status }).toEqual({ secret, status: 401 })
          expect(answer.body).not.toContain(Harness.webhookSecret)
        }
        // None of them reached the bot: nothing sent, no session started.
        expect(yield* sendMessagesTo(user.chatId)).toEqual([])
        expect(server.messagesIn(user.chatId)).toEqual([])
        expect(Option.isNone(yield* sessionOf(telegramId))).toBe(true)

        // The same update with the right secret is handled: the endpoint was not simply broken.
        const right = yield* postTelegram(
          url,
          JSON.stringify(commandUpdate(user, "/menu")),
          Harness.webhookSecret,
        )
        expect(right.status).toBe(200)
        expect(server.messagesIn(user.chatId).map((message) => message.text)).toEqual([
          en.menuGreeting("Sam"),
        ])
      }),
    )

    it.effect("malformed bodies: 400 (413 over 1 MiB), nothing handled, the bot still works", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const { user, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Mona Malformed",
        })
        const valid = commandUpdate(user, "/menu")
        // A huge but otherwise well-formed update from the same user.
        const huge = JSON.stringify({
          ...valid,
          message: { ...valid.message, text: `/menu ${"x".repeat(1024 * 1024)}` },
        })
        const bodies: ReadonlyArray<readonly [string, string, number]> = [
          ["not JSON", "this is not json {", 400],
          ["truncated JSON", JSON.stringify(valid).slice(0, 40), 400],
          ["an array", "[]", 400],
          ["an empty object", "{}", 400],
          ["a negative update_id", JSON.stringify({ ...valid, update_id: -1 }), 400],
          ["a string update_id", JSON.stringify({ ...valid, update_id: "1" }), 400],
          ["a fractional update_id", JSON.stringify({ ...valid, update_id: 1.5 }), 400],
          ["null", "null", 400],
          ["over 1 MiB", huge, 413],
        ]
        for (const [what, body, status] of bodies) {
          const answer = yield* postTelegram(url, body, Harness.webhookSecret)
          expect({ what, status: answer.status }).toEqual({ what, status })
          expect(JSON.parse(answer.body)).toMatchObject({ ok: false })
        }
        expect(yield* sendMessagesTo(user.chatId)).toEqual([])
        expect(Option.isNone(yield* sessionOf(telegramId))).toBe(true)

        // The bot still works, over its own webhook and over a POST of the test's.
        const menu = yield* user.send("/menu")
        expect(menu.text).toBe(en.menuGreeting("Mona"))
        const again = yield* postTelegram(url, JSON.stringify(valid), Harness.webhookSecret)
        expect(again.status).toBe(200)
        expect(server.messagesIn(user.chatId)).toHaveLength(2)
      }),
    )

    it.effect("impossible senders: 400 with a reason, never 500; nothing handled", () =>
      Effect.gen(function* () {
        const { url } = yield* Harness.BotHttp
        const { user, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Ivan Impossible",
        })
        const valid = commandUpdate(user, "/menu")
        const withSender = (id: unknown) => ({
          ...valid,
          update_id: nextUpdateId++,
          message: { ...valid.message, from: { ...valid.message.from, id } },
        })
        const press = {
          id: "forged-query",
          chat_instance: "1",
          message: { message_id: 1, date: 0, chat: { id: user.chatId, type: "private" } },
          data: "m",
        }
        const bodies: ReadonlyArray<readonly [string, unknown]> = [
          ["a negative sender id", withSender(-user.id)],
          ["sender id 0", withSender(0)],
          ["a sender id beyond 2^53", withSender(2 ** 53 + 2)],
          ["a sender id as a string", withSender(String(user.id))],
          ["a fractional sender id", withSender(user.id + 0.5)],
          ["a button press without from", { update_id: nextUpdateId++, callback_query: press }],
          [
            "a button press with a null from",
            { update_id: nextUpdateId++, callback_query: { ...press, from: null } },
          ],
          [
            "a message without a chat",
            { update_id: nextUpdateId++, message: { ...valid.message, chat: undefined } },
          ],
        ]
        for (const [what, body] of bodies) {
          const answer = yield* postTelegram(url, JSON.stringify(body), Harness.webhookSecret)
          expect({ what, status: answer.status }).toEqual({ what, status: 400 })
          expect(JSON.parse(answer.body)).toMatchObject({ ok: false })
          expect(JSON.parse(answer.body).error).toContain("not a Telegram update")
        }
        expect(yield* sendMessagesTo(user.chatId)).toEqual([])
        expect(Option.isNone(yield* sessionOf(telegramId))).toBe(true)
        // The bot still answers the user.
        expect((yield* user.send("/menu")).text).toBe(en.menuGreeting("Ivan"))
      }),
    )

    it.effect("an update delivered again is applied once; a second real press still undoes", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const { user, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Rhea Redelivered",
        })
        const coffee = yield* interestId("coffee")
        yield* user.send("/start")
        yield* user.press(en.menu.interests)
        const toggled = yield* user.press("❌ ☕️ Secret coffee")
        expect(toggled.message.buttons[0]?.[0]).toBe("✅ ☕️ Secret coffee")
        // The press was answered in the webhook's response, once, not by a call of the bot's own.
        const answersOfPress = server
          .callsOf("answerCallbackQuery")
          .filter((call) => call.params.callback_query_id === toggled.query.id)
        expect(answersOfPress.map((call) => call.viaWebhookReply)).toEqual([true])
        const delivery = server.webhookDeliveries.at(-1)
        expect(delivery?.status).toBe(200)
        const pendingOf = Effect.map(sessionOf(telegramId), (session) =>
          Option.map(session, (s) => s.pendingInterests.enable),
        )
        expect(yield* pendingOf).toEqual(Option.some([coffee]))

        // Telegram sends the same update again (it got no answer in time); then twice at once.
        const again = JSON.stringify({
          update_id: delivery?.updateId,
          callback_query: toggled.query,
        })
        const once = yield* postTelegram(url, again, Harness.webhookSecret)
        expect(once.status).toBe(200)
        expect(yield* pendingOf).toEqual(Option.some([coffee]))
        const answers = yield* Effect.all(
          [1, 2].map(() => postTelegram(url, again, Harness.webhookSecret)),
          { concurrency: "unbounded" },
        )
        expect(answers.map((answer) => answer.status)).toEqual([200, 200])
        // A repeat is not answered again: its answer went with the first delivery.
        expect(
          server
            .callsOf("answerCallbackQuery")
            .filter((call) => call.params.callback_query_id === toggled.query.id),
        ).toHaveLength(1)
        expect(yield* pendingOf).toEqual(Option.some([coffee]))
        expect(server.messagesIn(user.chatId).at(-1)?.buttons[0]?.[0]).toBe("✅ ☕️ Secret coffee")

        // The user really presses again: that is a new update, and undoes the first.
        const undone = yield* user.press("✅ ☕️ Secret coffee")
        expect(undone.message.buttons[0]?.[0]).toBe("❌ ☕️ Secret coffee")
        expect(yield* pendingOf).toEqual(Option.some([]))

        // A process that died before it stored the session after an update never recorded it:
        // Telegram's repeat of that update is applied (here: the undo, as if never stored).
        const undoDelivery = server.webhookDeliveries.at(-1)
        const sessions = yield* Sessions
        const afterUndo = Option.getOrThrow(yield* sessionOf(telegramId))
        yield* sessions.set(TelegramId.make(telegramId), {
          ...afterUndo,
          pendingInterests: { enable: [coffee], disable: [] },
          recentUpdates: afterUndo.recentUpdates.filter((id) => id !== undoDelivery?.updateId),
        })
        const replayed = yield* postTelegram(
          url,
          JSON.stringify({ update_id: undoDelivery?.updateId, callback_query: undone.query }),
          Harness.webhookSecret,
        )
        expect(replayed.status).toBe(200)
        expect(yield* pendingOf).toEqual(Option.some([]))

        const scrape = yield* request(`${url}/metrics`)
        expect(
          sampleValue(scrape.body, "connectbot_updates_redelivered_total"),
        ).toBeGreaterThanOrEqual(3)
      }),
    )

    it.effect("a body streamed past 1 MiB without Content-Length: 413, nothing handled", () =>
      Effect.gen(function* () {
        const { url } = yield* Harness.BotHttp
        const { user, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Chuck Chunked",
        })
        const valid = commandUpdate(user, "/menu")
        const huge = JSON.stringify({
          ...valid,
          message: { ...valid.message, text: `/menu ${"x".repeat(1024 * 1024)}` },
        })
        const status = yield* postChunked(`${url}/telegram`, huge, Harness.webhookSecret)
        expect(status).toBe(413)
        expect(yield* sendMessagesTo(user.chatId)).toEqual([])
        expect(Option.isNone(yield* sessionOf(telegramId))).toBe(true)
        const menu = yield* user.send("/menu")
        expect(menu.text).toBe(en.menuGreeting("Chuck"))
      }),
    )

    it.effect("/healthz and /metrics of the webhook bot", () =>
      Effect.gen(function* () {
        const { url } = yield* Harness.BotHttp
        const { user } = yield* Harness.employee({ languageCode: "en" })
        yield* user.send("/start")
        yield* user.press(en.menu.interests)
        yield* user.send("/menu")

        const health = yield* request(`${url}/healthz`)
        expect(health.status).toBe(200)
        expect(JSON.parse(health.body)).toEqual({
          status: "ok",
          database: { ok: true },
          cache: { backend: "redis", available: true },
        })

        const metrics = yield* request(`${url}/metrics`)
        expect(metrics.status).toBe(200)
        const scrape = metrics.body
        expect(
          sampleValue(scrape, 'connectbot_updates_handled_total{kind="command"}'),
        ).toBeGreaterThanOrEqual(2)
        expect(
          sampleValue(scrape, 'connectbot_updates_handled_total{kind="callback_query"}'),
        ).toBeGreaterThanOrEqual(1)
        expect(scrape).toMatch(
          /^connectbot_update_duration_seconds_bucket\{kind="command",le="\+Inf"\} [1-9]/m,
        )
        expect(scrape).toMatch(/^# HELP connectbot_cache_hits_total \S/m)
        expect(scrape).toMatch(/^# TYPE connectbot_cache_hits_total counter$/m)
        expect(scrape).toMatch(/^connectbot_cache_hits_total\{namespace="emp"\} [1-9]/m)
      }),
    )
  },
)

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })(
  "the HTTP server of the bot in polling mode",
  (it) => {
    it.effect("has no /telegram (404) and answers /healthz and /metrics", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { url } = yield* Harness.BotHttp
        const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Polly Poll" })
        const answer = yield* postTelegram(
          url,
          JSON.stringify(commandUpdate(user, "/menu")),
          Harness.webhookSecret,
        )
        expect(answer.status).toBe(404)
        expect(yield* sendMessagesTo(user.chatId)).toEqual([])
        expect(server.callsOf("setWebhook")).toHaveLength(0)

        // It polls instead, and serves the user that way.
        const menu = yield* user.send("/menu")
        expect(menu.text).toBe(en.menuGreeting("Polly"))
        expect(server.callsOf("getUpdates").length).toBeGreaterThan(0)

        const health = yield* request(`${url}/healthz`)
        expect(health.status).toBe(200)
        expect(JSON.parse(health.body)).toMatchObject({ database: { ok: true } })
        const metrics = yield* request(`${url}/metrics`)
        expect(metrics.status).toBe(200)
        expect(metrics.body).toContain("# TYPE connectbot_updates_handled_total counter")
      }),
    )
  },
)
