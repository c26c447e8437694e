/**
 * The updates on their way to the bot, as Telegram keeps them: a queue the bot takes from by
 * long polling (getUpdates with offsets, limit, timeout, allowed_updates, and 409 when another
 * poll or a webhook takes over), each update's steps recorded for those who wait on them.
 */
import type { Message, Update } from "grammy/types"
import { conflict, integerParam, jsonParam, type Params } from "./BotApiRequests"

export interface UpdateRecord {
  readonly update: Update
  readonly chatId: number | undefined
  deliveredAt?: number
  handledAt?: number
  droppedBecause?: string
}

/** Where Telegram posts updates instead (the tests' server delivers them). */
export interface Webhook {
  readonly url: string
  readonly secretToken: string | undefined
}

export interface UpdateQueue {
  /** Updates not yet handled or dropped, in order. */
  readonly pending: ReadonlyArray<UpdateRecord>
  /** The step counter: every update step and chat change takes the next number. */
  readonly now: () => number
  readonly tick: () => number
  webhook: Webhook | undefined
  lastWebhookError: { readonly date: number; readonly message: string } | undefined
  /** Aborted when the server closes. */
  readonly closed: AbortSignal
  readonly add: (update: Omit<Update, "update_id">) => UpdateRecord
  readonly isAllowed: (update: Update) => boolean
  readonly setAllowedUpdates: (params: Params) => void
  readonly drop: (record: UpdateRecord, reason: string) => void
  readonly markHandled: (record: UpdateRecord) => void
  readonly dropPending: (reason: string) => void
  /** Ends the pending long poll: empty, or with `error`. */
  readonly endPoll: (error?: Error) => void
  readonly getUpdates: (params: Params, clientGone: AbortSignal) => unknown
  readonly webhookInfo: () => unknown
  readonly shutDown: () => void
}

const messageKinds = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
] as const

export const messageOf = (update: Update): Message | undefined => {
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

export const kindOf = (update: Update): string =>
  Object.keys(update).find((key) => key !== "update_id") ?? "unknown"

// Telegram's default for allowed_updates: everything but these.
const notAllowedByDefault = ["chat_member", "message_reaction", "message_reaction_count"]

interface Poller {
  readonly wake: () => void
  readonly end: (error?: Error) => void
}

/** `changed` is called whenever an update takes a step. */
export const makeUpdateQueue = (changed: () => void): UpdateQueue => {
  let clock = 0
  let nextUpdateId = 1
  let allowedUpdates: ReadonlyArray<string> | undefined
  let poller: Poller | undefined
  const pending: Array<UpdateRecord> = []
  const closing = new AbortController()

  const unqueue = (record: UpdateRecord) => {
    const index = pending.indexOf(record)
    if (index !== -1) pending.splice(index, 1)
  }

  const queue: UpdateQueue = {
    pending,
    now: () => clock,
    tick: () => ++clock,
    webhook: undefined,
    lastWebhookError: undefined,
    closed: closing.signal,
    add: (raw) => {
      const update: Update = { ...raw, update_id: nextUpdateId++ }
      const record: UpdateRecord = { update, chatId: chatIdOf(update) }
      pending.push(record)
      changed()
      poller?.wake()
      return record
    },
    isAllowed: (update) => {
      const kind = kindOf(update)
      return allowedUpdates === undefined || allowedUpdates.length === 0
        ? !notAllowedByDefault.includes(kind)
        : allowedUpdates.includes(kind)
    },
    setAllowedUpdates: (params) => {
      const allowed = jsonParam(params, "allowed_updates", "can't parse allowed updates JSON array")
      if (Array.isArray(allowed)) {
        allowedUpdates = allowed.filter((kind): kind is string => typeof kind === "string")
      }
    },
    drop: (record, reason) => {
      record.droppedBecause = reason
      unqueue(record)
    },
    markHandled: (record) => {
      record.handledAt = queue.tick()
      unqueue(record)
    },
    dropPending: (reason) => {
      for (const record of [...pending]) queue.drop(record, reason)
      changed()
    },
    endPoll: (error) => poller?.end(error),
    getUpdates: (params, clientGone) => {
      if (queue.webhook !== undefined) {
        throw conflict(
          "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        )
      }
      const offset = integerParam(params, "offset")
      const limit = Math.min(100, Math.max(1, integerParam(params, "limit") ?? 100))
      const timeoutSeconds = Math.max(0, integerParam(params, "timeout") ?? 0)
      queue.setAllowedUpdates(params)
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
    },
    webhookInfo: () => ({
      url: queue.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: pending.length,
      ...(queue.lastWebhookError === undefined
        ? {}
        : {
            last_error_date: queue.lastWebhookError.date,
            last_error_message: queue.lastWebhookError.message,
          }),
      ...(allowedUpdates === undefined ? {} : { allowed_updates: allowedUpdates }),
    }),
    shutDown: () => {
      closing.abort()
      poller?.end()
    },
  }

  /** Up to `limit` pending updates, each marked as taken by the bot. */
  const take = (limit: number): Array<Update> => {
    const taken: Array<Update> = []
    for (const record of [...pending]) {
      if (taken.length >= limit) break
      if (!queue.isAllowed(record.update)) {
        queue.drop(record, `its type "${kindOf(record.update)}" is not in allowed_updates`)
      } else {
        record.deliveredAt ??= queue.tick()
        taken.push(record.update)
      }
    }
    changed()
    return taken
  }

  /** Telegram forgets every update below a getUpdates offset: the bot has handled them. */
  const confirm = (offset: number) => {
    if (offset < 0) {
      for (const record of pending.slice(0, Math.max(0, pending.length + offset))) {
        queue.drop(record, "forgotten by a negative getUpdates offset")
      }
    } else {
      for (const record of pending.filter((waiting) => waiting.update.update_id < offset)) {
        queue.markHandled(record)
      }
    }
    changed()
  }

  return queue
}
