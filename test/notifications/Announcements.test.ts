/**
 * Announcements of published activities (src/notifications/Announcements.ts) over real Postgres,
 * on the TestClock: each subscriber hears once, when their frequency says, across runs, restarts
 * and processes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, TestClock } from "effect"
import { Notices } from "../../src/notifications/Notices"
import { databaseAt } from "../support/Rounds"
import { nextDaily, nextWeekly, noticesOver, runAt, world } from "./NoticesWorld"

const minute = 60_000
const shifted = (date: Date, ms = minute) => new Date(date.getTime() + ms)

describe("announce", () => {
  it.scoped("immediate at once; daily at the next 09:00; weekly on Monday 09:00; once each", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const immediate = yield* w.person({ frequency: "immediate" })
      const daily = yield* w.person({ frequency: "daily" })
      const weekly = yield* w.person({ frequency: "weekly" })
      const activity = yield* w.activity({ inHours: 24 * 10, title: "Blitz & <tea>" })

      expect(yield* w.publish(activity)).toBe(3)
      const now = yield* w.outbox()
      expect(now.map((row) => [row.employeeId, row.kind, row.dedupeKey])).toEqual([
        [immediate, "activity.announce", `announce:${activity}:${immediate}`],
      ])
      expect(now[0]?.text).toContain("<b>Blitz &amp; &lt;tea&gt;</b>")
      expect(now[0]?.text).toContain("Room &lt;1&gt;")
      expect(now[0]?.callbackData).toEqual([`act:${activity}`])

      // Published again (a retry, another process): nobody hears twice.
      expect(yield* w.publish(activity)).toBe(0)
      expect(yield* w.outbox()).toHaveLength(1)

      // A minute before 09:00 nothing; at 09:00 the daily digest.
      yield* runAt(w, shifted(nextDaily, -minute))
      expect(yield* w.outbox("activity.digest")).toHaveLength(0)
      expect((yield* runAt(w, nextDaily)).digests).toBe(1)
      const dailies = yield* w.outbox("activity.digest")
      expect(dailies.map((row) => [row.employeeId, row.dedupeKey])).toEqual([
        [daily, `digest:${daily}:${nextDaily.toISOString()}`],
      ])
      expect(dailies[0]?.callbackData).toEqual([`act:${activity}`])
      expect(dailies[0]?.text).toContain("Blitz &amp; &lt;tea&gt;")

      // The next days: nothing new for the daily subscriber; Monday 09:00 the weekly digest.
      yield* runAt(w, shifted(nextDaily, 24 * 60 * minute))
      yield* runAt(w, shifted(nextWeekly, -minute))
      expect(yield* w.outbox("activity.digest")).toHaveLength(1)
      yield* runAt(w, nextWeekly)
      yield* runAt(w, shifted(nextWeekly))
      expect((yield* w.outbox("activity.digest")).map((row) => row.employeeId)).toEqual([
        daily,
        weekly,
      ])
      expect(yield* w.outbox()).toHaveLength(3)
    }),
  )

  it.scoped(
    "muted, unsubscribed, inactive, unlinked, unreachable people and the creator: nothing",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const creator = yield* w.person()
        yield* w.person({ receive: false })
        yield* w.person({ interestActive: false })
        yield* w.person({ active: false })
        yield* w.person({ linked: false })
        yield* w.person({ unreachable: true })
        yield* w.person({ interest: "games" })
        yield* w.person({ frequency: "daily", receive: false })
        const activity = yield* w.activity({ createdBy: creator })
        expect(yield* w.publish(activity)).toBe(0)
        yield* runAt(w, nextWeekly)
        expect(yield* w.outbox()).toHaveLength(0)
      }),
  )

  it.scoped("a digest lists what is still ahead; with nothing left it says nothing", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const daily = yield* w.person({ frequency: "daily" })
      const later = yield* w.activity({ inHours: 100, title: "Later" })
      const sooner = yield* w.activity({ inHours: 50, title: "Sooner" })
      const cancelled = yield* w.activity({ inHours: 60, title: "Cancelled" })
      const begun = yield* w.activity({ inHours: 20, title: "Begun" })
      for (const id of [later, sooner, cancelled, begun]) yield* w.publish(id)
      yield* w.sql`UPDATE activities SET status = 'cancelled' WHERE id = ${cancelled}`
      yield* runAt(w, nextDaily)
      const [digest, ...rest] = yield* w.outbox("activity.digest")
      expect(rest).toHaveLength(0)
      expect(digest?.employeeId).toBe(daily)
      expect(digest?.callbackData).toEqual([`act:${sooner}`, `act:${later}`])
      expect(digest?.text).not.toContain("Cancelled")
      expect(digest?.text).not.toContain("Begun")

      // Someone whose only announced activity was cancelled: marked sent, no message.
      const other = yield* w.person({ frequency: "daily" })
      const gone = yield* w.activity({ inHours: 100 })
      yield* w.publish(gone)
      yield* w.sql`UPDATE activities SET status = 'cancelled' WHERE id = ${gone}`
      const secondDaily = new Date(nextDaily.getTime() + 24 * 3_600_000)
      expect((yield* runAt(w, secondDaily)).digests).toBe(0)
      expect((yield* w.outbox()).filter((row) => row.employeeId === other)).toHaveLength(0)
      const unsent = yield* w.sql<{ n: number }>`
        SELECT count(*)::int AS n FROM activity_announcements WHERE sent_at IS NULL`
      expect(unsent[0]?.n).toBe(0)
    }),
  )

  it.scoped("two processes running what is due at once send each digest once", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const people = yield* Effect.all(
        Array.from({ length: 30 }, (_, i) =>
          w.person({ frequency: i % 2 === 0 ? "daily" : "weekly" }),
        ),
      )
      for (let i = 0; i < 3; i++) yield* w.publish(yield* w.activity({ inHours: 200 + i }))
      // Another process: its own pool over the same database.
      const other = Context.get(
        yield* Layer.build(noticesOver(yield* Layer.build(databaseAt(w.url)))),
        Notices,
      )
      yield* TestClock.setTime(nextWeekly.getTime())
      const runs = yield* Effect.all(
        [w.notices.runDue, other.runDue, w.notices.runDue, other.runDue],
        { concurrency: "unbounded" },
      )
      // Monday 09:00 is both a daily and a weekly time: one digest per person and due time.
      const digests = yield* w.outbox("activity.digest")
      expect(runs.reduce((sum, run) => sum + run.digests, 0)).toBe(digests.length)
      expect(new Set(digests.map((row) => row.employeeId)).size).toBe(people.length)
      expect(new Set(digests.map((row) => row.dedupeKey)).size).toBe(digests.length)
      // Each digest lists all three activities: no digest went out in parts.
      for (const digest of digests) expect(digest.callbackData).toHaveLength(3)
    }),
  )

  it.scoped("a restart between the publish and the digest still sends it, once", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const daily = yield* w.person({ frequency: "daily" })
      yield* w.publish(yield* w.activity({}))
      // The process that published is gone; a new one starts after 09:00 (it was down then).
      const restarted = Context.get(
        yield* Layer.build(noticesOver(yield* Layer.build(databaseAt(w.url)))),
        Notices,
      )
      yield* TestClock.setTime(nextDaily.getTime() + 3 * 3_600_000)
      expect((yield* restarted.runDue).digests).toBe(1)
      expect((yield* restarted.runDue).digests).toBe(0)
      expect((yield* w.notices.runDue).digests).toBe(0)
      expect((yield* w.outbox("activity.digest")).map((row) => row.employeeId)).toEqual([daily])
    }),
  )

  it.scoped("announcing in a transaction that rolls back leaves no trace", () =>
    Effect.gen(function* () {
      const w = yield* world()
      yield* w.person()
      const activity = yield* w.activity({})
      yield* w.sql
        .withTransaction(Effect.zipRight(w.notices.announce(activity), Effect.fail("boom")))
        .pipe(Effect.ignore)
      expect(yield* w.outbox()).toHaveLength(0)
      expect(yield* w.publish(activity)).toBe(1)
    }),
  )
})

describe("languages", () => {
  it.scoped(
    "each subscriber reads the announcement and the digest in the language they last wrote in; someone who never did, in BOT_DEFAULT_LOCALE",
    () =>
      Effect.gen(function* () {
        const w = yield* world({ locale: "ru" })
        const english = yield* w.person({ frequency: "immediate" })
        const russian = yield* w.person({ frequency: "immediate" })
        const englishDaily = yield* w.person({ frequency: "daily" })
        yield* w.sql`UPDATE employees SET locale = 'en' WHERE id IN ${w.sql.in([english, englishDaily])}`
        const activity = yield* w.activity({ inHours: 24 * 10 })

        yield* w.publish(activity)
        const announced = new Map(
          (yield* w.outbox("activity.announce")).map((row) => [row.employeeId, row.text]),
        )
        expect(announced.get(english)).toMatch(/^📢 New activity\n/)
        expect(announced.get(english)).toContain("♟️ Chess")
        expect(announced.get(russian)).toMatch(/^📢 Новое мероприятие\n/)
        expect(announced.get(russian)).toContain("♟️ Шахматы")

        yield* runAt(w, nextDaily)
        const [digest] = yield* w.outbox("activity.digest")
        expect(digest?.employeeId).toBe(englishDaily)
        expect(digest?.text).toMatch(/^📬 New activities for your interests:/)
      }),
  )
})
