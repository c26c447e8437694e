/**
 * How the bot copes with what the Bot API answers besides "ok": 429 Too Many Requests (wait as
 * told, then repeat), "message is not modified" (nothing to say), an expired callback query
 * (the screen still changes), and a user who blocked the bot (403: others are still served).
 * The bot takes updates by long polling here.
 */
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import * as Harness from "../support/BotHarness"
import type { ApiCall, TelegramUser } from "../support/TelegramServer"

const en = messagesFor("en")

/** The calls of `method` about the chat made after `mark` (an index into `server.calls`). */
const callsSince = (mark: number, method: string, chatId: number) =>
  Effect.map(Harness.Telegram, (server) =>
    server.calls
      .slice(mark)
      .filter((call) => call.method === method && Number(call.params.chat_id) === chatId),
  )

const answersTo = (queryId: string) =>
  Effect.map(Harness.Telegram, (server) =>
    server
      .callsOf("answerCallbackQuery")
      .filter((call) => call.params.callback_query_id === queryId),
  )

const failure = (call: ApiCall | undefined) =>
  call === undefined || call.response.ok ? undefined : call.response

const expectMenu = (user: TelegramUser, firstName: string) =>
  Effect.gen(function* () {
    const menu = yield* user.send("/menu")
    expect(menu.text).toContain(en.menuGreeting(firstName))
    expect(menu.buttons.flat()).toEqual(Object.values(en.menu))
  })

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })(
  "Telegram API answers",
  (it) => {
    it.effect("429 on sendMessage: the reply still comes, not before retry_after", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Rosa Retry" })
        const mark = server.calls.length
        yield* server.failNext("sendMessage", {
          error_code: 429,
          description: "Too Many Requests: retry after 1",
          retry_after: 1,
        })

        const menu = yield* user.send("/menu")
        expect(menu.text).toBe(en.menuGreeting("Rosa"))

        const sends = yield* callsSince(mark, "sendMessage", user.chatId)
        expect(sends.map((call) => call.response.ok)).toEqual([false, true])
        expect(failure(sends[0])).toMatchObject({
          error_code: 429,
          parameters: { retry_after: 1 },
        })
        // Telegram said "retry after 1 s": the repeat must not come earlier.
        const [refused, repeated] = sends
        expect(
          (repeated?.at.getTime() ?? 0) - (refused?.at.getTime() ?? Number.POSITIVE_INFINITY),
        ).toBeGreaterThanOrEqual(1000)
        expect(user.messages).toHaveLength(1)
      }),
    )

    it.effect("429 on an edit after a press: the screen still changes, the press is answered", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Ed Edit" })
        yield* user.send("/menu")
        const mark = server.calls.length
        yield* server.failNext("editMessageText", {
          error_code: 429,
          description: "Too Many Requests: retry after 1",
          retry_after: 1,
        })

        const interests = yield* user.press(en.menu.interests)
        expect(interests.message.text).toContain(en.interests.title)
        expect(interests.sent).toEqual([])
        const edits = yield* callsSince(mark, "editMessageText", user.chatId)
        expect(edits.map((call) => call.response.ok)).toEqual([false, true])
        expect(yield* answersTo(interests.query.id)).toHaveLength(1)
      }),
    )

    it.effect("'message is not modified': no word to the user, the press is answered", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Nina Same" })
        const menu = yield* user.send("/menu")

        // The menu pressed while the menu is shown (a stale "Back", or a double tap).
        const mark = server.calls.length
        const again = yield* user.pressData("menu", { messageId: menu.messageId })
        const edits = yield* callsSince(mark, "editMessageText", user.chatId)
        expect(edits).toHaveLength(1)
        expect(failure(edits[0])?.description).toContain("message is not modified")
        expect(again.answer.text).toBeUndefined()
        expect(again.sent).toEqual([])
        expect(again.message.text).toBe(menu.text)
        expect(yield* callsSince(mark, "sendMessage", user.chatId)).toEqual([])
        expect(yield* answersTo(again.query.id)).toHaveLength(1)

        // A help topic tapped twice.
        yield* user.press(en.menu.help)
        const topic = yield* user.press(en.help.topics.interests)
        const topicData = `help:interests`
        const afterTopic = server.calls.length
        const twice = yield* user.pressData(topicData, { messageId: topic.message.messageId })
        const topicEdits = yield* callsSince(afterTopic, "editMessageText", user.chatId)
        expect(topicEdits.map((call) => failure(call)?.error_code)).toEqual([400])
        expect(failure(topicEdits[0])?.description).toContain("message is not modified")
        expect(twice.message.text).toBe(topic.message.text)
        expect(twice.sent).toEqual([])
        expect(twice.answer.text).toBeUndefined()
        expect(yield* answersTo(twice.query.id)).toHaveLength(1)
        expect(user.messages).toHaveLength(1)
      }),
    )

    it.effect("an expired callback query: the screen still changes, no apology", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Olga Old" })
        const menu = yield* user.send("/menu")
        yield* server.failNext("answerCallbackQuery", {
          error_code: 400,
          description:
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        })

        // Pushed by hand: `press` waits for a successful answer, which this press never gets.
        const mark = server.calls.length
        const queryId = `expired-${user.id}-${Date.now()}`
        yield* server.pushUpdate({
          callback_query: {
            id: queryId,
            from: user.user,
            message: menu.raw,
            chat_instance: `-${user.chatId}`,
            data: "interests",
          },
        })
        const answer = yield* server.waitForCall(
          "answerCallbackQuery",
          (call) => call.params.callback_query_id === queryId,
        )
        expect(failure(answer)?.description).toContain("query is too old")

        const edits = yield* callsSince(mark, "editMessageText", user.chatId)
        expect(edits.map((call) => call.response.ok)).toEqual([true])
        const shown = user.messages.find((message) => message.messageId === menu.messageId)
        expect(shown?.text).toContain(en.interests.title)
        expect(shown?.buttons.flat()).toContain(en.interests.save)
        // The answer comes last: by now the bot said all it would. No apology, no second answer.
        expect(yield* callsSince(mark, "sendMessage", user.chatId)).toEqual([])
        expect(yield* answersTo(queryId)).toHaveLength(1)

        // And it keeps working: the next press on that screen is served and answered.
        const toggled = yield* user.press("❌ ☕️ Secret coffee")
        expect(toggled.message.buttons.flat()).toContain("✅ ☕️ Secret coffee")
        expect(yield* answersTo(toggled.query.id)).toHaveLength(1)
        expect(user.messages).toHaveLength(1)
      }),
    )

    it.effect("a user who blocked the bot (403): the others are still served", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const alice = yield* Harness.employee({ languageCode: "en", fullName: "Alice Blocker" })
        const bob = yield* Harness.employee({ languageCode: "en", fullName: "Bob Other" })
        const mark = server.calls.length

        yield* alice.user.block
        yield* alice.user.push("/menu")
        const refused = yield* server.waitForCall(
          "sendMessage",
          (call) => Number(call.params.chat_id) === alice.user.chatId && !call.response.ok,
        )
        expect(failure(refused)).toMatchObject({
          error_code: 403,
          description: "Forbidden: bot was blocked by the user",
        })

        yield* expectMenu(bob.user, "Bob")

        // Unblocked, Alice is served again; her earlier update ended with the one refused send
        // (no apology tried, no retry loop).
        yield* alice.user.unblock
        yield* expectMenu(alice.user, "Alice")
        const toAlice = yield* callsSince(mark, "sendMessage", alice.user.chatId)
        expect(toAlice.map((call) => failure(call)?.error_code ?? 200)).toEqual([403, 200])
      }),
    )
  },
)
