import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Scope } from "effect"
import { Api, Bot, GrammyError, InlineKeyboard, Keyboard } from "grammy"
import { botInfo, makeTelegramServer, type TelegramServer } from "./TelegramServer"

const apiOf = (server: TelegramServer) => new Api(server.token, { apiRoot: server.apiRoot })

/** The GrammyError a call is refused with. */
const refusal = (call: () => Promise<unknown>) =>
  Effect.promise(async () => {
    try {
      await call()
    } catch (error) {
      if (error instanceof GrammyError) return error
      throw error
    }
    throw new Error("expected the call to be refused")
  })

const rawRequest = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, body: (await response.json()) as unknown }
  })

/** A grammY bot polling the server for the scope; a polling failure fails the test at the end. */
const polling = (bot: Bot) =>
  Effect.acquireRelease(
    Effect.sync(() => bot.start()),
    (running) => Effect.promise(() => bot.stop().then(() => running)),
  )

/**
 * A webhook endpoint that answers the given statuses in turn, then 200, recording each POST;
 * `replyTo` gives the body of the answer to a POST.
 */
const webhookReceiver = (statuses: ReadonlyArray<number>, replyTo?: (body: unknown) => string) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly received: Array<{ secret: unknown; body: unknown }>
      readonly server: Http.Server
    }>((resume) => {
      const received: Array<{ secret: unknown; body: unknown }> = []
      const server = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          received.push({
            secret: request.headers["x-telegram-bot-api-secret-token"],
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          })
          const last = received.at(-1)
          response
            .writeHead(statuses[received.length - 1] ?? 200, { "content-type": "application/json" })
            .end(replyTo === undefined || last === undefined ? "" : replyTo(last.body))
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/telegram`, received, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      }),
  )

const notModified =
  "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
const queryTooOld =
  "Bad Request: query is too old and response timeout expired or query ID is invalid"

describe("TelegramServer: the HTTP Bot API", () => {
  it.scopedLive("getMe answers through grammY; another token is 401, an unknown method 404", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      expect(yield* Effect.promise(() => apiOf(server).getMe())).toEqual(botInfo)

      const stranger = new Api("987654321:another-token-of-twenty-chars", {
        apiRoot: server.apiRoot,
      })
      const unauthorized = yield* refusal(() => stranger.getMe())
      expect([unauthorized.error_code, unauthorized.description]).toEqual([401, "Unauthorized"])

      expect(yield* rawRequest(`${server.apiRoot}/bot${server.token}/sendSticker`)).toEqual({
        status: 404,
        body: { ok: false, error_code: 404, description: "Not Found: method not found" },
      })
    }),
  )

  it.scopedLive("GET, query and form parameters are accepted; a body that is not JSON is 400", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      const alice = yield* server.user()
      const method = (name: string) => `${server.apiRoot}/bot${server.token}/${name}`

      expect(yield* rawRequest(method("GETME"))).toMatchObject({ status: 200, body: { ok: true } })
      const form = yield* rawRequest(method(`sendMessage?chat_id=${alice.chatId}`), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          text: "from a form",
          reply_markup: JSON.stringify({
            inline_keyboard: [[{ text: "Go", callback_data: "go" }]],
          }),
        }),
      })
      expect(form).toMatchObject({
        status: 200,
        body: { ok: true, result: { text: "from a form" } },
      })
      expect(alice.lastMessage?.buttons).toEqual([["Go"]])

      const broken = yield* rawRequest(method("sendMessage"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      })
      expect(broken).toMatchObject({ status: 400, body: { ok: false, error_code: 400 } })
    }),
  )

  it.scopedLive(
    "getUpdates answers a long poll when an update arrives, honours offset and timeout",
    () =>
      Effect.gen(function* () {
        const server = yield* makeTelegramServer()
        const api = apiOf(server)
        const alice = yield* server.user()

        const longPoll = yield* Effect.fork(Effect.promise(() => api.getUpdates({ timeout: 5 })))
        yield* Effect.sleep(Duration.millis(100))
        const pushedAt = Date.now()
        const pushed = yield* alice.push("hello")
        const updates = yield* Fiber.join(longPoll)
        expect(Date.now() - pushedAt).toBeLessThan(1000)
        expect(updates.map((update) => update.message?.text)).toEqual(["hello"])
        yield* pushed.delivered

        // Not confirmed yet: it comes again, until an offset above it confirms it.
        expect(yield* Effect.promise(() => api.getUpdates({ timeout: 0 }))).toEqual(updates)
        const offset = pushed.update.update_id + 1
        const waitedFrom = Date.now()
        expect(yield* Effect.promise(() => api.getUpdates({ offset, timeout: 1 }))).toEqual([])
        expect(Date.now() - waitedFrom).toBeGreaterThanOrEqual(900)
        yield* pushed.handled
      }),
  )

  it.scopedLive("a second getUpdates ends the first with 409; so does a webhook", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      const api = apiOf(server)

      const first = yield* Effect.fork(refusal(() => api.getUpdates({ timeout: 5 })))
      yield* Effect.sleep(Duration.millis(100))
      expect(yield* Effect.promise(() => api.getUpdates({ timeout: 0 }))).toEqual([])
      expect((yield* Fiber.join(first)).description).toBe(
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      )

      yield* Effect.promise(() => api.setWebhook("http://127.0.0.1:9/unused"))
      const whileWebhook = yield* refusal(() => api.getUpdates())
      expect([whileWebhook.error_code, whileWebhook.description]).toEqual([
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      ])
    }),
  )

  it.scopedLive("sendMessage and edits are stored and refused as Telegram refuses them", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      const api = apiOf(server)
      const alice = yield* server.user({ firstName: "Alice", username: "alice" })
      const keyboard = new InlineKeyboard().text("Yes", "yes").text("No", "no")

      const sent = yield* Effect.promise(() =>
        api.sendMessage(alice.chatId, "Pick one", { reply_markup: keyboard }),
      )
      expect(sent).toMatchObject({
        message_id: 1,
        chat: { id: alice.chatId, type: "private", first_name: "Alice", username: "alice" },
        from: { id: botInfo.id, is_bot: true },
        text: "Pick one",
      })
      expect(alice.lastMessage).toMatchObject({
        messageId: 1,
        text: "Pick one",
        buttons: [["Yes", "No"]],
        callbackData: [["yes", "no"]],
      })
      const second = yield* Effect.promise(() => api.sendMessage(alice.chatId, "Another"))
      expect(second.message_id).toBe(2)

      // An edit that names no keyboard removes it, as Telegram does.
      yield* Effect.promise(() => api.editMessageText(alice.chatId, 1, "Picked"))
      expect(alice.messages.map(({ text, buttons }) => ({ text, buttons }))).toEqual([
        { text: "Picked", buttons: [] },
        { text: "Another", buttons: [] },
      ])
      const same = yield* refusal(() => api.editMessageText(alice.chatId, 1, "Picked"))
      expect([same.error_code, same.description]).toEqual([400, notModified])
      yield* Effect.promise(() =>
        api.editMessageReplyMarkup(alice.chatId, 1, { reply_markup: keyboard }),
      )
      expect(alice.messages[0]?.buttons).toEqual([["Yes", "No"]])
      const sameKeyboard = yield* refusal(() =>
        api.editMessageReplyMarkup(alice.chatId, 1, { reply_markup: keyboard }),
      )
      expect(sameKeyboard.description).toBe(notModified)

      const refusals = yield* Effect.all([
        refusal(() => api.editMessageText(alice.chatId, 99, "Nothing there")),
        refusal(() => api.sendMessage(alice.chatId, "")),
        refusal(() => api.sendMessage(alice.chatId, "x".repeat(4097))),
        refusal(() => api.sendMessage(1, "Nobody")),
        refusal(() =>
          api.sendMessage(alice.chatId, "Too much data", {
            reply_markup: new InlineKeyboard().text("Go", "x".repeat(65)),
          }),
        ),
      ])
      expect(refusals.map((error) => error.description)).toEqual([
        "Bad Request: message to edit not found",
        "Bad Request: message text is empty",
        "Bad Request: message is too long",
        "Bad Request: chat not found",
        "Bad Request: BUTTON_DATA_INVALID",
      ])
      yield* Effect.promise(() => api.sendMessage(alice.chatId, "x".repeat(4096)))

      yield* Effect.promise(() =>
        api.sendMessage(alice.chatId, "Menu", {
          reply_markup: new Keyboard().text("Profile").row().text("Help"),
        }),
      )
      expect(alice.keyboard).toEqual([["Profile"], ["Help"]])

      yield* alice.block
      const blocked = yield* refusal(() => api.sendMessage(alice.chatId, "Still there?"))
      expect([blocked.error_code, blocked.description]).toEqual([
        403,
        "Forbidden: bot was blocked by the user",
      ])
    }),
  )

  it.scopedLive(
    "HTML parse mode: tags are stripped, entities decoded, an unsupported tag refused",
    () =>
      Effect.gen(function* () {
        const server = yield* makeTelegramServer()
        const api = apiOf(server)
        const alice = yield* server.user()

        const parsed = yield* Effect.promise(() =>
          api.sendMessage(alice.chatId, '<b>Hi</b> &lt;3 <a href="https://example.com">link</a>', {
            parse_mode: "HTML",
          }),
        )
        expect(parsed.text).toBe("Hi <3 link")
        const lineBreak = yield* refusal(() =>
          api.sendMessage(alice.chatId, "one<br>two", { parse_mode: "HTML" }),
        )
        expect(lineBreak.description).toBe(
          `Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 3`,
        )
        const unclosed = yield* refusal(() =>
          api.sendMessage(alice.chatId, "<b>bold", { parse_mode: "HTML" }),
        )
        expect(unclosed.description).toBe(
          `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
        )
      }),
  )

  it.scopedLive("answerCallbackQuery: once per query; again, unknown or too late is refused", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer({ callbackTtl: Duration.millis(100) })
      const api = apiOf(server)
      const alice = yield* server.user()
      const press = (id: string) =>
        server.pushUpdate({
          callback_query: { id, from: alice.user, chat_instance: "1", data: "x" },
        })

      yield* press("first")
      expect(yield* Effect.promise(() => api.answerCallbackQuery("first", { text: "Done" }))).toBe(
        true,
      )
      const twice = yield* refusal(() => api.answerCallbackQuery("first"))
      const unknown = yield* refusal(() => api.answerCallbackQuery("no-such-query"))
      yield* press("late")
      yield* Effect.sleep(Duration.millis(150))
      const late = yield* refusal(() => api.answerCallbackQuery("late"))
      expect([twice, unknown, late].map((error) => [error.error_code, error.description])).toEqual([
        [400, queryTooOld],
        [400, queryTooOld],
        [400, queryTooOld],
      ])
    }),
  )

  it.scopedLive(
    "failNext: an injected 429 reaches grammY with retry_after; then calls succeed",
    () =>
      Effect.gen(function* () {
        const server = yield* makeTelegramServer()
        const api = apiOf(server)
        const alice = yield* server.user()
        yield* server.failNext("sendMessage", {
          error_code: 429,
          description: "Too Many Requests: retry after 1",
          retry_after: 1,
        })

        const limited = yield* refusal(() => api.sendMessage(alice.chatId, "hi"))
        expect([limited.error_code, limited.description, limited.parameters.retry_after]).toEqual([
          429,
          "Too Many Requests: retry after 1",
          1,
        ])
        yield* Effect.promise(() => api.sendMessage(alice.chatId, "hi"))
        expect(server.callsOf("sendMessage").map((call) => call.response.ok)).toEqual([false, true])
      }),
  )

  it.scopedLive("a webhook gets updates with the secret header, retried after a 500", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      const api = apiOf(server)
      const alice = yield* server.user()
      const receiver = yield* webhookReceiver([500])

      yield* Effect.promise(() => api.setWebhook(receiver.url, { secret_token: "s3cret" }))
      const pushed = yield* alice.push("via the webhook")
      yield* pushed.handled
      expect(receiver.received).toEqual([
        { secret: "s3cret", body: pushed.update },
        { secret: "s3cret", body: pushed.update },
      ])
      expect(server.webhookDeliveries.map((delivery) => delivery.status)).toEqual([500, 200])
      expect(yield* Effect.promise(() => api.getWebhookInfo())).toMatchObject({
        url: receiver.url,
        pending_update_count: 0,
        last_error_message: "Wrong response from the webhook: 500",
      })

      yield* Effect.promise(() => api.deleteWebhook())
      const polled = yield* alice.push("polled again")
      const updates = yield* Effect.promise(() => api.getUpdates({ timeout: 1 }))
      expect(updates).toEqual([polled.update])
      expect(receiver.received).toHaveLength(2)
    }),
  )

  it.scopedLive(
    "a webhook's answer with a method is a call the server makes; others are ignored",
    () =>
      Effect.gen(function* () {
        const server = yield* makeTelegramServer()
        const api = apiOf(server)
        const alice = yield* server.user()
        const receiver = yield* webhookReceiver([], (body) => {
          const text = (body as { message?: { text?: string } }).message?.text
          return text === "call me"
            ? JSON.stringify({
                method: "sendMessage",
                chat_id: alice.chatId,
                text: "from the reply",
              })
            : JSON.stringify({ ok: true })
        })
        yield* Effect.promise(() => api.setWebhook(receiver.url))
        yield* (yield* alice.push("call me")).handled
        yield* (yield* alice.push("just this")).handled
        expect(
          server.callsOf("sendMessage").map((call) => ({
            text: call.params.text,
            viaWebhookReply: call.viaWebhookReply,
            ok: call.response.ok,
          })),
        ).toEqual([{ text: "from the reply", viaWebhookReply: true, ok: true }])
        expect(server.messagesIn(alice.chatId).map((message) => message.text)).toEqual([
          "from the reply",
        ])
      }),
  )

  it.live("closing the server answers a pending long poll and frees the port", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const server = yield* makeTelegramServer().pipe(Scope.extend(scope))
      const longPoll = apiOf(server).getUpdates({ timeout: 30 })
      yield* Effect.sleep(Duration.millis(100))

      const closedAt = Date.now()
      yield* Scope.close(scope, Exit.void)
      expect(yield* Effect.promise(() => longPoll)).toEqual([])
      expect(Date.now() - closedAt).toBeLessThan(2000)
      const refused = yield* Effect.promise(() =>
        fetch(`${server.apiRoot}/bot${server.token}/getMe`).then(
          () => false,
          () => true,
        ),
      )
      expect(refused).toBe(true)
    }),
  )
})

describe("TelegramServer: acting as users of a grammY bot", () => {
  /**
   * Offers a choice on /start; a press is answered, then the message is edited, and "no" also gets
   * a reply: what happens after the answer is part of the press.
   */
  const choosingBot = (server: TelegramServer) => {
    const bot = new Bot(server.token, { client: { apiRoot: server.apiRoot } })
    bot.command("start", (ctx) =>
      ctx.reply("Pick", { reply_markup: new InlineKeyboard().text("Yes", "yes").text("No", "no") }),
    )
    bot.on("callback_query:data", async (ctx) => {
      await ctx.answerCallbackQuery({ text: "Saved" })
      await ctx.editMessageText(`You chose ${ctx.callbackQuery.data}`)
      if (ctx.callbackQuery.data === "no") await ctx.reply("Maybe later")
    })
    return bot
  }

  it.scopedLive("send, press and settle: what the user sees of the bot", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      yield* polling(choosingBot(server))
      const alice = yield* server.user({ languageCode: "en" })

      const start = yield* alice.push("/start")
      expect(start.update.message?.entities).toEqual([
        { type: "bot_command", offset: 0, length: 6 },
      ])
      const offer = yield* start.reply
      expect([offer.text, offer.buttons]).toEqual(["Pick", [["Yes", "No"]]])

      const missing = yield* Effect.flip(alice.press("Maybe"))
      expect(missing.message).toContain('the buttons there are ["Yes","No"]')

      const pressed = yield* alice.press("Yes")
      expect(pressed.answer).toEqual({ text: "Saved", showAlert: false, url: undefined })
      expect([pressed.message.text, pressed.message.buttons, pressed.sent]).toEqual([
        "You chose yes",
        [],
        [],
      ])

      expect(yield* alice.sendAndSettle("just chatting")).toEqual([])
    }),
  )

  it.scopedLive("a forged press on another user's message comes from the presser", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      yield* polling(choosingBot(server))
      const alice = yield* server.user()
      const bob = yield* server.user()
      const offer = yield* alice.send("/start")

      const forged = yield* bob.pressData("no", { messageOf: alice })
      expect(forged.query.from.id).toBe(bob.id)
      expect(forged.query.message?.chat.id).toBe(alice.chatId)
      expect(forged.message).toMatchObject({ messageId: offer.messageId, text: "You chose no" })
      expect(forged.sent.map((message) => message.text)).toEqual(["Maybe later"])
      expect(bob.messages).toEqual([])
    }),
  )

  it.scopedLive("a reply that never comes fails saying what the chat holds", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer({ waitTimeout: Duration.millis(300) })
      const alice = yield* server.user({ firstName: "Alice" })

      const silence = yield* Effect.flip(alice.send("/start"))
      expect(silence._tag).toBe("TelegramExpectationError")
      expect(silence.message).toContain(`the bot's reply to message "/start"`)
      expect(silence.message).toContain("nothing within 300 ms")
      expect(silence.message).toContain(`Chat ${alice.chatId} (Alice)`)
      expect(silence.message).toContain("not yet taken by the bot")
      expect(silence.message).toContain("has not called getUpdates")
    }),
  )
})
