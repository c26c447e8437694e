/**
 * The chats as Telegram users see them: the bot, the users, the messages as they are now, and
 * what the page is told of them (ChatEntry, ChatEvent in BotApi.ts).
 */
import type { Chat, Message, User, UserFromGetMe } from "grammy/types"
import type { ChatButton, ChatEntry, ChatEvent, ChatUser } from "./BotApi"
import type { ApiResponse, Params } from "./BotApiRequests"
import type { UpdateRecord } from "./BotApiUpdates"

/** What getMe answers. */
export const botInfo: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: "ConnectBot",
  username: "connectbot_playground_bot",
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
}

/** The bot as the sender of its messages (`Message.from`). */
export const botSender: User = {
  id: botInfo.id,
  is_bot: true,
  first_name: botInfo.first_name,
  username: botInfo.username,
}

/** One request the bot made, with what it was answered. */
export interface ApiCall {
  readonly method: string
  readonly params: Params
  readonly at: Date
  readonly response: ApiResponse
}

export interface StoredMessage {
  readonly from: "bot" | "user"
  readonly message: Message
}

export interface ChatRecord {
  readonly chat: Chat
  nextMessageId: number
  readonly messages: Map<number, StoredMessage>
  keyboard: ReadonlyArray<ReadonlyArray<string>> | undefined
  blocked: boolean
}

/** The bot's answer to a press, with the link it may open (games; the page has none). */
export interface QueryAnswer {
  readonly text: string | undefined
  readonly showAlert: boolean
  readonly url: string | undefined
}

export interface CallbackRecord {
  readonly chatId: number
  readonly pushedAtMs: number
  answer?: QueryAnswer
}

/** A change in a chat; `at` orders it among the updates' steps (`BotApiCore.now`). */
export interface Change {
  readonly event: ChatEvent
  /** The message the event is about (its last state when deleted). */
  readonly message: Message | undefined
  readonly at: number
}

export interface Observer {
  /** Something changed (a call, an update's step): waits look again. */
  readonly changed?: () => void
  readonly chat?: (change: Change) => void
  readonly call?: (call: ApiCall) => void
  readonly enqueued?: (record: UpdateRecord) => void
}

/** Fields of a message a user sends (sticker, photo, caption...); id, date, chat, from are set. */
export type MessageFields = Omit<Partial<Message>, "message_id" | "date" | "chat" | "from">

/** The user as updates carry it, and their private chat with the bot. */
export const telegramUser = (person: ChatUser): { from: User; chat: Chat.PrivateChat } => {
  const names = {
    first_name: person.firstName,
    ...(person.lastName === undefined ? {} : { last_name: person.lastName }),
    ...(person.username === undefined ? {} : { username: person.username }),
  }
  const from: User = {
    id: person.id,
    is_bot: false,
    ...names,
    ...(person.languageCode === undefined ? {} : { language_code: person.languageCode }),
  }
  return { from, chat: { id: person.id, type: "private", ...names } }
}

/** A message as the page shows it. */
export const entryOf = (chatId: number, { from, message }: StoredMessage): ChatEntry => ({
  chatId,
  messageId: message.message_id,
  from,
  text: message.text ?? message.caption ?? "",
  entities: message.entities ?? message.caption_entities ?? [],
  buttons: (message.reply_markup?.inline_keyboard ?? []).map((row) =>
    row.map(
      (button): ChatButton => ({
        text: button.text,
        data: "callback_data" in button ? button.callback_data : undefined,
        url: "url" in button ? button.url : undefined,
      }),
    ),
  ),
  date: message.date,
  edited: message.edit_date !== undefined,
})
