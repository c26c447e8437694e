/**
 * The playground's `BotApi` (BotApi.ts): the core's server for the layer's scope, with a token of
 * its own, and the page acting through it as Telegram users.
 */
import { randomBytes } from "node:crypto"
import { Effect, Layer, Option, PubSub } from "effect"
import { BotApi, type CallbackAnswer, type ChatEvent } from "./BotApi"
import { botInfo, entryOf, telegramUser } from "./BotApiChats"
import { type BotApiCore, startBotApiCore } from "./BotApiCore"

/** How long a press waits for the bot's answer: Telegram's clients give up about then too. */
const pressTimeoutMs = 10_000

/** The bot's answer to the callback query `id`, or none within the timeout (wall-clock). */
const answerTo = (core: BotApiCore, id: string) =>
  Effect.async<Option.Option<CallbackAnswer>>((resume) => {
    let done = false
    const finish = (answer: Option.Option<CallbackAnswer>) => {
      if (done) return
      done = true
      stop()
      resume(Effect.succeed(answer))
    }
    const check = () => {
      const answer = core.callbacks.get(id)?.answer
      if (answer !== undefined)
        finish(Option.some({ text: answer.text, showAlert: answer.showAlert }))
    }
    const unobserve = core.observe({ changed: check })
    const timeout = () => finish(Option.none())
    const timer = setTimeout(timeout, pressTimeoutMs)
    core.updates.closed.addEventListener("abort", timeout)
    const stop = () => {
      unobserve()
      clearTimeout(timer)
      core.updates.closed.removeEventListener("abort", timeout)
    }
    check()
    return Effect.sync(stop)
  })

const make = Effect.gen(function* () {
  // A token shaped as Telegram's (bot id, colon, 35 characters), new for every start.
  const token = `${botInfo.id}:${randomBytes(26).toString("base64url").slice(0, 35)}`
  const core = yield* Effect.acquireRelease(
    Effect.promise(() => startBotApiCore({ token, callbackTtlMs: 15_000 })),
    (core) => Effect.promise(() => core.close()),
  )
  const events = yield* Effect.acquireRelease(PubSub.unbounded<ChatEvent>(), PubSub.shutdown)
  yield* Effect.acquireRelease(
    Effect.sync(() => core.observe({ chat: ({ event }) => events.unsafeOffer(event) })),
    (unobserve) => Effect.sync(unobserve),
  )

  return BotApi.of({
    apiRoot: core.apiRoot,
    token,
    sendText: (user, text) =>
      Effect.sync(() => {
        const { from, chat } = telegramUser(user)
        const { message } = core.sendAs(from, chat, text)
        return entryOf(chat.id, { from: "user", message })
      }).pipe(Effect.withSpan("BotApi.sendText")),
    press: Effect.fn("BotApi.press")(function* (user, messageId, data) {
      const stored = core.chats.get(user.id)?.messages.get(messageId)
      // Telegram's clients press only buttons that are there: anything else reaches no bot.
      const pressable =
        stored?.from === "bot" &&
        (stored.message.reply_markup?.inline_keyboard ?? [])
          .flat()
          .some((button) => "callback_data" in button && button.callback_data === data)
      if (stored === undefined || !pressable) return Option.none()
      const { query } = core.press(telegramUser(user).from, user.id, stored.message, data)
      return yield* answerTo(core, query.id)
    }),
    chat: (chatId) =>
      Effect.sync(() => ({
        messages: core.messagesIn(chatId).map((stored) => entryOf(chatId, stored)),
        keyboard: core.chats.get(chatId)?.keyboard,
      })).pipe(Effect.withSpan("BotApi.chat")),
    subscribe: PubSub.subscribe(events),
  })
})

/** The playground's Telegram for the scope; closing it answers pending polls and frees the port. */
export const layer: Layer.Layer<BotApi> = Layer.scoped(BotApi, make)
