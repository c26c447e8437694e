/**
 * What organisers do with activities from the bot (docs/organisers.md): create (as a draft or
 * published), publish a draft, edit a field, cancel with a reason, see the roster, and mark
 * attendance once an activity has ended. Every method takes the acting employee, reads their
 * roles in the same transaction (`AdminRepo`'s rule: never cached) and fails with `NotAllowed`
 * without the "activities" permission; every change is written to `audit_log` in that
 * transaction. Publishing announces through `Notices.announce`; a new time or place and a
 * cancellation are told to the participants through the outbox, in the same transaction.
 */
import { Context, type Effect } from "effect"
import type {
  ActivityNotEditable,
  ActivityNotFound,
  DatabaseError,
  InvalidActivity,
  NotAllowed,
} from "../domain/Errors"
import type { ActivityId, EmployeeId, InterestId } from "../domain/Ids"
import type { Activity, ParticipantStatus } from "../domain/Models"

/** A new activity as the organiser described it. */
export interface ActivityDraft {
  readonly interestId: InterestId
  readonly title: string
  /** Must be in the future (by the service's `Clock`). */
  readonly scheduledAt: Date
  readonly durationMinutes: number
  readonly location: string | null
  /** `null`: no limit. */
  readonly maxParticipants: number | null
}

/** One field changed on an existing activity. */
export type ActivityEdit =
  | { readonly _tag: "Title"; readonly title: string }
  | { readonly _tag: "When"; readonly scheduledAt: Date }
  | { readonly _tag: "Duration"; readonly durationMinutes: number }
  | { readonly _tag: "Place"; readonly location: string | null }
  | { readonly _tag: "Capacity"; readonly maxParticipants: number | null }

/** A person on an activity's roster, as the organiser sees them. */
export interface RosterEntry {
  readonly employeeId: EmployeeId
  readonly fullName: string
  readonly telegramUsername: string | null
  readonly status: ParticipantStatus
}

/** What a change did beyond itself. */
export interface Changed {
  readonly activity: Activity
  /** Participants told of it (a new time or place, a cancellation). */
  readonly told: number
}

export interface OrganisingService {
  /** Creates the activity; published at once (announced) or kept as a draft only admins see. */
  readonly create: (
    actor: EmployeeId,
    draft: ActivityDraft,
    publish: boolean,
  ) => Effect.Effect<Activity, NotAllowed | InvalidActivity | DatabaseError>
  /** Publishes a draft: it becomes `scheduled` and is announced. */
  readonly publish: (
    actor: EmployeeId,
    activityId: ActivityId,
  ) => Effect.Effect<
    Activity,
    NotAllowed | ActivityNotFound | ActivityNotEditable | InvalidActivity | DatabaseError
  >
  /**
   * Changes one field of a draft or scheduled activity. A new time or place is told to the
   * participants; a larger capacity offers the new places to the waitlist.
   */
  readonly edit: (
    actor: EmployeeId,
    activityId: ActivityId,
    edit: ActivityEdit,
  ) => Effect.Effect<
    Changed,
    NotAllowed | ActivityNotFound | ActivityNotEditable | InvalidActivity | DatabaseError
  >
  /** Cancels a draft or scheduled activity; its participants are told, with the reason. */
  readonly cancel: (
    actor: EmployeeId,
    activityId: ActivityId,
    reason: string,
  ) => Effect.Effect<Changed, NotAllowed | ActivityNotFound | ActivityNotEditable | DatabaseError>
  /** Drafts, scheduled activities and those ended in the last 30 days, soonest first. */
  readonly list: (
    actor: EmployeeId,
  ) => Effect.Effect<ReadonlyArray<Activity>, NotAllowed | DatabaseError>
  /** Everyone who holds or held a place (confirmed, attended, no-show), in the order they joined. */
  readonly roster: (
    actor: EmployeeId,
    activityId: ActivityId,
  ) => Effect.Effect<ReadonlyArray<RosterEntry>, NotAllowed | ActivityNotFound | DatabaseError>
  /**
   * Marks a participant attended or no-show, once the activity has ended (its start plus its
   * duration is past); an attended mark counts for their achievements.
   */
  readonly markAttendance: (
    actor: EmployeeId,
    activityId: ActivityId,
    employeeId: EmployeeId,
    attended: boolean,
  ) => Effect.Effect<
    RosterEntry,
    NotAllowed | ActivityNotFound | ActivityNotEditable | DatabaseError
  >
}

export class Organising extends Context.Tag("connectbot/Organising")<
  Organising,
  OrganisingService
>() {}
