/**
 * An update, once checked (`decodeUpdate`), read into what the bot acts on: who wrote or pressed,
 * which input it is for the flows (a command, text, another message, a button), and where the
 * answer goes. Commands are read as grammY's `command` filter reads them.
 */
import { Option } from "effect"
import { TelegramId } from "../domain/Ids"
import type { TelegramUpdate } from "./Bot"
import type { Incoming } from "./Flows"

/** The commands the bot answers (also in the command menu); another `/word` is plain text. */
export const commands: ReadonlySet<string> = new Set(["start", "menu", "preferences", "help"])

/** The user an update comes from, for per-user ordering; none for channel posts and the like. */
export const senderOf = (update: TelegramUpdate): number | undefined =>
  (update.message ?? update.edited_message)?.from?.id ?? update.callback_query?.from.id

/** One update as the bot handles it: who, what, and where the answer goes. */
export interface Addressed {
  readonly incoming: Incoming
  /** Where a new message goes: the chat of the message or of the pressed button. */
  readonly chatId: number
  /** The button press being answered, and the message it is on (gone when too old). */
  readonly query?: {
    readonly id: string
    readonly message: { readonly chatId: number; readonly messageId: number } | undefined
  }
}

/**
 * The name of the command a message starts with, as grammY's `command` filter reads it: a
 * `bot_command` entity at offset 0; `/start@thisbot` is `start`, `/start@otherbot` is nobody's.
 */
const commandOf = (
  text: string,
  entities: ReadonlyArray<{ type: string; offset: number; length: number }> | undefined,
  username: string,
): string | undefined => {
  const entity = entities?.find((e) => e.type === "bot_command" && e.offset === 0)
  if (entity === undefined) return undefined
  const [name = "", target] = text.slice(1, entity.length).split("@")
  if (target !== undefined && target.toLowerCase() !== username.toLowerCase()) return undefined
  return commands.has(name) ? name : undefined
}

/**
 * What the bot reads from an update: a private chat's message (a command, text, or anything
 * else) or a button press anywhere; `None` for the rest (group chatter, edits, channel posts),
 * which the bot leaves in silence.
 */
export const inputOf = (update: TelegramUpdate, username: string): Option.Option<Addressed> => {
  const query = update.callback_query
  if (query !== undefined) {
    const on = query.message
    return Option.some({
      incoming: {
        updateId: update.update_id,
        from: fromOf(query.from),
        input: {
          _tag: "Button",
          data: query.data ?? "",
          // Buttons work in the user's own chat with the bot only.
          foreign: on?.chat.id !== query.from.id,
        },
      },
      chatId: on?.chat.id ?? query.from.id,
      query: {
        id: query.id,
        message: on === undefined ? undefined : { chatId: on.chat.id, messageId: on.message_id },
      },
    })
  }
  const message = update.message
  if (message?.from === undefined || message.chat.type !== "private") return Option.none()
  const { text } = message
  const command = text === undefined ? undefined : commandOf(text, message.entities, username)
  return Option.some({
    incoming: {
      updateId: update.update_id,
      from: fromOf(message.from),
      input:
        command !== undefined
          ? { _tag: "Command", name: command }
          : text !== undefined
            ? { _tag: "Text", text }
            : { _tag: "OtherMessage" },
    },
    chatId: message.chat.id,
  })
}

const fromOf = (from: {
  readonly id: number
  readonly username?: string | undefined
  readonly first_name: string
  readonly language_code?: string | undefined
}): Incoming["from"] => ({
  telegramId: TelegramId.make(from.id),
  username: from.username,
  firstName: from.first_name,
  languageCode: from.language_code,
})
