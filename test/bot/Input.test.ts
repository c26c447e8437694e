import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { decodeUpdate } from "../../src/bot/Bot"
import { commands, inputOf } from "../../src/bot/Input"
import { messagesFor } from "../../src/bot/Messages"

const ann = { id: 42, is_bot: false, first_name: "Ann", username: "ann", language_code: "en" }

/** An update as Telegram sends it, checked at the edge as the bot does. */
const checked = (body: unknown) =>
  Either.getOrThrowWith(decodeUpdate(body), (invalid) => new Error(invalid.message))

const message = (text: string | undefined, extra: Record<string, unknown> = {}) =>
  checked({
    update_id: 1,
    message: {
      message_id: 5,
      date: 1_700_000_000,
      chat: { id: 42, type: "private", first_name: "Ann" },
      from: ann,
      ...(text === undefined ? { sticker: { file_id: "x" } } : { text }),
      ...(text?.startsWith("/")
        ? { entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]?.length }] }
        : {}),
      ...extra,
    },
  })

const inputFor = (update: ReturnType<typeof checked>) =>
  Option.map(inputOf(update, "ConnectBot_bot"), (addressed) => addressed.incoming.input)

describe("reading an update into the bot's input", () => {
  it("reads the sender once, as the flows need it", () => {
    const read = Option.getOrThrow(inputOf(message("hi"), "ConnectBot_bot"))
    expect(read.incoming.from).toEqual({
      telegramId: 42,
      username: "ann",
      firstName: "Ann",
      languageCode: "en",
    })
    expect(read.incoming.updateId).toBe(1)
    expect(read.chatId).toBe(42)
    expect(read.query).toBeUndefined()
  })

  it("knows its commands, also addressed to it by name, and nobody else's", () => {
    expect(inputFor(message("/start"))).toEqual(Option.some({ _tag: "Command", name: "start" }))
    expect(inputFor(message("/help me"))).toEqual(Option.some({ _tag: "Command", name: "help" }))
    expect(inputFor(message("/menu@connectbot_BOT"))).toEqual(
      Option.some({ _tag: "Command", name: "menu" }),
    )
    // Another bot's command, a command the bot does not have, a slash without the entity.
    expect(inputFor(message("/start@other_bot"))).toEqual(
      Option.some({ _tag: "Text", text: "/start@other_bot" }),
    )
    expect(inputFor(message("/weather"))).toEqual(Option.some({ _tag: "Text", text: "/weather" }))
    expect(inputFor(message("/start", { entities: [] }))).toEqual(
      Option.some({ _tag: "Text", text: "/start" }),
    )
    expect(inputFor(message(undefined))).toEqual(Option.some({ _tag: "OtherMessage" }))
  })

  it("answers the commands it offers in its menu, in both languages", () => {
    for (const locale of ["ru", "en"] as const) {
      expect(new Set(messagesFor(locale).commands.map(({ command }) => command))).toEqual(commands)
    }
  })

  it("leaves group chatter, channel posts and edits in silence", () => {
    expect(
      inputFor(message("/start", { chat: { id: -100, type: "supergroup", title: "Team" } })),
    ).toEqual(Option.none())
    expect(
      inputFor(
        checked({
          update_id: 2,
          edited_message: {
            message_id: 5,
            date: 1,
            chat: { id: 42, type: "private" },
            from: ann,
            text: "x",
          },
        }),
      ),
    ).toEqual(Option.none())
    expect(
      inputFor(
        checked({
          update_id: 3,
          channel_post: { message_id: 1, date: 1, chat: { id: -5, type: "channel" } },
        }),
      ),
    ).toEqual(Option.none())
  })

  it("reads a button press with the message it is on, and knows a foreign one", () => {
    const press = (chatId: number, withMessage = true) =>
      checked({
        update_id: 4,
        callback_query: {
          id: "q1",
          from: ann,
          chat_instance: "c",
          data: "m:menu",
          ...(withMessage
            ? { message: { message_id: 9, date: 1, chat: { id: chatId, type: "private" } } }
            : {}),
        },
      })
    expect(Option.getOrThrow(inputOf(press(42), "b"))).toEqual({
      incoming: {
        updateId: 4,
        from: { telegramId: 42, username: "ann", firstName: "Ann", languageCode: "en" },
        input: { _tag: "Button", data: "m:menu", foreign: false },
      },
      chatId: 42,
      query: { id: "q1", message: { chatId: 42, messageId: 9 } },
    })
    expect(inputFor(press(7))).toEqual(
      Option.some({ _tag: "Button", data: "m:menu", foreign: true }),
    )
    // A message too old to be sent along: the answer goes to the user's own chat.
    const old = Option.getOrThrow(inputOf(press(42, false), "b"))
    expect(old.chatId).toBe(42)
    expect(old.query).toEqual({ id: "q1", message: undefined })
  })
})
