import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Either, Exit, Layer, Option, Queue, Scope } from "effect"
import { Api, Bot, GrammyError, InlineKeyboard, Keyboard } from "grammy"
import { BotApi, type ChatEvent, type ChatUser } from "../../src/playground/BotApi"
import { layer } from "../../src/playground/BotApiLayer"

const anna: ChatUser = { id: 501, firstName: "Anna", username: "anna", languageCode: "en" }

/** A grammY bot with buttons that answer as a toast, as an alert, and edit their message. */
const buttonsBot = (botApi: { readonly token: string; readonly apiRoot: string }) => {
  const bot = new Bot(botApi.token, { client: { apiRoot: botApi.apiRoot } })
  bot.command("start", (ctx) =>
    ctx.reply("<b>Pick</b> one", {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text("Toast", "toast").text("Alert", "alert"),
    }),
  )
  bot.callbackQuery("toast", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Saved" })
    await ctx.editMessageText("<i>Saved</i>", { parse_mode: "HTML" })
  })
  bot.callbackQuery("alert", (ctx) =>
    ctx.answerCallbackQuery({ text: "Careful", show_alert: true }),
  )
  bot.hears("menu", (ctx) =>
    ctx.reply("Menu", { reply_markup: new Keyboard().text("Profile").row().text("Help") }),
  )
  return bot
}

/** The bot polls for the test's scope. */
const polling = (bot: Bot) =>
  Effect.acquireRelease(
    Effect.sync(() => bot.start()),
    (running) => Effect.promise(() => bot.stop().then(() => running)),
  )

/** The next event that fits, within 5 s. */
const nextEvent = <A extends ChatEvent>(
  events: Queue.Dequeue<ChatEvent>,
  fits: (event: ChatEvent) => event is A,
) =>
  Queue.take(events).pipe(
    Effect.repeat({ until: fits }),
    Effect.map((event) => event as A),
    Effect.timeoutFail({
      duration: Duration.seconds(5),
      onTimeout: () => new Error("no such event within 5 s"),
    }),
  )

const anyEvent = (_event: ChatEvent): _event is ChatEvent => true

const botMessage = (event: ChatEvent): event is Extract<ChatEvent, { _tag: "Message" }> =>
  event._tag === "Message" && event.entry.from === "bot"

/** The GrammyError a call is refused with. */
const refusal = (call: () => Promise<unknown>) =>
  Effect.promise(async () => {
    try {
      await call()
    } catch (error) {
      if (error instanceof GrammyError) return [error.error_code, error.description] as const
      throw error
    }
    throw new Error("expected the call to be refused")
  })

describe("BotApi: the playground's Telegram, for a real grammY bot", () => {
  it.live("a /command and the bot's reply: both sides in the chat, each as an event", () =>
    Effect.gen(function* () {
      const botApi = yield* BotApi
      yield* polling(buttonsBot(botApi))
      const events = yield* botApi.subscribe

      const sent = yield* botApi.sendText(anna, "/start")
      expect(sent).toMatchObject({
        chatId: anna.id,
        from: "user",
        text: "/start",
        entities: [{ type: "bot_command", offset: 0, length: 6 }],
      })
      expect(yield* nextEvent(events, anyEvent)).toEqual({ _tag: "Message", entry: sent })
      const reply = yield* nextEvent(events, botMessage)
      expect(reply.entry).toMatchObject({
        from: "bot",
        text: "Pick one",
        entities: [{ type: "bold", offset: 0, length: 4 }],
        buttons: [
          [
            { text: "Toast", data: "toast" },
            { text: "Alert", data: "alert" },
          ],
        ],
        edited: false,
      })
      const chat = yield* botApi.chat(anna.id)
      expect(chat.messages.map(({ from, text }) => [from, text])).toEqual([
        ["user", "/start"],
        ["bot", "Pick one"],
      ])

      yield* botApi.sendText(anna, "menu")
      const keyboard = yield* nextEvent(
        events,
        (event): event is Extract<ChatEvent, { _tag: "Keyboard" }> => event._tag === "Keyboard",
      )
      expect(keyboard).toEqual({
        _tag: "Keyboard",
        chatId: anna.id,
        keyboard: [["Profile"], ["Help"]],
      })
      expect((yield* botApi.chat(anna.id)).keyboard).toEqual([["Profile"], ["Help"]])
    }).pipe(Effect.scoped, Effect.provide(layer)),
  )

  it.live("a press gets the bot's toast or alert; its edit comes as the same message", () =>
    Effect.gen(function* () {
      const botApi = yield* BotApi
      yield* polling(buttonsBot(botApi))
      const events = yield* botApi.subscribe
      yield* botApi.sendText(anna, "/start")
      const offer = (yield* nextEvent(events, botMessage)).entry

      expect(yield* botApi.press(anna, offer.messageId, "toast")).toEqual(
        Option.some({ text: "Saved", showAlert: false }),
      )
      const edit = yield* nextEvent(events, botMessage)
      expect(edit.entry).toMatchObject({
        messageId: offer.messageId,
        text: "Saved",
        entities: [{ type: "italic", offset: 0, length: 5 }],
        buttons: [],
        edited: true,
      })
      expect((yield* botApi.chat(anna.id)).messages.map(({ text }) => text)).toEqual([
        "/start",
        "Saved",
      ])

      yield* botApi.sendText(anna, "/start")
      const again = (yield* nextEvent(events, botMessage)).entry
      expect(yield* botApi.press(anna, again.messageId, "alert")).toEqual(
        Option.some({ text: "Careful", showAlert: true }),
      )
      // No such button there: no press reaches the bot.
      expect(yield* botApi.press(anna, again.messageId, "toast!")).toEqual(Option.none())
    }).pipe(Effect.scoped, Effect.provide(layer)),
  )

  it.live(
    "HTML becomes entities with UTF-16 offsets, past an emoji outside the BMP; a deletion is an event",
    () =>
      Effect.gen(function* () {
        const botApi = yield* BotApi
        const api = new Api(botApi.token, { apiRoot: botApi.apiRoot })
        const events = yield* botApi.subscribe
        yield* botApi.sendText(anna, "hi")

        const html =
          '🎉 <b>bold</b> <i>it</i> <a href="https://example.com/?a=1&amp;b=2">link</a> <code>x &lt; y</code>'
        const sent = yield* Effect.promise(() =>
          api.sendMessage(anna.id, html, { parse_mode: "HTML" }),
        )
        const entities = [
          { type: "bold", offset: 3, length: 4 },
          { type: "italic", offset: 8, length: 2 },
          { type: "text_link", offset: 11, length: 4, url: "https://example.com/?a=1&b=2" },
          { type: "code", offset: 16, length: 5 },
        ]
        expect([sent.text, sent.entities]).toEqual(["🎉 bold it link x < y", entities])
        const entry = (yield* nextEvent(events, botMessage)).entry
        expect(entry.entities).toEqual(entities)
        expect(entry.text.slice(11, 15)).toBe("link")

        yield* Effect.promise(() => api.deleteMessage(anna.id, sent.message_id))
        expect(yield* nextEvent(events, anyEvent)).toEqual({
          _tag: "Deleted",
          chatId: anna.id,
          messageId: sent.message_id,
        })
        expect((yield* botApi.chat(anna.id)).messages.map(({ text }) => text)).toEqual(["hi"])
      }).pipe(Effect.scoped, Effect.provide(layer)),
  )

  it.live("another token gets 401; bad parameters get Telegram's 400 texts", () =>
    Effect.gen(function* () {
      const botApi = yield* BotApi
      const api = new Api(botApi.token, { apiRoot: botApi.apiRoot })
      const stranger = new Api("987654321:another-token-of-thirty-five-chars", {
        apiRoot: botApi.apiRoot,
      })
      yield* botApi.sendText(anna, "hi")

      expect(yield* refusal(() => stranger.getMe())).toEqual([401, "Unauthorized"])
      expect(yield* refusal(() => api.sendMessage(42, "Nobody"))).toEqual([
        400,
        "Bad Request: chat not found",
      ])
      expect(yield* refusal(() => api.sendMessage(anna.id, " "))).toEqual([
        400,
        "Bad Request: message text is empty",
      ])
      expect(
        yield* refusal(() => api.sendMessage(anna.id, "one<br>two", { parse_mode: "HTML" })),
      ).toEqual([
        400,
        `Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 3`,
      ])
      expect(
        yield* refusal(() =>
          api.sendMessage(anna.id, "Go", {
            reply_markup: new InlineKeyboard().text("Go", "x".repeat(65)),
          }),
        ),
      ).toEqual([400, "Bad Request: BUTTON_DATA_INVALID"])
      expect(yield* refusal(() => api.editMessageText(anna.id, 1, "mine"))).toEqual([
        400,
        "Bad Request: message can't be edited",
      ])
      // Nothing was sent by the refused calls.
      expect((yield* botApi.chat(anna.id)).messages.map(({ text }) => text)).toEqual(["hi"])
    }).pipe(Effect.scoped, Effect.provide(layer)),
  )

  it.live("closing the layer ends a pending long poll at once and frees the port", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const botApi = yield* Layer.buildWithScope(layer, scope).pipe(Effect.map(Context.get(BotApi)))
      const api = new Api(botApi.token, { apiRoot: botApi.apiRoot })
      // A first call opens the connection the long poll then reuses, so that the poll is at the
      // server (not still connecting) when the layer closes, even on a loaded machine.
      yield* Effect.promise(() => api.getUpdates({ timeout: 0 }))
      const longPoll = api.getUpdates({ timeout: 30 })
      yield* Effect.sleep(Duration.millis(500))

      const [waited, answer] = yield* Effect.timed(
        Scope.close(scope, Exit.void).pipe(Effect.zipRight(Effect.promise(() => longPoll))),
      )
      // Answered (empty) at the close, not after the poll's 30 s.
      expect([answer, Duration.lessThan(waited, Duration.seconds(10))]).toEqual([[], true])
      const afterClose = yield* Effect.either(
        Effect.tryPromise(() => fetch(`${botApi.apiRoot}/bot${botApi.token}/getMe`)),
      )
      expect(Either.isLeft(afterClose)).toBe(true)
    }),
  )
})
