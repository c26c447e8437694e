/**
 * The notifications people asked for (docs/organisers.md), all through the outbox: an activity's
 * announcement to the subscribers of its interest by their frequency (at once, or in the daily or
 * weekly digest), reminders to confirmed participants before the start (`REMINDERS`), and the
 * waitlist of full activities (a freed place offered to the first in line for `WAITLIST_HOLD`,
 * then to the next). Nobody gets the same notification twice, across restarts and processes:
 * each is named by its outbox `dedupe_key` and the rows that record it.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import type { ActivityNotFound, DatabaseError } from "../domain/Errors"
import type { ActivityId, EmployeeId } from "../domain/Ids"
import { Timestamp } from "../domain/Time"
import { Outbox } from "../outbox/Outbox"
import { traced } from "../telemetry/Spans"
import { makeAnnouncements } from "./Announcements"
import { noticeTextsFor } from "./NoticeTexts"
import { NotificationsConfig } from "./NotificationsSettings"
import { makeParticipantNotices } from "./Participants"
import { Waitlist } from "./Waitlist"

export type WaitlistOutcome =
  /** In line; `position` counts from 1. */
  | { readonly _tag: "Waiting"; readonly position: number }
  /** A place is free after all: nothing to wait for. */
  | { readonly _tag: "NotFull" }
  | { readonly _tag: "AlreadyJoined" }
  /** Not scheduled any more, or started. */
  | { readonly _tag: "NotOpen" }

export type TakeOutcome =
  | { readonly _tag: "Taken"; readonly participantCount: number }
  /** No offer for this person, or it ran out (it went to the next in line). */
  | { readonly _tag: "NoOffer" }
  | { readonly _tag: "AlreadyJoined" }
  | { readonly _tag: "NotOpen" }

/** What one run of the due work did. */
export interface NoticesRun {
  readonly digests: number
  readonly reminders: number
  readonly offersExpired: number
  readonly offersMade: number
}

export interface NoticesService {
  /**
   * In the caller's transaction: announces a just-published activity to the active subscribers
   * of its interest with notifications on — at once, or for their next digest. Returns how many
   * were owed an announcement.
   */
  readonly announce: (activityId: ActivityId) => Effect.Effect<number, DatabaseError>
  /**
   * In the caller's transaction: tells the activity's confirmed participants of a change (a new
   * time or place) or of its cancellation (with the reason; the waitlist is cleared). Returns
   * how many were told.
   */
  readonly tellParticipants: (
    activityId: ActivityId,
    change: "moved" | "place" | "cancelled",
  ) => Effect.Effect<number, DatabaseError>
  /**
   * In the caller's transaction, with the activity's row locked: offers the places free beyond
   * the outstanding offers to the next in line (a leave, a larger capacity). Returns the offers
   * made.
   */
  readonly offerFreedPlaces: (activityId: ActivityId) => Effect.Effect<number, DatabaseError>
  /** 🔔 Notify me on a full activity. */
  readonly waitFor: (
    activityId: ActivityId,
    employeeId: EmployeeId,
  ) => Effect.Effect<WaitlistOutcome, ActivityNotFound | DatabaseError>
  /** ✅ Take the place offered. */
  readonly takeOffer: (
    activityId: ActivityId,
    employeeId: EmployeeId,
  ) => Effect.Effect<TakeOutcome, ActivityNotFound | DatabaseError>
  /** Digests due, reminders due, expired offers passed on: what the scheduler runs. */
  readonly runDue: Effect.Effect<NoticesRun, DatabaseError>
}

/** When the scheduler should look next: what is due soonest among the rows it knows of. */
export interface NoticeTimesService {
  /**
   * The earliest time after `now` at which a digest falls due, a reminder window opens or an
   * offer runs out, as the database holds them now; none when nothing is pending.
   */
  readonly nextDueAfter: (now: Date) => Effect.Effect<Option.Option<Date>, DatabaseError>
}

export class NoticeTimes extends Context.Tag("connectbot/NoticeTimes")<
  NoticeTimes,
  NoticeTimesService
>() {}

const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const outbox = yield* Outbox
  const settings = yield* NotificationsConfig
  const waitlist = yield* Waitlist
  const textsFor = noticeTextsFor(settings.locale, settings.timeZone)
  const announcements = makeAnnouncements(sql, outbox, settings, textsFor)
  const participants = makeParticipantNotices(sql, outbox, settings, textsFor)
  const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

  const announce = (activityId: ActivityId) =>
    orDatabaseError(Effect.flatMap(now, (at) => announcements.announce(activityId, at)))

  const tellParticipants = (activityId: ActivityId, change: "moved" | "place" | "cancelled") =>
    orDatabaseError(participants.tellParticipants(activityId, change))

  const runDue = Effect.gen(function* () {
    const at = yield* now
    const digests = yield* orDatabaseError(announcements.sendDigests(at))
    const reminders = yield* orDatabaseError(participants.sendReminders(at))
    const { offersExpired, offersMade } = yield* waitlist.passOn
    if (digests + reminders + offersMade > 0) yield* waitlist.wake
    return { digests, reminders, offersExpired, offersMade }
  })

  const service = traced("Notices", {
    announce,
    tellParticipants,
    offerFreedPlaces: waitlist.offerFreedPlaces,
    waitFor: waitlist.waitFor,
    takeOffer: waitlist.takeOffer,
    runDue,
  } satisfies NoticesService)

  const pendingTimes = SqlSchema.single({
    Request: Schema.DateFromSelf,
    Result: Schema.Struct({
      digestAt: Schema.NullOr(Timestamp),
      expiryAt: Schema.NullOr(Timestamp),
    }),
    execute: (at) => sql`
      SELECT
        (SELECT min(due_at) FROM activity_announcements
         WHERE sent_at IS NULL AND due_at > ${at}) AS digest_at,
        (SELECT min(offer_expires_at) FROM activity_waitlist
         WHERE offer_expires_at > ${at}) AS expiry_at`,
  })

  const nextDueAfter = (at: Date) =>
    Effect.gen(function* () {
      const { digestAt, expiryAt } = yield* pendingTimes(at)
      const reminder = yield* participants.nextReminderAfter(at)
      const times = [...Option.toArray(reminder), ...[digestAt, expiryAt].filter((t) => t !== null)]
      return Arr.isNonEmptyArray(times)
        ? Option.some(new Date(Math.min(...times.map((t) => t.getTime()))))
        : Option.none()
    }).pipe(orDatabaseError)

  return { service, times: { nextDueAfter } satisfies NoticeTimesService }
})

export class Notices extends Context.Tag("connectbot/Notices")<Notices, NoticesService>() {
  /**
   * The notices over Postgres and the outbox, with the waitlist they share with `ActivityRepo`
   * (which finds it in the context it is built in) and the times the scheduler waits for.
   */
  static readonly layer: Layer.Layer<
    Notices | NoticeTimes | Waitlist,
    never,
    SqlClient.SqlClient | Outbox | NotificationsConfig
  > = Layer.effectContext(
    Effect.map(make, ({ service, times }) =>
      Context.make(Notices, service).pipe(Context.add(NoticeTimes, times)),
    ),
  ).pipe(Layer.provideMerge(Waitlist.layer))
}
