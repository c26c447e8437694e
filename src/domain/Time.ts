import { Schema } from "effect"

/**
 * A point in time. Rows from `pg` carry JS `Date`s while JSON (the cache) carries ISO strings;
 * this decodes both into a `Date` and encodes to a `Date`, which `JSON.stringify` writes as ISO.
 */
export const Timestamp = Schema.Union(Schema.DateFromSelf, Schema.Date)

/** A calendar date (`date` columns), kept as `YYYY-MM-DD` so no time zone can shift it. */
export const LocalDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/),
  Schema.filter((s) => isCalendarDate(s) || `${s} is not a calendar date`),
)

const isCalendarDate = (s: string): boolean => {
  const [year, month, day] = s.split("-").map(Number) as [number, number, number]
  const date = new Date(Date.UTC(year, month - 1, day))
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  )
}
