/**
 * The Telegram Bot API both bots talk to during the pipeline benchmark: a small server on a
 * loopback port that answers the methods the two bots call (getMe, setWebhook, setMyCommands,
 * sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery…) with Telegram's
 * semantics where the flow depends on them, and keeps, per chat, the bot's latest messages —
 * what a user looks at and presses buttons on.
 *
 * Not test/support/TelegramServer: that server delivers updates itself, one at a time, and keeps
 * every call, event and waiter for the tests' assertions. Here the load driver posts the updates
 * to the bot's webhook with bounded concurrency, so the fake only answers the bot, in O(1) per
 * call, and keeps no more than it needs. It runs in the benchmark's own process; its CPU is in
 * the "driver + fake" figure of the report.
 */

import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { text } from "node:stream/consumers"
import { Effect, type Scope } from "effect"
import type { InlineKeyboardMarkup, Message, UserFromGetMe } from "grammy/types"
import { botInfo as testBotInfo } from "../../test/support/TelegramServer"

export const fakeToken = "424242424:BENCH-token-for-the-fake-bot-api"

/** getMe's answer: the tests' fake bot, under the benchmark's own id (the token's first part). */
const botInfo: UserFromGetMe = {
  ...testBotInfo,
  id: 424242424,
  username: "connectbot_bench_bot",
}

interface ChatState {
  readonly chat: Message["chat"]
  nextMessageId: number
  /** The bot's messages still on screen (the last few: only the latest is ever pressed). */
  readonly messages: Map<number, Message>
  last: Message | undefined
}

type Params = Record<string, unknown>

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {
    super(description)
  }
}

const badRequest = (description: string) => new ApiError(400, `Bad Request: ${description}`)

export interface FakeBotApi {
  readonly apiRoot: string
  readonly token: string
  /** A private chat with this user: the bot may send there from now on. */
  readonly openChat: (user: {
    readonly id: number
    readonly firstName: string
    readonly username: string
  }) => void
  /** The id of a message the user sends now (user and bot messages share a chat's sequence). */
  readonly nextMessageId: (chatId: number) => number
  /** The bot's latest message in the chat: the screen the user looks at. */
  readonly lastMessage: (chatId: number) => Message | undefined
  /** A button press is about to be posted: it may be answered once. */
  readonly expectAnswer: (queryId: string) => void
  /** Whether the press was answered; forgets it. */
  readonly takeAnswer: (queryId: string) => boolean
  /** Calls by method since the last `resetCounts`, and the calls answered with an error. */
  readonly counts: () => { readonly byMethod: ReadonlyMap<string, number>; readonly errors: number }
  readonly resetCounts: () => void
  /** The first few errors answered, for a failure message. */
  readonly firstErrors: ReadonlyArray<string>
  /**
   * A webhook's response body: one with a `method` is a call for Telegram to make, made here as
   * Telegram does (counted under "method (webhook reply)", not as a request of the bot's).
   */
  readonly webhookReply: (body: string) => void
}

const integer = (params: Params, name: string): number | undefined => {
  const value = params[name]
  const number = typeof value === "string" ? Number(value) : value
  return typeof number === "number" && Number.isSafeInteger(number) ? number : undefined
}

const keyboardOf = (params: Params): InlineKeyboardMarkup | undefined => {
  const raw = params.reply_markup
  const markup = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw
  return markup !== null &&
    typeof markup === "object" &&
    "inline_keyboard" in markup &&
    Array.isArray(markup.inline_keyboard) &&
    markup.inline_keyboard.length > 0
    ? (markup as InlineKeyboardMarkup)
    : undefined
}

const textOf = (params: Params): string => {
  const text = params.text
  if (typeof text !== "string" || text.trim() === "") throw badRequest("message text is empty")
  if (text.length > 4096) throw badRequest("message is too long")
  return text
}

/** Keep this many of the bot's messages per chat: older ones are never pressed again. */
const keptMessages = 3

/**
 * `latencyMs`: how long each answer waits before it is written, as Telegram's own round trip from
 * the bot's server would (0: at once, the loopback's own speed).
 */
const start = async (latencyMs: number) => {
  const chats = new Map<number, ChatState>()
  const answers = new Map<string, boolean>()
  let byMethod = new Map<string, number>()
  let errors = 0
  const firstErrors: Array<string> = []
  const nowSeconds = () => Math.floor(Date.now() / 1000)

  const chatOf = (params: Params): ChatState => {
    const id = integer(params, "chat_id")
    if (id === undefined) throw badRequest("chat_id is empty")
    const chat = chats.get(id)
    if (chat === undefined) throw badRequest("chat not found")
    return chat
  }

  const store = (chat: ChatState, message: Message) => {
    chat.messages.set(message.message_id, message)
    if (chat.last === undefined || message.message_id >= chat.last.message_id) chat.last = message
    if (chat.messages.size > keptMessages) {
      const oldest = chat.messages.keys().next().value
      if (oldest !== undefined) chat.messages.delete(oldest)
    }
  }

  const edit = (params: Params, newText: (current: Message) => string | undefined) => {
    const chat = chatOf(params)
    const messageId = integer(params, "message_id")
    if (messageId === undefined) throw badRequest("message identifier is not specified")
    const current = chat.messages.get(messageId)
    if (current === undefined) throw badRequest("message to edit not found")
    const text = newText(current)
    const keyboard = keyboardOf(params)
    if (
      text === current.text &&
      JSON.stringify(keyboard ?? null) === JSON.stringify(current.reply_markup ?? null)
    ) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      )
    }
    const { reply_markup: _dropped, ...unchanged } = current
    const edited: Message = {
      ...unchanged,
      ...(text === undefined ? {} : { text }),
      edit_date: nowSeconds(),
      ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
    }
    store(chat, edited)
    return edited
  }

  const methods: Record<string, (params: Params) => unknown> = {
    getMe: () => botInfo,
    setWebhook: () => true,
    deleteWebhook: () => true,
    getWebhookInfo: () => ({ url: "", has_custom_certificate: false, pending_update_count: 0 }),
    setMyCommands: () => true,
    deleteMyCommands: () => true,
    sendChatAction: (params) => {
      chatOf(params)
      return true
    },
    sendMessage: (params) => {
      const chat = chatOf(params)
      const keyboard = keyboardOf(params)
      const message: Message = {
        message_id: chat.nextMessageId++,
        from: {
          id: botInfo.id,
          is_bot: true,
          first_name: botInfo.first_name,
          username: botInfo.username,
        },
        chat: chat.chat,
        date: nowSeconds(),
        text: textOf(params),
        ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
      } as Message
      store(chat, message)
      return message
    },
    editMessageText: (params) => edit(params, () => textOf(params)),
    editMessageReplyMarkup: (params) => edit(params, (current) => current.text),
    deleteMessage: (params) => {
      const chat = chatOf(params)
      const messageId = integer(params, "message_id")
      if (messageId === undefined || !chat.messages.delete(messageId)) {
        throw badRequest("message to delete not found")
      }
      if (chat.last?.message_id === messageId) chat.last = undefined
      return true
    },
    answerCallbackQuery: (params) => {
      const id = params.callback_query_id
      const key = typeof id === "string" || typeof id === "number" ? String(id) : ""
      if (answers.get(key) !== false) {
        throw badRequest("query is too old and response timeout expired or query ID is invalid")
      }
      answers.set(key, true)
      return true
    },
  }

  const answer = async (request: Http.IncomingMessage) => {
    const route = /^\/bot([^/]+)\/([^/?]+)/.exec(request.url ?? "")
    const body = await text(request)
    if (route === null || route[1] !== fakeToken) {
      return { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } }
    }
    const method = route[2] ?? ""
    byMethod.set(method, (byMethod.get(method) ?? 0) + 1)
    const handler = methods[method]
    try {
      if (handler === undefined) throw new ApiError(404, "Not Found: method not found")
      const params: Params =
        body.trim() === ""
          ? Object.fromEntries(new URL(request.url ?? "/", "http://127.0.0.1").searchParams)
          : (request.headers["content-type"] ?? "").includes("x-www-form-urlencoded")
            ? Object.fromEntries(new URLSearchParams(body))
            : (JSON.parse(body) as Params)
      return { status: 200, body: { ok: true, result: handler(params) } }
    } catch (error) {
      const failure =
        error instanceof ApiError ? error : badRequest(`can't parse request: ${String(error)}`)
      errors++
      if (firstErrors.length < 5) firstErrors.push(`${method}: ${failure.description}`)
      return {
        status: failure.code,
        body: { ok: false, error_code: failure.code, description: failure.description },
      }
    }
  }

  const server = Http.createServer((request, response) => {
    void answer(request).then(
      ({ status, body }) => {
        const write = () => {
          response.writeHead(status, { "content-type": "application/json" })
          response.end(JSON.stringify(body))
        }
        if (latencyMs > 0) setTimeout(write, latencyMs)
        else write()
      },
      () => {
        if (!response.headersSent) response.writeHead(500).end()
      },
    )
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const fake: FakeBotApi = {
    apiRoot,
    token: fakeToken,
    openChat: (user) => {
      if (chats.has(user.id)) return
      chats.set(user.id, {
        chat: { id: user.id, type: "private", first_name: user.firstName, username: user.username },
        nextMessageId: 1,
        messages: new Map(),
        last: undefined,
      })
    },
    nextMessageId: (chatId) => {
      const chat = chats.get(chatId)
      if (chat === undefined) throw new Error(`no chat ${chatId} on the fake Bot API`)
      return chat.nextMessageId++
    },
    lastMessage: (chatId) => chats.get(chatId)?.last,
    expectAnswer: (queryId) => {
      answers.set(queryId, false)
    },
    takeAnswer: (queryId) => {
      const answered = answers.get(queryId) === true
      answers.delete(queryId)
      return answered
    },
    counts: () => ({ byMethod, errors }),
    webhookReply: (body) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        return
      }
      if (typeof parsed !== "object" || parsed === null) return
      const { method, ...params } = parsed as Params
      if (typeof method !== "string") return
      const counted = `${method} (webhook reply)`
      byMethod.set(counted, (byMethod.get(counted) ?? 0) + 1)
      try {
        methods[method]?.(params)
      } catch (error) {
        errors++
        const description = error instanceof ApiError ? error.description : String(error)
        if (firstErrors.length < 5) firstErrors.push(`${counted}: ${description}`)
      }
    },
    resetCounts: () => {
      byMethod = new Map()
      errors = 0
    },
    firstErrors,
  }

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return { fake, close }
}

/** The fake on a free loopback port, closed with the scope. */
export const makeFakeBotApi = (latencyMs = 0): Effect.Effect<FakeBotApi, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(latencyMs)),
    (running) => Effect.promise(running.close),
  ).pipe(Effect.map((running) => running.fake))
