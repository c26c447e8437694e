/**
 * The notifications' scheduler (src/notifications/Scheduler.ts) on the TestClock: it sends the
 * digest when the clock reaches its time, and an offer passes on when it runs out, with no real
 * waiting. Postgres runs in real time, so the test waits (briefly, in real time) for the
 * scheduler to finish a tick and go back to sleep before it moves the clock again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, TestClock } from "effect"
import type { NotificationsSettings } from "../../src/notifications/NotificationsSettings"
import * as Scheduler from "../../src/notifications/Scheduler"
import { databaseAt } from "../support/Rounds"
import { nextDaily, noticesOver, start, type World, world } from "./NoticesWorld"

const letIoRun = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/** Waits (in real time, at most 10 s) until `check` holds, without moving the clock. */
const until = <E, R>(what: string, check: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2000; i++) {
      if (yield* check) return
      yield* letIoRun
    }
    return yield* Effect.dieMessage(`Timed out waiting for ${what}`)
  })

const sleeping = Effect.map(TestClock.sleeps(), (sleeps) => Chunk.isNonEmpty(sleeps))

/** The scheduler of another process over the world's database, started in the test's scope. */
const launch = (w: World, overrides: Partial<NotificationsSettings> = {}) =>
  Effect.gen(function* () {
    const db = yield* Layer.build(databaseAt(w.url))
    yield* Layer.build(Scheduler.layer.pipe(Layer.provide(noticesOver(db, overrides))))
  })

describe("Scheduler", () => {
  it.scoped("sends the daily digest when the clock reaches 09:00, and passes on an offer", () =>
    Effect.gen(function* () {
      const w = yield* world()
      const daily = yield* w.person({ frequency: "daily" })
      yield* w.publish(yield* w.activity({ inHours: 100 }))
      const activity = yield* w.activity({ inHours: 100, max: 1 })
      const [holder, first, second] = [yield* w.person(), yield* w.person(), yield* w.person()]
      yield* w.activities.join(activity, holder)
      yield* w.notices.waitFor(activity, first)
      yield* w.notices.waitFor(activity, second)
      yield* w.activities.leave(activity, holder)

      yield* launch(w)
      yield* until("the first tick", sleeping)
      expect(yield* w.outbox("activity.digest")).toHaveLength(0)

      // The offer made at noon runs out at 14:00: the next in line is offered then.
      yield* TestClock.setTime(start.getTime() + 2 * 3_600_000)
      yield* until(
        "the second offer",
        Effect.map(w.outbox("waitlist.offer"), (rows) => rows.length === 2),
      )
      expect((yield* w.outbox("waitlist.offer")).map((row) => row.employeeId)).toEqual([
        first,
        second,
      ])

      yield* until("the scheduler to sleep", sleeping)
      yield* TestClock.setTime(nextDaily.getTime())
      yield* until(
        "the digest",
        Effect.map(w.outbox("activity.digest"), (rows) => rows.length === 1),
      )
      expect((yield* w.outbox("activity.digest"))[0]?.employeeId).toBe(daily)
    }),
  )

  it.scoped("NOTIFICATIONS_ENABLED=false: nothing happens, however far the clock moves", () =>
    Effect.gen(function* () {
      const w = yield* world()
      yield* w.person({ frequency: "daily" })
      yield* w.publish(yield* w.activity({ inHours: 100 }))
      yield* launch(w, { enabled: false })
      yield* TestClock.setTime(nextDaily.getTime() + 3_600_000)
      yield* letIoRun
      expect(yield* w.outbox()).toHaveLength(0)
    }),
  )
})
