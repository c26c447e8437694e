/**
 * How a simulated user talks to the bot and reads its answers. An update goes into the local Bot
 * API server (which gives it its update_id and keeps the chat), the server posts it to the relay,
 * the relay to the bot; the update is over when the relay has the bot's 2xx — the bot answers only
 * after handling it. What the user then sees is the chat as the fake Telegram holds it: the
 * messages the bot sent or edited, and the pop-up it answered the press with.
 *
 * `Screens` reads those messages the way a user reads them, from the buttons' callback data
 * (language-independent) and the catalogue's own texts.
 */
import { Duration, Effect, Option } from "effect"
import type { CallbackQuery, Update } from "grammy/types"
import type { Catalogue } from "../src/bot/Messages"
import type {
  ChatMessage,
  MessageFields,
  TelegramServer,
  TelegramUser,
} from "../test/support/TelegramServer"
import type { Category, Metrics } from "./Metrics"
import type { Attempt, Outcome, Relay } from "./Relay"

/** How long a user waits for the bot to answer one update. */
const answerTimeout = Duration.seconds(45)

export interface Sent {
  readonly update: Update
  readonly outcome: Outcome | undefined
  /** Messages the bot sent to the chat while handling it. */
  readonly replies: ReadonlyArray<ChatMessage>
}

export interface Pressed {
  readonly update: Update
  readonly outcome: Outcome | undefined
  /** The pop-up text (undefined: answered without text; null: not answered at all). */
  readonly answer: string | undefined | null
  /** The pressed message as it is now. */
  readonly message: ChatMessage
  readonly sent: ReadonlyArray<ChatMessage>
}

export interface Chat {
  readonly send: (
    user: TelegramUser,
    content: string | MessageFields,
    category: Category,
  ) => Effect.Effect<Sent>
  readonly press: (
    user: TelegramUser,
    message: ChatMessage,
    data: string,
    category: Category,
  ) => Effect.Effect<Pressed>
  /** The same update posted to the bot again, as Telegram does when it missed the answer. */
  readonly redeliver: (update: Update, category: Category) => Effect.Effect<Attempt>
  /** The pressed message and the pop-up of an update, as they are now. */
  readonly reread: (user: TelegramUser, messageId: number) => ChatMessage | undefined
  readonly answerOf: (queryId: string) => string | undefined | null
}

export const makeChat = (options: {
  readonly server: TelegramServer
  readonly relay: Relay
  readonly metrics: Metrics
  readonly secret: string
}): Chat => {
  const { server, relay, metrics, secret } = options
  let nextQuery = 0

  // answerCallbackQuery calls by query id, read incrementally from the server's call log.
  const answers = new Map<string, string | undefined>()
  let scanned = 0
  const refreshAnswers = () => {
    const calls = server.calls
    for (; scanned < calls.length; scanned++) {
      const call = calls[scanned]
      if (call === undefined || call.method !== "answerCallbackQuery" || !call.response.ok) continue
      const id = call.params.callback_query_id
      const text = call.params.text
      if (typeof id === "string" || typeof id === "number") {
        answers.set(String(id), typeof text === "string" ? text : undefined)
      }
    }
  }
  const answerOf = (queryId: string): string | undefined | null => {
    refreshAnswers()
    return answers.has(queryId) ? answers.get(queryId) : null
  }

  const lastId = (user: TelegramUser) => user.lastMessage?.messageId ?? 0

  const awaitOutcome = (update: Update) =>
    relay
      .outcome(update.update_id)
      .pipe(Effect.timeoutOption(answerTimeout), Effect.map(Option.getOrUndefined))

  const judge = (update: Update, outcome: Outcome | undefined, category: Category) => {
    if (outcome === undefined || !outcome.ok) {
      metrics.unanswered.add(
        `update #${update.update_id} (${category}): ${
          outcome === undefined
            ? `no answer within ${Duration.format(answerTimeout)}`
            : `last answer ${outcome.status ?? "none"} after ${outcome.attempts} attempt(s)`
        }`,
      )
    }
  }

  const send: Chat["send"] = (user, content, category) =>
    Effect.gen(function* () {
      const before = lastId(user)
      const pushed = yield* user.push(content)
      metrics.updates[category]++
      const outcome = yield* awaitOutcome(pushed.update)
      judge(pushed.update, outcome, category)
      const replies = user.messages.filter((message) => message.messageId > before)
      return { update: pushed.update, outcome, replies }
    })

  const press: Chat["press"] = (user, message, data, category) =>
    Effect.gen(function* () {
      const before = lastId(user)
      const query: CallbackQuery = {
        id: `drill-${++nextQuery}`,
        from: user.user,
        message: message.raw,
        chat_instance: `-${user.chatId}`,
        data,
      }
      const pushed = yield* server.pushUpdate({ callback_query: query })
      metrics.updates[category]++
      const outcome = yield* awaitOutcome(pushed.update)
      judge(pushed.update, outcome, category)
      const messages = user.messages
      return {
        update: pushed.update,
        outcome,
        answer: answerOf(query.id),
        message: messages.find((m) => m.messageId === message.messageId) ?? message,
        sent: messages.filter((m) => m.messageId > before),
      }
    })

  const redeliver: Chat["redeliver"] = (update, category) =>
    relay
      .post({
        body: JSON.stringify(update),
        secret,
        kind: "redelivery",
        updateId: update.update_id,
      })
      .pipe(
        Effect.tap((attempt) =>
          Effect.sync(() => {
            if (attempt.status === undefined || attempt.status >= 300) {
              metrics.unanswered.add(
                `redelivery of update #${update.update_id} (${category}): ${attempt.status ?? attempt.error}`,
              )
            }
          }),
        ),
      )

  return {
    send,
    press,
    redeliver,
    reread: (user, messageId) => user.messages.find((m) => m.messageId === messageId),
    answerOf,
  }
}

// -- reading screens --------------------------------------------------------------------------

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** A regex for a catalogue template: the sentinel numbers become `(\d+)` groups. */
const template = (text: string, sentinels: ReadonlyArray<number>): RegExp => {
  let source = escapeRegex(text)
  for (const sentinel of sentinels) source = source.replace(String(sentinel), "(\\d+)")
  return new RegExp(source)
}

export interface ActivityLineSeen {
  readonly activityId: number
  readonly taken: number
  readonly max: number | null
  readonly joined: boolean
}

export interface ActivitySeen {
  readonly taken: number
  readonly max: number | null
  readonly joined: boolean
  readonly join: string | undefined
  readonly leave: string | undefined
}

const buttonsOf = (message: ChatMessage | undefined) =>
  message === undefined
    ? []
    : message.buttons.flatMap((row, r) =>
        row.map((label, c) => ({ label, data: message.callbackData[r]?.[c] ?? "" })),
      )

export const Screens = {
  buttons: buttonsOf,

  hasData: (message: ChatMessage | undefined, data: string) =>
    buttonsOf(message).some((button) => button.data === data),

  /** Each interest on an interests screen: on (✅) or off, by interest id. */
  interests: (message: ChatMessage | undefined): Map<number, boolean> => {
    const state = new Map<number, boolean>()
    for (const { label, data } of buttonsOf(message)) {
      const match = /^int:t:(\d+)$/.exec(data)
      if (match !== null) state.set(Number(match[1]), label.startsWith("✅"))
    }
    return state
  },

  isInterests: (message: ChatMessage | undefined) =>
    buttonsOf(message).some((button) => button.data.startsWith("int:t:")),

  isMenu: (message: ChatMessage | undefined) =>
    Screens.hasData(message, "profile") && Screens.hasData(message, "activities"),

  /** The ids shown on (✅), sorted. */
  on: (message: ChatMessage | undefined): ReadonlyArray<number> =>
    [...Screens.interests(message)]
      .filter(([, on]) => on)
      .map(([id]) => id)
      .sort((a, b) => a - b),

  /** "Unsaved changes: N." on the interests screen; 0 without it. */
  pending: (t: Catalogue, message: ChatMessage | undefined): number => {
    const match = template(t.interests.pending(7_771_777), [7_771_777]).exec(message?.text ?? "")
    return match === null ? 0 : Number(match[1])
  },

  /** The text starts with the "Saved: …" notice. */
  saved: (t: Catalogue, message: ChatMessage | undefined): boolean =>
    template(t.interests.saved(7_771_771, 7_772_772), [7_771_771, 7_772_772]).test(
      (message?.text ?? "").split("\n")[0] ?? "",
    ),

  /** The activity list: one line per activity button, in order. */
  activityList: (message: ChatMessage | undefined): ReadonlyArray<ActivityLineSeen> => {
    const ids = buttonsOf(message)
      .map((button) => /^act:(\d+)$/.exec(button.data))
      .flatMap((match) => (match === null ? [] : [Number(match[1])]))
    const lines = (message?.text ?? "").split("\n").filter((line) => /^\d+\. /.test(line))
    return ids.flatMap((activityId, index) => {
      const match = /· (\d+)(?:\/(\d+))?( ✅)?$/.exec(lines[index] ?? "")
      return match === null
        ? []
        : [
            {
              activityId,
              taken: Number(match[1]),
              max: match[2] === undefined ? null : Number(match[2]),
              joined: match[3] !== undefined,
            },
          ]
    })
  },

  /** An activity's details screen: its participants line, and Join/Leave if offered. */
  activity: (t: Catalogue, message: ChatMessage | undefined): ActivitySeen | undefined => {
    const match = /👥 [^:\n]+: (\d+)(?:\/(\d+))?/.exec(message?.text ?? "")
    if (match === null) return undefined
    const buttons = buttonsOf(message)
    return {
      taken: Number(match[1]),
      max: match[2] === undefined ? null : Number(match[2]),
      joined: (message?.text ?? "").split("\n").includes(t.activities.youAreIn),
      join: buttons.find((button) => button.data.startsWith("act:j:"))?.data,
      leave: buttons.find((button) => button.data.startsWith("act:l:"))?.data,
    }
  },

  /** Notification switches on the settings screen: on (🔔) or off, by interest id. */
  notifications: (message: ChatMessage | undefined): Map<number, boolean> => {
    const state = new Map<number, boolean>()
    for (const { label, data } of buttonsOf(message)) {
      const match = /^set:t:(\d+)$/.exec(data)
      if (match !== null) state.set(Number(match[1]), label.startsWith("🔔"))
    }
    return state
  },
}
