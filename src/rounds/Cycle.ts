/**
 * When each step of a round happens. A round is one cycle of one matching interest, named by its
 * match day (`starts_on`, the local date of the match time in TIME_ZONE). From it every process
 * derives the same times:
 *
 * - invite: the last `ROUND_INVITE_AT` before the match time;
 * - match: the first `ROUND_MATCH_AT` on `starts_on`;
 * - remind: the first `ROUND_REMIND_AT` after the match (none if it would come after feedback);
 * - feedback: the first `ROUND_FEEDBACK_AT` after the match;
 * - close: the first `ROUND_INVITE_AT` after feedback (answers to "did you meet?" count until then).
 *
 * Frequencies (`interests.schedule_frequency`): weekly takes every match time; biweekly every
 * other one, counted in weeks since 1970-01-05 (a Monday) so that all processes agree; monthly the
 * first match time of each month.
 */
import { Cron, DateTime, Option } from "effect"
import type { ScheduleFrequency } from "../domain/Models"
import type { RoundsSettings } from "./RoundsSettings"

export type Step = "invite" | "match" | "remind" | "feedback" | "close"
export const steps: ReadonlyArray<Step> = ["invite", "match", "remind", "feedback", "close"]

export interface CycleTimes {
  /** The local date (YYYY-MM-DD) of the match time. */
  readonly startsOn: string
  readonly invite: Date
  readonly match: Date
  readonly remind: Option.Option<Date>
  readonly feedback: Date
  readonly close: Date
}

type Schedule = Pick<
  RoundsSettings,
  "timeZone" | "inviteAt" | "matchAt" | "remindAt" | "feedbackAt"
>

/** The local date (YYYY-MM-DD) of an instant in the time zone. */
export const localDate = (instant: Date, timeZone: string): string => {
  const zoned = DateTime.unsafeMakeZoned(instant, { timeZone })
  const parts = DateTime.toParts(zoned)
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${parts.year}-${pad(parts.month)}-${pad(parts.day)}`
}

/**
 * The instant a local day begins in the time zone. `toEpochMillis`, not `toDate`: the latter gives
 * the zoned wall time as if it were UTC (Moscow's midnight three hours late).
 */
const startOfDay = (date: string, timeZone: string): Date => {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number]
  return new Date(
    DateTime.toEpochMillis(
      DateTime.unsafeMakeZoned({ year, month, day }, { timeZone, adjustForTimeZone: true }),
    ),
  )
}

const weekIndex = (date: string): number =>
  Math.floor((Date.parse(`${date}T00:00:00Z`) - Date.parse("1970-01-05T00:00:00Z")) / (7 * 864e5))

/** The times of the cycle whose match day is `startsOn`. */
export const cycleOf = (schedule: Schedule, startsOn: string): CycleTimes => {
  const match = Cron.next(
    schedule.matchAt,
    new Date(startOfDay(startsOn, schedule.timeZone).getTime() - 1),
  )
  const feedback = Cron.next(schedule.feedbackAt, match)
  const remind = Cron.next(schedule.remindAt, match)
  return {
    startsOn,
    invite: Cron.prev(schedule.inviteAt, match),
    match,
    remind: remind < feedback ? Option.some(remind) : Option.none(),
    feedback,
    close: Cron.next(schedule.inviteAt, feedback),
  }
}

/** Whether a match time starts a cycle of an interest with this frequency. */
export const startsCycle = (
  schedule: Schedule,
  frequency: ScheduleFrequency,
  match: Date,
): boolean => {
  const day = localDate(match, schedule.timeZone)
  switch (frequency) {
    case "weekly":
      return true
    case "biweekly":
      return weekIndex(day) % 2 === 0
    case "monthly":
      return (
        localDate(Cron.prev(schedule.matchAt, match), schedule.timeZone).slice(0, 7) !==
        day.slice(0, 7)
      )
  }
}

/** The first cycle of the interest whose match time is after `now`. */
export const nextCycle = (
  schedule: Schedule,
  frequency: ScheduleFrequency,
  now: Date,
): CycleTimes => {
  let match = Cron.next(schedule.matchAt, now)
  // A monthly cycle is at most ~5 weekly match times away; bounded for odd cron expressions.
  for (let i = 0; i < 400 && !startsCycle(schedule, frequency, match); i++) {
    match = Cron.next(schedule.matchAt, match)
  }
  return cycleOf(schedule, localDate(match, schedule.timeZone))
}

/**
 * The cycle a new round of the interest belongs to: the next one, or, when the latest round was
 * finished early (ops or the playground ran its steps before their times), the one after it; so
 * that "run the next step" after a close starts the next round instead of finding the closed
 * one, and `status` names that round.
 */
export const cycleAfter = (
  schedule: Schedule,
  frequency: ScheduleFrequency,
  now: Date,
  latestStartsOn: string | undefined,
): CycleTimes => {
  let cycle = nextCycle(schedule, frequency, now)
  // Each turn moves at least one match time on; bounded like nextCycle.
  for (
    let i = 0;
    i < 400 && latestStartsOn !== undefined && cycle.startsOn <= latestStartsOn;
    i++
  ) {
    cycle = nextCycle(schedule, frequency, cycle.match)
  }
  return cycle
}

/** When a step of the cycle is due; none for a reminder the schedule leaves out. */
export const dueAt = (cycle: CycleTimes, step: Step): Option.Option<Date> => {
  switch (step) {
    case "invite":
      return Option.some(cycle.invite)
    case "match":
      return Option.some(cycle.match)
    case "remind":
      return cycle.remind
    case "feedback":
      return Option.some(cycle.feedback)
    case "close":
      return Option.some(cycle.close)
  }
}

/** The next instant any step of any cycle may fall due: when the scheduler looks again. */
export const nextTick = (schedule: Schedule, now: Date): Date =>
  new Date(
    Math.min(
      ...[schedule.inviteAt, schedule.matchAt, schedule.remindAt, schedule.feedbackAt].map((cron) =>
        Cron.next(cron, now).getTime(),
      ),
    ),
  )
