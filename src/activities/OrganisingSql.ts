/**
 * The statements behind `Organising` (docs/organisers.md), each run inside the caller's
 * transaction. Times come from the service's `Clock` as parameters, never from `now()`, so that
 * what "ended" and "ahead" mean is the same for the decision and for the write.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { ActivityId, EmployeeId, InterestId } from "../domain/Ids"
import { Activity, ActivityStatus, ParticipantStatus, placeHoldingStatuses } from "../domain/Models"

/** Statuses of people who hold or held a place: the roster, and whose attendance is marked. */
export const rosterStatuses: ReadonlyArray<ParticipantStatus> = ["confirmed", "attended", "no_show"]

export const RosterRow = Schema.Struct({
  employeeId: EmployeeId,
  fullName: Schema.String,
  telegramUsername: Schema.NullOr(Schema.String),
  status: ParticipantStatus,
})

/** How long an ended activity stays in the organisers' list. */
export const listedAfterEndDays = 30

export const makeOrganisingSql = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const holdsPlace = sql.in(placeHoldingStatuses)
  const onRoster = sql.in(rosterStatuses)

  const selectActivity = sql`
      SELECT a.*,
        (SELECT count(*)::int FROM activity_participants p
         WHERE p.activity_id = a.id AND p.status IN ${holdsPlace}) AS participant_count
      FROM activities a`

  const findInterest = SqlSchema.findOne({
    Request: InterestId,
    Result: Schema.Struct({ code: Schema.String, isActive: Schema.Boolean }),
    execute: (id) => sql`SELECT code, is_active FROM interests WHERE id = ${id}`,
  })

  const insertActivity = SqlSchema.single({
    Request: Schema.Struct({
      title: Schema.String,
      activityType: Schema.String,
      interestId: InterestId,
      scheduledAt: Schema.DateFromSelf,
      durationMinutes: Schema.Int,
      location: Schema.NullOr(Schema.String),
      maxParticipants: Schema.NullOr(Schema.Int),
      status: ActivityStatus,
      publishedAt: Schema.NullOr(Schema.DateFromSelf),
      createdBy: EmployeeId,
    }),
    Result: Schema.Struct({ id: ActivityId }),
    execute: (row) => sql`
        INSERT INTO activities (title, activity_type, interest_id, scheduled_at, duration_minutes,
                                location, max_participants, status, published_at, created_by)
        VALUES (${row.title}, ${row.activityType}, ${row.interestId}, ${row.scheduledAt},
                ${row.durationMinutes}, ${row.location}, ${row.maxParticipants}, ${row.status},
                ${row.publishedAt}, ${row.createdBy})
        RETURNING id`,
  })

  const getActivity = SqlSchema.single({
    Request: ActivityId,
    Result: Activity,
    execute: (id) => sql`${selectActivity} WHERE a.id = ${id}`,
  })

  const findActivity = SqlSchema.findOne({
    Request: ActivityId,
    Result: Activity,
    execute: (id) => sql`${selectActivity} WHERE a.id = ${id}`,
  })

  // The row lock makes the changes of one activity take turns with each other and with joins and
  // leaves (`ActivityRepo` locks the same row): two organisers editing at once, or a capacity cut
  // while people join, each see what the other committed.
  const lockActivity = SqlSchema.findOne({
    Request: ActivityId,
    Result: Activity,
    execute: (id) => sql`${selectActivity} WHERE a.id = ${id} FOR UPDATE OF a`,
  })

  const publish = (id: ActivityId, at: Date) =>
    sql`UPDATE activities SET status = 'scheduled', published_at = ${at} WHERE id = ${id}`

  const cancel = (id: ActivityId, reason: string | null) =>
    sql`UPDATE activities SET status = 'cancelled', cancel_reason = ${reason} WHERE id = ${id}`

  const complete = (id: ActivityId) =>
    sql`UPDATE activities SET status = 'completed' WHERE id = ${id}`

  /** One column of the activity; the column name comes from the code, never from input. */
  const setField = (
    id: ActivityId,
    column: "title" | "scheduled_at" | "duration_minutes" | "location" | "max_participants",
    value: string | Date | number | null,
  ) => sql`UPDATE activities SET ${sql(column)} = ${value} WHERE id = ${id}`

  // Drafts whatever their date (they wait for the organiser); everything else — scheduled,
  // active, completed or cancelled — while it is ahead, under way, or ended after `since`. A
  // scheduled activity nobody marked drops out 30 days after its end like the rest.
  const listForOrganisers = SqlSchema.findAll({
    Request: Schema.DateFromSelf,
    Result: Activity,
    execute: (since) => sql`
        ${selectActivity}
        WHERE a.status = 'draft'
           OR a.scheduled_at + make_interval(mins => a.duration_minutes) > ${since}
        -- What is still to come (or under way) first, soonest first; then what ended, latest
        -- first: the screen shows the first 30, and the coming ones must not drop off it.
        ORDER BY
          (a.status <> 'draft'
           AND a.scheduled_at + make_interval(mins => a.duration_minutes)
               <= ${since}::timestamptz + interval '30 days'),
          CASE WHEN a.status = 'draft'
                 OR a.scheduled_at + make_interval(mins => a.duration_minutes)
                    > ${since}::timestamptz + interval '30 days'
               THEN a.scheduled_at END,
          a.scheduled_at DESC, a.id`,
  })

  const roster = SqlSchema.findAll({
    Request: ActivityId,
    Result: RosterRow,
    execute: (id) => sql`
        SELECT p.employee_id, e.full_name, e.telegram_username, p.status
        FROM activity_participants p
        JOIN employees e ON e.id = p.employee_id
        WHERE p.activity_id = ${id} AND p.status IN ${onRoster}
        ORDER BY p.responded_at NULLS LAST, p.employee_id`,
  })

  const rosterEntry = SqlSchema.findOne({
    Request: Schema.Struct({ activityId: ActivityId, employeeId: EmployeeId }),
    Result: RosterRow,
    execute: ({ activityId, employeeId }) => sql`
        SELECT p.employee_id, e.full_name, e.telegram_username, p.status
        FROM activity_participants p
        JOIN employees e ON e.id = p.employee_id
        WHERE p.activity_id = ${activityId} AND p.employee_id = ${employeeId}`,
  })

  const markAttendance = (
    activityId: ActivityId,
    employeeId: EmployeeId,
    attended: boolean,
    at: Date,
  ) => sql`
      UPDATE activity_participants
      SET status = ${attended ? "attended" : "no_show"}, attended_at = ${attended ? at : null}
      WHERE activity_id = ${activityId} AND employee_id = ${employeeId}`

  return {
    findInterest,
    insertActivity,
    getActivity,
    findActivity,
    lockActivity,
    publish,
    cancel,
    complete,
    setField,
    listForOrganisers,
    roster,
    rosterEntry,
    markAttendance,
  } as const
})
