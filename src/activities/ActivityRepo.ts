/**
 * The activities (DESIGN.md "Activities"): the upcoming ones, their participants, joining and
 * leaving, and what an employee took part in. `layer` reads and writes Postgres; `cached` serves
 * participants from `act:{activityId}:participants` and drops that key after a join or a leave —
 * what the bot uses.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { Cache } from "../cache/Cache"
import { ParticipantsEntry } from "../cache/Keys"
import { orDatabaseError } from "../db/SqlErrors"
import { Participation } from "../domain/Achievements"
import { ActivityNotFound, type DatabaseError, EmployeeNotFound } from "../domain/Errors"
import { ActivityId, EmployeeId } from "../domain/Ids"
import {
  Activity,
  ActivityCounts,
  ActivityStatus,
  Participant,
  ParticipantStatus,
  placeHoldingStatuses,
  UpcomingActivity,
} from "../domain/Models"
import { JoinOutcome, LeaveOutcome } from "../domain/Outcomes"
import { Waitlist, waitlistQueries } from "../notifications/Waitlist"
import { traced } from "../telemetry/Spans"

export interface ActivityRepoService {
  /** Scheduled activities still ahead, the employee's interests first, then by date. */
  readonly upcomingActivities: (
    employeeId: EmployeeId,
    options?: { readonly limit?: number },
  ) => Effect.Effect<ReadonlyArray<UpcomingActivity>, DatabaseError>
  readonly getActivity: (
    activityId: ActivityId,
  ) => Effect.Effect<Activity, ActivityNotFound | DatabaseError>
  /** The people holding a place in the activity, in the order they joined. */
  readonly participants: (
    activityId: ActivityId,
  ) => Effect.Effect<ReadonlyArray<Participant>, DatabaseError>
  /**
   * The people holding a place in each of the activities, in the order they joined, in one
   * query (cache warm-up); every id gets an entry.
   */
  readonly participantsOf: (
    activityIds: ReadonlyArray<ActivityId>,
  ) => Effect.Effect<ReadonlyMap<ActivityId, ReadonlyArray<Participant>>, DatabaseError>
  /** Scheduled and active activities: the ones whose participants are worth caching. */
  readonly openActivities: Effect.Effect<ReadonlyArray<Activity>, DatabaseError>
  /** The employee's upcoming, attended and joined activities (the profile). */
  readonly activityCounts: (employeeId: EmployeeId) => Effect.Effect<ActivityCounts, DatabaseError>
  /**
   * Every activity the employee was ever a participant of, whatever the status, and every round
   * meeting they said took place, oldest first:
   * what counts as real participation is the domain's rule (`achievementsOf`).
   */
  readonly participationHistory: (
    employeeId: EmployeeId,
  ) => Effect.Effect<ReadonlyArray<Participation>, DatabaseError>
  /**
   * Takes a place in an activity. Never exceeds `max_participants`, counting the places held by
   * outstanding waitlist offers as taken; joining twice, a full activity and one that is not
   * open are outcomes, not errors. Whoever joins leaves the activity's waitlist.
   */
  readonly join: (
    activityId: ActivityId,
    employeeId: EmployeeId,
  ) => Effect.Effect<JoinOutcome, ActivityNotFound | EmployeeNotFound | DatabaseError>
  /**
   * Gives up a place; in the same transaction the place is offered to the first in the
   * activity's waitlist (`Waitlist`). Leaving what one has not joined is an outcome, not an error.
   */
  readonly leave: (
    activityId: ActivityId,
    employeeId: EmployeeId,
  ) => Effect.Effect<LeaveOutcome, ActivityNotFound | DatabaseError>
}

const Count = Schema.Struct({ count: Schema.Int })

/** The activities in Postgres. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const holdsPlace = sql.in(placeHoldingStatuses)
  const line = waitlistQueries(sql)
  // "Ahead", "still open" and the time of an answer are the service's `Clock`, not the database's
  // now(), as everywhere else: a test's TestClock and the playground's moved clock hold here too.
  const currentTime = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))
  // The bot's process offers a freed place in the leave's own transaction. Without the service
  // (ops scripts, which never leave) nothing is lost: the notifications' scheduler offers free
  // places to waiting people at its next run.
  const waitlist = yield* Effect.serviceOption(Waitlist)

  // Only an active employee takes a place.
  const findEmployee = SqlSchema.findOne({
    Request: EmployeeId,
    Result: Schema.Struct({ isActive: Schema.Boolean }),
    execute: (id) => sql`SELECT is_active FROM employees WHERE id = ${id}`,
  })

  const findActivityCounts = SqlSchema.single({
    Request: Schema.Struct({ employeeId: EmployeeId, now: Schema.DateFromSelf }),
    Result: ActivityCounts,
    execute: ({ employeeId: id, now }) => sql`
        SELECT
          count(*) FILTER (
            WHERE p.status = 'confirmed' AND a.status IN ('scheduled', 'active') AND a.scheduled_at > ${now}
          )::int AS upcoming,
          count(*) FILTER (WHERE p.status = 'attended')::int AS attended,
          count(*) FILTER (WHERE p.status IN ${holdsPlace})::int AS joined
        FROM activity_participants p
        JOIN activities a ON a.id = p.activity_id
        WHERE p.employee_id = ${id}`,
  })

  const activityCounts = (employeeId: EmployeeId) =>
    orDatabaseError(Effect.flatMap(currentTime, (now) => findActivityCounts({ employeeId, now })))

  const listUpcoming = SqlSchema.findAll({
    Request: Schema.Struct({ employeeId: EmployeeId, limit: Schema.Int, now: Schema.DateFromSelf }),
    Result: UpcomingActivity,
    execute: ({ employeeId, limit, now }) => sql`
        SELECT a.*,
          (SELECT count(*)::int FROM activity_participants p
           WHERE p.activity_id = a.id AND p.status IN ${holdsPlace}) AS participant_count,
          EXISTS (SELECT 1 FROM activity_participants p
                  WHERE p.activity_id = a.id AND p.employee_id = ${employeeId}
                    AND p.status IN ${holdsPlace}) AS joined,
          EXISTS (SELECT 1 FROM employee_interests ei
                  WHERE ei.employee_id = ${employeeId} AND ei.interest_id = a.interest_id
                    AND ei.is_active) AS matches_interests
        FROM activities a
        WHERE a.status = 'scheduled' AND a.scheduled_at > ${now}
        ORDER BY matches_interests DESC, a.scheduled_at, a.id
        LIMIT ${limit}`,
  })

  const upcomingActivities = (employeeId: EmployeeId, options?: { readonly limit?: number }) =>
    orDatabaseError(
      Effect.flatMap(currentTime, (now) =>
        listUpcoming({ employeeId, limit: options?.limit ?? 20, now }),
      ),
    )

  const selectActivity = sql`
      SELECT a.*,
        (SELECT count(*)::int FROM activity_participants p
         WHERE p.activity_id = a.id AND p.status IN ${holdsPlace}) AS participant_count
      FROM activities a`

  const findActivity = SqlSchema.single({
    Request: ActivityId,
    Result: Activity,
    execute: (id) => sql`${selectActivity} WHERE a.id = ${id}`,
  })

  const getActivity = (activityId: ActivityId) =>
    findActivity(activityId).pipe(
      Effect.catchTag("NoSuchElementException", () => new ActivityNotFound({ activityId })),
      orDatabaseError,
    )

  const listParticipantsOf = SqlSchema.findAll({
    Request: Schema.Array(ActivityId),
    Result: Participant,
    execute: (ids) => sql`
        SELECT p.activity_id, p.employee_id, e.full_name, e.telegram_username, p.status, p.rating,
               p.invited_at, p.responded_at, p.attended_at
        FROM activity_participants p
        JOIN employees e ON e.id = p.employee_id
        WHERE p.activity_id IN ${sql.in(ids)} AND p.status IN ${holdsPlace}
        ORDER BY p.activity_id, p.responded_at NULLS LAST, p.employee_id`,
  })

  const participantsOf = (activityIds: ReadonlyArray<ActivityId>) =>
    (activityIds.length === 0 ? Effect.succeed([]) : listParticipantsOf(activityIds)).pipe(
      Effect.map((rows) => {
        const byActivity = new Map<ActivityId, Array<Participant>>(
          activityIds.map((id) => [id, []]),
        )
        for (const row of rows) byActivity.get(row.activityId)?.push(row)
        return byActivity as ReadonlyMap<ActivityId, ReadonlyArray<Participant>>
      }),
      orDatabaseError,
    )

  const participants = (activityId: ActivityId) =>
    Effect.map(participantsOf([activityId]), (byActivity) => byActivity.get(activityId) ?? [])

  const listParticipationHistory = SqlSchema.findAll({
    Request: EmployeeId,
    Result: Participation,
    execute: (id) => sql`
        SELECT p.activity_id, a.interest_id, a.scheduled_at, a.duration_minutes, p.status,
               a.status AS activity_status
        FROM activity_participants p
        JOIN activities a ON a.id = p.activity_id
        WHERE p.employee_id = ${id}
        UNION ALL
        -- A round's meeting that took place (docs/rounds.md) counts as attending, in the week
        -- of its match.
        SELECT NULL, r.interest_id, mt.created_at, 60, 'attended', 'completed'
        FROM match_members m
        JOIN matches mt ON mt.id = m.match_id
        JOIN match_rounds r ON r.id = m.round_id
        WHERE m.employee_id = ${id} AND m.met
        ORDER BY 3, 1 NULLS LAST`,
  })

  const participationHistory = (employeeId: EmployeeId) =>
    orDatabaseError(listParticipationHistory(employeeId))

  const countParticipants = SqlSchema.single({
    Request: ActivityId,
    Result: Count,
    execute: (id) => sql`
        SELECT count(*)::int AS count FROM activity_participants
        WHERE activity_id = ${id} AND status IN ${holdsPlace}`,
  })
  const lockActivity = SqlSchema.findOne({
    Request: Schema.Struct({ id: ActivityId, now: Schema.DateFromSelf }),
    Result: Schema.Struct({
      status: ActivityStatus,
      maxParticipants: Schema.NullOr(Schema.Int),
      open: Schema.Boolean,
    }),
    // The row lock serialises joins and leaves of one activity: capacity is checked and taken
    // by one transaction at a time, however many people press Join at once.
    execute: ({ id, now }) => sql`
        SELECT status, max_participants, (status = 'scheduled' AND scheduled_at > ${now}) AS open
        FROM activities WHERE id = ${id}
        FOR UPDATE`,
  })

  const findParticipantStatus = SqlSchema.findOne({
    Request: Schema.Struct({ activityId: ActivityId, employeeId: EmployeeId }),
    Result: Schema.Struct({ status: ParticipantStatus }),
    execute: ({ activityId, employeeId }) => sql`
        SELECT status FROM activity_participants
        WHERE activity_id = ${activityId} AND employee_id = ${employeeId}`,
  })

  const join = (activityId: ActivityId, employeeId: EmployeeId) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const now = yield* currentTime
          const activity = yield* lockActivity({ id: activityId, now })
          if (Option.isNone(activity)) return yield* new ActivityNotFound({ activityId })
          const employee = yield* findEmployee(employeeId)
          if (Option.isNone(employee) || !employee.value.isActive) {
            return yield* new EmployeeNotFound({ employeeId })
          }
          const { count } = yield* countParticipants(activityId)
          const current = yield* findParticipantStatus({ activityId, employeeId })
          if (Option.isSome(current) && placeHoldingStatuses.includes(current.value.status)) {
            return JoinOutcome.AlreadyJoined({ participantCount: count })
          }
          const { status, maxParticipants, open } = activity.value
          if (!open) return JoinOutcome.NotOpen({ status })
          // A place offered from the waitlist is held for that person until the offer runs out
          // (their own offer is theirs to take by joining).
          const offered = yield* line.offersHeld(activityId, now, employeeId)
          if (maxParticipants !== null && count + offered >= maxParticipants) {
            return JoinOutcome.Full({ maxParticipants })
          }
          yield* sql`
              INSERT INTO activity_participants (activity_id, employee_id, status, responded_at)
              VALUES (${activityId}, ${employeeId}, 'confirmed', ${now})
              ON CONFLICT (activity_id, employee_id) DO UPDATE
              SET status = 'confirmed', responded_at = ${now}`
          yield* line.leaveLine(activityId, employeeId)
          return JoinOutcome.Joined({ participantCount: count + 1 })
        }),
      )
      .pipe(orDatabaseError)

  const leave = (activityId: ActivityId, employeeId: EmployeeId) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const now = yield* currentTime
          const activity = yield* lockActivity({ id: activityId, now })
          if (Option.isNone(activity)) return yield* new ActivityNotFound({ activityId })
          if (!activity.value.open) {
            return [LeaveOutcome.NotOpen({ status: activity.value.status }), 0] as const
          }
          const left = yield* sql`
              UPDATE activity_participants SET status = 'declined', responded_at = ${now}
              WHERE activity_id = ${activityId} AND employee_id = ${employeeId} AND status = 'confirmed'
              RETURNING employee_id`
          const { count } = yield* countParticipants(activityId)
          if (left.length === 0) return [LeaveOutcome.NotJoined(), 0] as const
          const offers = Option.isSome(waitlist)
            ? yield* waitlist.value.offerFreedPlaces(activityId)
            : 0
          return [LeaveOutcome.Left({ participantCount: count }), offers] as const
        }),
      )
      .pipe(
        orDatabaseError,
        // Once committed, the offer is the dispatcher's to send.
        Effect.tap(([, offers]) =>
          offers > 0 && Option.isSome(waitlist) ? waitlist.value.wake : Effect.void,
        ),
        Effect.map(([outcome]) => outcome),
      )

  const listOpenActivities = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Activity,
    execute: () => sql`
        ${selectActivity}
        WHERE a.status IN ('scheduled', 'active')
        ORDER BY a.scheduled_at, a.id`,
  })
  const openActivities = orDatabaseError(listOpenActivities(undefined))

  return traced("ActivityRepo", {
    upcomingActivities,
    getActivity,
    participants,
    participantsOf,
    openActivities,
    activityCounts,
    participationHistory,
    join,
    leave,
  } satisfies ActivityRepoService)
})

/**
 * Participants through the cache (DESIGN.md "Cache keys"): a join or a leave drops the
 * activity's key before it returns, so the same process reads its own writes at once. The cache
 * never decides an outcome.
 */
const withCache = (repo: ActivityRepoService) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    /** An invalidation the cache cannot apply now is kept and applied when it answers again. */
    const dropParticipants = (activityId: ActivityId) =>
      cache.invalidate([ParticipantsEntry.key(activityId)])

    const participants = (activityId: ActivityId) =>
      cache.getOrLoad(
        ParticipantsEntry.key(activityId),
        ParticipantsEntry.schema,
        ParticipantsEntry.ttl,
        repo.participants(activityId),
      )

    const join = (activityId: ActivityId, employeeId: EmployeeId) =>
      repo.join(activityId, employeeId).pipe(Effect.tap(() => dropParticipants(activityId)))

    const leave = (activityId: ActivityId, employeeId: EmployeeId) =>
      repo.leave(activityId, employeeId).pipe(Effect.tap(() => dropParticipants(activityId)))

    return { ...repo, participants, join, leave } satisfies ActivityRepoService
  })

export class ActivityRepo extends Context.Tag("connectbot/ActivityRepo")<
  ActivityRepo,
  ActivityRepoService
>() {
  /** Postgres only: the ops scripts, and the tests of the queries. */
  static readonly layer = Layer.effect(ActivityRepo, make)
  /** Postgres behind the cache: the bot. */
  static readonly cached = Layer.effect(ActivityRepo, Effect.flatMap(make, withCache))
}
