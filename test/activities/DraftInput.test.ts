import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  parseCapacity,
  parseDuration,
  parsePlace,
  parseReason,
  parseTitle,
  parseWhen,
} from "../../src/activities/DraftInput"

const moscow = "Europe/Moscow"
/** Monday 2 March 2026, 09:00 in Moscow. */
const now = new Date("2026-03-02T06:00:00Z")

describe("titles and places", () => {
  it("one line, trimmed, within the limit", () => {
    expect(parseTitle("  Board   games\nnight ")).toEqual(Either.right("Board games night"))
    expect(parseTitle(" \n ")).toEqual(Either.left("empty"))
    expect(parseTitle("x".repeat(100))).toEqual(Either.right("x".repeat(100)))
    expect(parseTitle("x".repeat(101))).toEqual(Either.left("tooLong"))
    // Counted in characters, not UTF-16 units: emoji do not eat the limit twice.
    expect(Either.isRight(parseTitle("🎲".repeat(100)))).toBe(true)
    expect(parsePlace("Room 4, 2nd floor")).toEqual(Either.right("Room 4, 2nd floor"))
    expect(parsePlace("")).toEqual(Either.left("empty"))
  })

  it("a reason keeps its line breaks", () => {
    expect(parseReason(" The host is ill.\nSee you next week. ")).toEqual(
      Either.right("The host is ill.\nSee you next week."),
    )
    expect(parseReason("   ")).toEqual(Either.left("empty"))
    expect(parseReason("x".repeat(501))).toEqual(Either.left("tooLong"))
  })
})

describe("date and time", () => {
  const at = (text: string) => parseWhen(text, now, moscow)
  const iso = (text: string) => Either.map(at(text), (date) => date.toISOString())

  it("reads the usual forms in the company's time zone", () => {
    // 18:30 in Moscow (UTC+3) is 15:30 UTC.
    expect(iso("25.12 18:30")).toEqual(Either.right("2026-12-25T15:30:00.000Z"))
    expect(iso("25.12.2026 18:30")).toEqual(Either.right("2026-12-25T15:30:00.000Z"))
    expect(iso("25/12/26 18.30")).toEqual(Either.right("2026-12-25T15:30:00.000Z"))
    expect(iso("2026-12-25 18:30")).toEqual(Either.right("2026-12-25T15:30:00.000Z"))
    expect(iso("2026-12-25T18:30")).toEqual(Either.right("2026-12-25T15:30:00.000Z"))
    expect(iso("  5.3,  9:05 ")).toEqual(Either.right("2026-03-05T06:05:00.000Z"))
  })

  it("without a year: the next such date", () => {
    // Later today is still this year; earlier today and past days are next year's.
    expect(iso("02.03 18:00")).toEqual(Either.right("2026-03-02T15:00:00.000Z"))
    expect(iso("02.03 08:00")).toEqual(Either.right("2027-03-02T05:00:00.000Z"))
    expect(iso("01.01 10:00")).toEqual(Either.right("2027-01-01T07:00:00.000Z"))
  })

  it("in a zone with daylight saving, by that day's offset", () => {
    const berlin = (text: string) =>
      Either.map(parseWhen(text, now, "Europe/Berlin"), (date) => date.toISOString())
    expect(berlin("2026-03-20 10:00")).toEqual(Either.right("2026-03-20T09:00:00.000Z"))
    expect(berlin("2026-04-20 10:00")).toEqual(Either.right("2026-04-20T08:00:00.000Z"))
  })

  it("refuses what is not a date, not a real day, past or absurdly far", () => {
    expect(at("tomorrow")).toEqual(Either.left("dateFormat"))
    expect(at("25.12")).toEqual(Either.left("dateFormat"))
    expect(at("18:30")).toEqual(Either.left("dateFormat"))
    expect(at("25.12 18:30 extra")).toEqual(Either.left("dateFormat"))
    expect(at("31.02 10:00")).toEqual(Either.left("noSuchDate"))
    expect(at("32.01 10:00")).toEqual(Either.left("noSuchDate"))
    expect(at("25.12 24:00")).toEqual(Either.left("noSuchDate"))
    expect(at("25.12 18:60")).toEqual(Either.left("noSuchDate"))
    expect(at("2026-03-01 10:00")).toEqual(Either.left("past"))
    expect(at("2026-03-02 08:59")).toEqual(Either.left("past"))
    expect(at("2029-01-01 10:00")).toEqual(Either.left("tooFar"))
  })
})

describe("duration", () => {
  it("minutes, hours, or both, in either language", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["90", 90],
      ["90 min", 90],
      ["90мин", 90],
      ["45 минут", 45],
      ["1h30", 90],
      ["1h 30m", 90],
      ["1 ч 30 мин", 90],
      ["1ч30", 90],
      ["2 часа", 120],
      ["2h", 120],
      ["1.5h", 90],
      ["1,5 ч", 90],
      ["1:30", 90],
      ["  60  ", 60],
    ]
    for (const [text, minutes] of cases)
      expect(parseDuration(text), text).toEqual(Either.right(minutes))
  })

  it("refuses the unreadable and the unreasonable", () => {
    expect(parseDuration("long")).toEqual(Either.left("durationFormat"))
    expect(parseDuration("-30")).toEqual(Either.left("durationFormat"))
    expect(parseDuration("1h30h")).toEqual(Either.left("durationFormat"))
    expect(parseDuration("")).toEqual(Either.left("durationFormat"))
    expect(parseDuration("2")).toEqual(Either.left("durationRange"))
    expect(parseDuration("25h")).toEqual(Either.left("durationRange"))
    expect(parseDuration("0")).toEqual(Either.left("durationRange"))
  })
})

describe("capacity", () => {
  it("a number of places, or no limit", () => {
    expect(parseCapacity("12")).toEqual(Either.right(12))
    expect(parseCapacity(" No limit ")).toEqual(Either.right(null))
    expect(parseCapacity("без ограничений")).toEqual(Either.right(null))
    expect(parseCapacity("0")).toEqual(Either.left("capacityRange"))
    expect(parseCapacity("10001")).toEqual(Either.left("capacityRange"))
    expect(parseCapacity("ten")).toEqual(Either.left("capacityFormat"))
    expect(parseCapacity("1.5")).toEqual(Either.left("capacityFormat"))
    expect(parseCapacity("-3")).toEqual(Either.left("capacityFormat"))
  })
})
