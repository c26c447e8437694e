/**
 * The notifications people asked for (docs/organisers.md), all through the outbox: an activity's
 * announcement to the subscribers of its interest by their frequency (at once, or in the daily or
 * weekly digest), reminders to confirmed participants before the start (`REMINDERS`), and the
 * waitlist of full activities (a freed place offered to the first in line for `WAITLIST_HOLD`,
 * then to the next). Nobody gets the same notification twice, across restarts and processes:
 * each is named by its outbox `dedupe_key` and the rows that record it.
 */
import { Context, type Effect } from "effect"
import type { ActivityNotFound, DatabaseError } from "../domain/Errors"
import type { ActivityId, EmployeeId } from "../domain/Ids"

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

export class Notices extends Context.Tag("connectbot/Notices")<Notices, NoticesService>() {}
