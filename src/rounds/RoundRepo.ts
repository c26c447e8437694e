/**
 * The rounds in Postgres (docs/rounds.md): matching interests, rounds, answers, matches and the
 * people in them. Statements only: what a step decides is in `Steps.ts`, what a person's answer
 * does in `Answers.ts`. Times are passed in (the caller's `Clock`), never `now()`, so that a test
 * drives the whole cycle on the `TestClock`.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import {
  BusinessCenterId,
  DepartmentId,
  EmployeeId,
  InterestId,
  MatchId,
  RoundId,
  TelegramId,
} from "../domain/Ids"
import { Locale, ScheduleFrequency } from "../domain/Models"
import { Timestamp } from "../domain/Time"

/** Postgres session and transaction advisory locks of rounds: one process runs a step at a time. */
export const ROUNDS_LOCK = 0x63627264

export const MatchingMode = Schema.Literal("anywhere", "same_office")
export type MatchingMode = typeof MatchingMode.Type

export const RoundStatus = Schema.Literal("inviting", "matching", "matched", "closed", "cancelled")
export type RoundStatus = typeof RoundStatus.Type

/** A round closed or called off: no step is left to run on it (`openRounds` are the others). */
export const isOver = (round: { readonly status: RoundStatus }): boolean =>
  round.status === "closed" || round.status === "cancelled"

export class MatchingInterest extends Schema.Class<MatchingInterest>("MatchingInterest")({
  id: InterestId,
  code: Schema.String,
  emoji: Schema.String,
  name: Schema.String,
  nameEn: Schema.NullOr(Schema.String),
  matching: MatchingMode,
  scheduleFrequency: ScheduleFrequency,
}) {}

export class Round extends Schema.Class<Round>("Round")({
  id: RoundId,
  interestId: InterestId,
  startsOn: Schema.String,
  status: RoundStatus,
  seed: Schema.Union(Schema.Number, Schema.NumberFromString),
  invitedAt: Schema.NullOr(Timestamp),
  matchedAt: Schema.NullOr(Timestamp),
  remindedAt: Schema.NullOr(Timestamp),
  feedbackAt: Schema.NullOr(Timestamp),
  closedAt: Schema.NullOr(Timestamp),
}) {}

/** Someone a step writes to or places, with what an intro shows of them. */
export class Person extends Schema.Class<Person>("Person")({
  id: EmployeeId,
  fullName: Schema.String,
  position: Schema.NullOr(Schema.String),
  departmentId: Schema.NullOr(DepartmentId),
  department: Schema.NullOr(Schema.String),
  businessCenterId: Schema.NullOr(BusinessCenterId),
  office: Schema.NullOr(Schema.String),
  telegramId: Schema.NullOr(TelegramId),
  telegramUsername: Schema.NullOr(Schema.String),
  /** The language they last wrote in: what they are written to in (null: the default). */
  locale: Schema.NullOr(Locale),
}) {}

export class Member extends Schema.Class<Member>("Member")({
  matchId: MatchId,
  roundId: RoundId,
  employeeId: EmployeeId,
  response: Schema.NullOr(Schema.Literal("confirmed", "declined")),
  met: Schema.NullOr(Schema.Boolean),
  rating: Schema.NullOr(Schema.Int),
}) {}

const personColumns = (sql: SqlClient.SqlClient) => sql`
  e.id, e.full_name, e.position, e.department_id, d.name AS department,
  e.business_center_id, b.name AS office, e.telegram_id, e.telegram_username, e.locale`

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const person = personColumns(sql)
  const roundColumns = sql`
    id, interest_id, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, status, seed,
    invited_at, matched_at, reminded_at, feedback_at, closed_at`

  const matchingInterests = orDatabaseError(
    SqlSchema.findAll({
      Request: Schema.Void,
      Result: MatchingInterest,
      execute: () => sql`
        SELECT id, code, emoji, name, name_en, matching, schedule_frequency FROM interests
        WHERE is_active AND matching <> 'none' ORDER BY id`,
    })(undefined),
  )

  const openRounds = orDatabaseError(
    SqlSchema.findAll({
      Request: Schema.Void,
      Result: Round,
      execute: () => sql`
        SELECT ${roundColumns} FROM match_rounds
        WHERE status NOT IN ('closed', 'cancelled') ORDER BY starts_on, id`,
    })(undefined),
  )

  const findRound = SqlSchema.findOne({
    Request: Schema.Struct({ interestId: InterestId, startsOn: Schema.String }),
    Result: Round,
    execute: ({ interestId, startsOn }) => sql`
      SELECT ${roundColumns} FROM match_rounds
      WHERE interest_id = ${interestId} AND starts_on = ${startsOn}`,
  })

  /** The round of this interest and cycle, made if it is not there yet (by whichever process comes first). */
  const ensureRound = (interestId: InterestId, startsOn: string) =>
    orDatabaseError(
      sql`
        INSERT INTO match_rounds (interest_id, starts_on) VALUES (${interestId}, ${startsOn})
        ON CONFLICT (interest_id, starts_on) DO NOTHING`.pipe(
        Effect.zipRight(findRound({ interestId, startsOn })),
        Effect.flatMap(Effect.orDie),
      ),
    )

  /** The round, locked for the rest of the transaction (a step's work on it happens once). */
  const lockRound = SqlSchema.findOne({
    Request: RoundId,
    Result: Round,
    execute: (id) => sql`SELECT ${roundColumns} FROM match_rounds WHERE id = ${id} FOR UPDATE`,
  })

  const getRound = SqlSchema.findOne({
    Request: RoundId,
    Result: Round,
    execute: (id) => sql`SELECT ${roundColumns} FROM match_rounds WHERE id = ${id}`,
  })

  const roundsOf = SqlSchema.findAll({
    Request: Schema.Struct({ interestId: InterestId, limit: Schema.Int }),
    Result: Round,
    execute: ({ interestId, limit }) => sql`
      SELECT ${roundColumns} FROM match_rounds WHERE interest_id = ${interestId}
      ORDER BY starts_on DESC LIMIT ${limit}`,
  })

  /** Whether this process (transaction) may run steps of the round now; false: another one is. */
  const tryStepLock = (roundId: RoundId) =>
    sql<{ readonly locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(${ROUNDS_LOCK}, ${roundId}) AS locked`.pipe(
      Effect.map((rows) => rows[0]?.locked === true),
    )

  const setStatus = (
    roundId: RoundId,
    status: RoundStatus,
    column: "invited_at" | "matched_at" | "reminded_at" | "feedback_at" | "closed_at",
    at: Date,
  ) => sql`UPDATE match_rounds SET status = ${status}, ${sql(column)} = ${at} WHERE id = ${roundId}`

  /** Who is invited: subscribed with notifications on, not paused for this cycle, linked, reachable, active. */
  const subscribers = SqlSchema.findAll({
    Request: Schema.Struct({ interestId: InterestId, startsOn: Schema.String }),
    Result: Person,
    execute: ({ interestId, startsOn }) => sql`
      SELECT ${person}
      FROM employee_interests ei
      JOIN employees e ON e.id = ei.employee_id
      LEFT JOIN departments d ON d.id = e.department_id
      LEFT JOIN business_centers b ON b.id = e.business_center_id
      WHERE ei.interest_id = ${interestId} AND ei.is_active AND ei.receive_notifications
        AND (ei.paused_until IS NULL OR ei.paused_until <= ${startsOn}::date)
        AND e.is_active AND e.telegram_id IS NOT NULL AND e.unreachable_since IS NULL
      ORDER BY e.id`,
  })

  /** Who said "I'm in" and can still be placed (active, linked, reachable, still subscribed). */
  const joiners = SqlSchema.findAll({
    Request: Schema.Struct({ roundId: RoundId, interestId: InterestId }),
    Result: Person,
    execute: ({ roundId, interestId }) => sql`
      SELECT ${person}
      FROM round_answers a
      JOIN employees e ON e.id = a.employee_id
      JOIN employee_interests ei ON ei.employee_id = e.id AND ei.interest_id = ${interestId} AND ei.is_active
      LEFT JOIN departments d ON d.id = e.department_id
      LEFT JOIN business_centers b ON b.id = e.business_center_id
      WHERE a.round_id = ${roundId} AND a.answer = 'in'
        AND e.is_active AND e.telegram_id IS NOT NULL AND e.unreachable_since IS NULL
      ORDER BY e.id`,
  })

  /**
   * Who gets priority in a round: people of the interest's previous round who were left without
   * a partner, or whose partner declined while they did not.
   */
  const priorityIn = (interestId: InterestId, before: string) =>
    sql<{ readonly employeeId: number }>`
      WITH previous AS (
        SELECT id FROM match_rounds
        WHERE interest_id = ${interestId} AND starts_on < ${before}::date AND status IN ('matched', 'closed')
        ORDER BY starts_on DESC LIMIT 1
      )
      SELECT employee_id FROM round_unplaced WHERE round_id IN (SELECT id FROM previous)
      UNION
      SELECT m.employee_id FROM match_members m
      WHERE m.round_id IN (SELECT id FROM previous) AND m.response IS DISTINCT FROM 'declined'
        AND EXISTS (SELECT 1 FROM match_members o
                    WHERE o.match_id = m.match_id AND o.employee_id <> m.employee_id AND o.response = 'declined')`.pipe(
      Effect.map((rows) => new Set(rows.map((row) => row.employeeId))),
    )

  /** Every pair that was matched in the interest's earlier rounds, with the round's day. */
  const pastPairs = (interestId: InterestId, before: string) =>
    sql<{ readonly a: number; readonly b: number; readonly startsOn: string }>`
      SELECT x.employee_id AS a, y.employee_id AS b, to_char(r.starts_on, 'YYYY-MM-DD') AS starts_on
      FROM match_members x
      JOIN match_members y ON y.match_id = x.match_id AND y.employee_id > x.employee_id
      JOIN match_rounds r ON r.id = x.round_id
      WHERE r.interest_id = ${interestId} AND r.starts_on < ${before}::date
        AND r.status IN ('matched', 'closed')`

  /** The days of the interest's earlier placed rounds, newest first (for "rounds ago"). */
  const earlierRoundDays = (interestId: InterestId, before: string) =>
    sql<{ readonly startsOn: string }>`
      SELECT to_char(starts_on, 'YYYY-MM-DD') AS starts_on FROM match_rounds
      WHERE interest_id = ${interestId} AND starts_on < ${before}::date AND status IN ('matched', 'closed')
      ORDER BY starts_on DESC`.pipe(Effect.map((rows) => rows.map((row) => row.startsOn)))

  const insertMatch = (roundId: RoundId, employeeIds: ReadonlyArray<EmployeeId>, at: Date) =>
    Effect.gen(function* () {
      const [row] = yield* sql<{ readonly id: MatchId }>`
        INSERT INTO matches (round_id, created_at) VALUES (${roundId}, ${at}) RETURNING id`
      const matchId = row?.id as MatchId
      yield* sql`INSERT INTO match_members ${sql.insert(
        employeeIds.map((employeeId) => ({ matchId, roundId, employeeId })),
      )}`
      return matchId
    })

  const insertUnplaced = (roundId: RoundId, employeeIds: ReadonlyArray<EmployeeId>) =>
    employeeIds.length === 0
      ? Effect.void
      : Effect.asVoid(
          sql`INSERT INTO round_unplaced ${sql.insert(employeeIds.map((employeeId) => ({ roundId, employeeId })))}
              ON CONFLICT DO NOTHING`,
        )

  /** The matches of a round with their members (as intros show them) and their answers. */
  const matchesOf = (roundId: RoundId) =>
    SqlSchema.findAll({
      Request: RoundId,
      Result: Schema.Struct({
        ...Person.fields,
        matchId: MatchId,
        response: Schema.NullOr(Schema.Literal("confirmed", "declined")),
        met: Schema.NullOr(Schema.Boolean),
      }),
      execute: (id) => sql`
        SELECT ${person}, m.match_id, m.response, m.met
        FROM match_members m
        JOIN employees e ON e.id = m.employee_id
        LEFT JOIN departments d ON d.id = e.department_id
        LEFT JOIN business_centers b ON b.id = e.business_center_id
        WHERE m.round_id = ${id}
        ORDER BY m.match_id, e.id`,
    })(roundId)

  const membersOf = SqlSchema.findAll({
    Request: MatchId,
    Result: Member,
    execute: (id) => sql`
      SELECT match_id, round_id, employee_id, response, met, rating FROM match_members
      WHERE match_id = ${id} ORDER BY employee_id`,
  })

  const people = SqlSchema.findAll({
    Request: Schema.Array(EmployeeId),
    Result: Person,
    execute: (ids) => sql`
      SELECT ${person}
      FROM employees e
      LEFT JOIN departments d ON d.id = e.department_id
      LEFT JOIN business_centers b ON b.id = e.business_center_id
      WHERE e.id IN ${sql.in(ids.length === 0 ? [0] : ids)}
      ORDER BY e.id`,
  })

  const interestOf = SqlSchema.findOne({
    Request: InterestId,
    Result: MatchingInterest,
    execute: (id) => sql`
      SELECT id, code, emoji, name, name_en, matching, schedule_frequency FROM interests
      WHERE id = ${id} AND matching <> 'none'`,
  })

  const interestByCode = SqlSchema.findOne({
    Request: Schema.String,
    Result: MatchingInterest,
    execute: (code) => sql`
      SELECT id, code, emoji, name, name_en, matching, schedule_frequency FROM interests
      WHERE code = ${code} AND matching <> 'none'`,
  })

  return {
    sql,
    matchingInterests,
    openRounds,
    ensureRound,
    lockRound,
    getRound,
    roundsOf,
    tryStepLock,
    setStatus,
    subscribers,
    joiners,
    priorityIn,
    pastPairs,
    earlierRoundDays,
    insertMatch,
    insertUnplaced,
    matchesOf,
    membersOf,
    people,
    interestOf,
    interestByCode,
  } as const
})

export type RoundRepo = Effect.Effect.Success<typeof make>
