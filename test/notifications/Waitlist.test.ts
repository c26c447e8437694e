/**
 * The waitlist (src/notifications/Waitlist.ts, and ActivityRepo's join and leave) over real
 * Postgres, on the TestClock: a freed place is held for the first in line, nobody else takes it
 * while the offer holds, then it goes to the next; offers count against capacity under
 * concurrent joins.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { noticeTextsFor } from "../../src/notifications/NoticeTexts"
import { runAt, sent, start, world, zone } from "./NoticesWorld"

const minute = 60_000
const later = (minutes: number) => new Date(start.getTime() + minutes * minute)

describe("waitlist", () => {
  it.scoped(
    "full → notify me → a leave offers the first in line → held → expires → next → take",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const activity = yield* w.activity({ inHours: 48, max: 2 })
        const [a, b] = [yield* w.person(), yield* w.person()]
        const [first, second, stranger] = [yield* w.person(), yield* w.person(), yield* w.person()]

        expect(yield* w.notices.waitFor(activity, first)).toEqual({ _tag: "NotFull" })
        yield* w.activities.join(activity, a)
        yield* w.activities.join(activity, b)
        expect(yield* w.notices.waitFor(activity, a)).toEqual({ _tag: "AlreadyJoined" })
        expect(yield* w.notices.waitFor(activity, first)).toEqual({ _tag: "Waiting", position: 1 })
        yield* TestClock.setTime(later(1).getTime())
        expect(yield* w.notices.waitFor(activity, second)).toEqual({ _tag: "Waiting", position: 2 })
        // Pressed again: the same place in line.
        expect(yield* w.notices.waitFor(activity, first)).toEqual({ _tag: "Waiting", position: 1 })
        expect((yield* w.notices.takeOffer(activity, first))._tag).toBe("NoOffer")

        // A leaves: the place is offered to the first in line, in the leave's transaction.
        yield* TestClock.setTime(later(10).getTime())
        expect((yield* w.activities.leave(activity, a))._tag).toBe("Left")
        const offers = yield* w.outbox("waitlist.offer")
        expect(offers.map((row) => [row.employeeId, row.dedupeKey])).toEqual([
          [first, `offer:${activity}:${first}:${later(10).toISOString()}`],
        ])
        expect(offers[0]?.callbackData).toEqual([`wl:take:${activity}`, `act:${activity}`])

        // While it holds, a stranger's Join is refused, and so is the second in line's.
        expect((yield* w.activities.join(activity, stranger))._tag).toBe("Full")
        expect((yield* w.activities.join(activity, second))._tag).toBe("Full")
        expect((yield* w.notices.takeOffer(activity, second))._tag).toBe("NoOffer")
        expect(yield* w.notices.waitFor(activity, stranger)).toEqual({
          _tag: "Waiting",
          position: 3,
        })

        // Two hours later the offer has run out: removed, the place offered to the second.
        expect((yield* runAt(w, later(10 + 119))).offersExpired).toBe(0)
        const run = yield* runAt(w, later(10 + 120))
        expect(run).toMatchObject({ offersExpired: 1, offersMade: 1 })
        expect((yield* runAt(w, later(10 + 121))).offersMade).toBe(0)
        expect((yield* w.outbox("waitlist.offer")).map((row) => row.employeeId)).toEqual([
          first,
          second,
        ])
        // The first is told once that the hold ran out, with the activity a press away.
        const expired = yield* w.outbox("waitlist.expired")
        expect(expired.map((row) => [row.employeeId, row.dedupeKey])).toEqual([
          [first, `offer-expired:${activity}:${first}:${later(10).toISOString()}`],
        ])
        expect(expired[0]?.callbackData).toEqual([`act:${activity}`])
        expect((yield* w.notices.takeOffer(activity, first))._tag).toBe("NoOffer")

        expect(yield* w.notices.takeOffer(activity, second)).toEqual({
          _tag: "Taken",
          participantCount: 2,
        })
        expect((yield* w.notices.takeOffer(activity, second))._tag).toBe("AlreadyJoined")
        const participants = (yield* w.activities.participants(activity)).map((p) => p.employeeId)
        expect(participants.sort()).toEqual([b, second].sort())
        const line = yield* w.sql<{ employeeId: number }>`
        SELECT employee_id FROM activity_waitlist WHERE activity_id = ${activity}`
        expect(line.map((row) => row.employeeId)).toEqual([stranger])
      }),
  )

  it.scoped("the person offered may take the place by pressing Join too", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const activity = yield* w.activity({ max: 1 })
      const [holder, waiting] = [yield* w.person(), yield* w.person()]
      yield* w.activities.join(activity, holder)
      yield* w.notices.waitFor(activity, waiting)
      yield* w.activities.leave(activity, holder)
      expect((yield* w.activities.join(activity, holder))._tag).toBe("Full")
      expect((yield* w.activities.join(activity, waiting))._tag).toBe("Joined")
      const line = yield* w.sql`SELECT 1 FROM activity_waitlist WHERE activity_id = ${activity}`
      expect(line).toHaveLength(0)
    }),
  )

  it.scoped("offers count against capacity when many join at once", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const activity = yield* w.activity({ max: 5 })
      const holders = yield* Effect.all(Array.from({ length: 5 }, () => w.person()))
      for (const id of holders) yield* w.activities.join(activity, id)
      const waiting = yield* Effect.all(Array.from({ length: 3 }, () => w.person()))
      for (const id of waiting) yield* w.notices.waitFor(activity, id)
      const strangers = yield* Effect.all(Array.from({ length: 20 }, () => w.person()))

      // Three leave while twenty strangers press Join: the three places are held for the line.
      const outcomes = yield* Effect.all(
        [
          ...holders.slice(0, 3).map((id) => w.activities.leave(activity, id)),
          ...strangers.map((id) => w.activities.join(activity, id)),
        ],
        { concurrency: "unbounded" },
      )
      expect(outcomes.filter((o) => o._tag === "Joined")).toHaveLength(0)
      expect(yield* w.outbox("waitlist.offer")).toHaveLength(3)
      const taken = yield* Effect.all(
        waiting.map((id) => w.notices.takeOffer(activity, id)),
        { concurrency: "unbounded" },
      )
      expect(taken.map((o) => o._tag)).toEqual(["Taken", "Taken", "Taken"])
      expect((yield* w.activities.getActivity(activity)).participantCount).toBe(5)
    }),
  )

  it.scoped(
    "a place freed where nobody offered it (a script, more capacity) is offered by the next run",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const activity = yield* w.activity({ max: 1 })
        yield* w.activities.join(activity, yield* w.person())
        const waiting = yield* w.person()
        yield* w.notices.waitFor(activity, waiting)
        yield* w.sql`UPDATE activities SET max_participants = 2 WHERE id = ${activity}`
        expect((yield* w.notices.runDue).offersMade).toBe(1)
        expect((yield* w.outbox("waitlist.offer")).map((row) => row.employeeId)).toEqual([waiting])
        // A started or cancelled activity's line is dropped quietly.
        yield* w.sql`UPDATE activities SET status = 'cancelled' WHERE id = ${activity}`
        yield* w.notices.runDue
        expect((yield* w.notices.waitFor(activity, waiting))._tag).toBe("NotOpen")
        const line = yield* w.sql`SELECT 1 FROM activity_waitlist WHERE activity_id = ${activity}`
        expect(line).toHaveLength(0)
      }),
  )
})

describe("languages", () => {
  it.scoped(
    "an offer and its expiry are in the language the person last wrote in; someone who never did reads BOT_DEFAULT_LOCALE's",
    () =>
      Effect.gen(function* () {
        const w = yield* world({ locale: "ru" })
        const texts = noticeTextsFor("ru", zone)
        const activity = yield* w.activity({ max: 2 })
        const [a, b] = [yield* w.person(), yield* w.person()]
        const english = yield* w.person({ locale: "en" })
        const russian = yield* w.person()
        yield* w.activities.join(activity, a)
        yield* w.activities.join(activity, b)
        yield* w.notices.waitFor(activity, english)
        yield* w.notices.waitFor(activity, russian)

        yield* TestClock.setTime(later(10).getTime())
        yield* w.activities.leave(activity, a)
        yield* w.activities.leave(activity, b)
        const brief = yield* w.brief(activity)
        const heldUntil = later(10 + 120)
        const offers = new Map(
          (yield* w.outbox("waitlist.offer")).map((row) => [row.employeeId, sent(row)]),
        )
        // The languages' texts differ here, or the test could not tell one from the other.
        expect(texts("en").offer(brief, heldUntil).text).not.toBe(
          texts(null).offer(brief, heldUntil).text,
        )
        expect(offers.get(english)).toEqual(texts("en").offer(brief, heldUntil))
        expect(offers.get(russian)).toEqual(texts(null).offer(brief, heldUntil))

        expect((yield* runAt(w, heldUntil)).offersExpired).toBe(2)
        const expired = new Map(
          (yield* w.outbox("waitlist.expired")).map((row) => [row.employeeId, sent(row)]),
        )
        expect(texts("en").offerExpired(brief).text).not.toBe(texts(null).offerExpired(brief).text)
        expect(expired.get(english)).toEqual(texts("en").offerExpired(brief))
        expect(expired.get(russian)).toEqual(texts(null).offerExpired(brief))
      }),
  )
})
