/**
 * What a person's answers do: to an invitation (in / skip / pause), to an intro (we'll meet /
 * can't), to "did you meet?" and its rating and comment, and the pause switch of Settings. Button
 * data is untrusted: every answer checks that the round or match is theirs and still takes
 * answers, and changes nothing otherwise.
 */
import { SqlSchema } from "@effect/sql"
import { Clock, Effect, Metric, Option, Schema } from "effect"
import { interestName } from "../bot/Views"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError } from "../domain/Errors"
import { EmployeeId, type InterestId, type MatchId, type RoundId } from "../domain/Ids"
import type { Outbox } from "../outbox/Outbox"
import { cycleOf } from "./Cycle"
import * as RoundMetrics from "./RoundMetrics"
import { MatchingInterest, type Person, type Round, type RoundRepo } from "./RoundRepo"
import type { RoundsSettings } from "./RoundsSettings"
import type { Answer } from "./RoundTexts"
import { roundTexts } from "./RoundTexts"

/** How long "⏸ Pause 4 weeks" pauses an interest. */
export const pauseDays = 28

export type AnswerOutcome =
  | {
      readonly _tag: "Recorded"
      readonly answer: Answer
      readonly interest: MatchingInterest
      readonly matchAt: Date
      /** YYYY-MM-DD, for a pause. */
      readonly pausedUntil: string | null
    }
  | { readonly _tag: "Closed" }
  | { readonly _tag: "NotInvited" }

export type MatchOutcome<A> =
  | ({
      readonly _tag: "Recorded"
      readonly interest: MatchingInterest
      readonly partners: ReadonlyArray<Person>
    } & A)
  | { readonly _tag: "Closed" }
  | { readonly _tag: "NotYours" }

/** A matching interest of the employee with its pause. */
export interface PauseSetting {
  readonly interest: MatchingInterest
  readonly pausedUntil: string | null
}

/** The employee's pairing in a round still running. */
export interface CurrentMatch {
  readonly interest: MatchingInterest
  readonly partners: ReadonlyArray<string>
}

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 864e5).toISOString().slice(0, 10)

export const makeAnswers = (repo: RoundRepo, outbox: Outbox["Type"], settings: RoundsSettings) => {
  const { sql } = repo
  const today = Effect.map(Clock.currentTimeMillis, (now) =>
    new Date(now).toLocaleDateString("en-CA", { timeZone: settings.timeZone }),
  )

  const lockRoundShared = (roundId: RoundId) =>
    sql<{ readonly id: number }>`SELECT id FROM match_rounds WHERE id = ${roundId} FOR SHARE`

  const answer = (
    roundId: RoundId,
    employeeId: EmployeeId,
    given: Answer,
  ): Effect.Effect<AnswerOutcome, DatabaseError> =>
    orDatabaseError(
      sql.withTransaction(
        Effect.gen(function* () {
          // Waits while the match step holds the round: an answer lands before the placement or not at all.
          yield* lockRoundShared(roundId)
          const round = yield* repo.getRound(roundId)
          if (Option.isNone(round)) return { _tag: "NotInvited" } as const
          const invited = yield* sql`
            SELECT 1 FROM outbox WHERE dedupe_key = ${`round:${roundId}:invite:${employeeId}`}`
          if (invited.length === 0) return { _tag: "NotInvited" } as const
          if (round.value.status !== "inviting") return { _tag: "Closed" } as const
          const interest = yield* repo.interestOf(round.value.interestId)
          if (Option.isNone(interest)) return { _tag: "Closed" } as const
          const now = new Date(yield* Clock.currentTimeMillis)
          yield* sql`
            INSERT INTO round_answers (round_id, employee_id, answer, answered_at)
            VALUES (${roundId}, ${employeeId}, ${given}, ${now})
            ON CONFLICT (round_id, employee_id) DO UPDATE SET answer = EXCLUDED.answer, answered_at = EXCLUDED.answered_at`
          const pausedUntil = addDays(round.value.startsOn, pauseDays)
          // A pause given here (and taken back by another answer) is this round's own.
          yield* given === "pause"
            ? sql`UPDATE employee_interests SET paused_until = ${pausedUntil}::date
                  WHERE employee_id = ${employeeId} AND interest_id = ${round.value.interestId}`
            : sql`UPDATE employee_interests SET paused_until = NULL
                  WHERE employee_id = ${employeeId} AND interest_id = ${round.value.interestId}
                    AND paused_until = ${pausedUntil}::date`
          return {
            _tag: "Recorded",
            answer: given,
            interest: interest.value,
            matchAt: cycleOf(settings, round.value.startsOn).match,
            pausedUntil: given === "pause" ? pausedUntil : null,
          } as const
        }),
      ),
    )

  /** The match's members, locked; the employee must be one of them and the round still running. */
  const inMatch = <A>(
    matchId: MatchId,
    employeeId: EmployeeId,
    body: (
      round: Round,
      interest: MatchingInterest,
      partners: ReadonlyArray<Person>,
    ) => Effect.Effect<A | "closed", unknown>,
  ): Effect.Effect<MatchOutcome<{ readonly result: A }>, DatabaseError> =>
    orDatabaseError(
      sql.withTransaction(
        Effect.gen(function* () {
          const members = yield* sql<{
            readonly employeeId: EmployeeId
            readonly roundId: RoundId
          }>`
            SELECT employee_id, round_id FROM match_members WHERE match_id = ${matchId}
            ORDER BY employee_id FOR UPDATE`
          if (!members.some((member) => member.employeeId === employeeId)) {
            return { _tag: "NotYours" } as const
          }
          const round = yield* repo.getRound(members[0]?.roundId as RoundId)
          if (Option.isNone(round) || round.value.status !== "matched")
            return { _tag: "Closed" } as const
          const interest = yield* repo.interestOf(round.value.interestId)
          if (Option.isNone(interest)) return { _tag: "Closed" } as const
          const partners = yield* repo.people(
            members
              .filter((member) => member.employeeId !== employeeId)
              .map((member) => member.employeeId),
          )
          const result = yield* body(round.value, interest.value, partners)
          if (result === "closed") return { _tag: "Closed" } as const
          return { _tag: "Recorded", interest: interest.value, partners, result } as const
        }),
      ),
    ) as Effect.Effect<MatchOutcome<{ readonly result: A }>, DatabaseError>

  /** 👍 / 👎 to an intro; a decline tells the partners (once), who get priority next time. */
  const respond = (matchId: MatchId, employeeId: EmployeeId, response: "confirmed" | "declined") =>
    inMatch(matchId, employeeId, (round, interest, partners) =>
      Effect.gen(function* () {
        if (round.feedbackAt !== null) return "closed" as const
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* sql`
          UPDATE match_members SET response = ${response}, responded_at = ${now}
          WHERE match_id = ${matchId} AND employee_id = ${employeeId}`
        if (response === "declined") {
          const [me] = yield* repo.people([employeeId])
          yield* outbox.enqueue(
            partners.map((partner) => {
              // In the partner's language, as everything the rounds send them.
              const locale = partner.locale ?? settings.locale
              return {
                employeeId: partner.id,
                kind: "round.declined",
                dedupeKey: `match:${matchId}:declined:${employeeId}:${partner.id}`,
                payload: {
                  text: roundTexts(locale).partnerDeclined(
                    interestName(interest, locale),
                    me?.fullName ?? "",
                  ),
                },
              }
            }),
          )
        }
        return response
      }),
    )

  /** ✅ / ❌ to "did you meet?", once the feedback question went out. */
  const reportMet = (matchId: MatchId, employeeId: EmployeeId, met: boolean) =>
    inMatch(matchId, employeeId, (round) =>
      Effect.gen(function* () {
        if (round.feedbackAt === null) return "closed" as const
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* sql`
          UPDATE match_members SET met = ${met}, rating = CASE WHEN ${met} THEN rating END, responded_at = ${now}
          WHERE match_id = ${matchId} AND employee_id = ${employeeId}`
        if (met) yield* Metric.increment(RoundMetrics.met)
        return met
      }),
    )

  /** ⭐ 1–5 after "yes, we met". */
  const rate = (matchId: MatchId, employeeId: EmployeeId, rating: number) =>
    inMatch(matchId, employeeId, (round) =>
      Effect.gen(function* () {
        if (round.feedbackAt === null || !Number.isInteger(rating) || rating < 1 || rating > 5) {
          return "closed" as const
        }
        const updated = yield* sql`
          UPDATE match_members SET rating = ${rating}
          WHERE match_id = ${matchId} AND employee_id = ${employeeId} AND met RETURNING 1`
        if (updated.length === 0) return "closed" as const
        yield* Metric.update(RoundMetrics.rating, rating)
        return rating
      }),
    )

  /** The optional comment after "yes, we met": never shown to the partner. */
  const comment = (matchId: MatchId, employeeId: EmployeeId, text: string) =>
    inMatch(matchId, employeeId, () =>
      sql`UPDATE match_members SET comment = ${text.trim().slice(0, 1000)}
          WHERE match_id = ${matchId} AND employee_id = ${employeeId} AND met RETURNING 1`.pipe(
        Effect.map((updated) => (updated.length > 0 ? undefined : ("closed" as const))),
      ),
    )

  const interestColumns = sql`i.id, i.code, i.emoji, i.name, i.name_en, i.matching, i.schedule_frequency`

  const listPauses = SqlSchema.findAll({
    Request: EmployeeId,
    Result: Schema.Struct({
      ...MatchingInterest.fields,
      pausedUntil: Schema.NullOr(Schema.String),
    }),
    execute: (id) => sql`
      SELECT ${interestColumns}, ei.paused_until
      FROM employee_interests ei JOIN interests i ON i.id = ei.interest_id
      WHERE ei.employee_id = ${id} AND ei.is_active AND i.is_active AND i.matching <> 'none'
      ORDER BY i.id`,
  })

  const pauseSettings = (employeeId: EmployeeId) =>
    orDatabaseError(listPauses(employeeId)).pipe(
      Effect.zip(today),
      Effect.map(([rows, today]) =>
        rows.map(
          ({ pausedUntil, ...interest }): PauseSetting => ({
            interest: new MatchingInterest(interest),
            pausedUntil: pausedUntil !== null && pausedUntil > today ? pausedUntil : null,
          }),
        ),
      ),
    )

  /** ⏸ / ▶️ in Settings: pauses a matching interest for four weeks, or resumes it. */
  const togglePause = (employeeId: EmployeeId, interestId: InterestId) =>
    Effect.gen(function* () {
      const settingsNow = yield* pauseSettings(employeeId)
      const current = settingsNow.find((setting) => setting.interest.id === interestId)
      if (current === undefined) return Option.none<PauseSetting>()
      const until = current.pausedUntil === null ? addDays(yield* today, pauseDays) : null
      yield* orDatabaseError(
        sql`UPDATE employee_interests SET paused_until = ${until}::date
            WHERE employee_id = ${employeeId} AND interest_id = ${interestId}`,
      )
      return Option.some({ interest: current.interest, pausedUntil: until })
    })

  const listCurrentMatches = SqlSchema.findAll({
    Request: EmployeeId,
    Result: Schema.Struct({ ...MatchingInterest.fields, partner: Schema.String }),
    execute: (id) => sql`
      SELECT ${interestColumns}, e.full_name AS partner
      FROM match_members me
      JOIN match_rounds r ON r.id = me.round_id AND r.status = 'matched'
      JOIN interests i ON i.id = r.interest_id
      JOIN match_members o ON o.match_id = me.match_id AND o.employee_id <> me.employee_id
      JOIN employees e ON e.id = o.employee_id
      WHERE me.employee_id = ${id} AND me.response IS DISTINCT FROM 'declined'
        AND o.response IS DISTINCT FROM 'declined'
      ORDER BY i.id, e.full_name`,
  })

  /** The employee's pairings in rounds still running (the profile shows them), in one query. */
  const currentMatches = (employeeId: EmployeeId) =>
    orDatabaseError(listCurrentMatches(employeeId)).pipe(
      Effect.map((rows) =>
        [...new Set(rows.map((row) => row.id))].map((id): CurrentMatch => {
          const mine = rows.filter((row) => row.id === id)
          const { partner: _, ...interest } = mine[0] as (typeof rows)[number]
          return {
            interest: new MatchingInterest(interest),
            partners: mine.map((row) => row.partner),
          }
        }),
      ),
    )

  return {
    answer,
    respond,
    reportMet,
    rate,
    comment,
    pauseSettings,
    togglePause,
    currentMatches,
  } as const
}
