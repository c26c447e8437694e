/**
 * Activities, the profile and achievements (DESIGN.md "Activities", "Achievements") through
 * `Flows.respond` over the in-memory repositories: the list with the user's interests first,
 * details, joining and leaving, a full activity, one that started meanwhile, one that is gone.
 * Mirrors test/bot/Flows.e2e.test.ts and test/bot/BadInput.e2e.test.ts. Capacity under
 * concurrent joins is the row lock's job in Postgres and stays with the e2e tests.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Option, TestClock } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import { formatWhen, type View } from "../../src/bot/Views"
import type { Locale } from "../../src/domain/Models"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"

const locales: ReadonlyArray<Locale> = ["en", "ru"]
const languageCodeOf: Readonly<Record<Locale, string>> = { en: "en-US", ru: "ru" }

/** The label of the button whose label ends with `suffix` (activity buttons are numbered). */
const labelEndingWith = (screen: View | undefined, suffix: string): string => {
  const label = Harness.labelsOf(screen)
    .flat()
    .find((text) => text.endsWith(suffix))
  expect(label, `a button ending with ${suffix}`).toBeDefined()
  return label as string
}

describe("activities", () => {
  for (const locale of locales) {
    const t = messagesFor(locale)
    const languageCode = languageCodeOf[locale]

    it.effect(`[${locale}] the user's interests first, details, join, leave`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user, employeeId } = yield* h.employee({ languageCode })
        InMemory.subscribe(h.world, employeeId, ["photo"])
        // The other one is sooner: only the user's interest can put theirs first.
        const other = yield* InMemory.addActivity(h.world, {
          title: "Games night",
          interestCode: "games",
          inHours: 1,
        })
        const mine = yield* InMemory.addActivity(h.world, {
          title: "Photo walk",
          interestCode: "photo",
          inHours: 96,
          maxParticipants: 3,
        })
        expect(other).not.toBe(mine)

        yield* user.send("/menu")
        const list = yield* user.press(t.menu.activities)
        const lines = list.text?.split("\n") ?? []
        expect(lines[0]).toBe(t.activities.title)
        const mineLine = lines.findIndex((line) => line.includes("Photo walk"))
        const otherLine = lines.findIndex((line) => line.includes("Games night"))
        expect(mineLine).toBeGreaterThan(0)
        expect(otherLine).toBeGreaterThan(mineLine)
        const scheduledAt = new Date((yield* Clock.currentTimeMillis) + 96 * 3_600_000)
        const when = formatWhen(scheduledAt, locale, Harness.timeZone)
        expect(lines[mineLine]).toContain(when)
        expect(lines[mineLine]).toContain("Room 1")
        expect(lines[mineLine]).toContain("0/3")
        expect(lines[mineLine]).toContain("📸")

        const details = yield* user.press(labelEndingWith(list.screen, "Photo walk"))
        const detailsOf = (taken: number, joined: boolean) =>
          t.activities.details({
            emoji: "📸",
            title: "Photo walk",
            description: null,
            when,
            durationMinutes: 60,
            place: "Room 1",
            taken,
            max: 3,
            joined,
          })
        expect(details.text).toBe(detailsOf(0, false))
        expect(details.buttons).toEqual([[t.activities.join], [t.activities.backToList]])

        const joined = yield* user.press(t.activities.join)
        expect(joined.notices).toEqual([{ text: t.activities.joined, alert: false }])
        expect(joined.text).toBe(detailsOf(1, true))
        expect(joined.text).toContain(t.activities.youAreIn)
        expect(joined.buttons).toEqual([[t.activities.leave], [t.activities.backToList]])
        expect(InMemory.participantStatus(h.world, mine, employeeId)).toEqual(
          Option.some("confirmed"),
        )

        const backToList = yield* user.press(t.activities.backToList)
        const joinedLine = backToList.text?.split("\n").find((line) => line.includes("Photo walk"))
        expect(joinedLine).toContain("1/3 ✅")

        yield* user.press(labelEndingWith(backToList.screen, "Photo walk"))
        const left = yield* user.press(t.activities.leave)
        expect(left.notices).toEqual([{ text: t.activities.left, alert: false }])
        expect(left.text).toBe(detailsOf(0, false))
        expect(left.buttons).toEqual([[t.activities.join], [t.activities.backToList]])
        expect(InMemory.participantStatus(h.world, mine, employeeId)).toEqual(
          Option.some("declined"),
        )
        expect(InMemory.placesTaken(h.world, mine)).toBe(0)

        // Joining again takes the place back.
        const rejoined = yield* user.press(t.activities.join)
        expect(rejoined.text).toBe(detailsOf(1, true))
      }),
    )

    it.effect(`[${locale}] a full activity: 🔔 instead of Join, and a forged Join is refused`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user, employeeId } = yield* h.employee({ languageCode })
        const full = yield* InMemory.addActivity(h.world, {
          title: "Full house",
          inHours: 3,
          maxParticipants: 2,
        })
        for (const _ of [1, 2]) {
          const someone = yield* InMemory.addEmployee(h.world, {})
          yield* InMemory.participate(h.world, full, someone, "confirmed")
        }
        yield* user.send("/menu")
        const list = yield* user.press(t.menu.activities)
        expect(list.text?.split("\n").find((line) => line.includes("Full house"))).toContain("2/2")
        const details = yield* user.press(labelEndingWith(list.screen, "Full house"))
        expect(details.text).toContain(t.activities.fullyBooked)
        expect(details.text).toContain("2/2")
        expect(details.buttons).toEqual([[t.activities.notifyMe], [t.activities.backToList]])

        const forged = yield* user.pressData(`act:j:${full}`)
        expect(forged.notices).toEqual([{ text: t.activities.full, alert: true }])
        expect(forged.text).toContain(t.activities.fullyBooked)
        expect(InMemory.participantStatus(h.world, full, employeeId)).toEqual(Option.none())
        expect(InMemory.placesTaken(h.world, full)).toBe(2)
      }),
    )
  }

  const en = messagesFor("en")

  it.effect("Join once the activity has started: not open, not joined", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      const soon = yield* InMemory.addActivity(h.world, { title: "Standup walk", inHours: 1 })
      yield* user.send("/menu")
      const list = yield* user.press(en.menu.activities)
      const details = yield* user.press(labelEndingWith(list.screen, "Standup walk"))
      expect(details.buttons.flat()).toContain(en.activities.join)

      yield* TestClock.adjust(Duration.hours(2))
      const join = yield* user.press(en.activities.join)
      expect(join.notices).toEqual([{ text: en.activities.notOpen, alert: false }])
      expect(join.text).toContain(en.activities.notOpen)
      expect(join.buttons.flat()).not.toContain(en.activities.join)
      expect(InMemory.participantStatus(h.world, soon, employeeId)).toEqual(Option.none())
    }),
  )

  it.effect("an activity that is gone: said so, and the list instead", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      for (const data of ["act:999999", "act:j:999999", "act:l:999999"]) {
        const answer = yield* user.pressData(data)
        expect(answer.notices, data).toEqual([{ text: en.activities.gone, alert: false }])
        expect(answer.text).toBe(en.activities.empty)
      }
      expect(InMemory.rowsOf(h.world, employeeId).participation).toEqual([])
    }),
  )

  it.effect("Leave what one has not joined: said so, nothing changes", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      const activity = yield* InMemory.addActivity(h.world, { title: "Chess club" })
      const left = yield* user.pressData(`act:l:${activity}`)
      expect(left.notices).toEqual([{ text: en.activities.notJoined, alert: false }])
      expect(left.buttons).toEqual([[en.activities.join], [en.activities.backToList]])
      expect(InMemory.participantStatus(h.world, activity, employeeId)).toEqual(Option.none())
    }),
  )

  it.effect("no upcoming activities: says so", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user } = yield* h.employee({ languageCode: "en" })
      yield* user.send("/menu")
      const empty = yield* user.press(en.menu.activities)
      expect(empty.text).toBe(en.activities.empty)
      expect(empty.buttons).toEqual([[en.back]])
    }),
  )
})

describe("profile and achievements", () => {
  const en = messagesFor("en")

  it.effect("profile: name, position, department, office, active interests, counts", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({
        languageCode: "en",
        fullName: "Daria Profilova",
        departmentName: "Информационные технологии",
        businessCenterName: "БЦ Око",
      })
      InMemory.subscribe(h.world, employeeId, ["coffee", "chess"])
      InMemory.subscribe(h.world, employeeId, ["lunch"], false)
      const upcoming = yield* InMemory.addActivity(h.world, { inHours: 48 })
      const past = yield* InMemory.addActivity(h.world, { inHours: -48, status: "completed" })
      const declined = yield* InMemory.addActivity(h.world, { inHours: 72 })
      yield* InMemory.participate(h.world, upcoming, employeeId, "confirmed")
      yield* InMemory.participate(h.world, past, employeeId, "attended")
      yield* InMemory.participate(h.world, declined, employeeId, "declined")

      yield* user.send("/menu")
      const shown = yield* user.press(en.menu.profile)
      expect(shown.text).toBe(
        [
          en.profile.title("Daria Profilova"),
          `${en.profile.position}: Tester`,
          `${en.profile.department}: Информационные технологии`,
          `${en.profile.office}: БЦ Око`,
          `${en.profile.interests}: ☕️ Secret coffee, ♟️ Chess`,
          en.profile.activities(1, 1, 2),
        ].join("\n"),
      )
      expect(shown.buttons).toEqual([[en.back]])
    }),
  )

  it.effect("achievements from real participation only", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      // Three different interests, attended one, two and three weeks ago.
      for (const [index, code] of ["coffee", "lunch", "walk"].entries()) {
        const activity = yield* InMemory.addActivity(h.world, {
          interestCode: code,
          inHours: -168 * (index + 1),
          status: "completed",
        })
        yield* InMemory.participate(h.world, activity, employeeId, "attended")
      }
      // Neither counts: not attended, and a cancelled one did not take place.
      const missed = yield* InMemory.addActivity(h.world, {
        interestCode: "chess",
        inHours: -30,
        status: "completed",
      })
      yield* InMemory.participate(h.world, missed, employeeId, "no_show")
      const cancelled = yield* InMemory.addActivity(h.world, {
        interestCode: "games",
        inHours: -60,
        status: "cancelled",
      })
      yield* InMemory.participate(h.world, cancelled, employeeId, "attended")

      yield* user.send("/menu")
      const shown = yield* user.press(en.menu.achievements)
      const a = en.achievements
      expect(shown.text).toBe(
        [
          a.title,
          "",
          `🏆 ${a.names["first-activity"]} — ${a.descriptions["first-activity"]} (${a.progress(1, 1)})`,
          `🏆 ${a.names.regular} — ${a.descriptions.regular} (${a.progress(3, 3)})`,
          `🏆 ${a.names.explorer} — ${a.descriptions.explorer} (${a.progress(3, 3)})`,
          `▫️ ${a.names.connector} — ${a.descriptions.connector} (${a.progress(3, 10)})`,
          "",
          a.streak(3),
        ].join("\n"),
      )
      expect(shown.buttons).toEqual([[en.back]])
    }),
  )
})
