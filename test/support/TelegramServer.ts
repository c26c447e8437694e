/**
 * A local stand-in for Telegram's HTTP Bot API, for end-to-end tests: the real bot runs against
 * it unchanged (TELEGRAM_API_ROOT = `server.apiRoot`), tests act as Telegram users through it and
 * assert on what the bot sent. The methods, their semantics and Telegram's error texts are the
 * playground's core (src/playground/BotApiCore.ts); this adds what only tests need: webhooks
 * (setWebhook and the deliveries), injected failures, the calls made, and waits that say what the
 * chat holds when they are not met.
 *
 * Every wait is limited by wall-clock time, not the fiber's clock: the bot on the other side of
 * the socket runs in real time whatever clock the test uses.
 */
import { Data, Duration, Effect, Either, Option, type Scope } from "effect"
import type { BotCommand, CallbackQuery, Chat, Message, Update, User } from "grammy/types"
import {
  botInfo,
  type ApiCall as CoreApiCall,
  type MessageFields,
  type QueryAnswer,
  telegramUser,
} from "../../src/playground/BotApiChats"
import { startBotApiCore } from "../../src/playground/BotApiCore"
import { ApiError, booleanParam, conflict, stringParam } from "../../src/playground/BotApiRequests"
import {
  kindOf,
  messageOf,
  type UpdateRecord,
  type Webhook,
} from "../../src/playground/BotApiUpdates"

export type { MessageFields } from "../../src/playground/BotApiChats"
export type { ApiResponse } from "../../src/playground/BotApiRequests"
export { botInfo }

export const defaultToken = "123456789:TEST-token-for-the-local-bot-api-server"

/** A wait that was not met: the message says what was expected and what the chat holds. */
export class TelegramExpectationError extends Data.TaggedError("TelegramExpectationError")<{
  readonly message: string
}> {}

/** One request the bot made, with what it was answered. */
export interface ApiCall extends CoreApiCall {
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

/** The bot's answer to a press. */
export type CallbackAnswer = QueryAnswer

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

/** A bot message sent, edited or deleted, at a step of the server's clock. */
interface BotEvent {
  readonly at: number
  readonly chatId: number
  readonly kind: "sent" | "edited" | "deleted"
  readonly message: Message
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

const start = async (options: TelegramServerOptions) => {
  const waitTimeout = options.waitTimeout ?? Duration.seconds(10)
  const webhookAttempts = options.webhookAttempts ?? 3
  const faults = new Map<string, { failure: InjectedFailure; remaining: number }>()
  const core = await startBotApiCore({
    token: options.token ?? defaultToken,
    callbackTtlMs: Duration.toMillis(Duration.decode(options.callbackTtl ?? "15 seconds")),
    intercept: (method) => {
      const fault = faults.get(method.toLowerCase())
      if (fault === undefined || fault.remaining <= 0) return undefined
      fault.remaining--
      const { error_code, description, retry_after } = fault.failure
      return new ApiError(error_code, description, retry_after)
    },
  })
  const { apiRoot, updates } = core

  const calls: Array<ApiCall> = []
  const records: Array<UpdateRecord> = []
  const events: Array<BotEvent> = []
  const webhookDeliveries: Array<WebhookDelivery> = []
  const watchers = new Set<() => void>()
  let delivering = false

  /** Something changed: every wait looks again. */
  const notify = () => {
    for (const watcher of [...watchers]) watcher()
  }

  const botMessages = (chatId: number): ReadonlyArray<Message> =>
    core
      .messagesIn(chatId)
      .filter(({ from }) => from === "bot")
      .map(({ message }) => message)

  const botMessagesIn = (chatId: number): ReadonlyArray<ChatMessage> =>
    botMessages(chatId).map(view)

  // ---- the webhook ----

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
    const { method, ...params } = body as Record<string, unknown>
    if (typeof method !== "string") return
    calls.push({ ...(await core.invoke(method, params)), viaWebhookReply: true })
    notify()
  }

  const postUpdate = async (target: Webhook, record: UpdateRecord): Promise<boolean> => {
    for (let attempt = 1; attempt <= webhookAttempts && !updates.closed.aborted; attempt++) {
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
          signal: AbortSignal.any([updates.closed, AbortSignal.timeout(10_000)]),
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
      updates.lastWebhookError = {
        date: Math.floor(Date.now() / 1000),
        message:
          status === undefined
            ? `Connection failed: ${error}`
            : `Wrong response from the webhook: ${status}`,
      }
      await sleep(50 * attempt, updates.closed)
    }
    return false
  }

  /** Posts pending updates to the webhook, in order, one at a time. */
  const deliverToWebhook = async () => {
    if (delivering) return
    delivering = true
    try {
      for (;;) {
        const target = updates.webhook
        const record = updates.pending[0]
        if (target === undefined || record === undefined || updates.closed.aborted) return
        if (!updates.isAllowed(record.update)) {
          updates.drop(record, `its type "${kindOf(record.update)}" is not in allowed_updates`)
          notify()
          continue
        }
        record.deliveredAt ??= updates.tick()
        notify()
        if (await postUpdate(target, record)) updates.markHandled(record)
        else updates.drop(record, `the webhook refused it ${webhookAttempts} times`)
        notify()
      }
    } finally {
      delivering = false
    }
  }

  core.define("setWebhook", (params) => {
    const url = stringParam(params, "url") ?? ""
    if (booleanParam(params, "drop_pending_updates")) updates.dropPending("dropped by setWebhook")
    updates.setAllowedUpdates(params)
    if (url === "") {
      updates.webhook = undefined
      return true
    }
    updates.webhook = { url, secretToken: stringParam(params, "secret_token") }
    updates.lastWebhookError = undefined
    updates.endPoll(conflict("terminated by setWebhook request"))
    void deliverToWebhook()
    return true
  })

  core.observe({
    changed: notify,
    call: (call) => calls.push(call),
    chat: ({ event, message, at }) => {
      if (message === undefined) return
      if (event._tag === "Deleted") {
        events.push({ at, chatId: event.chatId, kind: "deleted", message })
      } else if (event._tag === "Message" && event.entry.from === "bot") {
        const kind = event.entry.edited ? "edited" : "sent"
        events.push({ at, chatId: event.entry.chatId, kind, message })
      }
    },
    enqueued: (record) => {
      records.push(record)
      void deliverToWebhook()
    },
  })

  // ---- what tests see ----

  const callsAbout = (chatId: number) =>
    calls.filter(({ params }) => {
      const queryId = stringParam(params, "callback_query_id")
      return (
        Number(params.chat_id) === chatId ||
        (queryId !== undefined && core.callbacks.get(queryId)?.chatId === chatId)
      )
    })

  const describeChat = (chatId: number): string => {
    const chat = core.chats.get(chatId)?.chat
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
    if (core.updates.webhook === undefined && !calls.some((call) => call.method === "getUpdates")) {
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
    Effect.sync(() => pushed(core.enqueue(update)))

  const pressOn = (presser: User, chatId: number, message: Message, data: string) =>
    Effect.gen(function* () {
      const pressedAt = updates.now()
      const { query, record } = core.press(presser, chatId, message, data)
      const answer = yield* waitFor(
        `the bot to answer the press of ${JSON.stringify(data)} on message #${message.message_id}`,
        chatId,
        () =>
          droppedOr(record, () => {
            const answered = core.callbacks.get(query.id)?.answer
            // Answered first and edited after is common: wait until the whole update is handled.
            return answered === undefined || record.handledAt === undefined
              ? notYet
              : done(answered)
          }),
      )
      const current = botMessages(chatId).find(
        ({ message_id }) => message_id === message.message_id,
      )
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
    const chat = core.registerChat(privateChat)
    const chatId = privateChat.id
    const push = (content: string | MessageFields) =>
      Effect.sync(() => pushed(core.sendAs(from, privateChat, content).record))
    const pressTarget = (options: PressOptions | undefined) => options?.messageOf?.chatId ?? chatId
    const chosen = (targetChatId: number, options: PressOptions | undefined) => {
      const messages = [...botMessages(targetChatId)]
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
    token: core.token,
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
        const { from, chat } = telegramUser({
          ...options,
          id,
          firstName: options.firstName ?? `User${id}`,
        })
        return makeUser(from, chat)
      }),
    failNext: (method, failure, times = 1) =>
      Effect.sync(() => {
        faults.set(method.toLowerCase(), { failure, remaining: times })
      }),
    messagesIn: botMessagesIn,
    commands: core.commands,
    webhookDeliveries,
    describeChat,
  }

  return { server: telegramServer, close: core.close }
}
