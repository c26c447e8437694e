/**
 * The playground's Telegram (docs/playground.md): a Bot API server in the bot's own process, on a
 * free loopback port, that the real bot talks HTTP to unchanged (TELEGRAM_API_ROOT = `apiRoot`),
 * and that the playground page acts through as Telegram users. It answers the methods the bot
 * uses with Telegram's semantics and error texts; the end-to-end tests' server
 * (test/support/TelegramServer.ts) is built on the same core and adds webhooks, injected
 * failures and expectations.
 *
 * This file is the contract the page's routes rely on; the core is in `BotApiCore.ts`, and the
 * scoped layer that provides `BotApi` is `layer` in `BotApiLayer.ts` (a static here would import
 * in a circle).
 */
import { Context, type Effect, type Option, type Queue, type Scope } from "effect"
import type { MessageEntity } from "grammy/types"

/** A person on the Telegram side of the chat: a demo employee, any employee, or a stranger. */
export interface ChatUser {
  readonly id: number
  readonly firstName: string
  readonly lastName?: string | undefined
  readonly username?: string | undefined
  /** Telegram's `language_code`: the bot answers in it. */
  readonly languageCode?: string | undefined
}

/** An inline button as the page draws it: a callback button has `data`, a link button `url`. */
export interface ChatButton {
  readonly text: string
  readonly data?: string | undefined
  readonly url?: string | undefined
}

/** One message in a private chat with the bot, as it is now. */
export interface ChatEntry {
  readonly chatId: number
  readonly messageId: number
  readonly from: "bot" | "user"
  /** The text as Telegram shows it (the bot's HTML parsed away)… */
  readonly text: string
  /** …and its formatting, as Telegram's entities over `text` (UTF-16 offsets). */
  readonly entities: ReadonlyArray<MessageEntity>
  /** Inline keyboard, row by row; empty for none. */
  readonly buttons: ReadonlyArray<ReadonlyArray<ChatButton>>
  /** Unix seconds. */
  readonly date: number
  readonly edited: boolean
}

/** What changed in a chat; the page applies them in order. */
export type ChatEvent =
  /** A new message, or a new state of one (an edit): same `messageId`, replace it. */
  | { readonly _tag: "Message"; readonly entry: ChatEntry }
  | { readonly _tag: "Deleted"; readonly chatId: number; readonly messageId: number }
  /** The reply keyboard the bot shows under the input (labels), or none. */
  | {
      readonly _tag: "Keyboard"
      readonly chatId: number
      readonly keyboard: ReadonlyArray<ReadonlyArray<string>> | undefined
    }

/** The bot's answer to a button press: a toast, or a pop-up when `showAlert`. */
export interface CallbackAnswer {
  readonly text: string | undefined
  readonly showAlert: boolean
}

export interface ChatState {
  readonly messages: ReadonlyArray<ChatEntry>
  readonly keyboard: ReadonlyArray<ReadonlyArray<string>> | undefined
}

export interface BotApiService {
  /** For TELEGRAM_API_ROOT: `http://127.0.0.1:<port>`. */
  readonly apiRoot: string
  /** The token the bot must use; any other gets Telegram's 401. */
  readonly token: string
  /** The user sends a text (or a /command): it joins the chat at once and reaches the bot. */
  readonly sendText: (user: ChatUser, text: string) => Effect.Effect<ChatEntry>
  /**
   * The user presses a callback button with `data` on the bot's message `messageId` in their
   * chat. Completes with the bot's answer, or none if it gave none within 10 s.
   */
  readonly press: (
    user: ChatUser,
    messageId: number,
    data: string,
  ) => Effect.Effect<Option.Option<CallbackAnswer>>
  /** The chat with the user (the private chat's id is the user's), oldest message first. */
  readonly chat: (chatId: number) => Effect.Effect<ChatState>
  /** Every change in every chat from now on, until the scope closes. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<ChatEvent>, never, Scope.Scope>
}

export class BotApi extends Context.Tag("connectbot/BotApi")<BotApi, BotApiService>() {}
