/**
 * The Telegram bot as a service: the transports (long polling, the webhook endpoint) hand it
 * updates; it answers users through the Bot API.
 */
import { Context, Data, type Effect, Either, type ParseResult, Schema } from "effect"
import { TelegramId } from "../domain/Ids"

export interface BotService {
  /** The bot's @username, from getMe. */
  readonly username: string
  /**
   * Handles one update. Never fails: expected errors become replies, defects are logged and the
   * user gets an apology. Updates of one user run in the order this is called for them.
   *
   * In webhook mode it may give back the call that ends the update (the answer to a button
   * press), for the webhook to send as its response body: Telegram makes that call itself, and
   * the bot saves a request per button press.
   */
  readonly handleUpdate: (update: TelegramUpdate) => Effect.Effect<WebhookReply | undefined>
}

/** A Bot API call sent as the webhook's response body: `method` and its parameters. */
export interface WebhookReply {
  readonly method: string
  readonly [parameter: string]: unknown
}

export class Bot extends Context.Tag("connectbot/Bot")<Bot, BotService>() {}

/** A Telegram user as the bot reads one: an id within what Telegram hands out (see TelegramId). */
const Sender = Schema.Struct({
  id: Schema.typeSchema(TelegramId),
  is_bot: Schema.Boolean,
  first_name: Schema.String,
  username: Schema.optional(Schema.String),
  language_code: Schema.optional(Schema.String),
})

const ChatRef = Schema.Struct({ id: Schema.Int, type: Schema.String })

/** A command is a `bot_command` entity at offset 0 (how Telegram marks `/start`). */
const Entity = Schema.Struct({ type: Schema.String, offset: Schema.Int, length: Schema.Int })

const MessagePayload = Schema.Struct({
  message_id: Schema.Int,
  chat: ChatRef,
  from: Schema.optional(Sender),
  text: Schema.optional(Schema.String),
  entities: Schema.optional(Schema.Array(Entity)),
})

const CallbackQueryPayload = Schema.Struct({
  id: Schema.String,
  from: Sender,
  // An inaccessible message (too old) still has its chat and id.
  message: Schema.optional(Schema.Struct({ message_id: Schema.Int, chat: ChatRef })),
  data: Schema.optional(Schema.String),
})

/**
 * What an update must look like to be handed to the bot: a non-negative integer `update_id`, at
 * most one payload beside it (Telegram sends exactly one), and, in the payloads the bot reads,
 * the fields it reads with the types Telegram gives them. Other payloads (the bot does not ask
 * for them) pass unread.
 */
const UpdateShape = Schema.Struct(
  {
    update_id: Schema.Int.pipe(Schema.nonNegative()),
    message: Schema.optional(MessagePayload),
    edited_message: Schema.optional(MessagePayload),
    callback_query: Schema.optional(CallbackQueryPayload),
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown }),
).pipe(
  Schema.filter((update) => {
    const payloads = Object.keys(update).filter((key) => key !== "update_id")
    return payloads.length <= 1 || "an update carries one payload"
  }),
)

/**
 * An update as the bot reads it: checked at the edge, so the bot never looks at a field of the
 * wrong type. Fields the bot does not read are kept as they came (`[key: string]: unknown`).
 */
export type TelegramUpdate = typeof UpdateShape.Type

const checkShape = Schema.decodeUnknownEither(UpdateShape, { errors: "first" })

/** An update that is not one Telegram would send; `reason` says where, without echoing values. */
export class InvalidUpdate extends Data.TaggedError("InvalidUpdate")<{
  readonly updateId: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `not a Telegram update (${this.reason})`
  }
}

/**
 * Where the first problem is, and whether something is missing there. The issue tree is walked
 * rather than formatted: a formatter prints the value it got, and a hostile body nested 100,000
 * deep overflows the stack when printed.
 */
const firstProblem = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
): { readonly path: ReadonlyArray<PropertyKey>; readonly missing: boolean } => {
  switch (issue._tag) {
    case "Pointer":
      return firstProblem(issue.issue, [
        ...path,
        ...(Array.isArray(issue.path) ? issue.path : [issue.path as PropertyKey]),
      ])
    case "Composite":
      return firstProblem(Array.isArray(issue.issues) ? issue.issues[0] : issue.issues, path)
    case "Refinement":
    case "Transformation":
      return firstProblem(issue.issue, path)
    case "Missing":
      return { path, missing: true }
    default:
      return { path, missing: false }
  }
}

const describeIssue = (error: ParseResult.ParseError): string => {
  const { path, missing } = firstProblem(error.issue, [])
  const where = path.length === 0 ? "the update" : path.map(String).join(".")
  return missing ? `${where} is missing` : `${where} is malformed`
}

/** Checks an untrusted update (a webhook body, a getUpdates entry) once, at the edge. */
export const decodeUpdate = (body: unknown): Either.Either<TelegramUpdate, InvalidUpdate> =>
  Either.match(checkShape(body), {
    onLeft: (error) =>
      Either.left(
        new InvalidUpdate({
          updateId:
            typeof body === "object" && body !== null && "update_id" in body
              ? body.update_id
              : undefined,
          reason: describeIssue(error),
        }),
      ),
    onRight: Either.right,
  })
