import { describe, expect, it } from "vitest"
import {
  type Achievement,
  type AchievementCode,
  achievementsOf,
  currentStreakWeeks,
  isoWeekIndex,
  isRealParticipation,
  Participation,
} from "../../src/domain/Achievements"
import { ActivityId, InterestId } from "../../src/domain/Ids"
import type { ActivityStatus, ParticipantStatus } from "../../src/domain/Models"

/** A Wednesday: this week began on Monday 2026-03-16, last week on 2026-03-09. */
const now = new Date("2026-03-18T12:00:00Z")

let nextActivityId = 0
const participation = (fields: {
  readonly at: string
  readonly status?: ParticipantStatus
  readonly interest?: number | null
  readonly durationMinutes?: number
  readonly activityStatus?: ActivityStatus
}): Participation =>
  new Participation({
    activityId: ActivityId.make(++nextActivityId),
    interestId:
      fields.interest === undefined || fields.interest === null
        ? null
        : InterestId.make(fields.interest),
    scheduledAt: new Date(fields.at),
    durationMinutes: fields.durationMinutes ?? 60,
    status: fields.status ?? "attended",
    activityStatus: fields.activityStatus ?? "completed",
  })

const attendedOn = (...days: ReadonlyArray<string>) =>
  days.map((day) => participation({ at: `${day}T10:00:00Z` }))

const byCode = (achievements: ReadonlyArray<Achievement>, code: AchievementCode): Achievement => {
  const found = achievements.find((a) => a.code === code)
  if (found === undefined) throw new Error(`achievement ${code} is missing`)
  return found
}

const achievement = (history: ReadonlyArray<Participation>, code: AchievementCode) =>
  byCode(achievementsOf(history, now), code)

describe("achievementsOf", () => {
  it("lists every achievement in a fixed order, none earned for an empty history", () => {
    expect(achievementsOf([], now)).toEqual([
      { code: "first-activity", earned: false, progress: 0, goal: 1 },
      { code: "regular", earned: false, progress: 0, goal: 3 },
      { code: "explorer", earned: false, progress: 0, goal: 3 },
      { code: "connector", earned: false, progress: 0, goal: 10 },
    ])
  })

  it("one attended activity earns first-activity and counts toward the rest", () => {
    expect(
      achievementsOf([participation({ at: "2026-03-10T10:00:00Z", interest: 1 })], now),
    ).toEqual([
      { code: "first-activity", earned: true, progress: 1, goal: 1 },
      { code: "regular", earned: false, progress: 1, goal: 3 },
      { code: "explorer", earned: false, progress: 1, goal: 3 },
      { code: "connector", earned: false, progress: 1, goal: 10 },
    ])
  })

  it("no_show, declined and invited places in past activities do not count", () => {
    const history = (["no_show", "declined", "invited"] as const).map((status) =>
      participation({ at: "2026-03-10T10:00:00Z", status, interest: 1 }),
    )
    expect(achievementsOf(history, now).map((a) => [a.code, a.earned, a.progress])).toEqual([
      ["first-activity", false, 0],
      ["regular", false, 0],
      ["explorer", false, 0],
      ["connector", false, 0],
    ])
  })

  it("a confirmed place counts once the activity has ended, not before", () => {
    const ended = participation({ at: "2026-03-17T10:00:00Z", status: "confirmed" })
    const ahead = participation({ at: "2026-03-19T10:00:00Z", status: "confirmed" })
    // Started an hour ago, lasts two: still under way.
    const underWay = participation({
      at: "2026-03-18T11:00:00Z",
      status: "confirmed",
      durationMinutes: 120,
    })
    // Ends exactly now.
    const justEnded = participation({
      at: "2026-03-18T11:00:00Z",
      status: "confirmed",
      durationMinutes: 60,
    })
    expect(isRealParticipation(ended, now)).toBe(true)
    expect(isRealParticipation(ahead, now)).toBe(false)
    expect(isRealParticipation(underWay, now)).toBe(false)
    expect(isRealParticipation(justEnded, now)).toBe(true)
    expect(achievement([ahead, underWay], "first-activity")).toMatchObject({
      earned: false,
      progress: 0,
    })
    expect(achievement([ended, ahead, underWay, justEnded], "connector").progress).toBe(2)
  })

  it("nothing in a cancelled activity counts", () => {
    const history = (["confirmed", "attended"] as const).map((status) =>
      participation({ at: "2026-03-10T10:00:00Z", status, activityStatus: "cancelled" }),
    )
    expect(achievement(history, "first-activity").earned).toBe(false)
    expect(achievement(history, "connector").progress).toBe(0)
  })

  describe("explorer: variety", () => {
    it("three different interests earn it", () => {
      const history = [1, 2, 3].map((interest) =>
        participation({ at: "2026-03-10T10:00:00Z", interest }),
      )
      expect(achievement(history, "explorer")).toEqual({
        code: "explorer",
        earned: true,
        progress: 3,
        goal: 3,
      })
    })

    it("counts distinct interests of real participation only; no interest is no variety", () => {
      const history = [
        participation({ at: "2026-03-02T10:00:00Z", interest: 1 }),
        participation({ at: "2026-03-09T10:00:00Z", interest: 1 }),
        participation({ at: "2026-03-10T10:00:00Z", interest: null }),
        participation({ at: "2026-03-10T10:00:00Z", interest: 2, status: "no_show" }),
        participation({ at: "2026-03-25T10:00:00Z", interest: 3, status: "confirmed" }),
      ]
      expect(achievement(history, "explorer")).toMatchObject({ earned: false, progress: 1 })
    })
  })

  describe("connector: ten real participations", () => {
    const weekly = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        participation({ at: new Date(Date.UTC(2026, 0, 5 + 7 * i, 10)).toISOString() }),
      )

    it("ten earn it", () => {
      expect(achievement(weekly(10), "connector")).toEqual({
        code: "connector",
        earned: true,
        progress: 10,
        goal: 10,
      })
    })

    it("nine and a no-show do not", () => {
      const history = [
        ...weekly(9),
        participation({ at: "2026-03-10T10:00:00Z", status: "no_show" }),
      ]
      expect(achievement(history, "connector")).toMatchObject({ earned: false, progress: 9 })
    })

    it("progress stops at the goal", () => {
      expect(achievement(weekly(11), "connector")).toMatchObject({ earned: true, progress: 10 })
    })
  })

  describe("regular: three consecutive ISO weeks", () => {
    it("three consecutive weeks earn it", () => {
      expect(achievement(attendedOn("2026-02-23", "2026-03-04", "2026-03-15"), "regular")).toEqual({
        code: "regular",
        earned: true,
        progress: 3,
        goal: 3,
      })
    })

    it("weeks run across the year boundary (2026 has an ISO week 53)", () => {
      // Mon 2026-12-21 (W52), Thu 2026-12-31 (W53), Tue 2027-01-05 (W1).
      const history = attendedOn("2026-12-21", "2026-12-31", "2027-01-05")
      const later = new Date("2027-02-01T00:00:00Z")
      expect(byCode(achievementsOf(history, later), "regular")).toMatchObject({
        earned: true,
        progress: 3,
      })
    })

    it("a week without participation breaks the run", () => {
      // Weeks of 02-09 and 02-16, nothing in the week of 02-23, then 03-02 and 03-09.
      const history = attendedOn("2026-02-09", "2026-02-16", "2026-03-03", "2026-03-10")
      expect(achievement(history, "regular")).toMatchObject({ earned: false, progress: 2 })
    })

    it("several activities in one week are one week", () => {
      const history = attendedOn("2026-03-02", "2026-03-04", "2026-03-08", "2026-03-09")
      expect(achievement(history, "regular")).toMatchObject({ earned: false, progress: 2 })
    })

    it("weeks start on Monday 00:00 UTC", () => {
      const history = [
        participation({ at: "2026-03-01T23:30:00Z" }), // Sunday: week of 02-23
        participation({ at: "2026-03-02T00:00:00Z" }), // Monday: week of 03-02
        participation({ at: "2026-03-09T00:30:00Z" }), // Monday: week of 03-09
      ]
      expect(achievement(history, "regular")).toMatchObject({ earned: true, progress: 3 })
    })

    it("weeks of places that do not count are not part of the run", () => {
      const history = [
        ...attendedOn("2026-02-23", "2026-03-09"),
        participation({ at: "2026-03-03T10:00:00Z", status: "no_show" }),
      ]
      expect(achievement(history, "regular")).toMatchObject({ earned: false, progress: 1 })
    })

    it("progress is the longest run, capped at the goal", () => {
      const history = attendedOn(
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
        "2026-02-02",
      )
      expect(achievement(history, "regular")).toMatchObject({ earned: true, progress: 3 })
    })
  })
})

describe("currentStreakWeeks", () => {
  it("counts consecutive weeks ending this week", () => {
    expect(currentStreakWeeks(attendedOn("2026-03-02", "2026-03-09", "2026-03-16"), now)).toBe(3)
  })

  it("a streak ending last week is still current: this week is not over", () => {
    expect(currentStreakWeeks(attendedOn("2026-02-23", "2026-03-02", "2026-03-13"), now)).toBe(3)
  })

  it("is 0 after two idle weeks", () => {
    expect(currentStreakWeeks(attendedOn("2026-02-23", "2026-03-02", "2026-03-08"), now)).toBe(0)
  })

  it("stops at the first idle week back", () => {
    expect(currentStreakWeeks(attendedOn("2026-02-16", "2026-03-09", "2026-03-16"), now)).toBe(2)
  })

  it("an activity later this week does not count yet", () => {
    const history = [
      ...attendedOn("2026-03-09"),
      participation({ at: "2026-03-20T10:00:00Z", status: "confirmed" }),
    ]
    expect(currentStreakWeeks(history, now)).toBe(1)
    expect(currentStreakWeeks([], now)).toBe(0)
  })

  it("runs across the year boundary", () => {
    const history = attendedOn("2026-12-21", "2026-12-28", "2027-01-04")
    expect(currentStreakWeeks(history, new Date("2027-01-06T12:00:00Z"))).toBe(3)
  })
})

describe("isoWeekIndex", () => {
  it("numbers Monday-start weeks from the week of Thursday 1970-01-01", () => {
    const week = (iso: string) => isoWeekIndex(new Date(iso))
    expect(week("1969-12-29T00:00:00Z")).toBe(0) // Monday of that week
    expect(week("1970-01-01T00:00:00Z")).toBe(0)
    expect(week("1970-01-04T23:59:59Z")).toBe(0) // Sunday
    expect(week("1970-01-05T00:00:00Z")).toBe(1) // next Monday
    expect(week("1969-12-28T23:59:59Z")).toBe(-1)
    expect(week("2027-01-03T12:00:00Z")).toBe(week("2026-12-28T00:00:00Z"))
    expect(week("2027-01-04T00:00:00Z") - week("2026-12-28T00:00:00Z")).toBe(1)
  })
})
