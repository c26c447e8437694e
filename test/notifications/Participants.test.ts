/**
 * What confirmed participants hear (src/notifications/Participants.ts) over real Postgres, on the
 * TestClock: reminders in their windows, once each; changes and cancellations told once per edit.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { noticeTextsFor } from "../../src/notifications/NoticeTexts"
import { runAt, sent, start, world, zone } from "./NoticesWorld"

const hour = 3_600_000
const at = (hoursAfterStart: number) => new Date(start.getTime() + hoursAfterStart * hour)

describe("reminders", () => {
  it.scoped("24h and 1h before the start, once each, however often the runs come", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const activity = yield* w.activity({ inHours: 48 })
      const early = yield* w.person()
      yield* w.activities.join(activity, early)

      yield* runAt(w, at(23.9))
      expect(yield* w.outbox("activity.remind")).toHaveLength(0)
      expect((yield* runAt(w, at(24))).reminders).toBe(1)
      yield* runAt(w, at(30))
      yield* runAt(w, at(46.9))
      const first = yield* w.outbox("activity.remind")
      expect(first.map((row) => row.dedupeKey)).toEqual([
        `remind:${activity}:${early}:1440m:${at(48).getTime() / 1000}`,
      ])
      expect(first[0]?.text).toContain("starts in 24 h")

      // Someone who joins 30 minutes before gets only the 1h reminder.
      yield* TestClock.setTime(at(47.5).getTime())
      const late = yield* w.person()
      yield* w.activities.join(activity, late)
      expect((yield* w.notices.runDue).reminders).toBe(2)
      yield* runAt(w, at(47.9))
      yield* runAt(w, at(48.5))
      const all = yield* w.outbox("activity.remind")
      expect(all.map((row) => [row.employeeId, row.dedupeKey.split(":")[3]])).toEqual([
        [early, "1440m"],
        [early, "60m"],
        [late, "60m"],
      ])
      expect(all[2]?.text).toContain("starts in 1 h")
    }),
  )

  it.scoped("left, cancelled or not confirmed: no reminder", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const activity = yield* w.activity({ inHours: 10 })
      const gone = yield* w.person()
      yield* w.activities.join(activity, gone)
      yield* w.activities.leave(activity, gone)
      const cancelled = yield* w.activity({ inHours: 10 })
      yield* w.activities.join(cancelled, yield* w.person())
      yield* w.sql`UPDATE activities SET status = 'cancelled' WHERE id = ${cancelled}`
      yield* runAt(w, at(9.5))
      expect(yield* w.outbox("activity.remind")).toHaveLength(0)
    }),
  )

  it.scoped("a rescheduled activity reminds again at its new time", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const activity = yield* w.activity({ inHours: 30 })
      const person = yield* w.person()
      yield* w.activities.join(activity, person)
      yield* runAt(w, at(7))
      expect(yield* w.outbox("activity.remind")).toHaveLength(1)
      // Moved a day later: its 24h window opens again at the new time.
      yield* w.sql`UPDATE activities SET scheduled_at = ${at(54)} WHERE id = ${activity}`
      yield* runAt(w, at(8))
      expect(yield* w.outbox("activity.remind")).toHaveLength(1)
      yield* runAt(w, at(30))
      yield* runAt(w, at(53.5))
      expect(
        (yield* w.outbox("activity.remind")).map((row) => row.dedupeKey.split(":").slice(3)),
      ).toEqual([
        ["1440m", String(at(30).getTime() / 1000)],
        ["1440m", String(at(54).getTime() / 1000)],
        ["60m", String(at(54).getTime() / 1000)],
      ])
    }),
  )

  it.scoped("the scheduler's next time is the next window that opens", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const activity = yield* w.activity({ inHours: 30 })
      yield* w.activities.join(activity, yield* w.person())
      const next = yield* w.times.nextDueAfter(start)
      expect(next._tag === "Some" && next.value.getTime()).toBe(at(6).getTime())
      const after = yield* w.times.nextDueAfter(at(6))
      expect(after._tag === "Some" && after.value.getTime()).toBe(at(29).getTime())
    }),
  )
})

describe("tellParticipants", () => {
  it.scoped(
    "each edit is told once to each confirmed participant; a cancellation with its reason",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const activity = yield* w.activity({ inHours: 30, max: 2 })
        const [a, b, waiting] = [yield* w.person(), yield* w.person(), yield* w.person()]
        yield* w.activities.join(activity, a)
        yield* w.activities.join(activity, b)
        yield* w.notices.waitFor(activity, waiting)

        const move = (hours: number) =>
          w.sql.withTransaction(
            Effect.zipRight(
              w.sql`UPDATE activities SET scheduled_at = ${at(hours)} WHERE id = ${activity}`,
              w.notices.tellParticipants(activity, "moved"),
            ),
          )
        expect(yield* move(31)).toBe(2)
        // The same transaction's notice again (a retry after it committed) tells nobody again.
        expect(yield* w.notices.tellParticipants(activity, "moved")).toBe(0)
        expect(yield* move(32)).toBe(2)
        const moved = yield* w.outbox("activity.moved")
        expect(moved).toHaveLength(4)
        expect(moved.map((row) => row.employeeId).sort()).toEqual([a, a, b, b].sort())

        yield* w.sql.withTransaction(
          Effect.zipRight(
            w.sql`UPDATE activities SET status = 'cancelled', cancel_reason = 'Room <flooded>'
                WHERE id = ${activity}`,
            w.notices.tellParticipants(activity, "cancelled"),
          ),
        )
        const cancelled = yield* w.outbox("activity.cancelled")
        expect(cancelled.map((row) => row.employeeId).sort()).toEqual([a, b].sort())
        expect(cancelled[0]?.text).toContain("Reason: Room &lt;flooded&gt;")
        const line = yield* w.sql`SELECT 1 FROM activity_waitlist WHERE activity_id = ${activity}`
        expect(line).toHaveLength(0)
      }),
  )
})

describe("languages", () => {
  it.scoped(
    "reminders, changes and cancellations are in the language each participant last wrote in; someone who never did reads BOT_DEFAULT_LOCALE's",
    () =>
      Effect.gen(function* () {
        const w = yield* world({ locale: "ru" })
        const texts = noticeTextsFor("ru", zone)
        const activity = yield* w.activity({ inHours: 30 })
        const english = yield* w.person({ locale: "en" })
        const russian = yield* w.person()
        yield* w.activities.join(activity, english)
        yield* w.activities.join(activity, russian)
        const textsOf = (kind: string) =>
          Effect.map(
            w.outbox(kind),
            (rows) => new Map(rows.map((row) => [row.employeeId, sent(row)])),
          )

        yield* runAt(w, at(6))
        const brief = yield* w.brief(activity)
        const day = Duration.hours(24)
        // The languages' texts differ here, or the test could not tell one from the other.
        expect(texts("en").reminder(brief, day).text).not.toBe(
          texts(null).reminder(brief, day).text,
        )
        const reminders = yield* textsOf("activity.remind")
        expect(reminders.get(english)).toEqual(texts("en").reminder(brief, day))
        expect(reminders.get(russian)).toEqual(texts(null).reminder(brief, day))

        for (const [edit, change] of [
          [w.sql`scheduled_at = ${at(31)}`, "moved"],
          [w.sql`location = 'Room <2>'`, "place"],
          [w.sql`status = 'cancelled', cancel_reason = 'Room <flooded>'`, "cancelled"],
        ] as const) {
          yield* w.sql.withTransaction(
            Effect.zipRight(
              w.sql`UPDATE activities SET ${edit} WHERE id = ${activity}`,
              w.notices.tellParticipants(activity, change),
            ),
          )
          const changed = yield* w.brief(activity)
          expect(texts("en").change(changed, change)).not.toBe(texts(null).change(changed, change))
          const told = yield* textsOf(`activity.${change}`)
          expect(told.get(english)).toEqual({ text: texts("en").change(changed, change) })
          expect(told.get(russian)).toEqual({ text: texts(null).change(changed, change) })
        }
      }),
  )
})
