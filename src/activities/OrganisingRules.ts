/**
 * What an organiser's input must be for an activity to take it (docs/organisers.md), and which
 * states allow which changes. Pure: `Organising` reads the clock and the rows, these decide.
 */
import { Effect } from "effect"
import { InvalidActivity } from "../domain/Errors"
import type { Activity, ActivityStatus } from "../domain/Models"

export const invalid = (field: InvalidActivity["field"], reason: string) =>
  Effect.fail(new InvalidActivity({ field, reason }))

/** Characters as people count them: an emoji is one. */
const lengthOf = (text: string): number => Array.from(text).length

export const checkTitle = (raw: string) => {
  const title = raw.trim()
  if (title === "") return invalid("title", "is empty")
  if (lengthOf(title) > 100)
    return invalid("title", `has ${lengthOf(title)} characters; at most 100`)
  return Effect.succeed(title)
}

export const checkStart = (scheduledAt: Date, now: Date) => {
  if (Number.isNaN(scheduledAt.getTime())) return invalid("scheduledAt", "is not a date")
  if (scheduledAt.getTime() <= now.getTime()) return invalid("scheduledAt", "is not in the future")
  return Effect.succeed(scheduledAt)
}

export const checkDuration = (minutes: number) =>
  Number.isInteger(minutes) && minutes >= 5 && minutes <= 1440
    ? Effect.succeed(minutes)
    : invalid("duration", "must be a whole number of minutes from 5 to 1440 (24 hours)")

/** An empty place is no place. */
export const checkLocation = (raw: string | null) => {
  const location = raw?.trim() || null
  if (location !== null && lengthOf(location) > 200) {
    return invalid("location", `has ${lengthOf(location)} characters; at most 200`)
  }
  return Effect.succeed(location)
}

export const checkCapacity = (capacity: number | null) =>
  capacity === null || (Number.isInteger(capacity) && capacity >= 1 && capacity <= 10_000)
    ? Effect.succeed(capacity)
    : invalid("capacity", "must be a whole number from 1 to 10000, or no limit")

/** Published and not over: what participants hold places in and hear about. */
export const isPublished = (status: ActivityStatus) => status === "scheduled" || status === "active"
export const isEditable = (status: ActivityStatus) => status === "draft" || isPublished(status)

export const endOf = (activity: Activity) =>
  activity.scheduledAt.getTime() + activity.durationMinutes * 60_000
