/**
 * What organisers do with activities from the bot (docs/organisers.md): create (as a draft or
 * published), publish a draft, edit a field, cancel with a reason, see the roster, and mark
 * attendance once an activity has ended. Every method takes the acting employee, reads their
 * roles in the same transaction (`AdminRepo`'s rule: never cached) and fails with `NotAllowed`
 * without the "activities" permission; every change is written to `audit_log` in that
 * transaction. Publishing announces through `Notices.announce`; a new time or place and a
 * cancellation are told to the participants through the outbox, in the same transaction.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { makeAudit } from "../admins/Audit"
import { orDatabaseError } from "../db/SqlErrors"
import {
  ActivityNotEditable,
  ActivityNotFound,
  type DatabaseError,
  type InvalidActivity,
  type NotAllowed,
  NotAParticipant,
} from "../domain/Errors"
import type { ActivityId, EmployeeId, InterestId } from "../domain/Ids"
import type { Activity, ParticipantStatus } from "../domain/Models"
import { Notices } from "../notifications/Notices"
import { traced } from "../telemetry/Spans"
import {
  checkCapacity,
  checkDuration,
  checkLocation,
  checkStart,
  checkTitle,
  endOf,
  invalid,
  isEditable,
  isPublished,
} from "./OrganisingRules"
import { listedAfterEndDays, makeOrganisingSql, rosterStatuses } from "./OrganisingSql"

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
    NotAllowed | ActivityNotFound | ActivityNotEditable | NotAParticipant | DatabaseError
  >
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const notices = yield* Notices
  const { requireRole, audit } = yield* makeAudit
  const q = yield* makeOrganisingSql
  const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

  /** The actor may manage activities, read in the transaction of the change it guards. */
  const asOrganiser = <A, E, R>(actor: EmployeeId, body: Effect.Effect<A, E, R>) =>
    requireRole(actor, "activities").pipe(
      Effect.zipRight(body),
      sql.withTransaction,
      orDatabaseError,
    )

  const logged = (actor: EmployeeId, action: string, activityId: ActivityId, details: unknown) =>
    audit({ actor: Option.some(actor), action, subject: `activity:${activityId}`, details })

  const locked = (activityId: ActivityId) =>
    Effect.flatMap(
      q.lockActivity(activityId),
      Option.match({
        onNone: () => Effect.fail(new ActivityNotFound({ activityId })),
        onSome: Effect.succeed,
      }),
    )

  const activeInterest = (interestId: InterestId) =>
    Effect.flatMap(q.findInterest(interestId), (interest) =>
      Option.isNone(interest)
        ? invalid("interest", "does not exist")
        : interest.value.isActive
          ? Effect.succeed(interest.value)
          : invalid("interest", "is retired from the catalogue"),
    )

  const create = (actor: EmployeeId, draft: ActivityDraft, publish: boolean) =>
    asOrganiser(
      actor,
      Effect.gen(function* () {
        const at = yield* now
        const title = yield* checkTitle(draft.title)
        const scheduledAt = yield* checkStart(draft.scheduledAt, at)
        const durationMinutes = yield* checkDuration(draft.durationMinutes)
        const location = yield* checkLocation(draft.location)
        const maxParticipants = yield* checkCapacity(draft.maxParticipants)
        const interest = yield* activeInterest(draft.interestId)
        const status = publish ? "scheduled" : "draft"
        const { id } = yield* q.insertActivity({
          title,
          activityType: interest.code,
          interestId: draft.interestId,
          scheduledAt,
          durationMinutes,
          location,
          maxParticipants,
          status,
          publishedAt: publish ? at : null,
          createdBy: actor,
        })
        yield* logged(actor, "activity.create", id, {
          status,
          interestId: draft.interestId,
          title,
          scheduledAt: scheduledAt.toISOString(),
          durationMinutes,
          location,
          maxParticipants,
        })
        if (publish) yield* notices.announce(id)
        return yield* q.getActivity(id)
      }),
    )

  const publish = (actor: EmployeeId, activityId: ActivityId) =>
    asOrganiser(
      actor,
      Effect.gen(function* () {
        const activity = yield* locked(activityId)
        if (activity.status !== "draft") {
          return yield* new ActivityNotEditable({
            activityId,
            status: activity.status,
            action: "publish",
          })
        }
        const at = yield* now
        // A draft kept for a while may have fallen behind its time, or its interest retired.
        if (activity.scheduledAt.getTime() <= at.getTime()) {
          return yield* invalid("scheduledAt", "has passed; set a new time before publishing")
        }
        if (activity.interestId !== null) yield* activeInterest(activity.interestId)
        yield* q.publish(activityId, at)
        yield* logged(actor, "activity.publish", activityId, {})
        yield* notices.announce(activityId)
        return yield* q.getActivity(activityId)
      }),
    )

  /** The field's column, its value now and the checked new one. */
  const editOf = (edit: ActivityEdit, activity: Activity, at: Date) => {
    switch (edit._tag) {
      case "Title":
        return Effect.map(checkTitle(edit.title), (value) => ({
          column: "title" as const,
          before: activity.title as string | number | Date | null,
          after: value as string | number | Date | null,
        }))
      case "When":
        return Effect.map(checkStart(edit.scheduledAt, at), (value) => ({
          column: "scheduled_at" as const,
          before: activity.scheduledAt,
          after: value,
        }))
      case "Duration":
        return Effect.map(checkDuration(edit.durationMinutes), (value) => ({
          column: "duration_minutes" as const,
          before: activity.durationMinutes,
          after: value,
        }))
      case "Place":
        return Effect.map(checkLocation(edit.location), (value) => ({
          column: "location" as const,
          before: activity.location,
          after: value,
        }))
      case "Capacity":
        return Effect.flatMap(checkCapacity(edit.maxParticipants), (value) =>
          value !== null && value < activity.participantCount
            ? invalid(
                "capacity",
                `${activity.participantCount} people hold places; it cannot go below that`,
              )
            : Effect.succeed({
                column: "max_participants" as const,
                before: activity.maxParticipants,
                after: value,
              }),
        )
    }
  }

  const sameValue = (a: string | number | Date | null, b: string | number | Date | null) =>
    a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b

  const auditValue = (value: string | number | Date | null) =>
    value instanceof Date ? value.toISOString() : value

  /** The activity's row, locked, if it may still be changed (a draft or scheduled one). */
  const lockedEditable = (activityId: ActivityId, action: "edit" | "cancel") =>
    Effect.flatMap(locked(activityId), (activity) =>
      isEditable(activity.status)
        ? Effect.succeed(activity)
        : Effect.fail(new ActivityNotEditable({ activityId, status: activity.status, action })),
    )

  const edit = (actor: EmployeeId, activityId: ActivityId, change: ActivityEdit) =>
    asOrganiser(
      actor,
      Effect.gen(function* () {
        const activity = yield* lockedEditable(activityId, "edit")
        const { column, before, after } = yield* editOf(change, activity, yield* now)
        // Setting what is there already changes nothing: no audit entry, nobody told.
        if (sameValue(before, after)) return { activity, told: 0 } satisfies Changed
        yield* q.setField(activityId, column, after)
        yield* logged(actor, "activity.edit", activityId, {
          field: change._tag,
          before: auditValue(before),
          after: auditValue(after),
        })
        let told = 0
        if (isPublished(activity.status)) {
          if (change._tag === "When") told = yield* notices.tellParticipants(activityId, "moved")
          if (change._tag === "Place") told = yield* notices.tellParticipants(activityId, "place")
          const grew = after === null || (before !== null && (after as number) > (before as number))
          if (change._tag === "Capacity" && grew) yield* notices.offerFreedPlaces(activityId)
        }
        return { activity: yield* q.getActivity(activityId), told } satisfies Changed
      }),
    )

  const cancel = (actor: EmployeeId, activityId: ActivityId, reason: string) =>
    asOrganiser(
      actor,
      Effect.gen(function* () {
        const activity = yield* lockedEditable(activityId, "cancel")
        const why = reason.trim() || null
        yield* q.cancel(activityId, why)
        yield* logged(actor, "activity.cancel", activityId, {
          before: activity.status,
          reason: why,
        })
        // A draft was never announced: nobody holds a place or waits for one.
        const told = isPublished(activity.status)
          ? yield* notices.tellParticipants(activityId, "cancelled")
          : 0
        return { activity: yield* q.getActivity(activityId), told } satisfies Changed
      }),
    )

  const list = (actor: EmployeeId) =>
    asOrganiser(
      actor,
      Effect.flatMap(now, (at) =>
        q.listForOrganisers(new Date(at.getTime() - listedAfterEndDays * 86_400_000)),
      ),
    )

  const roster = (actor: EmployeeId, activityId: ActivityId) =>
    asOrganiser(
      actor,
      Effect.gen(function* () {
        const activity = yield* q.findActivity(activityId)
        if (Option.isNone(activity)) return yield* new ActivityNotFound({ activityId })
        return yield* q.roster(activityId)
      }),
    )

  const markAttendance = (
    actor: EmployeeId,
    activityId: ActivityId,
    employeeId: EmployeeId,
    attended: boolean,
  ) =>
    asOrganiser(
      actor,
      Effect.gen(function* () {
        const activity = yield* locked(activityId)
        const at = yield* now
        // Attendance is known once the activity is over; a draft or a cancelled one never took place.
        const held = activity.status !== "draft" && activity.status !== "cancelled"
        if (!held || endOf(activity) > at.getTime()) {
          return yield* new ActivityNotEditable({
            activityId,
            status: activity.status,
            action: "mark attendance",
          })
        }
        const entry = yield* q.rosterEntry({ activityId, employeeId })
        if (Option.isNone(entry) || !rosterStatuses.includes(entry.value.status)) {
          return yield* new NotAParticipant({ activityId, employeeId })
        }
        const status = attended ? "attended" : "no_show"
        if (entry.value.status === status) return entry.value
        yield* q.markAttendance(activityId, employeeId, attended, at)
        if (isPublished(activity.status)) yield* q.complete(activityId)
        yield* logged(actor, "activity.attendance", activityId, {
          employeeId,
          before: entry.value.status,
          after: status,
        })
        return { ...entry.value, status } satisfies RosterEntry
      }),
    )

  return traced("Organising", {
    create,
    publish,
    edit,
    cancel,
    list,
    roster,
    markAttendance,
  } satisfies OrganisingService)
})

export class Organising extends Context.Tag("connectbot/Organising")<
  Organising,
  OrganisingService
>() {
  /** Postgres, with the announcements and messages of `Notices` in the same transactions. */
  static readonly layer = Layer.effect(Organising, make)
}
