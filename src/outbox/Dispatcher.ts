/**
 * Delivers the outbox (`Outbox.ts`): a fiber in the layer's scope that sends the due rows with
 * `sendMessage` and records what Telegram answered.
 *
 * Leadership. Several bot processes may run; one dispatches at a time. It holds a Postgres
 * session advisory lock (`OUTBOX_LOCK`) on a connection reserved for that, and checks the
 * connection every few seconds; the others try to take the lock every `lockRetry`, so when the
 * holder stops or dies (its session ends, Postgres frees the lock) another one takes over. The
 * rate limits below are therefore limits of the whole deployment, not of each process. The lock
 * is for the rate, not for correctness: a row is claimed by one `UPDATE … FOR UPDATE SKIP LOCKED`
 * and leased, so two dispatchers at once (a leader cut off from Postgres before it noticed) still
 * never claim the same row.
 *
 * Rate. At most 25 messages a second overall (a token bucket of 5 that refills every 40 ms, so
 * never more than 30 in any second: Telegram's limit for a bot, with the bot's own replies on
 * top), and at most one a second to a chat: a batch holds at most one row per employee and a
 * chat's next message waits until a second after Telegram answered the previous one. A chat's
 * messages go in the order they were enqueued (by id) among those due: a message that waits for
 * a retry holds back the ones enqueued after it.
 *
 * Outcomes. Accepted → `sent`. 429 → `pending` again, due after Telegram's `retry_after`.
 * 403 (blocked the bot, deleted the account) → the employee is `unreachable_since` now and this
 * and their other pending messages are `dropped`. Another 4xx → `failed`. A network error or a
 * 5xx → `pending`, due after a backoff, and `failed` after `maxAttempts` attempts. Due messages
 * of an employee who is inactive, not linked to Telegram or unreachable are `dropped`; a row
 * whose payload is not a message (written by hand) is `failed` without a call.
 *
 * Crash safety. Claiming sets `status = 'sending'` and `not_before = now + lease`; a row still
 * `sending` after its lease belongs to a dispatcher that died (or lost Postgres) and is claimed
 * again. Shutting down is not dying: the sends in flight finish and are recorded (a send and its
 * record are uninterruptible), and the claimed rows not yet started are handed back at once.
 * So nothing is skipped, and a message is sent twice only in one window, which no outbox can
 * close: Telegram accepted the message but its answer was not recorded — the process died (or
 * lost Postgres, or the connection to Telegram broke) after the request left and before
 * `status = 'sent'` committed. Those messages (at most the `sendConcurrency` in flight) are sent
 * again: after the lease when the process died, after the backoff when only the answer was lost.
 * A failure to record stops the batch, so a dispatcher cut off from Postgres does not go on
 * sending what it cannot record.
 *
 * Time is Effect's Clock throughout ("now" is passed into SQL, never the database's `now()`), so
 * tests drive the dispatcher with `TestClock`.
 *
 * Over 400 lines on purpose: claiming, sending, recording and leadership share the lease and
 * the rate limits; each part is short, and their interplay is the thing to read in one place.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import type { Connection } from "@effect/sql/SqlConnection"
import {
  Array as Arr,
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  Layer,
  Metric,
  Queue,
  RateLimiter,
  Redacted,
  Ref,
  Schedule,
  Schema,
} from "effect"
import { Api } from "grammy"
import type { InlineKeyboardMarkup } from "grammy/types"
import { callApiOnce, type TelegramError } from "../bot/Telegram"
import { BotConfig, onEmbeddedDatabase } from "../config"
import { orDatabaseError } from "../db/SqlErrors"
import { describeCause } from "../domain/Errors"
import { EmployeeId, TelegramId } from "../domain/Ids"
import { StoredPayload } from "./Outbox"
import * as OutboxMetrics from "./OutboxMetrics"

/**
 * The key of the session advisory lock the dispatching process holds. Any constant does; this
 * one spells "cbob" (distinct from MIGRATION_LOCK "cbmg" and SEED_LOCK "cbsd" in db/Database.ts),
 * so that ops can tell it in `pg_locks`.
 */
export const OUTBOX_LOCK = 0x63626f62

/** How often an idle dispatcher looks for due rows (a `wake` looks at once). */
export const pollInterval = Duration.seconds(1)
/** How often a process that does not dispatch tries to take the lock. */
export const lockRetry = Duration.seconds(3)
/** How often the dispatcher checks that the connection holding the lock is alive. */
const heartbeatInterval = Duration.seconds(5)
/** How long a claimed row is the claimer's: after it, another dispatcher may send it again. */
export const lease = Duration.seconds(60)
/** Rows per claim: about a second of sending, so few wait in a claim. */
export const batchSize = 25
/** Requests to Telegram at once; the rate limiter decides when each starts. */
export const sendConcurrency = 5
/** Attempts before a message that never got through is `failed`. */
export const maxAttempts = 8
/** Telegram's limit for one chat. */
export const perChatSpacing = Duration.seconds(1)
/** A request Telegram does not answer ends after this (grammY's own timeout, in real time). */
const requestTimeoutSeconds = 30

/**
 * The wait before the next attempt after a network error or a 5xx: 5 s, 10 s, 20 s, … up to
 * 10 min. Computed from the row's `attempts`, not a `Schedule`: the retry state lives in the row,
 * where whichever process dispatches next finds it.
 */
const backoff = (attempts: number): Duration.Duration =>
  Duration.min(Duration.times(Duration.seconds(5), 2 ** Math.max(0, attempts - 1)), "10 minutes")

export interface DispatcherService {
  /** Looks for due rows now instead of at the next poll: call it after enqueueing. */
  readonly wake: Effect.Effect<void>
}

const Claimed = Schema.Struct({
  // bigint: `pg` returns it as a string.
  id: Schema.String,
  employeeId: EmployeeId,
  telegramId: TelegramId,
  attempts: Schema.Int,
  // Decoded per row when it is sent: a row nobody can send fails alone, not the batch.
  payload: Schema.String,
})
type Claimed = typeof Claimed.Type

type Outcome =
  | { readonly _tag: "Sent" }
  | {
      readonly _tag: "Retry"
      readonly reason: OutboxMetrics.RetryReason
      readonly at: Date
      readonly error: TelegramError
    }
  | {
      readonly _tag: "Failed"
      readonly reason: OutboxMetrics.FailReason
      readonly error: { readonly message: string }
    }
  | { readonly _tag: "Unreachable"; readonly error: TelegramError }

/** What to do with a row after Telegram refused it (or could not be reached). */
const outcomeOf = (error: TelegramError, attempts: number, now: number): Outcome => {
  if (error.code === 429) {
    // Telegram says when; not counted against `maxAttempts`, since the message is fine.
    const wait = Duration.seconds(error.retryAfter ?? 1)
    return {
      _tag: "Retry",
      reason: "rate_limited",
      at: new Date(now + Duration.toMillis(wait)),
      error,
    }
  }
  if (error.code === 403) return { _tag: "Unreachable", error }
  if (error.code === null || error.code >= 500) {
    return attempts >= maxAttempts
      ? { _tag: "Failed", reason: "attempts_exhausted", error }
      : {
          _tag: "Retry",
          reason: "transient",
          at: new Date(now + Duration.toMillis(backoff(attempts))),
          error,
        }
  }
  return { _tag: "Failed", reason: "rejected", error }
}

/** One line for all the rows of a batch with the same outcome, not one per message. */
const report = (outcomes: ReadonlyArray<Outcome>) =>
  Effect.forEach(
    Object.values(Arr.groupBy(outcomes, (o) => ("reason" in o ? `${o._tag}:${o.reason}` : o._tag))),
    (group) => {
      const first = group[0]
      if (first._tag === "Sent") return Effect.void
      const count = group.length
      const why = first.error.message
      switch (first._tag) {
        case "Retry":
          return first.reason === "rate_limited"
            ? Effect.logWarning(
                `Outbox: Telegram asked to slow down on ${count} message(s) (${why}); sending them later`,
              )
            : Effect.logWarning(
                `Outbox: ${count} message(s) did not get through (${why}); retrying with backoff`,
              )
        case "Failed":
          return first.reason === "rejected"
            ? Effect.logError(
                `Outbox: Telegram refused ${count} message(s) (${why}); marked failed`,
              )
            : Effect.logError(
                `Outbox: ${count} message(s) failed after ${maxAttempts} attempts (${why})`,
              )
        case "Unreachable":
          return Effect.logInfo(
            `Outbox: ${count} employee(s) unreachable (${why}); their messages are dropped`,
          )
      }
    },
    { discard: true },
  )

const decodePayload = Schema.decodeEither(StoredPayload)

const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const config = yield* BotConfig
  const api = new Api(Redacted.value(config.token), {
    apiRoot: config.apiRoot,
    timeoutSeconds: requestTimeoutSeconds,
  })
  const rateLimit = yield* RateLimiter.make({ limit: 5, interval: "200 millis" })
  const wakeups = yield* Queue.sliding<void>(1)
  /** When Telegram last answered a message to each chat (telegram id → millis). */
  const lastAnswerAt = new Map<number, number>()

  const currentDate = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

  const dropUndeliverable = SqlSchema.findAll({
    Request: Schema.DateFromSelf,
    Result: Schema.Struct({ reason: Schema.Literal("inactive", "not_linked", "unreachable") }),
    // Rows `sending` past their lease are due as well: their dispatcher is gone.
    execute: (now) => sql`
      UPDATE outbox o
      SET status = 'dropped',
          error = CASE
            WHEN NOT e.is_active THEN 'the employee is not active'
            WHEN e.telegram_id IS NULL THEN 'the employee has not linked Telegram'
            ELSE 'the employee is unreachable (blocked the bot or left Telegram)'
          END
      FROM employees e
      WHERE e.id = o.employee_id
        AND o.status IN ('pending', 'sending') AND o.not_before <= ${now}
        AND (NOT e.is_active OR e.telegram_id IS NULL OR e.unreachable_since IS NOT NULL)
      RETURNING CASE
        WHEN NOT e.is_active THEN 'inactive'
        WHEN e.telegram_id IS NULL THEN 'not_linked'
        ELSE 'unreachable'
      END AS reason`,
  })

  /**
   * Due rows, the oldest first, at most one per employee: a row is held back while an earlier
   * one of the same employee is due, in flight, or waiting for a retry (`attempts > 0`); a row
   * merely scheduled later (a reminder for tomorrow) holds back nothing.
   */
  const claim = SqlSchema.findAll({
    Request: Schema.Struct({ now: Schema.DateFromSelf, leaseUntil: Schema.DateFromSelf }),
    Result: Claimed,
    execute: ({ now, leaseUntil }) => sql`
      UPDATE outbox o
      SET status = 'sending', attempts = o.attempts + 1, not_before = ${leaseUntil}
      FROM employees e
      WHERE e.id = o.employee_id AND o.id IN (
        SELECT c.id FROM outbox c
        JOIN employees ce ON ce.id = c.employee_id
        WHERE c.status IN ('pending', 'sending') AND c.not_before <= ${now}
          AND ce.is_active AND ce.telegram_id IS NOT NULL AND ce.unreachable_since IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM outbox b
            WHERE b.employee_id = c.employee_id AND b.id < c.id
              AND (b.status = 'sending'
                OR (b.status = 'pending' AND (b.not_before <= ${now} OR b.attempts > 0))))
        ORDER BY c.not_before, c.id
        LIMIT ${batchSize}
        FOR UPDATE OF c SKIP LOCKED)
      RETURNING o.id, o.employee_id, e.telegram_id, o.attempts, o.payload::text AS payload`,
  })

  /** The claim is still ours: a row whose lease passed may have been claimed again. */
  const ours = (row: Claimed) =>
    sql`o.id = ${row.id} AND o.status = 'sending' AND o.attempts = ${row.attempts}`

  const record = (row: Claimed, outcome: Outcome, now: Date) => {
    switch (outcome._tag) {
      case "Sent":
        return Effect.zipRight(
          sql`UPDATE outbox o SET status = 'sent', sent_at = ${now}, error = NULL WHERE ${ours(row)}`,
          Metric.increment(OutboxMetrics.sent),
        )
      case "Retry":
        return Effect.zipRight(
          sql`
            UPDATE outbox o SET status = 'pending', not_before = ${outcome.at},
              error = ${outcome.error.message}
            WHERE ${ours(row)}`,
          Metric.increment(OutboxMetrics.retried[outcome.reason]),
        )
      case "Failed":
        return Effect.zipRight(
          sql`UPDATE outbox o SET status = 'failed', error = ${outcome.error.message} WHERE ${ours(row)}`,
          Metric.increment(OutboxMetrics.failed[outcome.reason]),
        )
      case "Unreachable":
        return sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`
                UPDATE employees SET unreachable_since = coalesce(unreachable_since, ${now})
                WHERE id = ${row.employeeId}`
              yield* sql`
                UPDATE outbox o SET status = 'dropped', error = ${outcome.error.message}
                WHERE ${ours(row)}`
              return yield* sql`
                UPDATE outbox SET status = 'dropped',
                  error = ${`the employee is unreachable: ${outcome.error.message}`}
                WHERE employee_id = ${row.employeeId} AND status = 'pending'
                RETURNING id`
            }),
          )
          .pipe(
            Effect.tap((others) =>
              Metric.incrementBy(OutboxMetrics.dropped.unreachable, others.length + 1),
            ),
          )
    }
  }

  /** One row: wait for its chat, then for the rate limiter, then send and record, uninterrupted. */
  const deliver = (started: Set<string>) => (row: Claimed) =>
    Effect.gen(function* () {
      const chatId = row.telegramId
      const previous = lastAnswerAt.get(chatId)
      if (previous !== undefined) {
        const wait = previous + Duration.toMillis(perChatSpacing) - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(wait)
      }
      const payload = decodePayload(row.payload)
      if (Either.isLeft(payload)) {
        const outcome: Outcome = {
          _tag: "Failed",
          reason: "rejected",
          error: { message: `the payload is not a message: ${payload.left.message}` },
        }
        yield* record(row, outcome, yield* currentDate)
        return outcome
      }
      const { text, replyMarkup, parseMode } = payload.right
      return yield* rateLimit(
        Effect.uninterruptible(
          Effect.gen(function* () {
            started.add(row.id)
            const answer = yield* Effect.either(
              callApiOnce("sendMessage", (signal) =>
                api.sendMessage(
                  chatId,
                  text,
                  {
                    ...(replyMarkup === undefined
                      ? {}
                      : { reply_markup: replyMarkup as unknown as InlineKeyboardMarkup }),
                    ...(parseMode === undefined ? {} : { parse_mode: parseMode }),
                  },
                  signal,
                ),
              ),
            )
            const now = yield* Clock.currentTimeMillis
            lastAnswerAt.set(chatId, now)
            const outcome = Either.match(answer, {
              onRight: (): Outcome => ({ _tag: "Sent" }),
              onLeft: (error) => outcomeOf(error, row.attempts, now),
            })
            yield* record(row, outcome, new Date(now))
            return outcome
          }),
        ),
      )
    })

  /** Claimed rows whose send never started go back to `pending`, due now, the claim undone. */
  const handBack = (rows: ReadonlyArray<Claimed>) =>
    rows.length === 0
      ? Effect.void
      : Effect.flatMap(
          currentDate,
          (now) => sql`
            UPDATE outbox SET status = 'pending', not_before = ${now}, attempts = attempts - 1
            WHERE id IN ${sql.in(rows.map((row) => row.id))} AND status = 'sending'`,
        ).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning(
              `Outbox: could not hand back ${rows.length} claimed message(s) (${describeCause(error)}); they are sent after the lease`,
            ),
          ),
        )

  /** Forgets chats whose spacing has passed, so that the map holds the last second's chats. */
  const forgetQuietChats = (now: number) => {
    for (const [chatId, at] of lastAnswerAt) {
      if (now - at >= Duration.toMillis(perChatSpacing)) lastAnswerAt.delete(chatId)
    }
  }

  /** Drops, claims and sends one batch; false when nothing was due. */
  const dispatchBatch = Effect.gen(function* () {
    const now = yield* currentDate
    forgetQuietChats(now.getTime())
    const dropped = yield* dropUndeliverable(now)
    for (const [reason, rows] of Object.entries(Arr.groupBy(dropped, (row) => row.reason))) {
      const count = rows.length
      yield* Metric.incrementBy(OutboxMetrics.dropped[reason as OutboxMetrics.DropReason], count)
      yield* Effect.logInfo(
        `Outbox: dropped ${count} message(s): the employee is ${reason.replace("_", " ")}`,
      )
    }
    const rows = yield* claim({
      now,
      leaseUntil: new Date(now.getTime() + Duration.toMillis(lease)),
    })
    if (rows.length === 0) return false
    const started = new Set<string>()
    const outcomes = yield* Effect.forEach(
      [...rows].sort((a, b) => Number(a.id) - Number(b.id)),
      deliver(started),
      { concurrency: sendConcurrency },
    ).pipe(
      Effect.onExit((exit) =>
        Exit.isSuccess(exit) ? Effect.void : handBack(rows.filter((row) => !started.has(row.id))),
      ),
    )
    yield* report(outcomes)
    return true
  }).pipe(orDatabaseError)

  const countPending = SqlSchema.single({
    Request: Schema.Void,
    Result: Schema.Struct({ count: Schema.Int }),
    execute: () => sql`SELECT count(*)::int AS count FROM outbox WHERE status = 'pending'`,
  })

  /** Until the next poll or a `wake`; the gauge is set meanwhile. */
  const idle = countPending(undefined).pipe(
    orDatabaseError,
    Effect.flatMap(({ count }) => Metric.set(OutboxMetrics.pending, count)),
    Effect.zipRight(Effect.timeoutOption(Queue.take(wakeups), pollInterval)),
  )

  // Logged when it changes, not every poll: a database outage is one line, and one when it ends.
  const databaseFailing = yield* Ref.make(false)
  const dispatchLoop = Effect.forever(
    dispatchBatch.pipe(
      Effect.flatMap((busy) => (busy ? Effect.void : idle)),
      Effect.zipLeft(
        Effect.flatMap(Ref.getAndSet(databaseFailing, false), (was) =>
          was ? Effect.logInfo("Outbox: the database answers again; dispatching") : Effect.void,
        ),
      ),
      Effect.catchAll((error) =>
        Effect.flatMap(Ref.getAndSet(databaseFailing, true), (was) =>
          was
            ? Effect.void
            : Effect.logWarning(`Outbox: the database failed (${error.message}); retrying`),
        ).pipe(Effect.zipRight(Effect.sleep(pollInterval))),
      ),
    ),
  )

  const onLock = (connection: Connection, statement: string) =>
    connection.execute(statement, [OUTBOX_LOCK], undefined)

  /** Fails when the connection that holds the lock is gone: Postgres has freed the lock. */
  const heartbeat = (connection: Connection) =>
    connection
      .execute("SELECT 1", [], undefined)
      .pipe(Effect.repeat(Schedule.spaced(heartbeatInterval)), Effect.asVoid)

  type Role = "unknown" | "dispatching" | "standing by" | "cut off"
  const role = yield* Ref.make<Role>("unknown")
  const become = (next: Role, message: string) =>
    Effect.flatMap(Ref.getAndSet(role, next), (previous) =>
      previous === next ? Effect.void : Effect.logInfo(message),
    )

  /** Takes the lock and dispatches while holding it; returns at once when another holds it. */
  const lead = Effect.scoped(
    Effect.gen(function* () {
      const connection = yield* sql.reserve
      // Released before the connection goes back to the pool, so that the pool never keeps it.
      const [row] = yield* Effect.acquireRelease(
        onLock(connection, "SELECT pg_try_advisory_lock($1) AS locked"),
        ([row]) =>
          row?.locked === true
            ? Effect.ignore(onLock(connection, "SELECT pg_advisory_unlock($1)"))
            : Effect.void,
      )
      if (row?.locked !== true) {
        return yield* become(
          "standing by",
          "Outbox: another process dispatches; this one takes over when it stops",
        )
      }
      yield* become("dispatching", "Outbox: this process dispatches the outbox")
      yield* Effect.raceFirst(dispatchLoop, heartbeat(connection))
    }),
  )

  // The embedded database is one PGlite session, which one process owns: an advisory lock there
  // leads nothing (every connection is the same session), and holding a connection for it would
  // take the pool's only one (src/db/Database.ts). The owner dispatches; claims stay leased.
  if (yield* onEmbeddedDatabase) {
    yield* become("dispatching", "Outbox: this process dispatches the outbox (embedded database)")
    yield* dispatchLoop.pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(`Outbox: lost the database (${describeCause(error)}); trying again`),
      ),
      Effect.catchAllDefect((defect) =>
        Effect.logError("Outbox: the dispatcher hit a bug; starting it again", defect),
      ),
      Effect.repeat(Schedule.spaced(lockRetry)),
      Effect.forkScoped,
    )
    return { wake: Queue.offer(wakeups, undefined).pipe(Effect.asVoid) } satisfies DispatcherService
  }

  yield* lead.pipe(
    Effect.catchAll((error) =>
      become("cut off", `Outbox: lost the database (${describeCause(error)}); trying again`),
    ),
    // A bug must not end dispatching for good, silently: said loudly, then tried again.
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(
        Ref.set(role, "unknown"),
        Effect.logError("Outbox: the dispatcher hit a bug; starting it again", defect),
      ),
    ),
    Effect.repeat(Schedule.spaced(lockRetry)),
    Effect.forkScoped,
  )

  return { wake: Queue.offer(wakeups, undefined).pipe(Effect.asVoid) } satisfies DispatcherService
})

export class Dispatcher extends Context.Tag("connectbot/Dispatcher")<
  Dispatcher,
  DispatcherService
>() {
  /** The dispatching fiber in the layer's scope, sending through the bot's Bot API settings. */
  static readonly layer: Layer.Layer<Dispatcher, never, SqlClient.SqlClient | BotConfig> =
    Layer.scoped(Dispatcher, make)
}
