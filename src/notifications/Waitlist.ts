/**
 * The waitlist of full activities (`activity_waitlist`): 🔔 Notify me puts a person in line; a
 * freed place is offered to the first in line not yet offered, held for them for
 * `WAITLIST_HOLD` (`offered_at`, `offer_expires_at`) with ✅ Take the place; an offer that runs
 * out is removed and the place goes to the next.
 *
 * An outstanding offer holds a place: `free = max_participants − places held − offers not yet
 * expired`. Every change of who holds what happens with the activity's row locked
 * (`SELECT … FOR UPDATE`, as `ActivityRepo.join` does), so joins, leaves, offers and takes of one
 * activity are serialised and capacity is never exceeded.
 *
 * Two parts, so that `ActivityRepo` and `Notices` can both use it without a cycle:
 * `waitlistQueries` (SQL only: what a join must count, whatever the process) and the `Waitlist`
 * service (offers, with their messages and settings). Times are the Clock's, passed into SQL.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import { ActivityNotFound, type DatabaseError } from "../domain/Errors"
import { ActivityId, EmployeeId } from "../domain/Ids"
import { ActivityStatus, Locale, placeHoldingStatuses } from "../domain/Models"
import { Timestamp } from "../domain/Time"
import { Dispatcher } from "../outbox/Dispatcher"
import { Outbox } from "../outbox/Outbox"
import { traced } from "../telemetry/Spans"
import { makeBriefs, reachable } from "./Briefs"
import type { NoticesService, TakeOutcome, WaitlistOutcome } from "./Notices"
import { noticeTextsFor } from "./NoticeTexts"
import { NotificationsConfig } from "./NotificationsSettings"

const Count = Schema.Struct({ count: Schema.Int })

/** The waitlist's SQL that needs no settings: what `ActivityRepo.join` counts and clears. */
export const waitlistQueries = (sql: SqlClient.SqlClient) => {
  const countOffers = SqlSchema.single({
    Request: Schema.Struct({
      activityId: ActivityId,
      now: Schema.DateFromSelf,
      except: Schema.NullOr(EmployeeId),
    }),
    Result: Count,
    execute: ({ activityId, now, except }) => sql`
      SELECT count(*)::int AS count FROM activity_waitlist
      WHERE activity_id = ${activityId} AND offer_expires_at > ${now}
        AND employee_id IS DISTINCT FROM ${except}`,
  })

  return {
    /** Places held by offers not yet expired at `now`, other than the one made to `except`. */
    offersHeld: (activityId: ActivityId, now: Date, except: EmployeeId | null = null) =>
      Effect.map(countOffers({ activityId, now, except }), ({ count }) => count),
    /** Out of the line: they hold a place now, or the activity is gone for them. */
    leaveLine: (activityId: ActivityId, employeeId: EmployeeId) =>
      sql`DELETE FROM activity_waitlist
          WHERE activity_id = ${activityId} AND employee_id = ${employeeId}`.pipe(Effect.asVoid),
  }
}

/** What one pass over the waitlists did. */
export interface PassedOn {
  readonly offersExpired: number
  readonly offersMade: number
}

/** The waitlist's part of `Notices` (offers, 🔔, ✅ Take the place), and what the scheduler runs. */
export interface WaitlistService
  extends Pick<NoticesService, "offerFreedPlaces" | "waitFor" | "takeOffer"> {
  /**
   * Every waitlist with an expired offer or someone not yet offered: expired offers removed,
   * free places offered; the lines of activities that closed are dropped.
   */
  readonly passOn: Effect.Effect<PassedOn, DatabaseError>
  /** In the caller's transaction: nobody waits for this activity any more (it was cancelled). */
  readonly clear: (activityId: ActivityId) => Effect.Effect<void, DatabaseError>
  /** Tells the dispatcher (when this process has one) that offers are waiting to be sent. */
  readonly wake: Effect.Effect<void>
}

const LockedActivity = Schema.Struct({
  status: ActivityStatus,
  scheduledAt: Timestamp,
  maxParticipants: Schema.NullOr(Schema.Int),
})

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const outbox = yield* Outbox
  const settings = yield* NotificationsConfig
  const dispatcher = yield* Effect.serviceOption(Dispatcher)
  const textsFor = noticeTextsFor(settings.locale, settings.timeZone)
  const briefs = makeBriefs(sql)
  const queries = waitlistQueries(sql)
  const holdsPlace = sql.in(placeHoldingStatuses)

  const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

  // The same row lock as `ActivityRepo.join`: one change of the activity's places at a time.
  const lockActivity = SqlSchema.findOne({
    Request: ActivityId,
    Result: LockedActivity,
    execute: (id) => sql`
      SELECT status, scheduled_at, max_participants FROM activities WHERE id = ${id} FOR UPDATE`,
  })
  const isOpen = (activity: typeof LockedActivity.Type, at: Date) =>
    activity.status === "scheduled" && activity.scheduledAt > at

  const countHeld = SqlSchema.single({
    Request: ActivityId,
    Result: Count,
    execute: (id) => sql`
      SELECT count(*)::int AS count FROM activity_participants
      WHERE activity_id = ${id} AND status IN ${holdsPlace}`,
  })
  const placesHeld = (activityId: ActivityId) =>
    Effect.map(countHeld(activityId), ({ count }) => count)

  const holdsAPlace = (activityId: ActivityId, employeeId: EmployeeId) =>
    sql<{ one: number }>`
      SELECT 1 AS one FROM activity_participants
      WHERE activity_id = ${activityId} AND employee_id = ${employeeId}
        AND status IN ${holdsPlace}`.pipe(Effect.map((rows) => rows.length > 0))

  const nextInLine = SqlSchema.findAll({
    Request: Schema.Struct({ activityId: ActivityId, limit: Schema.NullOr(Schema.Int) }),
    Result: Schema.Struct({ employeeId: EmployeeId, locale: Schema.NullOr(Locale) }),
    execute: ({ activityId, limit }) => sql`
      SELECT w.employee_id, e.locale FROM activity_waitlist w
      JOIN employees e ON e.id = w.employee_id
      WHERE w.activity_id = ${activityId} AND w.offered_at IS NULL AND ${reachable(sql)}
      ORDER BY w.created_at, w.employee_id
      ${limit === null ? sql`` : sql`LIMIT ${limit}`}`,
  })

  /** The free places offered, with the activity's row already locked by the caller. */
  const offerIn = (activityId: ActivityId, activity: typeof LockedActivity.Type, at: Date) =>
    Effect.gen(function* () {
      if (!isOpen(activity, at)) return 0
      const held = yield* placesHeld(activityId)
      const offers = yield* queries.offersHeld(activityId, at)
      const free =
        activity.maxParticipants === null ? null : activity.maxParticipants - held - offers
      if (free !== null && free <= 0) return 0
      const people = yield* nextInLine({ activityId, limit: free })
      if (people.length === 0) return 0
      const expiresAt = new Date(at.getTime() + Duration.toMillis(settings.waitlistHold))
      const ids = people.map((person) => person.employeeId)
      yield* sql`
        UPDATE activity_waitlist SET offered_at = ${at}, offer_expires_at = ${expiresAt}
        WHERE activity_id = ${activityId} AND employee_id IN ${sql.in(ids)}`
      const [brief] = yield* briefs([activityId])
      if (brief === undefined) return 0
      yield* outbox.enqueue(
        people.map(({ employeeId, locale }) => {
          const texts = textsFor(locale)
          const { text, keyboard } = texts.offer(brief, expiresAt)
          return texts.message(
            employeeId,
            "waitlist.offer",
            `offer:${activityId}:${employeeId}:${at.toISOString()}`,
            text,
            keyboard,
          )
        }),
      )
      return ids.length
    })

  const offerFreedPlaces = (activityId: ActivityId) =>
    Effect.gen(function* () {
      const at = yield* now
      // Locked already by the caller; locking again in the same transaction costs nothing and
      // reads the activity as it is now.
      const activity = yield* lockActivity(activityId)
      return Option.isNone(activity) ? 0 : yield* offerIn(activityId, activity.value, at)
    }).pipe(orDatabaseError)

  /** Runs `body` in a transaction holding the activity's row; a missing activity is an error. */
  const withActivity = <A, E, R>(
    activityId: ActivityId,
    body: (activity: typeof LockedActivity.Type, at: Date) => Effect.Effect<A, E, R>,
  ) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const activity = yield* lockActivity(activityId)
          if (Option.isNone(activity)) return yield* new ActivityNotFound({ activityId })
          return yield* body(activity.value, yield* now)
        }),
      )
      .pipe(orDatabaseError)

  const waitFor = (activityId: ActivityId, employeeId: EmployeeId) =>
    withActivity(activityId, (activity, at) =>
      Effect.gen(function* () {
        if (!isOpen(activity, at)) return { _tag: "NotOpen" } as const
        if (yield* holdsAPlace(activityId, employeeId)) return { _tag: "AlreadyJoined" } as const
        const held = yield* placesHeld(activityId)
        // Their own offer is a place for them: Join takes it.
        const offers = yield* queries.offersHeld(activityId, at, employeeId)
        if (activity.maxParticipants === null || held + offers < activity.maxParticipants) {
          return { _tag: "NotFull" } as const
        }
        yield* sql`
          INSERT INTO activity_waitlist (activity_id, employee_id, created_at)
          VALUES (${activityId}, ${employeeId}, ${at})
          ON CONFLICT (activity_id, employee_id) DO NOTHING`
        const [row] = yield* sql<{ position: number }>`
          SELECT count(*)::int AS position FROM activity_waitlist w,
            (SELECT created_at, employee_id FROM activity_waitlist
             WHERE activity_id = ${activityId} AND employee_id = ${employeeId}) me
          WHERE w.activity_id = ${activityId}
            AND (w.created_at, w.employee_id) <= (me.created_at, me.employee_id)`
        return { _tag: "Waiting", position: row?.position ?? 1 } as const
      }),
    ) as Effect.Effect<WaitlistOutcome, ActivityNotFound | DatabaseError>

  const takeOffer = (activityId: ActivityId, employeeId: EmployeeId) =>
    withActivity(activityId, (activity, at) =>
      Effect.gen(function* () {
        if (!isOpen(activity, at)) return { _tag: "NotOpen" } as const
        if (yield* holdsAPlace(activityId, employeeId)) {
          yield* queries.leaveLine(activityId, employeeId)
          return { _tag: "AlreadyJoined" } as const
        }
        const offer = yield* sql<{ one: number }>`
          SELECT 1 AS one FROM activity_waitlist
          WHERE activity_id = ${activityId} AND employee_id = ${employeeId}
            AND offer_expires_at > ${at}`
        if (offer.length === 0) return { _tag: "NoOffer" } as const
        const held = yield* placesHeld(activityId)
        const others = yield* queries.offersHeld(activityId, at, employeeId)
        // Only when an organiser lowered the capacity after the offer was made.
        if (activity.maxParticipants !== null && held + others >= activity.maxParticipants) {
          return { _tag: "NoOffer" } as const
        }
        yield* sql`
          INSERT INTO activity_participants (activity_id, employee_id, status, responded_at)
          VALUES (${activityId}, ${employeeId}, 'confirmed', ${at})
          ON CONFLICT (activity_id, employee_id) DO UPDATE
          SET status = 'confirmed', responded_at = ${at}`
        yield* queries.leaveLine(activityId, employeeId)
        return { _tag: "Taken", participantCount: held + 1 } as const
      }),
    ) as Effect.Effect<TakeOutcome, ActivityNotFound | DatabaseError>

  const lines = SqlSchema.findAll({
    Request: Schema.DateFromSelf,
    Result: Schema.Struct({ activityId: ActivityId }),
    execute: (at) => sql`
      SELECT DISTINCT w.activity_id FROM activity_waitlist w
      JOIN activities a ON a.id = w.activity_id
      WHERE w.offer_expires_at <= ${at} OR w.offered_at IS NULL
        OR a.status <> 'scheduled' OR a.scheduled_at <= ${at}
      ORDER BY w.activity_id`,
  })

  /** One activity's line in a transaction of its own: one slow line holds up no other. */
  const passOnLine = (activityId: ActivityId) =>
    sql.withTransaction(
      Effect.gen(function* () {
        const at = yield* now
        const activity = yield* lockActivity(activityId)
        if (Option.isNone(activity)) return { offersExpired: 0, offersMade: 0 }
        if (!isOpen(activity.value, at)) {
          // Cancelled or started: nothing to wait for, and nobody to tell.
          yield* sql`DELETE FROM activity_waitlist WHERE activity_id = ${activityId}`
          return { offersExpired: 0, offersMade: 0 }
        }
        const expired = yield* sql<{
          employeeId: EmployeeId
          offeredAt: Date
          locale: Locale | null
        }>`
          DELETE FROM activity_waitlist w USING employees e
          WHERE w.activity_id = ${activityId} AND w.offer_expires_at <= ${at}
            AND e.id = w.employee_id
          RETURNING w.employee_id, w.offered_at, e.locale`
        // They are told the hold ran out (and how to wait again), once per offer.
        const [brief] = expired.length === 0 ? [] : yield* briefs([activityId])
        if (brief !== undefined) {
          yield* outbox.enqueue(
            expired.map(({ employeeId, offeredAt, locale }) => {
              const texts = textsFor(locale)
              const { text, keyboard } = texts.offerExpired(brief)
              return texts.message(
                employeeId,
                "waitlist.expired",
                `offer-expired:${activityId}:${employeeId}:${offeredAt.toISOString()}`,
                text,
                keyboard,
              )
            }),
          )
        }
        const offersMade = yield* offerIn(activityId, activity.value, at)
        return { offersExpired: expired.length, offersMade }
      }),
    )

  const passOn = Effect.gen(function* () {
    const due = yield* lines(yield* now)
    let offersExpired = 0
    let offersMade = 0
    for (const { activityId } of due) {
      const run = yield* passOnLine(activityId)
      offersExpired += run.offersExpired
      offersMade += run.offersMade
    }
    return { offersExpired, offersMade }
  }).pipe(orDatabaseError)

  const clear = (activityId: ActivityId) =>
    orDatabaseError(
      sql`DELETE FROM activity_waitlist WHERE activity_id = ${activityId}`.pipe(Effect.asVoid),
    )

  const wake = Option.match(dispatcher, { onNone: () => Effect.void, onSome: (d) => d.wake })

  return traced("Waitlist", {
    offerFreedPlaces,
    waitFor,
    takeOffer,
    passOn,
    clear,
    wake,
  } satisfies WaitlistService)
})

export class Waitlist extends Context.Tag("connectbot/Waitlist")<Waitlist, WaitlistService>() {
  static readonly layer: Layer.Layer<
    Waitlist,
    never,
    SqlClient.SqlClient | Outbox | NotificationsConfig
  > = Layer.effect(Waitlist, make)
}
