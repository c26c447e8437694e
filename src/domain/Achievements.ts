/**
 * Achievements (DESIGN.md "Achievements: earned from real participation (first activity, streaks,
 * variety)"). Pure rules over an employee's participation history; the repo reads the history.
 */
import { Schema } from "effect"
import { ActivityId, InterestId } from "./Ids"
import { ActivityStatus, ParticipantStatus } from "./Models"
import { Timestamp } from "./Time"

/**
 * One row of an employee's history: their place in an activity, whatever its status, or a
 * pairing round's meeting they said took place (`activityId` null, `attended`).
 */
export class Participation extends Schema.Class<Participation>("Participation")({
  activityId: Schema.NullOr(ActivityId),
  interestId: Schema.NullOr(InterestId),
  scheduledAt: Timestamp,
  durationMinutes: Schema.Int,
  status: ParticipantStatus,
  /** A cancelled activity never took place, whatever its participants' statuses say. */
  activityStatus: ActivityStatus,
}) {}

export const AchievementCode = Schema.Literal("first-activity", "regular", "explorer", "connector")
export type AchievementCode = typeof AchievementCode.Type

/** An achievement as the screen shows it: earned, or how far along (`progress` ≤ `goal`). */
export const Achievement = Schema.Struct({
  code: AchievementCode,
  earned: Schema.Boolean,
  progress: Schema.Int,
  goal: Schema.Int,
})
export type Achievement = typeof Achievement.Type

const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000

/**
 * Real participation: the employee held a place in an activity that has already taken place —
 * status `attended`, or status `confirmed` and the activity has ended
 * (`scheduledAt + durationMinutes <= now`). `no_show`, `declined` and `invited` never count, nor
 * does a confirmed place in an activity still ahead or under way, nor anything in a cancelled
 * activity (it did not take place; its participants keep their statuses).
 */
export const isRealParticipation = (participation: Participation, now: Date): boolean => {
  if (participation.activityStatus === "cancelled") return false
  switch (participation.status) {
    case "attended":
      return true
    case "confirmed":
      return (
        participation.scheduledAt.getTime() + participation.durationMinutes * MS_PER_MINUTE <=
        now.getTime()
      )
    default:
      return false
  }
}

/**
 * The ISO week (Monday to Sunday, UTC) of a moment, as a count of weeks since the one holding
 * 1970-01-01. That day was a Thursday, three days after its Monday, hence the `+ 3`; consecutive
 * weeks differ by one across year boundaries too (2026-12-28 and 2027-01-04 are adjacent).
 */
export const isoWeekIndex = (date: Date): number =>
  Math.floor((Math.floor(date.getTime() / MS_PER_DAY) + 3) / 7)

/** The distinct weeks with real participation, ascending. */
const weeksWithParticipation = (
  history: ReadonlyArray<Participation>,
  now: Date,
): ReadonlyArray<number> =>
  [
    ...new Set(
      history.filter((p) => isRealParticipation(p, now)).map((p) => isoWeekIndex(p.scheduledAt)),
    ),
  ].sort((a, b) => a - b)

const longestRunOfWeeks = (weeks: ReadonlyArray<number>): number => {
  let longest = 0
  let run = 0
  let previous: number | undefined
  for (const week of weeks) {
    run = previous !== undefined && week === previous + 1 ? run + 1 : 1
    longest = Math.max(longest, run)
    previous = week
  }
  return longest
}

/**
 * Consecutive ISO weeks with real participation ending this week, or last week (this week is not
 * over, so a streak is still alive until it ends idle); 0 otherwise.
 */
export const currentStreakWeeks = (history: ReadonlyArray<Participation>, now: Date): number => {
  const weeks = new Set(weeksWithParticipation(history, now))
  const thisWeek = isoWeekIndex(now)
  let week = weeks.has(thisWeek) ? thisWeek : thisWeek - 1
  let streak = 0
  while (weeks.has(week)) {
    streak += 1
    week -= 1
  }
  return streak
}

const achievement = (code: AchievementCode, value: number, goal: number): Achievement => ({
  code,
  earned: value >= goal,
  progress: Math.min(value, goal),
  goal,
})

/**
 * Every achievement, always in this order, earned or with the progress toward it:
 * `first-activity` (1 real participation), `regular` (3 consecutive ISO weeks with one),
 * `explorer` (activities of 3 different interests), `connector` (10 real participations).
 */
export const achievementsOf = (
  history: ReadonlyArray<Participation>,
  now: Date,
): ReadonlyArray<Achievement> => {
  const real = history.filter((p) => isRealParticipation(p, now))
  const interests = new Set(real.flatMap((p) => (p.interestId === null ? [] : [p.interestId])))
  return [
    achievement("first-activity", real.length, 1),
    achievement("regular", longestRunOfWeeks(weeksWithParticipation(history, now)), 3),
    achievement("explorer", interests.size, 3),
    achievement("connector", real.length, 10),
  ]
}
