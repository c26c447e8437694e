/**
 * When each step of a round falls due (src/rounds/Cycle.ts): the instants every process derives
 * from a round's match day and the cron settings, in the company's time zone.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cron, Option } from "effect"
import { cycleOf, localDate, nextCycle, nextTick, startsCycle } from "../../src/rounds/Cycle"

const scheduleIn = (timeZone: string, overrides: { remindAt?: string } = {}) => ({
  timeZone,
  inviteAt: Cron.unsafeParse("0 12 * * FRI", timeZone),
  matchAt: Cron.unsafeParse("0 10 * * MON", timeZone),
  remindAt: Cron.unsafeParse(overrides.remindAt ?? "0 11 * * WED", timeZone),
  feedbackAt: Cron.unsafeParse("0 16 * * FRI", timeZone),
})

const moscow = scheduleIn("Europe/Moscow")
const utc = (iso: string) => new Date(iso)

describe("cycleOf", () => {
  it("a Monday's round: invited the Friday before at 12:00, matched Monday 10:00, reminded Wednesday 11:00, feedback Friday 16:00, closed the next Friday 12:00 (Moscow, UTC+3)", () => {
    const cycle = cycleOf(moscow, "2026-12-07")
    expect(cycle.startsOn).toBe("2026-12-07")
    expect(cycle.invite).toEqual(utc("2026-12-04T09:00:00Z"))
    expect(cycle.match).toEqual(utc("2026-12-07T07:00:00Z"))
    expect(cycle.remind).toEqual(Option.some(utc("2026-12-09T08:00:00Z")))
    expect(cycle.feedback).toEqual(utc("2026-12-11T13:00:00Z"))
    expect(cycle.close).toEqual(utc("2026-12-18T09:00:00Z"))
  })

  it("a match time in the small hours is on the round's own day, not a week later (Monday 01:00 in Moscow is Sunday 22:00 UTC)", () => {
    const early = { ...moscow, matchAt: Cron.unsafeParse("0 1 * * MON", "Europe/Moscow") }
    expect(cycleOf(early, "2026-12-07").match).toEqual(utc("2026-12-06T22:00:00Z"))
  })

  it("local times hold across a change to summer time (Berlin, 29 March 2026)", () => {
    const berlin = scheduleIn("Europe/Berlin")
    const cycle = cycleOf(berlin, "2026-03-30")
    // Friday 27 March is still CET (UTC+1); from Monday 30 March it is CEST (UTC+2).
    expect(cycle.invite).toEqual(utc("2026-03-27T11:00:00Z"))
    expect(cycle.match).toEqual(utc("2026-03-30T08:00:00Z"))
    expect(cycle.remind).toEqual(Option.some(utc("2026-04-01T09:00:00Z")))
    expect(cycle.feedback).toEqual(utc("2026-04-03T14:00:00Z"))
    expect(cycle.close).toEqual(utc("2026-04-10T10:00:00Z"))
    // And back to winter time on 25 October 2026.
    const autumn = cycleOf(berlin, "2026-10-26")
    expect(autumn.invite).toEqual(utc("2026-10-23T10:00:00Z"))
    expect(autumn.match).toEqual(utc("2026-10-26T09:00:00Z"))
  })

  it("a reminder that would come after the feedback question is left out", () => {
    const late = scheduleIn("Europe/Moscow", { remindAt: "0 11 * * SAT" })
    const cycle = cycleOf(late, "2026-12-07")
    expect(cycle.remind).toEqual(Option.none())
    expect(cycle.feedback).toEqual(utc("2026-12-11T13:00:00Z"))
  })

  it("the round's name is the local date of its match time", () => {
    // Monday 00:30 in Moscow is still Sunday in UTC.
    expect(localDate(utc("2026-12-06T21:30:00Z"), "Europe/Moscow")).toBe("2026-12-07")
    expect(localDate(cycleOf(moscow, "2026-12-07").match, "Europe/Moscow")).toBe("2026-12-07")
  })
})

describe("nextCycle", () => {
  it("weekly: the cycle of the next match time, from the invitation until the match", () => {
    // Between Friday's invitation and Monday's match the next cycle is the one being invited to.
    expect(nextCycle(moscow, "weekly", utc("2026-12-04T09:30:00Z")).startsOn).toBe("2026-12-07")
    expect(nextCycle(moscow, "weekly", utc("2026-12-07T06:59:59Z")).startsOn).toBe("2026-12-07")
    // At the match time it is the following week's.
    expect(nextCycle(moscow, "weekly", utc("2026-12-07T07:00:00Z")).startsOn).toBe("2026-12-14")
  })

  it("biweekly: every other week, the same weeks whenever a process asks", () => {
    const starts = new Set<string>()
    // Ask every day for ten weeks, as processes started at any time would.
    for (let day = 0; day < 70; day++) {
      const now = new Date(utc("2026-11-02T12:00:00Z").getTime() + day * 864e5)
      const cycle = nextCycle(moscow, "biweekly", now)
      expect(cycle.match.getTime()).toBeGreaterThan(now.getTime())
      expect(cycle.match.getTime() - now.getTime()).toBeLessThanOrEqual(14 * 864e5)
      starts.add(cycle.startsOn)
    }
    const sorted = [...starts].sort()
    expect(sorted.length).toBeGreaterThanOrEqual(5)
    for (let i = 1; i < sorted.length; i++) {
      const gap = Date.parse(sorted[i] as string) - Date.parse(sorted[i - 1] as string)
      expect(gap).toBe(14 * 864e5)
    }
    // Weeks counted from Monday 5 January 1970: the week of 7 December 2026 is week 2970 (even).
    expect(starts.has("2026-12-07")).toBe(true)
    expect(starts.has("2026-12-14")).toBe(false)
    expect(starts.has("2026-12-21")).toBe(true)
    expect(startsCycle(moscow, "biweekly", cycleOf(moscow, "2026-12-14").match)).toBe(false)
  })

  it("monthly: the first match time of each month", () => {
    expect(nextCycle(moscow, "monthly", utc("2026-11-10T00:00:00Z")).startsOn).toBe("2026-12-07")
    expect(nextCycle(moscow, "monthly", utc("2026-12-07T07:00:00Z")).startsOn).toBe("2027-01-04")
    // February 2027 starts on a Monday: its first match time is the 1st.
    expect(nextCycle(moscow, "monthly", utc("2027-01-05T00:00:00Z")).startsOn).toBe("2027-02-01")
    const cycle = nextCycle(moscow, "monthly", utc("2027-01-05T00:00:00Z"))
    // Its invitation goes out in the month before.
    expect(cycle.invite).toEqual(utc("2027-01-29T09:00:00Z"))
  })
})

describe("nextTick", () => {
  it("is the next time any step's cron names", () => {
    // Monday 11:00 Moscow, after the match: Wednesday's reminder comes next.
    expect(nextTick(moscow, utc("2026-12-07T08:00:00Z"))).toEqual(utc("2026-12-09T08:00:00Z"))
    // Friday 12:30: Friday 16:00 (feedback) before Monday 10:00.
    expect(nextTick(moscow, utc("2026-12-11T09:30:00Z"))).toEqual(utc("2026-12-11T13:00:00Z"))
    // Friday 16:00 exactly: the next is Monday's match, not the same instant again.
    expect(nextTick(moscow, utc("2026-12-11T13:00:00Z"))).toEqual(utc("2026-12-14T07:00:00Z"))
    // Friday 11:59: the invitation (and the close of last week's round) at 12:00.
    expect(nextTick(moscow, utc("2026-12-11T08:59:00Z"))).toEqual(utc("2026-12-11T09:00:00Z"))
  })
})
