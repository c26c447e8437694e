/**
 * A local stand-in for Telegram's HTTP Bot API, for end-to-end tests: the real bot runs against
 * it unchanged (TELEGRAM_API_ROOT = `server.apiRoot`), tests act as Telegram users through it and
 * assert on what the bot sent. It follows Telegram's semantics and error texts for the methods
 * the bot uses; anything else is 404 `Not Found: method not found`, as Telegram answers.
 *
 * The core is plain callbacks over `node:http` (that is what the bot's HTTP client talks to);
 * what tests call is Effect. Every wait is limited by wall-clock time, not the fiber's clock: the
 * bot on the other side of the socket runs in real time whatever clock the test uses.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Data, Duration, Effect, Either, Option, Schema, type Scope } from "effect"
import type {
  BotCommand,
  CallbackQuery,
  Chat,
  InlineKeyboardMarkup,
  Message,
  Update,
  User,
  UserFromGetMe,
} from "grammy/types"

export const defaultToken = "123456789:TEST-token-for-the-local-bot-api-server"

/** What getMe answers. */
export const botInfo: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: "ConnectBot",
  username: "connectbot_test_bot",
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
const botSender: User = {
  id: botInfo.id,
  is_bot: true,
  first_name: botInfo.first_name,
  username: botInfo.username,
}

/** A wait that was not met: the message says what was expected and what the chat holds. */
export class TelegramExpectationError extends Data.TaggedError("TelegramExpectationError")<{
  readonly message: string
}> {}

export type ApiResponse =
  | { readonly ok: true; readonly result: unknown }
  | {
      readonly ok: false
      readonly error_code: number
      readonly description: string
      readonly parameters?: { readonly retry_after: number }
    }

/** One request the bot made, with what it was answered. */
export interface ApiCall {
  readonly method: string
  readonly params: Readonly<Record<string, unknown>>
  readonly at: Date
  readonly response: ApiResponse
  /** Made by the server from the webhook's response body, as Telegram does ("webhook reply"). */
  readonly viaWebhookReply?: true
}

export interface InjectedFailure {
  readonly error_code: number
  readonly description: string
  readonly retry_after?: number
}

/** One POST of an update to the webhook: its HTTP status, or why there was none. */
export interface WebhookDelivery {
  readonly updateId: number
  readonly url: string
  readonly secretToken: string | undefined
  readonly status: number | undefined
  readonly error: string | undefined
  readonly at: Date
}

/** A bot message as the user sees it: text (or caption) and inline keyboard. */
export interface ChatMessage {
  readonly messageId: number
  readonly text: string
  /** Inline keyboard labels, row by row. */
  readonly buttons: ReadonlyArray<ReadonlyArray<string>>
  /** `callback_data` of the same buttons ("" for a button without, e.g. a URL button). */
  readonly callbackData: ReadonlyArray<ReadonlyArray<string>>
  readonly raw: Message
}

export interface CallbackAnswer {
  readonly text: string | undefined
  readonly showAlert: boolean
  readonly url: string | undefined
}

export interface PressResult {
  readonly query: CallbackQuery
  readonly answer: CallbackAnswer
  /** The pressed message as it is now (after the bot's edits; its last state if deleted). */
  readonly message: ChatMessage
  readonly messageDeleted: boolean
  /** Messages the bot sent to the pressed message's chat since the press. */
  readonly sent: ReadonlyArray<ChatMessage>
}

export interface PressOptions {
  /** Press on this message instead of the most recent one that fits. */
  readonly messageId?: number
  /** Press on a message in this user's chat (a forged press on someone else's message). */
  readonly messageOf?: TelegramUser
}

/** An update on its way to the bot, and what can be awaited about it. */
export interface PushedUpdate {
  readonly update: Update
  /** The bot took it: a getUpdates answer held it, or the webhook POST started. */
  readonly delivered: Effect.Effect<void, TelegramExpectationError>
  /** The bot is done with it: a later getUpdates offset confirmed it, or the webhook said 2xx. */
  readonly handled: Effect.Effect<void, TelegramExpectationError>
  /** The first message the bot sent or edited in the update's chat after taking it. */
  readonly reply: Effect.Effect<ChatMessage, TelegramExpectationError>
  /** Every message sent or edited in the chat from taking it until handled (an edit is an entry). */
  readonly replies: Effect.Effect<ReadonlyArray<ChatMessage>, TelegramExpectationError>
}

/** Fields of a message a user sends (sticker, photo, caption...); id, date, chat, from are set. */
export type MessageFields = Omit<Partial<Message>, "message_id" | "date" | "chat" | "from">

export interface TelegramUser {
  readonly id: number
  /** The private chat with the bot: the same number as the user id. */
  readonly chatId: number
  /** The user as updates carry it in `from`. */
  readonly user: User
  readonly push: (message: string | MessageFields) => Effect.Effect<PushedUpdate>
  /** Sends a message; completes with the bot's reply (see `PushedUpdate.reply`). */
  readonly send: (
    message: string | MessageFields,
  ) => Effect.Effect<ChatMessage, TelegramExpectationError>
  /** Sends a message; completes once the bot handled it, with what it sent meanwhile. */
  readonly sendAndSettle: (
    message: string | MessageFields,
  ) => Effect.Effect<ReadonlyArray<ChatMessage>, TelegramExpectationError>
  /** Presses the inline button labelled exactly `label` on the latest bot message that has one. */
  readonly press: (
    label: string,
    options?: PressOptions,
  ) => Effect.Effect<PressResult, TelegramExpectationError>
  /** Presses with any `data` on the latest (or the given) bot message, as if a button had it. */
  readonly pressData: (
    data: string,
    options?: PressOptions,
  ) => Effect.Effect<PressResult, TelegramExpectationError>
  /** The bot's messages in this chat as they are now, oldest first. */
  readonly messages: ReadonlyArray<ChatMessage>
  readonly lastMessage: ChatMessage | undefined
  /** The reply keyboard the bot shows this user (labels), if any. */
  readonly keyboard: ReadonlyArray<ReadonlyArray<string>> | undefined
  readonly waitForMessage: (
    predicate: (message: ChatMessage) => boolean,
    timeout?: Duration.DurationInput,
  ) => Effect.Effect<ChatMessage, TelegramExpectationError>
  /** The user blocks the bot: sending to them fails with 403, as Telegram does. */
  readonly block: Effect.Effect<void>
  readonly unblock: Effect.Effect<void>
}

export interface UserOptions {
  readonly id?: number
  readonly languageCode?: string
  readonly username?: string
  readonly firstName?: string
  readonly lastName?: string
}

export interface TelegramServerOptions {
  readonly token?: string
  /** How long a wait (reply, press, ...) may take. Default 10 s. */
  readonly waitTimeout?: Duration.DurationInput
  /** Callback queries older than this are "too old" to answer. Default 15 s. */
  readonly callbackTtl?: Duration.DurationInput
  /** POSTs of one update to the webhook before it is given up. Default 3. */
  readonly webhookAttempts?: number
}

export interface TelegramServer {
  /** For `new Bot(token, { client: { apiRoot } })` and TELEGRAM_API_ROOT. */
  readonly apiRoot: string
  readonly token: string
  readonly calls: ReadonlyArray<ApiCall>
  readonly callsOf: (method: string) => ReadonlyArray<ApiCall>
  readonly waitForCall: (
    method: string,
    predicate?: (call: ApiCall) => boolean,
    timeout?: Duration.DurationInput,
  ) => Effect.Effect<ApiCall, TelegramExpectationError>
  /** Enqueues any update (an update_id is assigned). */
  readonly pushUpdate: (update: Omit<Update, "update_id">) => Effect.Effect<PushedUpdate>
  readonly user: (options?: UserOptions) => Effect.Effect<TelegramUser>
  /** The next `times` calls of `method` fail this way. */
  readonly failNext: (
    method: string,
    failure: InjectedFailure,
    times?: number,
  ) => Effect.Effect<void>
  /** The bot's messages in a chat as they are now, oldest first. */
  readonly messagesIn: (chatId: number) => ReadonlyArray<ChatMessage>
  /** The commands set by setMyCommands, by language_code ("" for none). */
  readonly commands: ReadonlyMap<string, ReadonlyArray<BotCommand>>
  readonly webhookDeliveries: ReadonlyArray<WebhookDelivery>
  /** What a chat holds, the updates from it and the calls about it: for failure messages. */
  readonly describeChat: (chatId: number) => string
}

/**
 * A Telegram Bot API server on a free loopback port. Closing the scope answers pending long
 * polls, stops webhook deliveries and closes every connection.
 */
export const makeTelegramServer = (
  options: TelegramServerOptions = {},
): Effect.Effect<TelegramServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (running) => Effect.promise(() => running.close()),
  ).pipe(Effect.map((running) => running.server))

// User ids far above the fixtures' (Date-based) ones, random per process: tests own their users.
let nextUserId = 2 ** 40 + Math.floor(Math.random() * 2 ** 40)
let nextQueryId = 0

/** A failure answered to the bot, thrown out of a method's handler. */
class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description)
  }
}

const badRequest = (description: string) => new ApiError(400, `Bad Request: ${description}`)
const conflict = (description: string) => new ApiError(409, `Conflict: ${description}`)
const queryTooOld = () =>
  badRequest("query is too old and response timeout expired or query ID is invalid")

const failureOf = (error: ApiError): ApiResponse => ({
  ok: false,
  error_code: error.code,
  description: error.description,
  ...(error.retryAfter === undefined ? {} : { parameters: { retry_after: error.retryAfter } }),
})

type Params = Readonly<Record<string, unknown>>

const integerParam = (params: Params, name: string): number | undefined => {
  const value = params[name]
  if (value === undefined || value === null || value === "") return undefined
  const number = typeof value === "string" ? Number(value.trim()) : value
  if (typeof number !== "number" || !Number.isSafeInteger(number)) {
    throw badRequest(`field "${name}" must be an Integer`)
  }
  return number
}

const stringParam = (params: Params, name: string): string | undefined => {
  const value = params[name]
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined
}

const booleanParam = (params: Params, name: string): boolean => {
  const value = params[name]
  return value === true || value === "true" || value === "1" || value === 1
}

/** Structured params come as JSON strings in forms and queries, as objects in JSON bodies. */
const jsonParam = (params: Params, name: string, complaint: string): unknown => {
  const value = params[name]
  if (typeof value !== "string") return value
  try {
    return JSON.parse(value)
  } catch {
    throw badRequest(complaint)
  }
}

const InlineButton = Schema.Struct({
  text: Schema.String,
  callback_data: Schema.optional(Schema.Unknown),
})
const InlineKeyboard = Schema.Struct({
  inline_keyboard: Schema.Array(Schema.Array(InlineButton)),
})
const ReplyKeyboard = Schema.Struct({
  keyboard: Schema.Array(
    Schema.Array(Schema.Union(Schema.String, Schema.Struct({ text: Schema.String }))),
  ),
})
const RemoveKeyboard = Schema.Struct({ remove_keyboard: Schema.Literal(true) })
const Commands = Schema.Array(Schema.Struct({ command: Schema.String, description: Schema.String }))

const buttonActions = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
]

/** The message's inline keyboard (none if empty), checked as Telegram checks it. */
const inlineKeyboardParam = (params: Params): InlineKeyboardMarkup | undefined => {
  const markup = jsonParam(params, "reply_markup", "can't parse reply keyboard markup JSON object")
  if (!Schema.is(InlineKeyboard)(markup)) return undefined
  const buttons = markup.inline_keyboard.flat()
  for (const button of buttons) {
    if (!buttonActions.some((action) => action in button)) {
      throw badRequest("text buttons are unallowed in the inline keyboard")
    }
    const data = button.callback_data
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : 0
    if ("callback_data" in button && (bytes < 1 || bytes > 64)) {
      throw badRequest("BUTTON_DATA_INVALID")
    }
  }
  // Checked above; the markup is kept as the bot sent it, as Telegram echoes it.
  return buttons.length === 0 ? undefined : (markup as unknown as InlineKeyboardMarkup)
}

const htmlTags = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "tg-emoji",
  "code",
  "pre",
  "blockquote",
])

const htmlEntities: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"' }

/**
 * Telegram's HTML parse mode: the text without tags, entities decoded, or Telegram's complaint
 * (a stray `<` or an unsupported tag such as `<br>` fails the whole message in production).
 */
const parseHtml = (html: string): string => {
  const cantParse = (reason: string) => badRequest(`can't parse entities: ${reason}`)
  const byteOffset = (index: number) => Buffer.byteLength(html.slice(0, index))
  const open: Array<string> = []
  let text = ""
  let at = 0
  while (at < html.length) {
    const char = html.charAt(at)
    const entity = char === "&" ? /^&(#\d+|#x[0-9a-f]+|[a-z]+);/i.exec(html.slice(at)) : null
    const name = entity?.[1]
    const decoded =
      name === undefined
        ? undefined
        : name.startsWith("#")
          ? String.fromCodePoint(
              Number(name.startsWith("#x") ? `0${name.slice(1)}` : name.slice(1)),
            )
          : htmlEntities[name.toLowerCase()]
    if (entity && decoded !== undefined) {
      text += decoded
      at += entity[0].length
    } else if (char !== "<") {
      text += char
      at++
    } else {
      const end = html.indexOf(">", at)
      if (end === -1) throw cantParse(`Unclosed start tag at byte offset ${byteOffset(at)}`)
      const tag = html.slice(at + 1, end)
      if (tag.startsWith("/")) {
        const closing = tag.slice(1).trim().toLowerCase()
        const expected = open.pop()
        if (expected === undefined) {
          throw cantParse(`Unexpected end tag at byte offset ${byteOffset(at)}`)
        }
        if (closing !== "" && closing !== expected) {
          throw cantParse(
            `Unmatched end tag at byte offset ${byteOffset(at)}, expected "</${expected}>", found "</${closing}>"`,
          )
        }
      } else {
        const opening = (/^[^\s/>]*/.exec(tag)?.[0] ?? "").toLowerCase()
        if (!htmlTags.has(opening)) {
          throw cantParse(`Unsupported start tag "${opening}" at byte offset ${byteOffset(at)}`)
        }
        open.push(opening)
      }
      at = end + 1
    }
  }
  const unclosed = open.pop()
  if (unclosed !== undefined) {
    throw cantParse(`Can't find end tag corresponding to start tag "${unclosed}"`)
  }
  return text
}

/**
 * The text of sendMessage/editMessageText as Telegram would store it. Entities are not kept, so an
 * edit that changes only formatting counts as "not modified" here. MarkdownV2 text is kept as sent.
 */
const textParam = (params: Params): string => {
  const raw = stringParam(params, "text") ?? ""
  const text = stringParam(params, "parse_mode")?.toLowerCase() === "html" ? parseHtml(raw) : raw
  if (text.trim() === "") throw badRequest("message text is empty")
  if (text.length > 4096) throw badRequest("message is too long")
  return text
}

/** Key order does not make two keyboards different. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  )

const view = (message: Message): ChatMessage => {
  const keyboard = message.reply_markup?.inline_keyboard ?? []
  return {
    messageId: message.message_id,
    text: message.text ?? message.caption ?? "",
    buttons: keyboard.map((row) => row.map((button) => button.text)),
    callbackData: keyboard.map((row) =>
      row.map((button) => ("callback_data" in button ? button.callback_data : "")),
    ),
    raw: message,
  }
}

const messageKinds = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
] as const

const messageOf = (update: Update): Message | undefined => {
  for (const kind of messageKinds) {
    const message = update[kind]
    if (message !== undefined) return message
  }
  const pressed = update.callback_query?.message
  return pressed !== undefined && pressed.date !== 0 ? (pressed as Message) : undefined
}

const chatIdOf = (update: Update): number | undefined =>
  messageOf(update)?.chat.id ??
  update.callback_query?.message?.chat.id ??
  update.callback_query?.from.id ??
  update.my_chat_member?.chat.id ??
  update.chat_member?.chat.id ??
  update.chat_join_request?.chat.id

const kindOf = (update: Update): string =>
  Object.keys(update).find((key) => key !== "update_id") ?? "unknown"

const summarize = (update: Update): string => {
  const message = messageOf(update)
  if (update.callback_query !== undefined) {
    return `callback_query ${JSON.stringify(update.callback_query.data)}`
  }
  if (message?.text !== undefined) return `${kindOf(update)} ${JSON.stringify(message.text)}`
  const content = message === undefined ? [] : Object.keys(message)
  const shown = content.filter((key) => !["message_id", "date", "chat", "from"].includes(key))
  return `${kindOf(update)}${shown.length > 0 ? ` (${shown.join(", ")})` : ""}`
}

// Telegram's default for allowed_updates: everything but these.
const notAllowedByDefault = ["chat_member", "message_reaction", "message_reaction_count"]

interface UpdateRecord {
  readonly update: Update
  readonly chatId: number | undefined
  deliveredAt?: number
  handledAt?: number
  droppedBecause?: string
}

interface BotEvent {
  readonly at: number
  readonly chatId: number
  readonly kind: "sent" | "edited" | "deleted"
  readonly message: Message
}

interface ChatRecord {
  readonly chat: Chat
  nextMessageId: number
  readonly botMessages: Map<number, Message>
  keyboard: ReadonlyArray<ReadonlyArray<string>> | undefined
  blocked: boolean
}

interface CallbackRecord {
  readonly chatId: number
  readonly pushedAtMs: number
  answer?: CallbackAnswer
}

interface Webhook {
  readonly url: string
  readonly secretToken: string | undefined
}

interface Poller {
  readonly wake: () => void
  readonly end: (error?: ApiError) => void
}

/** What a wait looks at: not yet (None), done (Right), or never (Left, saying why). */
type Probe<A> = Option.Option<Either.Either<A, string>>

/** Resolves after `millis`, or as soon as `signal` aborts. */
const sleep = (millis: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer)
      signal.removeEventListener("abort", wake)
      resolve()
    }
    const timer = setTimeout(wake, millis)
    signal.addEventListener("abort", wake, { once: true })
  })

const readBody = (request: Http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** Query parameters, overridden by the body: JSON, or a urlencoded form. */
const paramsOf = async (request: Http.IncomingMessage, url: URL): Promise<Params> => {
  const query = Object.fromEntries(url.searchParams)
  const body = await readBody(request)
  const type = request.headers["content-type"] ?? ""
  if (body.trim() === "") return query
  if (type.includes("application/x-www-form-urlencoded")) {
    return { ...query, ...Object.fromEntries(new URLSearchParams(body)) }
  }
  if (type.includes("multipart/form-data")) {
    throw badRequest("multipart/form-data (file uploads) is not supported by the local test server")
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw badRequest("can't parse JSON object")
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw badRequest("can't parse JSON object")
  }
  return { ...query, ...(parsed as Params) }
}

const start = async (options: TelegramServerOptions) => {
  const token = options.token ?? defaultToken
  const waitTimeout = options.waitTimeout ?? Duration.seconds(10)
  const callbackTtlMs = Duration.toMillis(Duration.decode(options.callbackTtl ?? "15 seconds"))
  const webhookAttempts = options.webhookAttempts ?? 3

  let clock = 0
  const tick = () => ++clock
  const nowSeconds = () => Math.floor(Date.now() / 1000)

  const calls: Array<ApiCall> = []
  const records: Array<UpdateRecord> = []
  const queue: Array<UpdateRecord> = []
  const events: Array<BotEvent> = []
  const chats = new Map<number, ChatRecord>()
  const callbacks = new Map<string, CallbackRecord>()
  const commands = new Map<string, ReadonlyArray<BotCommand>>()
  const faults = new Map<string, { failure: InjectedFailure; remaining: number }>()
  const webhookDeliveries: Array<WebhookDelivery> = []
  const watchers = new Set<() => void>()
  const closing = new AbortController()
  let nextUpdateId = 1
  let allowedUpdates: ReadonlyArray<string> | undefined
  let webhook: Webhook | undefined
  let lastWebhookError: { readonly date: number; readonly message: string } | undefined
  let poller: Poller | undefined
  let delivering = false

  /** Something changed: every wait looks again. */
  const notify = () => {
    for (const watcher of [...watchers]) watcher()
  }

  const registerChat = (chat: Chat, seenMessageId = 0): ChatRecord => {
    const known = chats.get(chat.id)
    if (known !== undefined) {
      known.nextMessageId = Math.max(known.nextMessageId, seenMessageId + 1)
      return known
    }
    const created: ChatRecord = {
      chat,
      nextMessageId: seenMessageId + 1,
      botMessages: new Map(),
      keyboard: undefined,
      blocked: false,
    }
    chats.set(chat.id, created)
    return created
  }

  const chatParam = (params: Params): ChatRecord => {
    const raw = params.chat_id
    if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty")
    const id = typeof raw === "number" ? raw : Number(raw)
    const chat = Number.isSafeInteger(id) ? chats.get(id) : undefined
    if (chat === undefined) throw badRequest("chat not found")
    if (chat.blocked) throw new ApiError(403, "Forbidden: bot was blocked by the user")
    return chat
  }

  const botMessagesIn = (chatId: number): ReadonlyArray<ChatMessage> =>
    [...(chats.get(chatId)?.botMessages.values() ?? [])]
      .sort((a, b) => a.message_id - b.message_id)
      .map(view)

  const recordEvent = (chat: ChatRecord, kind: BotEvent["kind"], message: Message) => {
    events.push({ at: tick(), chatId: chat.chat.id, kind, message })
  }

  // ---- updates: the queue, getUpdates and the webhook ----

  const unqueue = (record: UpdateRecord) => {
    const index = queue.indexOf(record)
    if (index !== -1) queue.splice(index, 1)
  }

  const drop = (record: UpdateRecord, reason: string) => {
    record.droppedBecause = reason
    unqueue(record)
  }

  const markHandled = (record: UpdateRecord) => {
    record.handledAt = tick()
    unqueue(record)
  }

  const isAllowed = (update: Update) => {
    const kind = kindOf(update)
    return allowedUpdates === undefined || allowedUpdates.length === 0
      ? !notAllowedByDefault.includes(kind)
      : allowedUpdates.includes(kind)
  }

  const setAllowedUpdates = (params: Params) => {
    const allowed = jsonParam(params, "allowed_updates", "can't parse allowed updates JSON array")
    if (Array.isArray(allowed)) {
      allowedUpdates = allowed.filter((kind): kind is string => typeof kind === "string")
    }
  }

  /** Up to `limit` pending updates, each marked as taken by the bot. */
  const take = (limit: number): Array<Update> => {
    const taken: Array<Update> = []
    for (const record of [...queue]) {
      if (taken.length >= limit) break
      if (!isAllowed(record.update)) {
        drop(record, `its type "${kindOf(record.update)}" is not in allowed_updates`)
      } else {
        record.deliveredAt ??= tick()
        taken.push(record.update)
      }
    }
    notify()
    return taken
  }

  /** Telegram forgets every update below a getUpdates offset: the bot has handled them. */
  const confirm = (offset: number) => {
    if (offset < 0) {
      for (const record of queue.slice(0, Math.max(0, queue.length + offset))) {
        drop(record, "forgotten by a negative getUpdates offset")
      }
    } else {
      for (const record of queue.filter((pending) => pending.update.update_id < offset)) {
        markHandled(record)
      }
    }
    notify()
  }

  const dropPending = (reason: string) => {
    for (const record of [...queue]) drop(record, reason)
    notify()
  }

  /**
   * Telegram reads a webhook's JSON response with a `method` as a call of that method, which it
   * makes without telling the bot the result; anything else in a response is ignored.
   */
  const callFromWebhookReply = async (text: string) => {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return
    }
    if (typeof body !== "object" || body === null || !("method" in body)) return
    const { method: requested, ...params } = body as Record<string, unknown>
    if (typeof requested !== "string") return
    const method = methodNames.get(requested.toLowerCase()) ?? requested
    const at = new Date()
    const response = await invoke(method, params, new AbortController().signal).catch(
      (error: unknown) => failureOf(new ApiError(500, String(error))),
    )
    calls.push({ method, params, at, response, viaWebhookReply: true })
    notify()
  }

  const postUpdate = async (target: Webhook, record: UpdateRecord): Promise<boolean> => {
    for (let attempt = 1; attempt <= webhookAttempts && !closing.signal.aborted; attempt++) {
      let status: number | undefined
      let error: string | undefined
      try {
        const response = await fetch(target.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(target.secretToken === undefined
              ? {}
              : { "x-telegram-bot-api-secret-token": target.secretToken }),
          },
          body: JSON.stringify(record.update),
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(10_000)]),
        })
        status = response.status
        const text = await response.text()
        if (status >= 200 && status < 300) await callFromWebhookReply(text)
      } catch (cause) {
        // fetch says "fetch failed"; why (ECONNREFUSED...) is in its cause.
        const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
        error = reason instanceof Error ? reason.message : String(reason)
      }
      webhookDeliveries.push({
        updateId: record.update.update_id,
        url: target.url,
        secretToken: target.secretToken,
        status,
        error,
        at: new Date(),
      })
      notify()
      if (status !== undefined && status >= 200 && status < 300) return true
      lastWebhookError = {
        date: nowSeconds(),
        message:
          status === undefined
            ? `Connection failed: ${error}`
            : `Wrong response from the webhook: ${status}`,
      }
      await sleep(50 * attempt, closing.signal)
    }
    return false
  }

  /** Posts pending updates to the webhook, in order, one at a time. */
  const deliverToWebhook = async () => {
    if (delivering) return
    delivering = true
    try {
      for (;;) {
        const target = webhook
        const record = queue[0]
        if (target === undefined || record === undefined || closing.signal.aborted) return
        if (!isAllowed(record.update)) {
          drop(record, `its type "${kindOf(record.update)}" is not in allowed_updates`)
          notify()
          continue
        }
        record.deliveredAt ??= tick()
        notify()
        if (await postUpdate(target, record)) markHandled(record)
        else drop(record, `the webhook refused it ${webhookAttempts} times`)
        notify()
      }
    } finally {
      delivering = false
    }
  }

  const enqueue = (raw: Omit<Update, "update_id">): UpdateRecord => {
    const update: Update = { ...raw, update_id: nextUpdateId++ }
    const message = messageOf(update)
    if (message !== undefined) registerChat(message.chat, message.message_id)
    const query = update.callback_query
    const chatId = chatIdOf(update)
    if (query !== undefined && chatId !== undefined) {
      callbacks.set(query.id, { chatId, pushedAtMs: Date.now() })
    }
    const record: UpdateRecord = { update, chatId }
    records.push(record)
    queue.push(record)
    notify()
    poller?.wake()
    void deliverToWebhook()
    return record
  }

  // ---- the methods ----

  const getUpdates = (params: Params, clientGone: AbortSignal) => {
    if (webhook !== undefined) {
      throw conflict(
        "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      )
    }
    const offset = integerParam(params, "offset")
    const limit = Math.min(100, Math.max(1, integerParam(params, "limit") ?? 100))
    const timeoutSeconds = Math.max(0, integerParam(params, "timeout") ?? 0)
    setAllowedUpdates(params)
    if (offset !== undefined) confirm(offset)
    poller?.end(
      conflict(
        "terminated by other getUpdates request; make sure that only one bot instance is running",
      ),
    )
    const ready = take(limit)
    if (ready.length > 0 || timeoutSeconds === 0 || closing.signal.aborted) return ready
    return new Promise<Array<Update>>((resolve, reject) => {
      let done = false
      const finish = (settle: () => void) => {
        if (done) return
        done = true
        if (poller === current) poller = undefined
        clearTimeout(timer)
        clientGone.removeEventListener("abort", onGone)
        settle()
      }
      const current: Poller = {
        wake: () => {
          const updates = take(limit)
          if (updates.length > 0) finish(() => resolve(updates))
        },
        end: (error) => finish(() => (error === undefined ? resolve([]) : reject(error))),
      }
      const onGone = () => current.end()
      const timer = setTimeout(() => current.end(), timeoutSeconds * 1000)
      clientGone.addEventListener("abort", onGone)
      poller = current
    })
  }

  const storedMessage = (chat: ChatRecord, params: Params, complaint: string): Message => {
    const messageId = integerParam(params, "message_id")
    if (messageId === undefined) throw badRequest("message identifier is not specified")
    const message = chat.botMessages.get(messageId)
    if (message === undefined) throw badRequest(complaint)
    return message
  }

  const edit = (params: Params, text: (current: Message) => string | undefined) => {
    const chat = chatParam(params)
    const current = storedMessage(chat, params, "message to edit not found")
    const newText = text(current)
    const keyboard = inlineKeyboardParam(params)
    if (
      newText === current.text &&
      canonicalJson(keyboard) === canonicalJson(current.reply_markup)
    ) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      )
    }
    // Telegram drops the keyboard of an edit that names none.
    const { reply_markup: _dropped, ...unchanged } = current
    const edited: Message = {
      ...unchanged,
      ...(newText === undefined ? {} : { text: newText }),
      edit_date: nowSeconds(),
      ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
    }
    chat.botMessages.set(edited.message_id, edited)
    recordEvent(chat, "edited", edited)
    return edited
  }

  const methods: Readonly<Record<string, (params: Params, clientGone: AbortSignal) => unknown>> = {
    getMe: () => botInfo,
    getUpdates,
    sendMessage: (params) => {
      const chat = chatParam(params)
      const text = textParam(params)
      const keyboard = inlineKeyboardParam(params)
      const markup = jsonParam(
        params,
        "reply_markup",
        "can't parse reply keyboard markup JSON object",
      )
      const message: Message = {
        message_id: chat.nextMessageId++,
        from: botSender,
        chat: chat.chat,
        date: nowSeconds(),
        text,
        ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
      }
      if (Schema.is(ReplyKeyboard)(markup)) {
        chat.keyboard = markup.keyboard.map((row) =>
          row.map((button) => (typeof button === "string" ? button : button.text)),
        )
      } else if (Schema.is(RemoveKeyboard)(markup)) {
        chat.keyboard = undefined
      }
      chat.botMessages.set(message.message_id, message)
      recordEvent(chat, "sent", message)
      return message
    },
    editMessageText: (params) => edit(params, () => textParam(params)),
    editMessageReplyMarkup: (params) => edit(params, (current) => current.text),
    deleteMessage: (params) => {
      const chat = chatParam(params)
      const message = storedMessage(chat, params, "message to delete not found")
      chat.botMessages.delete(message.message_id)
      recordEvent(chat, "deleted", message)
      return true
    },
    sendChatAction: (params) => {
      chatParam(params)
      return true
    },
    answerCallbackQuery: (params) => {
      const query = callbacks.get(stringParam(params, "callback_query_id") ?? "")
      if (query === undefined || query.answer !== undefined) throw queryTooOld()
      if (Date.now() - query.pushedAtMs > callbackTtlMs) throw queryTooOld()
      query.answer = {
        text: stringParam(params, "text"),
        showAlert: booleanParam(params, "show_alert"),
        url: stringParam(params, "url"),
      }
      return true
    },
    setMyCommands: (params) => {
      const list = jsonParam(params, "commands", "can't parse commands JSON object")
      if (!Schema.is(Commands)(list)) throw badRequest('parameter "commands" is required')
      if (list.some(({ command }) => !/^[a-z0-9_]{1,32}$/.test(command))) {
        throw badRequest("BOT_COMMAND_INVALID")
      }
      commands.set(stringParam(params, "language_code") ?? "", list)
      return true
    },
    getMyCommands: (params) => commands.get(stringParam(params, "language_code") ?? "") ?? [],
    deleteMyCommands: (params) => {
      commands.delete(stringParam(params, "language_code") ?? "")
      return true
    },
    setWebhook: (params) => {
      const url = stringParam(params, "url") ?? ""
      if (booleanParam(params, "drop_pending_updates")) dropPending("dropped by setWebhook")
      setAllowedUpdates(params)
      if (url === "") {
        webhook = undefined
        return true
      }
      webhook = { url, secretToken: stringParam(params, "secret_token") }
      lastWebhookError = undefined
      poller?.end(conflict("terminated by setWebhook request"))
      void deliverToWebhook()
      return true
    },
    deleteWebhook: (params) => {
      if (booleanParam(params, "drop_pending_updates")) dropPending("dropped by deleteWebhook")
      webhook = undefined
      return true
    },
    getWebhookInfo: () => ({
      url: webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: queue.length,
      ...(lastWebhookError === undefined
        ? {}
        : { last_error_date: lastWebhookError.date, last_error_message: lastWebhookError.message }),
      ...(allowedUpdates === undefined ? {} : { allowed_updates: allowedUpdates }),
    }),
  }
  // Telegram's method names are case-insensitive.
  const methodNames = new Map(Object.keys(methods).map((name) => [name.toLowerCase(), name]))

  const invoke = async (method: string, params: Params, clientGone: AbortSignal) => {
    const fault = faults.get(method.toLowerCase())
    if (fault !== undefined && fault.remaining > 0) {
      fault.remaining--
      const { error_code, description, retry_after } = fault.failure
      return failureOf(new ApiError(error_code, description, retry_after))
    }
    const handler = methods[method]
    if (handler === undefined) return failureOf(new ApiError(404, "Not Found: method not found"))
    try {
      return { ok: true as const, result: await handler(params, clientGone) }
    } catch (error) {
      if (error instanceof ApiError) return failureOf(error)
      throw error
    }
  }

  const answer = async (
    request: Http.IncomingMessage,
    clientGone: AbortSignal,
  ): Promise<ApiResponse> => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const route = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname)
    if (route === null) return failureOf(new ApiError(404, "Not Found"))
    const [, requestToken = "", requested = ""] = route
    const method = methodNames.get(requested.toLowerCase()) ?? requested
    const at = new Date()
    let params: Params = {}
    let response: ApiResponse
    try {
      params = await paramsOf(request, url)
      response =
        requestToken === token
          ? await invoke(method, params, clientGone)
          : failureOf(new ApiError(401, "Unauthorized"))
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      response = failureOf(error)
    }
    calls.push({ method, params, at, response })
    notify()
    return response
  }

  const inFlight = new Set<Promise<void>>()
  const server = Http.createServer((request, response) => {
    const clientGone = new AbortController()
    response.on("close", () => {
      if (!response.writableFinished) clientGone.abort()
    })
    const handled = answer(request, clientGone.signal)
      .catch(
        (error: unknown): ApiResponse => ({
          ok: false,
          error_code: 500,
          description: `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`,
        }),
      )
      .then((body) => {
        if (response.destroyed) return
        response.writeHead(body.ok ? 200 : body.error_code, { "content-type": "application/json" })
        response.end(JSON.stringify(body))
      })
    inFlight.add(handled)
    void handled.finally(() => inFlight.delete(handled))
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  // ---- what tests see ----

  const callsAbout = (chatId: number) =>
    calls.filter(({ params }) => {
      const queryId = stringParam(params, "callback_query_id")
      return (
        Number(params.chat_id) === chatId ||
        (queryId !== undefined && callbacks.get(queryId)?.chatId === chatId)
      )
    })

  const describeChat = (chatId: number): string => {
    const chat = chats.get(chatId)?.chat
    const name =
      chat === undefined
        ? "unknown to the server"
        : chat.type === "private"
          ? [chat.first_name, chat.username && `@${chat.username}`].filter(Boolean).join(" ")
          : chat.title
    const messages = botMessagesIn(chatId)
    const updates = records.filter((record) => record.chatId === chatId).slice(-10)
    const about = callsAbout(chatId).slice(-10)
    const lines = [`Chat ${chatId} (${name}):`]
    lines.push(
      messages.length === 0 ? "  the bot has no message there" : "  bot messages, as they are now:",
      ...messages.map(
        (message) =>
          `    #${message.messageId} ${JSON.stringify(message.text)}${
            message.buttons.length > 0 ? ` buttons ${JSON.stringify(message.buttons)}` : ""
          }`,
      ),
    )
    if (updates.length > 0) lines.push("  updates from there:")
    for (const record of updates) {
      const state =
        record.droppedBecause !== undefined
          ? `dropped: ${record.droppedBecause}`
          : record.handledAt !== undefined
            ? "handled"
            : record.deliveredAt !== undefined
              ? "taken by the bot, not yet handled"
              : "not yet taken by the bot"
      lines.push(`    #${record.update.update_id} ${summarize(record.update)}: ${state}`)
    }
    if (about.length > 0) lines.push("  the bot's calls about it:")
    for (const call of about) {
      const outcome = call.response.ok
        ? "ok"
        : `${call.response.error_code} ${call.response.description}`
      const text = stringParam(call.params, "text")
      lines.push(
        `    ${call.method}${text === undefined ? "" : ` ${JSON.stringify(text)}`} -> ${outcome}`,
      )
    }
    if (webhook === undefined && !calls.some((call) => call.method === "getUpdates")) {
      lines.push(
        `  The bot has not called getUpdates and set no webhook: is it running against ${apiRoot}?`,
      )
    }
    return lines.join("\n")
  }

  const waitFor = <A>(
    what: string,
    chatId: number | undefined,
    probe: () => Probe<A>,
    timeout: Duration.DurationInput = waitTimeout,
  ): Effect.Effect<A, TelegramExpectationError> =>
    Effect.async<A, TelegramExpectationError>((resume) => {
      const millis = Duration.toMillis(Duration.decode(timeout))
      let settled = false
      const fail = (reason: string) =>
        new TelegramExpectationError({
          message: `Expected ${what}: ${reason}.${chatId === undefined ? "" : `\n${describeChat(chatId)}`}`,
        })
      const settle = (outcome: Effect.Effect<A, TelegramExpectationError>) => {
        if (settled) return
        settled = true
        stop()
        resume(outcome)
      }
      const check = () => {
        const outcome = probe()
        if (Option.isSome(outcome)) {
          settle(
            Either.match(outcome.value, {
              onLeft: (reason) => Effect.fail(fail(reason)),
              onRight: Effect.succeed,
            }),
          )
        }
      }
      const timer = setTimeout(
        () => settle(Effect.fail(fail(`nothing within ${millis} ms`))),
        millis,
      )
      const stop = () => {
        clearTimeout(timer)
        watchers.delete(check)
      }
      watchers.add(check)
      check()
      return Effect.sync(stop)
    })

  const done = <A>(value: A): Probe<A> => Option.some(Either.right(value))
  const never = <A>(reason: string): Probe<A> => Option.some(Either.left(reason))
  const notYet = Option.none()

  const droppedOr = <A>(record: UpdateRecord, probe: () => Probe<A>): Probe<A> =>
    record.droppedBecause !== undefined
      ? never(`update #${record.update.update_id} was dropped: ${record.droppedBecause}`)
      : probe()

  const eventsIn = (chatId: number | undefined, after: number, until = Number.POSITIVE_INFINITY) =>
    events.filter(
      (event) =>
        event.chatId === chatId && event.at > after && event.at < until && event.kind !== "deleted",
    )

  const pushed = (record: UpdateRecord): PushedUpdate => {
    const name = `${summarize(record.update)} (update #${record.update.update_id})`
    const handled = waitFor(`the bot to handle ${name}`, record.chatId, () =>
      droppedOr(record, () => (record.handledAt === undefined ? notYet : done(undefined))),
    )
    return {
      update: record.update,
      delivered: waitFor(`the bot to take ${name}`, record.chatId, () =>
        droppedOr(record, () => (record.deliveredAt === undefined ? notYet : done(undefined))),
      ),
      handled,
      reply: waitFor(`the bot's reply to ${name}`, record.chatId, () =>
        droppedOr(record, () => {
          const first =
            record.deliveredAt === undefined
              ? undefined
              : eventsIn(record.chatId, record.deliveredAt)[0]
          return first === undefined ? notYet : done(view(first.message))
        }),
      ),
      replies: Effect.map(handled, () =>
        eventsIn(record.chatId, record.deliveredAt ?? 0, record.handledAt).map((event) =>
          view(event.message),
        ),
      ),
    }
  }

  const pushUpdate = (update: Omit<Update, "update_id">) =>
    Effect.sync(() => pushed(enqueue(update)))

  const pressOn = (presser: User, chatId: number, message: Message, data: string) =>
    Effect.gen(function* () {
      const query: CallbackQuery = {
        id: `${Date.now()}${++nextQueryId}`,
        from: presser,
        message,
        chat_instance: `-${chatId}`,
        data,
      }
      const pressedAt = clock
      const record = enqueue({ callback_query: query })
      const answer = yield* waitFor(
        `the bot to answer the press of ${JSON.stringify(data)} on message #${message.message_id}`,
        chatId,
        () =>
          droppedOr(record, () => {
            const answered = callbacks.get(query.id)?.answer
            // Answered first and edited after is common: wait until the whole update is handled.
            return answered === undefined || record.handledAt === undefined
              ? notYet
              : done(answered)
          }),
      )
      const current = chats.get(chatId)?.botMessages.get(message.message_id)
      const lastState = events.findLast(
        (event) => event.chatId === chatId && event.message.message_id === message.message_id,
      )
      const result: PressResult = {
        query,
        answer,
        message: view(current ?? lastState?.message ?? message),
        messageDeleted: current === undefined,
        sent: eventsIn(chatId, pressedAt)
          .filter((event) => event.kind === "sent")
          .map((event) => view(event.message)),
      }
      return result
    })

  const makeUser = (from: User, privateChat: Chat.PrivateChat): TelegramUser => {
    const chat = registerChat(privateChat)
    const chatId = privateChat.id
    const push = (content: string | MessageFields) =>
      Effect.suspend(() => {
        const command = typeof content === "string" ? /^\/\w+(@\w+)?/.exec(content) : null
        const fields: MessageFields =
          typeof content !== "string"
            ? content
            : command === null
              ? { text: content }
              : {
                  text: content,
                  entities: [{ type: "bot_command", offset: 0, length: command[0].length }],
                }
        const message = {
          ...fields,
          message_id: chat.nextMessageId++,
          date: nowSeconds(),
          chat: privateChat,
          from,
        }
        return pushUpdate({ message })
      })
    const pressTarget = (options: PressOptions | undefined) => options?.messageOf?.chatId ?? chatId
    const chosen = (targetChatId: number, options: PressOptions | undefined) => {
      const messages = [...(chats.get(targetChatId)?.botMessages.values() ?? [])]
      return options?.messageId === undefined
        ? messages.sort((a, b) => b.message_id - a.message_id)
        : messages.filter((message) => message.message_id === options.messageId)
    }
    const refuse = (what: string, targetChatId: number, reason: string) =>
      Effect.fail(
        new TelegramExpectationError({
          message: `Expected ${what}: ${reason}.\n${describeChat(targetChatId)}`,
        }),
      )

    const user: TelegramUser = {
      id: from.id,
      chatId,
      user: from,
      push,
      send: (content) => Effect.flatMap(push(content), (update) => update.reply),
      sendAndSettle: (content) => Effect.flatMap(push(content), (update) => update.replies),
      press: (label, options) =>
        Effect.suspend(() => {
          const targetChatId = pressTarget(options)
          const candidates = chosen(targetChatId, options)
          for (const message of candidates) {
            const button = message.reply_markup?.inline_keyboard
              .flat()
              .find((b) => b.text === label)
            if (button === undefined) continue
            if (!("callback_data" in button)) {
              return refuse(
                `to press ${JSON.stringify(label)}`,
                targetChatId,
                "it has no callback_data",
              )
            }
            return pressOn(from, targetChatId, message, button.callback_data)
          }
          const labels = candidates.flatMap((message) =>
            (message.reply_markup?.inline_keyboard.flat() ?? []).map((b) => b.text),
          )
          return refuse(
            `a button ${JSON.stringify(label)} to press`,
            targetChatId,
            `the buttons there are ${labels.length === 0 ? "none" : JSON.stringify(labels)}`,
          )
        }),
      pressData: (data, options) =>
        Effect.suspend(() => {
          const targetChatId = pressTarget(options)
          const message = chosen(targetChatId, options)[0]
          return message === undefined
            ? refuse(
                `a bot message to press ${JSON.stringify(data)} on`,
                targetChatId,
                "there is none",
              )
            : pressOn(from, targetChatId, message, data)
        }),
      get messages() {
        return botMessagesIn(chatId)
      },
      get lastMessage() {
        return botMessagesIn(chatId).at(-1)
      },
      get keyboard() {
        return chat.keyboard
      },
      waitForMessage: (predicate, timeout) =>
        waitFor(
          "a bot message that satisfies the predicate",
          chatId,
          () => {
            const found = botMessagesIn(chatId).findLast(predicate)
            return found === undefined ? notYet : done(found)
          },
          timeout,
        ),
      block: Effect.sync(() => {
        chat.blocked = true
      }),
      unblock: Effect.sync(() => {
        chat.blocked = false
      }),
    }
    return user
  }

  const telegramServer: TelegramServer = {
    apiRoot,
    token,
    calls,
    callsOf: (method) => calls.filter((call) => call.method.toLowerCase() === method.toLowerCase()),
    waitForCall: (method, predicate = () => true, timeout) =>
      waitFor(
        `a ${method} call that satisfies the predicate`,
        undefined,
        () => {
          const found = calls.find(
            (call) => call.method.toLowerCase() === method.toLowerCase() && predicate(call),
          )
          return found === undefined ? notYet : done(found)
        },
        timeout,
      ),
    pushUpdate,
    user: (options = {}) =>
      Effect.sync(() => {
        const id = options.id ?? nextUserId++
        const firstName = options.firstName ?? `User${id}`
        const names = {
          first_name: firstName,
          ...(options.lastName === undefined ? {} : { last_name: options.lastName }),
          ...(options.username === undefined ? {} : { username: options.username }),
        }
        const from: User = {
          id,
          is_bot: false,
          ...names,
          ...(options.languageCode === undefined ? {} : { language_code: options.languageCode }),
        }
        return makeUser(from, { id, type: "private", ...names })
      }),
    failNext: (method, failure, times = 1) =>
      Effect.sync(() => {
        faults.set(method.toLowerCase(), { failure, remaining: times })
      }),
    messagesIn: botMessagesIn,
    commands,
    webhookDeliveries,
    describeChat,
  }

  const close = async () => {
    closing.abort()
    poller?.end()
    await Promise.allSettled([...inFlight])
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  return { server: telegramServer, close }
}
