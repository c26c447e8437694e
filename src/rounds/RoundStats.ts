/**
 * What ops ask about rounds (`tsx scripts/rounds.ts status | stats`): per interest, the current
 * round and its step; per round, how many were invited, joined, placed, met, and how they rated it.
 */
import { Clock, Effect, Option } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import { cycleAfter, cycleOf, dueAt, type Step } from "./Cycle"
import { isOver, type MatchingInterest, type Round, type RoundRepo } from "./RoundRepo"
import type { RoundsSettings } from "./RoundsSettings"
import { nextStepOf } from "./Steps"

export interface RoundFigures {
  readonly interest: string
  readonly startsOn: string
  readonly status: string
  readonly invited: number
  readonly joined: number
  readonly skipped: number
  readonly paused: number
  readonly placed: number
  readonly matches: number
  readonly trios: number
  readonly alone: number
  /** Pairs in this round who were paired in one of the `noRepeat` rounds before it. */
  readonly repeats: number
  /** Share of pairs (within groups) from different departments, 0–1; null without pairs. */
  readonly crossDepartment: number | null
  readonly confirmed: number
  readonly declined: number
  readonly met: number
  readonly averageRating: number | null
}

export interface InterestStatus {
  readonly interest: string
  readonly matching: string
  readonly frequency: string
  /** The round now running (or the last one), none before the first. */
  readonly round: Option.Option<RoundFigures>
  /** The next step and when it falls due. */
  readonly next: Option.Option<{
    readonly step: Step
    readonly at: Date
    readonly startsOn: string
  }>
}

export const makeRoundStats = (repo: RoundRepo, settings: RoundsSettings) => {
  const { sql } = repo

  const figures = (interest: MatchingInterest, round: Round) =>
    orDatabaseError(
      Effect.gen(function* () {
        const [row] = yield* sql<
          Omit<RoundFigures, "interest" | "startsOn" | "status" | "repeats">
        >`
          SELECT
            (SELECT count(*)::int FROM outbox WHERE dedupe_key LIKE ${`round:${round.id}:invite:%`}) AS invited,
            (SELECT count(*)::int FROM round_answers WHERE round_id = ${round.id} AND answer = 'in') AS joined,
            (SELECT count(*)::int FROM round_answers WHERE round_id = ${round.id} AND answer = 'skip') AS skipped,
            (SELECT count(*)::int FROM round_answers WHERE round_id = ${round.id} AND answer = 'pause') AS paused,
            (SELECT count(*)::int FROM match_members WHERE round_id = ${round.id}) AS placed,
            (SELECT count(*)::int FROM matches WHERE round_id = ${round.id}) AS matches,
            (SELECT count(*)::int FROM matches m WHERE m.round_id = ${round.id}
               AND (SELECT count(*) FROM match_members x WHERE x.match_id = m.id) = 3) AS trios,
            (SELECT count(*)::int FROM round_unplaced WHERE round_id = ${round.id}) AS alone,
            (SELECT avg(CASE WHEN coalesce(dx.id, -1) <> coalesce(dy.id, -2) THEN 1.0 ELSE 0.0 END)::float8
               FROM match_members x
               JOIN match_members y ON y.match_id = x.match_id AND y.employee_id > x.employee_id
               JOIN employees ex ON ex.id = x.employee_id LEFT JOIN departments dx ON dx.id = ex.department_id
               JOIN employees ey ON ey.id = y.employee_id LEFT JOIN departments dy ON dy.id = ey.department_id
               WHERE x.round_id = ${round.id}) AS cross_department,
            (SELECT count(*)::int FROM match_members WHERE round_id = ${round.id} AND response = 'confirmed') AS confirmed,
            (SELECT count(*)::int FROM match_members WHERE round_id = ${round.id} AND response = 'declined') AS declined,
            (SELECT count(*)::int FROM match_members WHERE round_id = ${round.id} AND met) AS met,
            (SELECT avg(rating)::float8 FROM match_members WHERE round_id = ${round.id} AND rating IS NOT NULL) AS average_rating`
        const days = (yield* repo.earlierRoundDays(interest.id, round.startsOn)).slice(
          0,
          settings.noRepeat,
        )
        const earlier = (yield* repo.pastPairs(interest.id, round.startsOn)).filter((pair) =>
          days.includes(pair.startsOn),
        )
        const seen = new Set(earlier.map((pair) => `${pair.a}:${pair.b}`))
        const now = yield* sql<{ readonly a: number; readonly b: number }>`
          SELECT x.employee_id AS a, y.employee_id AS b FROM match_members x
          JOIN match_members y ON y.match_id = x.match_id AND y.employee_id > x.employee_id
          WHERE x.round_id = ${round.id}`
        return {
          interest: interest.code,
          startsOn: round.startsOn,
          status: round.status,
          ...(row as Omit<RoundFigures, "interest" | "startsOn" | "status" | "repeats">),
          repeats: now.filter((pair) => seen.has(`${pair.a}:${pair.b}`)).length,
        } satisfies RoundFigures
      }),
    )

  const status = Effect.gen(function* () {
    const now = new Date(yield* Clock.currentTimeMillis)
    const interests = yield* repo.matchingInterests
    return yield* Effect.forEach(interests, (interest) =>
      Effect.gen(function* () {
        const [latest] = yield* orDatabaseError(
          repo.roundsOf({ interestId: interest.id, limit: 1 }),
        )
        const running = latest !== undefined && !isOver(latest) ? latest : undefined
        const coming = cycleAfter(settings, interest.scheduleFrequency, now, latest?.startsOn)
        const next =
          running === undefined
            ? Option.some({ step: "invite" as Step, at: coming.invite, startsOn: coming.startsOn })
            : Option.flatMap(nextStepOf(running, cycleOf(settings, running.startsOn)), (step) =>
                Option.map(dueAt(cycleOf(settings, running.startsOn), step), (at) => ({
                  step,
                  at,
                  startsOn: running.startsOn,
                })),
              )
        return {
          interest: interest.code,
          matching: interest.matching,
          frequency: interest.scheduleFrequency,
          round:
            latest === undefined ? Option.none() : Option.some(yield* figures(interest, latest)),
          next,
        } satisfies InterestStatus
      }),
    )
  })

  /** Every round of the interest (or of all), newest first, with its figures. */
  const stats = (interests: ReadonlyArray<MatchingInterest>, limit = 100) =>
    Effect.forEach(interests, (interest) =>
      orDatabaseError(repo.roundsOf({ interestId: interest.id, limit })).pipe(
        Effect.flatMap((rounds) => Effect.forEach(rounds, (round) => figures(interest, round))),
      ),
    ).pipe(Effect.map((all) => all.flat()))

  return { status, stats, figures } as const
}
