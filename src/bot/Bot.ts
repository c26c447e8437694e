/**
 * The Telegram bot as a service: the transports (long polling, the webhook endpoint) hand it
 * updates; it answers users through the Bot API.
 */
import { Context, Effect, type ParseResult, Schema } from "effect"
import type { Update } from "grammy/types"

export interface BotService {
  /** The bot's @username, from getMe. */
  readonly username: string
  /**
   * Handles one update. Never fails: expected errors become replies, defects are logged and the
   * user gets an apology. Updates of one user run in the order this is called for them.
   */
  readonly handleUpdate: (update: Update) => Effect.Effect<void>
}

export class Bot extends Context.Tag("connectbot/Bot")<Bot, BotService>() {}

/**
 * What a webhook body must look like to be handed to the bot: an object with a non-negative
 * integer `update_id` and at most one payload field beside it (Telegram sends exactly one).
 */
const UpdateEnvelope = Schema.Struct(
  { update_id: Schema.Int.pipe(Schema.nonNegative()) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown }),
).pipe(
  Schema.filter((update) => {
    const payloads = Object.keys(update).filter((key) => key !== "update_id")
    return payloads.length <= 1 || "an update carries one payload"
  }),
)

/** Decodes an untrusted body (the webhook's) into an update, or fails with a ParseError. */
export const decodeUpdate = (body: unknown): Effect.Effect<Update, ParseResult.ParseError> =>
  // The envelope is checked; the payload's own shape is grammY's to read.
  Effect.map(Schema.decodeUnknown(UpdateEnvelope)(body), (update) => update as unknown as Update)
