/**
 * What an organiser types while describing an activity (the new-activity conversation and the
 * edits of one), read into the values `Organising` takes. Pure: the flows pass the moment and the
 * time zone, and turn a `Problem` into a message naming what is expected.
 *
 * Forgiving where people differ (`25.12 18:30`, `2026-12-25 18:30`, `1h30`, `90 мин`), strict
 * where a guess would be wrong (a day that does not exist, a time already past).
 */
import { DateTime, Either } from "effect"

/** Why a typed answer was not taken; the texts say what is expected instead. */
export type Problem =
  | "empty"
  | "tooLong"
  | "dateFormat"
  | "noSuchDate"
  | "past"
  | "tooFar"
  | "durationFormat"
  | "durationRange"
  | "capacityFormat"
  | "capacityRange"

export type Parsed<A> = Either.Either<A, Problem>

export const limits = {
  title: 100,
  place: 200,
  reason: 500,
  /** Five minutes to a whole day. */
  minDuration: 5,
  maxDuration: 24 * 60,
  maxCapacity: 10_000,
  /** An activity two years ahead is a typo more often than a plan. */
  maxYearsAhead: 2,
} as const

/** One line of text: spaces and line breaks collapsed, within `max` characters. */
const line = (text: string, max: number): Parsed<string> => {
  const cleaned = text.replace(/\s+/g, " ").trim()
  if (cleaned.length === 0) return Either.left("empty")
  return [...cleaned].length > max ? Either.left("tooLong") : Either.right(cleaned)
}

export const parseTitle = (text: string): Parsed<string> => line(text, limits.title)

export const parsePlace = (text: string): Parsed<string> => line(text, limits.place)

/** A cancellation's reason keeps its line breaks: participants read it as written. */
export const parseReason = (text: string): Parsed<string> => {
  const cleaned = text.trim()
  if (cleaned.length === 0) return Either.left("empty")
  return [...cleaned].length > limits.reason ? Either.left("tooLong") : Either.right(cleaned)
}

const dayMonth = /^(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?$/
const isoDate = /^(\d{4})-(\d{1,2})-(\d{1,2})$/
const clock = /^(\d{1,2})[:.](\d{2})$/

interface LocalParts {
  readonly year: number | undefined
  readonly month: number
  readonly day: number
  readonly hours: number
  readonly minutes: number
}

/** `25.12 18:30`, `25.12.2026 18:30`, `25/12/26 18:30`, `2026-12-25 18:30`, `2026-12-25T18:30`. */
const splitWhen = (text: string): LocalParts | undefined => {
  const cleaned = text.trim().replace(/,/g, " ").replace(/\s+/g, " ")
  const [datePart, timePart, ...rest] = cleaned.includes("T")
    ? cleaned.split("T").map((part) => part.trim())
    : cleaned.split(" ")
  if (datePart === undefined || timePart === undefined || rest.length > 0) return undefined
  const time = clock.exec(timePart)
  if (time === null) return undefined
  const hours = Number(time[1])
  const minutes = Number(time[2])
  const iso = isoDate.exec(datePart)
  if (iso !== null) {
    return { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]), hours, minutes }
  }
  const short = dayMonth.exec(datePart)
  if (short === null) return undefined
  const year = short[3] === undefined ? undefined : Number(short[3])
  return {
    year: year !== undefined && year < 100 ? 2000 + year : year,
    month: Number(short[2]),
    day: Number(short[1]),
    hours,
    minutes,
  }
}

const isCalendarDay = (year: number, month: number, day: number) => {
  const date = new Date(Date.UTC(year, month - 1, day))
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  )
}

/** The instant a wall-clock time in the zone names (a time in a DST gap moves forward). */
const instantIn = (parts: LocalParts & { readonly year: number }, timeZone: string): Date =>
  new Date(
    DateTime.toEpochMillis(
      DateTime.unsafeMakeZoned(
        {
          year: parts.year,
          month: parts.month,
          day: parts.day,
          hours: parts.hours,
          minutes: parts.minutes,
        },
        { timeZone, adjustForTimeZone: true },
      ),
    ),
  )

/**
 * A date and time in the company's time zone, in the future. Without a year it is the next such
 * date: `25.12` typed on 26 December means next year's.
 */
export const parseWhen = (text: string, now: Date, timeZone: string): Parsed<Date> => {
  const parts = splitWhen(text)
  if (parts === undefined) return Either.left("dateFormat")
  if (parts.hours > 23 || parts.minutes > 59) return Either.left("noSuchDate")
  const thisYear = DateTime.toParts(DateTime.unsafeMakeZoned(now, { timeZone })).year
  // 29.02 without a year: the next year that has one.
  const candidates =
    parts.year === undefined ? [0, 1, 2, 3, 4].map((ahead) => thisYear + ahead) : [parts.year]
  const usable = candidates.filter((year) => isCalendarDay(year, parts.month, parts.day))
  if (usable.length === 0) return Either.left("noSuchDate")
  const instants = usable.map((year) => instantIn({ ...parts, year }, timeZone))
  const next = instants.find((instant) => instant > now)
  if (next === undefined) return Either.left("past")
  const latest = new Date(now)
  latest.setUTCFullYear(latest.getUTCFullYear() + limits.maxYearsAhead)
  return next > latest ? Either.left("tooFar") : Either.right(next)
}

const hourWords = "h|hr|hrs|hour|hours|ч|час|часа|часов"
const minuteWords = "m|min|mins|minute|minutes|м|мин|минут|минуты|минута"
const minutesOnly = new RegExp(`^(\\d+)\\s*(?:${minuteWords})?\\.?$`)
const hoursOnly = new RegExp(`^(\\d+(?:\\.\\d+)?)\\s*(?:${hourWords})\\.?$`)
const hoursAndMinutes = new RegExp(
  `^(\\d+)\\s*(?:${hourWords})\\.?\\s*(\\d+)\\s*(?:${minuteWords})?\\.?$`,
)
const hoursColonMinutes = /^(\d+):(\d{2})$/

/** `90`, `90 min`, `90 мин`, `1h30`, `1 h 30 m`, `1ч 30мин`, `1.5h`, `2 часа`, `1:30`. */
export const parseDuration = (text: string): Parsed<number> => {
  const cleaned = text.trim().toLowerCase().replace(/,/g, ".").replace(/\s+/g, " ")
  const minutes = (() => {
    const plain = minutesOnly.exec(cleaned)
    if (plain !== null) return Number(plain[1])
    const hours = hoursOnly.exec(cleaned)
    if (hours !== null) return Math.round(Number(hours[1]) * 60)
    const both = hoursAndMinutes.exec(cleaned) ?? hoursColonMinutes.exec(cleaned)
    if (both !== null) return Number(both[1]) * 60 + Number(both[2])
    return undefined
  })()
  if (minutes === undefined || !Number.isFinite(minutes)) return Either.left("durationFormat")
  return minutes < limits.minDuration || minutes > limits.maxDuration
    ? Either.left("durationRange")
    : Either.right(minutes)
}

const noLimitWords = new Set([
  "no limit",
  "nolimit",
  "unlimited",
  "none",
  "-",
  "∞",
  "без ограничений",
  "без лимита",
  "не ограничено",
  "нет",
])

/** A number of places, or `null` for "no limit" (the button, or the words). */
export const parseCapacity = (text: string): Parsed<number | null> => {
  const cleaned = text.trim().toLowerCase().replace(/\s+/g, " ")
  if (noLimitWords.has(cleaned)) return Either.right(null)
  if (!/^\d{1,6}$/.test(cleaned)) return Either.left("capacityFormat")
  const places = Number(cleaned)
  return places < 1 || places > limits.maxCapacity
    ? Either.left("capacityRange")
    : Either.right(places)
}
