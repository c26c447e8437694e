/**
 * The Bot API core (BotApi.ts): a `node:http` server on a free loopback port that answers the
 * methods the bot uses with Telegram's semantics and error texts, and keeps the chats as Telegram
 * users see them. It is plain callbacks (that is what the bot's HTTP client talks to); the
 * playground's layer (BotApiLayer.ts) and the end-to-end tests' server
 * (test/support/TelegramServer.ts) are built on it. Anything else is 404 `Not Found: method not
 * found`, as Telegram answers; the tests' server adds setWebhook and the webhook's deliveries.
 */
import { Schema } from "effect"
import type { BotCommand, CallbackQuery, Chat, Message, Update, User } from "grammy/types"
import type { ChatEvent } from "./BotApi"
import {
  type ApiCall,
  botInfo,
  botSender,
  type CallbackRecord,
  type Change,
  type ChatRecord,
  entryOf,
  type MessageFields,
  type Observer,
  type StoredMessage,
} from "./BotApiChats"
import { serve } from "./BotApiHttp"
import {
  ApiError,
  type ApiResponse,
  badRequest,
  booleanParam,
  Commands,
  failureOf,
  inlineKeyboardParam,
  integerParam,
  internalError,
  jsonParam,
  markupParam,
  type Params,
  replyKeyboardOf,
  stringParam,
  textParam,
} from "./BotApiRequests"
import { makeUpdateQueue, messageOf, type UpdateQueue, type UpdateRecord } from "./BotApiUpdates"

type Method = (params: Params, clientGone: AbortSignal) => unknown

export interface CoreOptions {
  readonly token: string
  /** Callback queries older than this are "too old" to answer. */
  readonly callbackTtlMs: number
  /** Answers a call instead of its method (the tests' injected failures). */
  readonly intercept?: (method: string) => ApiError | undefined
}

export interface BotApiCore {
  readonly apiRoot: string
  readonly token: string
  readonly chats: ReadonlyMap<number, ChatRecord>
  readonly callbacks: ReadonlyMap<string, CallbackRecord>
  /** The commands set by setMyCommands, by language_code ("" for none). */
  readonly commands: ReadonlyMap<string, ReadonlyArray<BotCommand>>
  readonly updates: UpdateQueue
  readonly observe: (observer: Observer) => () => void
  /** Answers one more method (the tests' setWebhook). */
  readonly define: (name: string, method: Method) => void
  /** Calls a method as the bot would, without HTTP (a webhook's reply); observers are not told. */
  readonly invoke: (method: string, params: Params) => Promise<ApiCall>
  readonly registerChat: (chat: Chat, seenMessageId?: number) => ChatRecord
  /** Any update (an update_id is assigned); its chat and callback query become known. */
  readonly enqueue: (update: Omit<Update, "update_id">) => UpdateRecord
  /** The user's message joins their private chat and goes to the bot. */
  readonly sendAs: (
    from: User,
    chat: Chat.PrivateChat,
    content: string | MessageFields,
  ) => { readonly message: Message; readonly record: UpdateRecord }
  /** The user presses with `data` on `message` in chat `chatId`. */
  readonly press: (
    from: User,
    chatId: number,
    message: Message,
    data: string,
  ) => { readonly query: CallbackQuery; readonly record: UpdateRecord }
  /** A chat's messages as they are now, oldest first. */
  readonly messagesIn: (chatId: number) => ReadonlyArray<StoredMessage>
  /** Answers pending long polls, waits for calls in flight, closes every connection. */
  readonly close: () => Promise<void>
}

/** Key order does not make two keyboards different. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  )

const queryTooOld = () =>
  badRequest("query is too old and response timeout expired or query ID is invalid")

let nextQueryId = 0

/** Starts the server; `close` ends it. */
export const startBotApiCore = async (options: CoreOptions): Promise<BotApiCore> => {
  const nowSeconds = () => Math.floor(Date.now() / 1000)
  const chats = new Map<number, ChatRecord>()
  const callbacks = new Map<string, CallbackRecord>()
  const commands = new Map<string, ReadonlyArray<BotCommand>>()
  const observers = new Set<Observer>()
  const changed = () => {
    for (const observer of [...observers]) observer.changed?.()
  }
  const updates = makeUpdateQueue(changed)

  const emit = (event: ChatEvent, message?: Message) => {
    const change: Change = { event, message, at: updates.tick() }
    for (const observer of [...observers]) observer.chat?.(change)
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
      messages: new Map(),
      keyboard: undefined,
      blocked: false,
    }
    chats.set(chat.id, created)
    return created
  }

  /** Stores a message as it is now and tells the observers. */
  const store = (chat: ChatRecord, stored: StoredMessage) => {
    chat.messages.set(stored.message.message_id, stored)
    emit({ _tag: "Message", entry: entryOf(chat.chat.id, stored) }, stored.message)
  }

  const enqueue = (raw: Omit<Update, "update_id">) => {
    const record = updates.add(raw)
    const message = messageOf(record.update)
    if (message !== undefined) registerChat(message.chat, message.message_id)
    const query = record.update.callback_query
    if (query !== undefined && record.chatId !== undefined) {
      callbacks.set(query.id, { chatId: record.chatId, pushedAtMs: Date.now() })
    }
    for (const observer of [...observers]) observer.enqueued?.(record)
    return record
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

  const storedMessage = (chat: ChatRecord, params: Params, complaint: string): StoredMessage => {
    const messageId = integerParam(params, "message_id")
    if (messageId === undefined) throw badRequest("message identifier is not specified")
    const stored = chat.messages.get(messageId)
    if (stored === undefined) throw badRequest(complaint)
    return stored
  }

  const edit = (params: Params, content: (current: Message) => ReturnType<typeof textParam>) => {
    const chat = chatParam(params)
    const stored = storedMessage(chat, params, "message to edit not found")
    if (stored.from === "user") throw badRequest("message can't be edited")
    const current = stored.message
    const { text, entities } = content(current)
    const keyboard = inlineKeyboardParam(params)
    if (
      text === current.text &&
      canonicalJson(entities) === canonicalJson(current.entities ?? []) &&
      canonicalJson(keyboard) === canonicalJson(current.reply_markup)
    ) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      )
    }
    // Telegram drops the keyboard of an edit that names none.
    const { reply_markup: _keyboard, entities: _entities, ...unchanged } = current
    const edited: Message = {
      ...unchanged,
      text,
      ...(entities.length === 0 ? {} : { entities: [...entities] }),
      edit_date: nowSeconds(),
      ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
    }
    store(chat, { from: "bot", message: edited })
    return edited
  }

  const methods: Record<string, Method> = {
    getMe: () => botInfo,
    getUpdates: (params, clientGone) => updates.getUpdates(params, clientGone),
    sendMessage: (params) => {
      const chat = chatParam(params)
      const { text, entities } = textParam(params)
      const keyboard = inlineKeyboardParam(params)
      const replyKeyboard = replyKeyboardOf(markupParam(params))
      const message: Message = {
        message_id: chat.nextMessageId++,
        from: botSender,
        chat: chat.chat,
        date: nowSeconds(),
        text,
        ...(entities.length === 0 ? {} : { entities: [...entities] }),
        ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
      }
      store(chat, { from: "bot", message })
      if (replyKeyboard !== undefined) {
        chat.keyboard = replyKeyboard ?? undefined
        emit({ _tag: "Keyboard", chatId: chat.chat.id, keyboard: chat.keyboard })
      }
      return message
    },
    editMessageText: (params) => edit(params, () => textParam(params)),
    editMessageReplyMarkup: (params) =>
      edit(params, (current) => ({ text: current.text ?? "", entities: current.entities ?? [] })),
    deleteMessage: (params) => {
      const chat = chatParam(params)
      const { message } = storedMessage(chat, params, "message to delete not found")
      chat.messages.delete(message.message_id)
      emit({ _tag: "Deleted", chatId: chat.chat.id, messageId: message.message_id }, message)
      return true
    },
    sendChatAction: (params) => {
      chatParam(params)
      return true
    },
    answerCallbackQuery: (params) => {
      const query = callbacks.get(stringParam(params, "callback_query_id") ?? "")
      if (query === undefined || query.answer !== undefined) throw queryTooOld()
      if (Date.now() - query.pushedAtMs > options.callbackTtlMs) throw queryTooOld()
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
    deleteWebhook: (params) => {
      if (booleanParam(params, "drop_pending_updates")) {
        updates.dropPending("dropped by deleteWebhook")
      }
      updates.webhook = undefined
      return true
    },
    getWebhookInfo: () => updates.webhookInfo(),
  }
  // Telegram's method names are case-insensitive.
  const methodNames = new Map<string, string>()
  const define = (name: string, method: Method) => {
    methods[name] = method
    methodNames.set(name.toLowerCase(), name)
  }
  for (const [name, method] of Object.entries(methods)) define(name, method)
  const canonical = (requested: string) => methodNames.get(requested.toLowerCase()) ?? requested

  const invoke = async (
    method: string,
    params: Params,
    clientGone: AbortSignal,
  ): Promise<ApiResponse> => {
    const refusal = options.intercept?.(method)
    if (refusal !== undefined) return failureOf(refusal)
    const handler = methods[method]
    if (handler === undefined) return failureOf(new ApiError(404, "Not Found: method not found"))
    try {
      return { ok: true as const, result: await handler(params, clientGone) }
    } catch (error) {
      return error instanceof ApiError ? failureOf(error) : internalError(error)
    }
  }

  const served = await serve({
    token: options.token,
    canonical,
    invoke,
    answered: (call) => {
      for (const observer of [...observers]) observer.call?.(call)
      changed()
    },
  })

  const sendAs: BotApiCore["sendAs"] = (from, privateChat, content) => {
    const chat = registerChat(privateChat)
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
    } as Message & { readonly chat: Chat.PrivateChat; readonly from: User }
    store(chat, { from: "user", message })
    return { message, record: enqueue({ message }) }
  }

  return {
    apiRoot: served.apiRoot,
    token: options.token,
    chats,
    callbacks,
    commands,
    updates,
    observe: (observer: Observer) => {
      observers.add(observer)
      return () => observers.delete(observer)
    },
    define,
    invoke: async (requested: string, params: Params): Promise<ApiCall> => {
      const method = canonical(requested)
      const at = new Date()
      return {
        method,
        params,
        at,
        response: await invoke(method, params, new AbortController().signal),
      }
    },
    registerChat,
    enqueue,
    sendAs,
    press: (from: User, chatId: number, message: Message, data: string) => {
      const query: CallbackQuery = {
        id: `${Date.now()}${++nextQueryId}`,
        from,
        message,
        chat_instance: `-${chatId}`,
        data,
      }
      return { query, record: enqueue({ callback_query: query }) }
    },
    messagesIn: (chatId: number) =>
      [...(chats.get(chatId)?.messages.values() ?? [])].sort(
        (a, b) => a.message.message_id - b.message.message_id,
      ),
    close: async () => {
      updates.shutDown()
      await served.close()
    },
  }
}
