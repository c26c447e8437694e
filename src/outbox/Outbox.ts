/**
 * The outbox (docs/rounds.md): every proactive message — round invites, introductions,
 * reminders — is a row first, written in the same transaction as the step that decided to send
 * it, and the `Dispatcher` delivers the rows. A step that commits has its messages; one that rolls
 * back has none; a step run twice (two processes, a retry) enqueues each message once, because
 * its `dedupeKey` names it.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Clock, Context, Effect, Layer, Schema } from "effect"
import type { InlineKeyboardMarkup } from "grammy/types"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError } from "../domain/Errors"
import type { EmployeeId } from "../domain/Ids"
import { traced } from "../telemetry/Spans"

/** What the employee receives: one `sendMessage`. */
export interface OutboxPayload {
  readonly text: string
  readonly replyMarkup?: InlineKeyboardMarkup
  readonly parseMode?: "HTML"
}

export interface OutboxMessage {
  readonly employeeId: EmployeeId
  /** What the message is for (`round_invite`, `intro`, …): for ops and metrics. */
  readonly kind: string
  readonly payload: OutboxPayload
  /** Names the message: enqueueing the same key again adds nothing (`round:12:invite:34`). */
  readonly dedupeKey: string
  /** Not sent before this moment; now when absent. */
  readonly notBefore?: Date
}

/** A message whose text is HTML (its user-typed parts escaped by the caller), with its buttons. */
export const htmlMessage = (
  employeeId: EmployeeId,
  kind: string,
  dedupeKey: string,
  text: string,
  replyMarkup?: InlineKeyboardMarkup,
): OutboxMessage => ({
  employeeId,
  kind,
  dedupeKey,
  payload: { text, parseMode: "HTML", ...(replyMarkup === undefined ? {} : { replyMarkup }) },
})

export interface OutboxStatus {
  readonly pending: number
  readonly sending: number
  readonly sent: number
  readonly failed: number
  readonly dropped: number
  /** When the pending message due first was (or is) due: how far behind delivery runs. */
  readonly oldestPendingAt: Date | null
}

/**
 * The payload as it is stored (jsonb) and read back. It is read as text and parsed here: the
 * client's camelCase transform would otherwise rename the Bot API's own keys inside it
 * (`inline_keyboard`, `callback_data`). The keyboard is only checked to be one; Telegram checks
 * its buttons.
 */
const InlineKeyboard = Schema.Struct({
  inline_keyboard: Schema.Array(Schema.Array(Schema.Object)),
})
export const StoredPayload = Schema.parseJson(
  Schema.Struct({
    text: Schema.String,
    replyMarkup: Schema.optional(InlineKeyboard),
    parseMode: Schema.optional(Schema.Literal("HTML")),
  }),
)

export interface OutboxService {
  /**
   * Inserts the messages; one whose `dedupeKey` exists already is skipped. Runs inside the
   * caller's `sql.withTransaction` when there is one, so that a step's state change and its
   * messages commit (or roll back) together. Returns how many were new.
   */
  readonly enqueue: (messages: ReadonlyArray<OutboxMessage>) => Effect.Effect<number, DatabaseError>
  /** How many messages are in each state: for ops `status`. */
  readonly status: Effect.Effect<OutboxStatus, DatabaseError>
}

/** Rows per INSERT: well under Postgres' 65535 parameters at 5 per row. */
const insertBatch = 500

const StatusRow = Schema.Struct({
  pending: Schema.Int,
  sending: Schema.Int,
  sent: Schema.Int,
  failed: Schema.Int,
  dropped: Schema.Int,
  oldestPendingAt: Schema.NullOr(Schema.DateFromSelf),
})

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const enqueue = (messages: ReadonlyArray<OutboxMessage>) =>
    Effect.gen(function* () {
      // The clock, not the database's now(): "due" is decided by the dispatcher's clock.
      const now = new Date(yield* Clock.currentTimeMillis)
      let added = 0
      for (const batch of Arr.chunksOf(messages, insertBatch)) {
        const rows = batch.map((message) => ({
          employeeId: message.employeeId,
          kind: message.kind,
          // A string, so that no key inside is renamed on the way in (see `StoredPayload`).
          payload: JSON.stringify(message.payload),
          dedupeKey: message.dedupeKey,
          notBefore: message.notBefore ?? now,
        }))
        const inserted = yield* sql`
          INSERT INTO outbox ${sql.insert(rows)}
          ON CONFLICT (dedupe_key) DO NOTHING
          RETURNING id`
        added += inserted.length
      }
      return added
    }).pipe(orDatabaseError)

  const countByStatus = SqlSchema.single({
    Request: Schema.Void,
    Result: StatusRow,
    execute: () => sql`
      SELECT
        count(*) FILTER (WHERE status = 'pending')::int AS pending,
        count(*) FILTER (WHERE status = 'sending')::int AS sending,
        count(*) FILTER (WHERE status = 'sent')::int AS sent,
        count(*) FILTER (WHERE status = 'failed')::int AS failed,
        count(*) FILTER (WHERE status = 'dropped')::int AS dropped,
        min(not_before) FILTER (WHERE status = 'pending') AS oldest_pending_at
      FROM outbox`,
  })
  const status = orDatabaseError(countByStatus(undefined))

  return traced("Outbox", { enqueue, status } satisfies OutboxService)
})

export class Outbox extends Context.Tag("connectbot/Outbox")<Outbox, OutboxService>() {
  static readonly layer: Layer.Layer<Outbox, never, SqlClient.SqlClient> = Layer.effect(
    Outbox,
    make,
  )
}
