/**
 * 📋 Activities for organisers through `Flows.respond` over the in-memory services: the list with
 * statuses, the admin card, editing a field (participants told of a new time or place),
 * publishing a draft, cancelling with a reason, the participants, and attendance after the end.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, TestClock } from "effect"
import { adminTextsFor } from "../../src/admins/AdminTexts"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"
import * as InMemoryAdmin from "../support/InMemoryAdmin"

const at = adminTextsFor("en")

/** An organiser, an activity of board games in two days with two participants. */
const setUp = Effect.gen(function* () {
  const h = yield* Harness.make()
  const organiser = yield* h.employee({ languageCode: "en", roles: { manageActivities: true } })
  const activityId = yield* InMemory.addActivity(h.world, {
    title: "Catan night",
    interestCode: "games",
    inHours: 48,
    maxParticipants: 6,
  })
  const ann = yield* h.employee({ fullName: "Ann Lee" })
  const bob = yield* h.employee({ fullName: "Bob Roy" })
  yield* InMemory.participate(h.world, activityId, ann.employeeId, "confirmed")
  yield* InMemory.participate(h.world, activityId, bob.employeeId, "confirmed")
  yield* organiser.user.send("/menu")
  yield* organiser.user.press(at.menuButton)
  return { h, user: organiser.user, activityId, ann, bob }
})

describe("📋 activities", () => {
  it.effect("the list shows each activity's status; the card offers what its status allows", () =>
    Effect.gen(function* () {
      const { h, user } = yield* setUp
      yield* InMemory.addActivity(h.world, { title: "Plan", status: "draft", inHours: 72 })
      yield* InMemory.addActivity(h.world, { title: "Gone", status: "cancelled", inHours: 5 })
      yield* InMemory.addActivity(h.world, { title: "Past", inHours: -48 })
      const list = yield* user.press(at.activities)
      const lines = list.text?.split("\n") ?? []
      expect(lines[0]).toBe(at.activity.listTitle)
      // Soonest first; the one ended two days ago is still listed.
      expect(lines.slice(1).map((line) => line.split(" — ")[0])).toEqual([
        `1. ${at.activity.statuses.ended} · Past`,
        `2. ${at.activity.statuses.cancelled} · Gone`,
        `3. ${at.activity.statuses.scheduled} · Catan night`,
        `4. ${at.activity.statuses.draft} · Plan`,
      ])
      expect(lines[3]).toContain("2/6")

      const draft = yield* user.press("4. Plan")
      expect(draft.buttons).toEqual([
        [at.activity.edit],
        [at.activity.publish],
        [at.activity.cancel],
        [at.activity.backToList],
      ])
      yield* user.press(at.activity.backToList)
      const scheduled = yield* user.press("3. Catan night")
      expect(scheduled.buttons).toEqual([
        [at.activity.edit],
        [at.activity.cancel],
        [at.activity.participants],
        [at.activity.backToList],
      ])
      yield* user.press(at.activity.backToList)
      const cancelled = yield* user.press("2. Gone")
      expect(cancelled.buttons).toEqual([[at.activity.participants], [at.activity.backToList]])

      const published = yield* user.pressData(`adm:p:${[...h.world.activities.values()][1]?.id}`)
      expect(published.notices).toEqual([{ text: at.activity.published, alert: false }])
      expect(h.admins.announced.length).toBe(1)
      // Publishing twice: refused, announced once.
      const twice = yield* user.pressData(`adm:p:${[...h.world.activities.values()][1]?.id}`)
      expect(twice.notices[0]?.text).toBe(at.activity.notEditable("scheduled"))
      expect(h.admins.announced.length).toBe(1)
    }),
  )

  it.effect("edit: a new time and place are told to the participants, bad input asks again", () =>
    Effect.gen(function* () {
      const { h, user, activityId } = yield* setUp
      yield* user.press(at.activities)
      yield* user.press("1. Catan night")
      const fields = yield* user.press(at.activity.edit)
      expect(fields.buttons.flat()).toEqual([
        at.activity.fields.title,
        at.activity.fields.when,
        at.activity.fields.duration,
        at.activity.fields.place,
        at.activity.fields.capacity,
        at.activity.backToCard,
      ])
      yield* user.press(at.activity.fields.when)
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      const bad = yield* user.send("next friday")
      expect(bad.text?.split("\n")[0]).toBe(at.problem("dateFormat"))
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)
      const moved = yield* user.send("10.03 19:00")
      expect(moved.notices).toEqual([{ text: at.activity.edited(2), alert: false }])
      expect(moved.notices[0]?.text).toBe("Saved. Participants told: 2.")
      expect(h.world.activities.get(activityId)?.scheduledAt).toEqual(
        new Date("2026-03-10T16:00:00Z"),
      )

      yield* user.press(at.activity.edit)
      yield* user.press(at.activity.fields.title)
      const renamed = yield* user.send("Catan & pizza")
      expect(renamed.notices).toEqual([{ text: "Saved.", alert: false }])
      expect(renamed.text?.split("\n")[0]).toBe(`${at.activity.statuses.scheduled} · Catan & pizza`)

      yield* user.press(at.activity.edit)
      yield* user.press(at.activity.fields.place)
      const noPlace = yield* user.press(at.draft.noPlace)
      expect(noPlace.notices[0]?.text).toBe(at.activity.edited(2))
      expect(h.world.activities.get(activityId)?.location).toBeNull()

      yield* user.press(at.activity.edit)
      yield* user.press(at.activity.fields.capacity)
      expect((yield* user.send("0")).text?.split("\n")[0]).toBe(at.problem("capacityRange"))
      yield* user.send("12")
      expect(h.world.activities.get(activityId)?.maxParticipants).toBe(12)
      expect(h.admins.audit.map((row) => row.action)).toEqual([
        "activity.edit",
        "activity.edit",
        "activity.edit",
        "activity.edit",
      ])
    }),
  )

  it.effect(
    "cancel asks the reason; participants are told; the card no longer offers changes",
    () =>
      Effect.gen(function* () {
        const { h, user, activityId } = yield* setUp
        yield* user.press(at.activities)
        yield* user.press("1. Catan night")
        const ask = yield* user.press(at.activity.cancel)
        expect(ask.text).toBe(at.activity.askReason("Catan night"))
        // Changing one's mind changes nothing.
        const kept = yield* user.press(at.activity.keepIt)
        expect(kept.text?.split("\n")[0]).toContain(at.activity.statuses.scheduled)
        expect(h.world.activities.get(activityId)?.status).toBe("scheduled")
        yield* user.press(at.activity.cancel)
        const empty = yield* user.send("   ")
        expect(empty.text?.split("\n")[0]).toBe(at.problem("empty"))
        const cancelled = yield* user.send("The host is ill.")
        expect(cancelled.notices).toEqual([{ text: at.activity.cancelled(2), alert: false }])
        expect(cancelled.buttons).toEqual([[at.activity.participants], [at.activity.backToList]])
        expect(h.world.activities.get(activityId)?.status).toBe("cancelled")
        // A stale Cancel from before: refused by the service's state, nothing more.
        const again = yield* user.pressData(`adm:x:${activityId}`)
        expect(again.notices[0]?.text).toBe(at.activity.notEditable(at.activity.statuses.cancelled))
      }),
  )

  it.effect("participants, and attendance once it has ended (attended / no-show)", () =>
    Effect.gen(function* () {
      const { h, user, activityId, ann, bob } = yield* setUp
      yield* user.press(at.activities)
      yield* user.press("1. Catan night")
      const roster = yield* user.press(at.activity.participants)
      expect(roster.text).toBe(
        [
          at.activity.rosterTitle("Catan night", 2),
          `1. Ann Lee (@user_${ann.telegramId}) — ${at.activity.participantStatuses.confirmed}`,
          `2. Bob Roy (@user_${bob.telegramId}) — ${at.activity.participantStatuses.confirmed}`,
        ].join("\n"),
      )
      // Before the end: no attendance, and a forged mark changes nothing.
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      const early = yield* user.pressData(`adm:y:${activityId}:${ann.employeeId}`)
      expect(early.notices).toEqual([{ text: at.activity.attendanceNotYet, alert: false }])
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)

      yield* TestClock.adjust(Duration.hours(50))
      const card = yield* user.pressData(`adm:a:${activityId}`)
      expect(card.text?.split("\n")[0]).toContain(at.activity.statuses.ended)
      expect(card.buttons).toEqual([
        [at.activity.participants],
        [at.activity.attendance],
        [at.activity.backToList],
      ])
      const sheet = yield* user.press(at.activity.attendance)
      expect(sheet.buttons).toEqual([
        [at.activity.attended(1), at.activity.noShow(1)],
        [at.activity.attended(2), at.activity.noShow(2)],
        [at.activity.backToCard],
      ])
      const marked = yield* user.press(at.activity.attended(1))
      expect(marked.notices).toEqual([{ text: at.activity.marked("Ann Lee", true), alert: false }])
      yield* user.press(at.activity.noShow(2))
      expect(InMemory.participantStatus(h.world, activityId, ann.employeeId)).toEqual(
        Option.some("attended"),
      )
      expect(InMemory.participantStatus(h.world, activityId, bob.employeeId)).toEqual(
        Option.some("no_show"),
      )
      // Changed one's mind: marks can be corrected.
      yield* user.press(at.activity.attended(2))
      expect(InMemory.participantStatus(h.world, activityId, bob.employeeId)).toEqual(
        Option.some("attended"),
      )
      // Someone not on the roster: refused, nothing changes.
      const stranger = yield* h.employee({})
      const unchanged = InMemoryAdmin.snapshot(h.world, h.admins)
      const forged = yield* user.pressData(`adm:n:${activityId}:${stranger.employeeId}`)
      expect(forged.notices).toEqual([{ text: at.activity.notOnRoster, alert: true }])
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(unchanged)
    }),
  )

  it.effect("an activity that does not exist: said so, and the list", () =>
    Effect.gen(function* () {
      const { user } = yield* setUp
      const gone = yield* user.pressData("adm:a:999")
      expect(gone.notices).toEqual([{ text: at.activity.gone, alert: false }])
      expect(gone.text?.split("\n")[0]).toBe(at.activity.listTitle)
    }),
  )
})
