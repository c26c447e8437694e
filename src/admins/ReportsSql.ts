/**
 * The aggregates behind `Reports` (docs/organisers.md): four grouped queries over one month, each
 * read in one pass over the month's rows. Activities are found through
 * `activities_upcoming_idx (status, scheduled_at)`, rounds by `starts_on`; participants, answers
 * and members through their primary keys.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"

/** The month, in the zone whose calendar it follows. */
export const MonthRequest = Schema.Struct({
  year: Schema.Int,
  month: Schema.Int,
  timeZone: Schema.String,
})
export type MonthRequest = typeof MonthRequest.Type

/** Figures of one interest or department; `key` null: none (see `Reports`). */
export const ActivityFigures = Schema.Struct({
  key: Schema.NullOr(Schema.Int),
  activities: Schema.Int,
  placesTaken: Schema.Int,
  attended: Schema.Int,
  noShow: Schema.Int,
})
export type ActivityFigures = typeof ActivityFigures.Type

export const RoundFigures = Schema.Struct({
  key: Schema.NullOr(Schema.Int),
  joined: Schema.Int,
  placed: Schema.Int,
  met: Schema.Int,
  averageRating: Schema.NullOr(Schema.Number),
})
export type RoundFigures = typeof RoundFigures.Type

export const Named = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  nameEn: Schema.NullOr(Schema.String),
  isActive: Schema.Boolean,
})
export type Named = typeof Named.Type

export const makeReportsSql = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const firstDay = ({ year, month }: MonthRequest) => sql`make_date(${year}, ${month}, 1)`

  // The month's instants: local midnight of its first day up to that of the next month's.
  // Drafts never took place and cancelled activities did not either.
  const heldInMonth = (request: MonthRequest) => sql`
      a.status IN ('scheduled', 'active', 'completed')
      AND a.scheduled_at >= (${firstDay(request)}::timestamp AT TIME ZONE ${request.timeZone})
      AND a.scheduled_at < ((${firstDay(request)} + interval '1 month')::timestamp
                            AT TIME ZONE ${request.timeZone})`

  const activitiesByInterest = SqlSchema.findAll({
    Request: MonthRequest,
    Result: ActivityFigures,
    execute: (request) => sql`
        SELECT a.interest_id AS key,
          count(DISTINCT a.id)::int AS activities,
          count(p.employee_id)::int AS places_taken,
          count(*) FILTER (WHERE p.status = 'attended')::int AS attended,
          count(*) FILTER (WHERE p.status = 'no_show')::int AS no_show
        FROM activities a
        LEFT JOIN activity_participants p
          ON p.activity_id = a.id AND p.status IN ('confirmed', 'attended', 'no_show')
        WHERE ${heldInMonth(request)}
        GROUP BY a.interest_id`,
  })

  // A department's activities are those someone of it held a place in.
  const activitiesByDepartment = SqlSchema.findAll({
    Request: MonthRequest,
    Result: ActivityFigures,
    execute: (request) => sql`
        SELECT e.department_id AS key,
          count(DISTINCT a.id)::int AS activities,
          count(*)::int AS places_taken,
          count(*) FILTER (WHERE p.status = 'attended')::int AS attended,
          count(*) FILTER (WHERE p.status = 'no_show')::int AS no_show
        FROM activities a
        JOIN activity_participants p
          ON p.activity_id = a.id AND p.status IN ('confirmed', 'attended', 'no_show')
        JOIN employees e ON e.id = p.employee_id
        WHERE ${heldInMonth(request)}
        GROUP BY e.department_id`,
  })

  // One row per person and round of the month: whether they said they're in, were placed, met,
  // and how they rated it. A round called off never ran: it counts for nothing.
  const roundPeople = (request: MonthRequest) => sql`
      SELECT r.interest_id, x.employee_id,
        bool_or(x.joined) AS joined, bool_or(x.placed) AS placed, bool_or(x.met) AS met,
        max(x.rating) AS rating
      FROM match_rounds r
      JOIN (
        SELECT round_id, employee_id, true AS joined, false AS placed, false AS met,
               NULL::smallint AS rating
        FROM round_answers WHERE answer = 'in'
        UNION ALL
        SELECT round_id, employee_id, false, true, coalesce(met, false), rating
        FROM match_members
      ) x ON x.round_id = r.id
      WHERE r.status <> 'cancelled'
        AND r.starts_on >= ${firstDay(request)}
        AND r.starts_on < ${firstDay(request)} + interval '1 month'
      GROUP BY r.id, r.interest_id, x.employee_id`

  const roundColumns = sql`
      count(*) FILTER (WHERE joined)::int AS joined,
      count(*) FILTER (WHERE placed)::int AS placed,
      count(*) FILTER (WHERE met)::int AS met,
      avg(rating)::float8 AS average_rating`

  const roundsByInterest = SqlSchema.findAll({
    Request: MonthRequest,
    Result: RoundFigures,
    execute: (request) => sql`
        SELECT people.interest_id AS key, ${roundColumns}
        FROM (${roundPeople(request)}) people
        GROUP BY people.interest_id`,
  })

  const roundsByDepartment = SqlSchema.findAll({
    Request: MonthRequest,
    Result: RoundFigures,
    execute: (request) => sql`
        SELECT e.department_id AS key, ${roundColumns}
        FROM (${roundPeople(request)}) people
        JOIN employees e ON e.id = people.employee_id
        GROUP BY e.department_id`,
  })

  const interests = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Named,
    execute: () => sql`SELECT id, name, name_en, is_active FROM interests ORDER BY id`,
  })

  const departments = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Named,
    execute: () => sql`
        SELECT id, name, NULL AS name_en, is_active FROM departments ORDER BY name, id`,
  })

  return {
    activitiesByInterest,
    activitiesByDepartment,
    roundsByInterest,
    roundsByDepartment,
    interests: interests(undefined),
    departments: departments(undefined),
  } as const
})
