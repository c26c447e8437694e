/**
 * The waitlist in the bot (DESIGN.md "Organisers"): 🔔 Notify me on a full activity, and ✅ Take
 * the place from the waitlist's offer (`wl:take:ID`), each outcome answered clearly, through
 * `Flows.respond` over the in-memory `Notices`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Option, TestClock } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"
import * as InMemoryAdmin from "../support/InMemoryAdmin"

const en = messagesFor("en")

/** A full activity (two places, two holders) in three hours. */
const fullActivity = (h: Harness.FlowHarness) =>
  Effect.gen(function* () {
    const activityId = yield* InMemory.addActivity(h.world, {
      title: "Full house",
      inHours: 3,
      maxParticipants: 2,
    })
    const holders = []
    for (const _ of [1, 2]) {
      const holder = yield* InMemory.addEmployee(h.world, {})
      yield* InMemory.participate(h.world, activityId, holder, "confirmed")
      holders.push(holder)
    }
    return { activityId, holders }
  })

describe("🔔 notify me", () => {
  it.effect("a full activity puts people in line, by the order they asked", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { activityId } = yield* fullActivity(h)
      const first = yield* h.employee({ languageCode: "en" })
      const second = yield* h.employee({ languageCode: "en" })

      const opened = yield* first.user.pressData(`act:${activityId}`)
      expect(opened.buttons).toEqual([[en.activities.notifyMe], [en.activities.backToList]])
      const waiting = yield* first.user.press(en.activities.notifyMe)
      expect(waiting.notices).toEqual([{ text: en.activities.waiting(1), alert: true }])
      expect(waiting.text).toContain(en.activities.fullyBooked)
      const again = yield* first.user.press(en.activities.notifyMe)
      expect(again.notices).toEqual([{ text: en.activities.waiting(1), alert: true }])
      const next = yield* second.user.pressData(`wl:add:${activityId}`)
      expect(next.notices).toEqual([{ text: en.activities.waiting(2), alert: true }])
      expect(h.admins.waitlist.map((row) => row.employeeId)).toEqual([
        first.employeeId,
        second.employeeId,
      ])
    }),
  )

  it.effect("not full, joined already, not open, gone: said so, nobody in line", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      const roomy = yield* InMemory.addActivity(h.world, { inHours: 3, maxParticipants: 5 })
      const notFull = yield* user.pressData(`wl:add:${roomy}`)
      expect(notFull.notices).toEqual([{ text: en.activities.placeFreeNow, alert: false }])
      expect(notFull.buttons).toEqual([[en.activities.join], [en.activities.backToList]])

      const { activityId } = yield* fullActivity(h)
      yield* InMemory.participate(h.world, activityId, employeeId, "confirmed")
      const joined = yield* user.pressData(`wl:add:${activityId}`)
      expect(joined.notices).toEqual([{ text: en.activities.alreadyJoined, alert: false }])

      const started = yield* InMemory.addActivity(h.world, { inHours: -1, maxParticipants: 1 })
      const notOpen = yield* user.pressData(`wl:add:${started}`)
      expect(notOpen.notices).toEqual([{ text: en.activities.notOpen, alert: false }])

      const gone = yield* user.pressData("wl:add:999")
      expect(gone.notices).toEqual([{ text: en.activities.gone, alert: false }])
      expect(h.admins.waitlist).toEqual([])
    }),
  )
})

describe("✅ take the place", () => {
  it.effect("taken while the offer holds; after it, the offer is gone and nothing changes", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { activityId, holders } = yield* fullActivity(h)
      const first = yield* h.employee({ languageCode: "en" })
      const second = yield* h.employee({ languageCode: "en" })
      yield* first.user.pressData(`wl:add:${activityId}`)
      yield* second.user.pressData(`wl:add:${activityId}`)

      // Without an offer: refused.
      const early = yield* first.user.pressData(`wl:take:${activityId}`)
      expect(early.notices).toEqual([{ text: en.activities.offerGone, alert: true }])

      // A holder leaves; the place is offered to the first in line for two hours.
      const left = h.world.participants.find((row) => row.employeeId === holders[0])
      if (left !== undefined) left.status = "declined"
      const now = yield* Clock.currentTimeMillis
      InMemoryAdmin.offerPlace(
        h.admins,
        activityId,
        first.employeeId,
        new Date(now + 2 * 3_600_000),
      )
      InMemoryAdmin.offerPlace(h.admins, activityId, second.employeeId, new Date(now + 60_000))
      // The second's offer runs out before they press.
      yield* TestClock.adjust(Duration.minutes(5))
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      const late = yield* second.user.pressData(`wl:take:${activityId}`)
      expect(late.notices).toEqual([{ text: en.activities.offerGone, alert: true }])
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)

      const taken = yield* first.user.pressData(`wl:take:${activityId}`)
      expect(taken.notices).toEqual([{ text: en.activities.placeTaken, alert: false }])
      expect(taken.text).toContain(en.activities.youAreIn)
      expect(taken.buttons).toEqual([[en.activities.leave], [en.activities.backToList]])
      expect(InMemory.participantStatus(h.world, activityId, first.employeeId)).toEqual(
        Option.some("confirmed"),
      )
      const twice = yield* first.user.pressData(`wl:take:${activityId}`)
      expect(twice.notices).toEqual([{ text: en.activities.alreadyJoined, alert: false }])
      expect(InMemory.placesTaken(h.world, activityId)).toBe(2)
    }),
  )

  it.effect("an activity cancelled or started meanwhile, or gone: said so", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { activityId } = yield* fullActivity(h)
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      yield* user.pressData(`wl:add:${activityId}`)
      InMemoryAdmin.offerPlace(h.admins, activityId, employeeId, new Date(Date.parse("2030-01-01")))
      yield* TestClock.adjust(Duration.hours(4))
      const started = yield* user.pressData(`wl:take:${activityId}`)
      expect(started.notices).toEqual([{ text: en.activities.notOpen, alert: true }])
      expect(InMemory.participantStatus(h.world, activityId, employeeId)).toEqual(Option.none())
      const gone = yield* user.pressData("wl:take:999")
      expect(gone.notices).toEqual([{ text: en.activities.gone, alert: false }])
    }),
  )
})
