/**
 * What the playground page and its server say to each other (docs/playground.md), under
 * `/playground/api/` on the bot's HTTP server (loopback only). Bodies are JSON; the server
 * decodes each request with these schemas and answers a bad one with 400 `{ error }` naming
 * what was expected, changing nothing. The page imports the types only.
 *
 * - `GET  people`           → `PeopleResponse`: whom the page can be.
 * - `GET  chat?user=ID`     → `ChatState` (BotApi.ts): the chat so far.
 * - `GET  events?user=ID`   → server-sent events: first `event: chat` with the `ChatState` as it
 *                             is once the stream holds (a reconnection repairs what it missed),
 *                             then each `data:` one `ChatEvent` of that chat (BotApi.ts), and
 *                             `event: panel` with a `PanelState` when the clock moves, a step
 *                             runs or the bot sends a message.
 * - `POST send`             `SendRequest` → `{ entry: ChatEntry }`
 * - `POST press`            `PressRequest` → `{ answer: CallbackAnswer | null }`
 * - `GET  panel`            → `PanelState`
 * - `POST rounds/step`      `StepRequest` → `StepResponse`: runs the interest's next step; says
 *                             what it did in English, as `scripts/rounds.ts run` does (`message`),
 *                             and as data (`run`: a `StepRunResult`), for the page to say in its
 *                             own language.
 * - `POST clock`            `ClockRequest` → `PanelState`: moves the playground's clock forward.
 */
import { Schema } from "effect"

export const ChatUserSchema = Schema.Struct({
  id: Schema.Int.pipe(Schema.positive()),
  firstName: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)),
  lastName: Schema.optional(Schema.String.pipe(Schema.maxLength(64))),
  username: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_]{1,32}$/))),
  languageCode: Schema.optional(Schema.Literal("ru", "en")),
})

export const SendRequest = Schema.Struct({
  user: ChatUserSchema,
  text: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096)),
})

export const PressRequest = Schema.Struct({
  user: ChatUserSchema,
  messageId: Schema.Int.pipe(Schema.positive()),
  data: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)),
})

export const StepRequest = Schema.Struct({ interest: Schema.String.pipe(Schema.minLength(1)) })

export const ClockRequest = Schema.Struct({
  days: Schema.Number.pipe(Schema.int(), Schema.between(1, 14)),
})

/** A round's steps, in order (src/rounds/Cycle.ts). */
export type RoundStep = "invite" | "match" | "remind" | "feedback" | "close"

/** What running a round's step did: `StepRun` (src/rounds/Steps.ts) as the page needs it. */
export interface StepRunResult {
  readonly interest: string
  /** The round's match day, YYYY-MM-DD. */
  readonly startsOn: string
  readonly step: RoundStep
  /**
   * `busy`: another process holds the round; `done-before`: nothing left to do; `not-yet`: an
   * earlier step of the round has not run; `cancelled`: the round was called off.
   */
  readonly outcome: "done" | "busy" | "done-before" | "not-yet" | "cancelled"
  /** Messages put into the outbox. */
  readonly messages: number
  /** The match step's figures, when it ran: people placed, groups, left alone, pairs repeated. */
  readonly placed?: number
  readonly groups?: number
  readonly alone?: number
  readonly repeats?: number
}

export interface StepResponse {
  /** What the step did, in English, in the words of `scripts/rounds.ts run` (and the log). */
  readonly message: string
  readonly run: StepRunResult
}

/** Someone the page can be. */
export interface Person {
  readonly kind: "demo" | "employee" | "stranger"
  /** The Telegram user the page acts as. */
  readonly user: {
    readonly id: number
    readonly firstName: string
    readonly lastName?: string | undefined
    readonly username?: string | undefined
  }
  /** "Anna Smirnova · Engineering", or "A stranger". */
  readonly label: string
}

export interface PeopleResponse {
  readonly people: ReadonlyArray<Person>
}

/** One pairing interest's current round, for the organiser's panel. */
export interface RoundRow {
  readonly interest: string
  readonly name: string
  /** The English name, where the catalogue has one. */
  readonly nameEn: string | null
  /** `none` when no round of it has started. */
  readonly status: string
  readonly startsOn: string | null
  /** The step "run the next step" would run, or null when the round is over. */
  readonly nextStep: RoundStep | null
}

export interface OutboxRow {
  readonly id: number
  readonly kind: string
  readonly recipient: string
  readonly status: string
  readonly createdAt: string
  readonly sentAt: string | null
  /** The message's first line. */
  readonly preview: string
}

export interface PanelState {
  /** The playground's clock, ISO 8601, and how far it is ahead of the wall clock. */
  readonly now: string
  readonly aheadDays: number
  readonly rounds: ReadonlyArray<RoundRow>
  readonly outbox: ReadonlyArray<OutboxRow>
}
