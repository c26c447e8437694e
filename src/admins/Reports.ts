/**
 * Monthly figures for admins with the "reports" role (docs/organisers.md): per interest and per
 * department, for a calendar month in `TIME_ZONE` — activities held, places taken, attendance,
 * and the pairing rounds' joined / placed / met / average rating.
 */
import { Context, type Effect } from "effect"
import type { DatabaseError, NotAllowed } from "../domain/Errors"
import type { EmployeeId } from "../domain/Ids"

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

export class Reports extends Context.Tag("connectbot/Reports")<Reports, ReportsService>() {}
