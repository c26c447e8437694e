/**
 * Monthly figures for admins with the "reports" role (docs/organisers.md): per interest and per
 * department, for a calendar month in `TIME_ZONE` — activities held, places taken, attendance,
 * and the pairing rounds' joined / placed / met / average rating.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError, NotAllowed } from "../domain/Errors"
import type { EmployeeId } from "../domain/Ids"
import { RoundsConfig } from "../rounds/RoundsSettings"
import { traced } from "../telemetry/Spans"
import { makeAudit } from "./Audit"
import { type ActivityFigures, makeReportsSql, type Named, type RoundFigures } from "./ReportsSql"

/** A calendar month: `month` is 1–12. */
export interface Month {
  readonly year: number
  readonly month: number
}

export interface ReportLine {
  /** The interest's or department's name (Russian; `nameEn` for English when there is one). */
  readonly name: string
  readonly nameEn: string | null
  /** Activities (not cancelled) starting in the month. */
  readonly activities: number
  /** Places held in them (confirmed, attended, no-show). */
  readonly placesTaken: number
  readonly attended: number
  readonly noShow: number
  /** Pairing rounds matched in the month: people who said they're in, were placed, met. */
  readonly roundsJoined: number
  readonly roundsPlaced: number
  readonly roundsMet: number
  /** Average of the meetings' ratings; null when none were rated. */
  readonly averageRating: number | null
}

export interface Report {
  readonly month: Month
  readonly byInterest: ReadonlyArray<ReportLine>
  readonly byDepartment: ReadonlyArray<ReportLine>
}

export interface ReportsService {
  readonly monthly: (
    actor: EmployeeId,
    month: Month,
  ) => Effect.Effect<Report, NotAllowed | DatabaseError>
}

/**
 * The line of what has none: activities without an interest (made by ops with SQL), people
 * without a department. It is shown, last, when it has figures — the totals of a report add up to
 * what happened, and HR sees who is missing a department.
 */
export const noneName = "—"

const noFigures = {
  activities: 0,
  placesTaken: 0,
  attended: 0,
  noShow: 0,
  roundsJoined: 0,
  roundsPlaced: 0,
  roundsMet: 0,
  averageRating: null,
} as const

/**
 * Every active interest or department, with zeros when nothing happened (a report that leaves
 * one out reads as if it was forgotten); a retired one only when it has figures of the month.
 */
const linesOf = (
  named: ReadonlyArray<Named>,
  activities: ReadonlyArray<ActivityFigures>,
  rounds: ReadonlyArray<RoundFigures>,
): ReadonlyArray<ReportLine> => {
  const line = (name: string, nameEn: string | null, key: number | null): ReportLine => {
    const held = activities.find((figures) => figures.key === key)
    const round = rounds.find((figures) => figures.key === key)
    return {
      ...noFigures,
      name,
      nameEn,
      ...(held && {
        activities: held.activities,
        placesTaken: held.placesTaken,
        attended: held.attended,
        noShow: held.noShow,
      }),
      ...(round && {
        roundsJoined: round.joined,
        roundsPlaced: round.placed,
        roundsMet: round.met,
        averageRating: round.averageRating,
      }),
    }
  }
  const hasFigures = (key: number | null) =>
    activities.some((figures) => figures.key === key) ||
    rounds.some((figures) => figures.key === key)
  return [
    ...named
      .filter((one) => one.isActive || hasFigures(one.id))
      .map((one) => line(one.name, one.nameEn, one.id)),
    ...(hasFigures(null) ? [line(noneName, null, null)] : []),
  ]
}

const isMonth = ({ year, month }: Month) =>
  Number.isInteger(year) &&
  year >= 2000 &&
  year <= 9999 &&
  Number.isInteger(month) &&
  month >= 1 &&
  month <= 12

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { timeZone } = yield* RoundsConfig
  const { requireRole } = yield* makeAudit
  const q = yield* makeReportsSql

  // Reading changes nothing, so nothing is audited. One transaction gives the four queries one
  // consistent view of the month.
  const monthly = (actor: EmployeeId, month: Month) =>
    Effect.gen(function* () {
      // The bot offers months from a list; anything else reaching here is a bug, not input.
      if (!isMonth(month)) return yield* Effect.dieMessage(`Not a month: ${JSON.stringify(month)}`)
      yield* requireRole(actor, "reports")
      const request = { year: month.year, month: month.month, timeZone }
      const [
        interests,
        departments,
        byInterest,
        byDepartment,
        roundsOfInterests,
        roundsOfDepartments,
      ] = yield* Effect.all([
        q.interests,
        q.departments,
        q.activitiesByInterest(request),
        q.activitiesByDepartment(request),
        q.roundsByInterest(request),
        q.roundsByDepartment(request),
      ])
      return {
        month: { year: month.year, month: month.month },
        byInterest: linesOf(interests, byInterest, roundsOfInterests),
        byDepartment: linesOf(departments, byDepartment, roundsOfDepartments),
      } satisfies Report
    }).pipe(sql.withTransaction, orDatabaseError)

  return traced("Reports", { monthly } satisfies ReportsService)
})

export class Reports extends Context.Tag("connectbot/Reports")<Reports, ReportsService>() {
  /** Postgres; the month is a calendar month in `TIME_ZONE`. */
  static readonly layer = Layer.effect(Reports, make)
}
