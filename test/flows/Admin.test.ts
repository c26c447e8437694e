/**
 * 🛠 Admin (DESIGN.md "Organisers") through `Flows.respond` over the in-memory repositories and
 * organisers' services: the menu for admins only and by role, the new-activity conversation
 * (back, keep, bad input at every step, preview, publish / draft / cancel), forged admin buttons
 * and a revoke mid-conversation (refused, nothing changes). Organisers' activities, employees and
 * reports: test/flows/AdminActivities.test.ts, test/flows/AdminPeople.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schema, TestClock } from "effect"
import { menuRolesTtl } from "../../src/admins/AdminFlows"
import { adminTextsFor } from "../../src/admins/AdminTexts"
import { messagesFor } from "../../src/bot/Messages"
import { formatWhen } from "../../src/bot/Views"
import { Session } from "../../src/sessions/Sessions"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"
import * as InMemoryAdmin from "../support/InMemoryAdmin"

const en = messagesFor("en")
const at = adminTextsFor("en")
const q = at.draft.questions

/** 25 Dec 2026 18:30 in Moscow. */
const christmas = new Date("2026-12-25T15:30:00Z")

describe("the admin menu", () => {
  it.effect("only admins see 🛠, and only what their roles allow", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const plain = yield* h.employee({ languageCode: "en" })
      const plainMenu = yield* plain.user.send("/menu")
      expect(plainMenu.buttons.flat()).not.toContain(at.menuButton)

      const organiser = yield* h.employee({ languageCode: "en", roles: { manageActivities: true } })
      const menu = yield* organiser.user.send("/menu")
      expect(menu.buttons.at(-1)).toEqual([at.menuButton])
      const admin = yield* organiser.user.press(at.menuButton)
      expect(admin.text).toBe(at.menuTitle)
      expect(admin.buttons).toEqual([[at.newActivity, at.activities], [en.back]])

      const hr = yield* h.employee({ languageCode: "en", roles: { manageUsers: true } })
      yield* hr.user.send("/menu")
      expect((yield* hr.user.press(at.menuButton)).buttons).toEqual([[at.employees], [en.back]])

      const analyst = yield* h.employee({ languageCode: "en", roles: { viewReports: true } })
      yield* analyst.user.send("/menu")
      expect((yield* analyst.user.press(at.menuButton)).buttons).toEqual([[at.reports], [en.back]])

      const boss = yield* h.employee({ languageCode: "ru", roles: { superAdmin: true } })
      const ru = adminTextsFor("ru")
      const ruMenu = yield* boss.user.send("/menu")
      expect(ruMenu.buttons.at(-1)).toEqual(["🛠 Админка"])
      expect((yield* boss.user.press(ru.menuButton)).buttons).toEqual([
        [ru.newActivity, ru.activities],
        [ru.employees],
        [ru.reports],
        [messagesFor("ru").back],
      ])

      // A grant shows in the menu once the process's note of who is an admin is older than
      // `menuRolesTtl`; a revoke too — and at once after any admin press, which reads the roles.
      h.grant(plain.employeeId, { viewReports: true })
      expect((yield* plain.user.send("/menu")).buttons.flat()).not.toContain(at.menuButton)
      yield* TestClock.adjust(Duration.sum(menuRolesTtl, Duration.millis(1)))
      expect((yield* plain.user.send("/menu")).buttons.at(-1)).toEqual([at.menuButton])
      h.revoke(plain.employeeId)
      const stale = yield* plain.user.send("/menu")
      expect(stale.buttons.at(-1)).toEqual([at.menuButton])
      // The stale 🛠 is refused, and the menu drawn after it has none.
      expect((yield* plain.user.press(at.menuButton)).notice?.text).toBe(at.notAdmin)
      expect((yield* plain.user.send("/menu")).buttons.flat()).not.toContain(at.menuButton)
    }),
  )

  it.effect("a role the admin lacks: refused, nothing changes", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user } = yield* h.employee({ languageCode: "en", roles: { viewReports: true } })
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      for (const data of ["adm:new", "adm:acts", "adm:ppl", "adm:on:1"]) {
        const refused = yield* user.pressData(data)
        expect(refused.notices, data).toEqual([{ text: at.notAllowed, alert: true }])
        expect(refused.screens).toEqual([])
      }
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)
    }),
  )
})

describe("➕ new activity", () => {
  it.effect(
    "the whole conversation: bad input at every step, back and keep, preview, publish",
    () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user, employeeId } = yield* h.employee({
          languageCode: "en",
          roles: { manageActivities: true },
        })
        const unchanged = InMemoryAdmin.snapshot(h.world, h.admins)
        /** A bad answer: the problem, the same question, nothing written. */
        const refused = (
          answer: { readonly text: string | undefined },
          problem: string,
          question: string,
        ) => {
          expect(answer.text?.split("\n")[0]).toBe(problem)
          expect(answer.text).toContain(question)
          expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(unchanged)
        }

        yield* user.send("/menu")
        yield* user.press(at.menuButton)
        const interest = yield* user.press(at.newActivity)
        expect(interest.text).toBe([at.draft.step(1, 6), q.interest].join("\n"))
        // The first question has no previous one: its only way out is Cancel.
        expect(interest.buttons.at(-1)).toEqual([at.cancel])
        refused(yield* user.send("Chess"), at.useButtons, q.interest)
        const outdatedBack = yield* user.pressData("adm:back")
        expect(outdatedBack.notices).toEqual([{ text: at.outdated, alert: true }])
        // A retired or made-up interest is not taken.
        refused(yield* user.pressData("adm:di:999"), en.interests.unknownInterest, q.interest)

        const title = yield* user.press("♟️ Chess")
        expect(title.text).toBe([at.draft.step(2, 6), q.title].join("\n"))
        refused(yield* user.send("   "), at.problem("empty"), q.title)
        refused(yield* user.send("x".repeat(101)), at.problem("tooLong"), q.title)
        yield* user.send("  Chess   club ")

        refused(yield* user.send("tomorrow"), at.problem("dateFormat"), q.when)
        refused(yield* user.send("31.02 10:00"), at.problem("noSuchDate"), q.when)
        refused(yield* user.send("2026-03-01 10:00"), at.problem("past"), q.when)
        const when = yield* user.send("25.12 18:30")
        expect(when.text).toContain(q.duration)

        refused(yield* user.send("forever"), at.problem("durationFormat"), q.duration)
        refused(yield* user.send("2 min"), at.problem("durationRange"), q.duration)
        yield* user.send("1h30")

        const place = yield* user.send("Room 5")
        expect(place.text).toContain(q.capacity)
        refused(yield* user.send("many"), at.problem("capacityFormat"), q.capacity)
        refused(yield* user.send("0"), at.problem("capacityRange"), q.capacity)

        // Back: the previous question, its answer kept and offered.
        const backToPlace = yield* user.press(at.back)
        expect(backToPlace.text).toContain(q.place)
        expect(backToPlace.text).toContain(at.draft.kept("Room 5"))
        expect(backToPlace.buttons).toEqual([
          [at.draft.noPlace],
          [at.draft.keep("Room 5")],
          [at.back, at.cancel],
        ])
        const backToDuration = yield* user.press(at.back)
        expect(backToDuration.text).toContain(at.draft.kept("1 h 30 min"))
        const backToWhen = yield* user.press(at.back)
        const whenText = formatWhen(christmas, "en", Harness.timeZone)
        expect(backToWhen.text).toContain(at.draft.kept(whenText))
        yield* user.press(at.draft.keep(whenText))
        yield* user.press(at.draft.keep("1 h 30 min"))
        yield* user.press(at.draft.keep("Room 5"))
        const preview = yield* user.press(at.draft.noLimit)
        const card = at.activity.card({
          status: "draft",
          title: "Chess club",
          interest: "♟️ Chess",
          when: whenText,
          duration: "1 h 30 min",
          place: "Room 5",
          taken: 0,
          max: null,
        })
        expect(preview.text).toBe([at.draft.preview, "", card].join("\n"))
        expect(preview.buttons).toEqual([
          [at.draft.publish, at.draft.saveDraft],
          [at.back, at.cancel],
        ])
        refused(yield* user.send("publish"), at.useButtons, at.draft.preview)
        // Back from the preview, and on again with the answer kept.
        const backToCapacity = yield* user.press(at.back)
        expect(backToCapacity.text).toContain(at.draft.kept(at.activity.noLimit))
        yield* user.press(at.draft.keep(at.activity.noLimit))
        expect(h.world.activities.size).toBe(0)

        const published = yield* user.press(at.draft.publish)
        expect(published.notices).toEqual([{ text: at.draft.published, alert: false }])
        expect(published.text).toBe(
          card.replace(at.activity.statuses.draft, at.activity.statuses.scheduled),
        )
        const [created] = [...h.world.activities.values()]
        expect(created).toMatchObject({
          title: "Chess club",
          interestId: InMemory.interestId(h.world, "chess"),
          scheduledAt: christmas,
          durationMinutes: 90,
          location: "Room 5",
          maxParticipants: null,
          status: "scheduled",
          createdBy: employeeId,
        })
        expect(h.admins.announced).toEqual([created?.id])
        expect(h.admins.audit.map((row) => row.action)).toEqual(["activity.publish"])

        // The preview's buttons are spent: a second Publish creates nothing.
        const again = yield* user.pressData("adm:pub")
        expect(again.notices).toEqual([{ text: at.outdated, alert: true }])
        expect(h.world.activities.size).toBe(1)
        // The conversation is over: text is ordinary text again.
        expect((yield* user.send("Chess club")).notice?.text).toBe(en.commandList)
      }),
  )

  it.effect("💾 save as draft (no place) is not announced; ✖️ cancel writes nothing", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user } = yield* h.employee({ languageCode: "en", roles: { superAdmin: true } })
      yield* user.send("/menu")
      yield* user.press(at.menuButton)
      yield* user.press(at.newActivity)
      yield* user.press("🎲 Board games")
      yield* user.send("Catan night")
      yield* user.send("2026-03-10 19:00")
      yield* user.send("120")
      yield* user.press(at.draft.noPlace)
      const preview = yield* user.send("8")
      expect(preview.text).toContain("📍 no place given")
      const saved = yield* user.press(at.draft.saveDraft)
      expect(saved.notices).toEqual([{ text: at.draft.saved, alert: false }])
      expect(saved.text?.split("\n")[0]).toBe(`${at.activity.statuses.draft} · Catan night`)
      expect(saved.buttons.flat()).toContain(at.activity.publish)
      expect([...h.world.activities.values()].map((row) => [row.status, row.location])).toEqual([
        ["draft", null],
      ])
      expect(h.admins.announced).toEqual([])

      // Cancel at any step: nothing written, back to the admin menu, text ordinary again.
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      yield* user.pressData("adm")
      yield* user.press(at.newActivity)
      yield* user.press("🎲 Board games")
      yield* user.send("Another")
      const cancelled = yield* user.press(at.cancel)
      expect(cancelled.notices).toEqual([{ text: at.draft.discarded, alert: false }])
      expect(cancelled.text).toBe(at.menuTitle)
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)
      expect((yield* user.send("19:00")).notice?.text).toBe(en.commandList)
    }),
  )

  it.effect("the time passed while the preview was open: back to the date, nothing created", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user } = yield* h.employee({ languageCode: "en", roles: { manageActivities: true } })
      yield* user.pressData("adm:new")
      yield* user.press("🎲 Board games")
      yield* user.send("Soon")
      yield* user.send("02.03 09:30")
      yield* user.send("30")
      yield* user.send("Hall")
      yield* user.send("4")
      yield* TestClock.adjust(Duration.hours(1))
      const refused = yield* user.press(at.draft.publish)
      expect(refused.text?.split("\n")[0]).toBe(at.refused("scheduledAt", "must be in the future"))
      expect(refused.text).toContain(q.when)
      expect(h.world.activities.size).toBe(0)
    }),
  )
})

describe("refusals", () => {
  it.effect("forged admin buttons from a non-admin: a clear refusal, nothing changes", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      const activity = yield* InMemory.addActivity(h.world, { title: "Walk", status: "draft" })
      yield* InMemory.participate(h.world, activity, employeeId, "confirmed")
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      const forged = [
        "adm",
        "adm:new",
        "adm:di:1",
        "adm:pub",
        "adm:save",
        "adm:acts",
        `adm:a:${activity}`,
        `adm:p:${activity}`,
        `adm:x:${activity}`,
        `adm:e:w:${activity}`,
        `adm:y:${activity}:${employeeId}`,
        "adm:ppl",
        `adm:off:${employeeId}`,
        `adm:on:${employeeId}`,
        "adm:rep",
        "adm:rm:202603",
      ]
      for (const data of forged) {
        const refused = yield* user.pressData(data)
        expect(refused.notices, data).toEqual([{ text: at.notAdmin, alert: true }])
        expect(refused.screens, data).toEqual([])
      }
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)
      // Malformed admin data is an unknown button, as any other.
      const malformed = yield* user.pressData("adm:a:0")
      expect(malformed.notices).toEqual([{ text: en.unknownButton, alert: true }])
    }),
  )

  it.effect(
    "revoked mid-conversation: the next answer and press are refused, nothing changes",
    () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user, employeeId } = yield* h.employee({
          languageCode: "en",
          roles: { manageActivities: true },
        })
        const scheduled = yield* InMemory.addActivity(h.world, { title: "Yoga", inHours: 48 })
        yield* user.pressData("adm:new")
        yield* user.press("🎲 Board games")
        h.revoke(employeeId)
        const before = InMemoryAdmin.snapshot(h.world, h.admins)

        const answer = yield* user.send("Catan night")
        expect(answer.notices).toEqual([{ text: at.notAdmin, alert: true }])
        expect(answer.screens).toEqual([])
        for (const data of ["adm:back", "adm:acts", `adm:x:${scheduled}`, `adm:p:${scheduled}`]) {
          const refused = yield* user.pressData(data)
          expect(refused.notices, data).toEqual([{ text: at.notAdmin, alert: true }])
        }
        expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)
        // Their conversation ended with the refusal: text is ordinary again; no 🛠 in the menu.
        expect((yield* user.send("25.12 18:30")).notice?.text).toBe(en.commandList)
        expect((yield* user.send("/menu")).buttons.flat()).not.toContain(at.menuButton)
      }),
  )
})

describe("sessions", () => {
  it("a session stored before admin conversations existed still decodes", () => {
    const stored = {
      employeeId: 7,
      step: "settings",
      pendingInterests: { enable: [], disable: [] },
      lastCommand: null,
      lastCallback: "settings",
      createdAt: "2026-03-01T10:00:00.000Z",
      updatedAt: "2026-03-01T10:05:00.000Z",
    }
    const session = Schema.decodeUnknownSync(Session)(stored)
    expect(session.adminTask).toBeNull()
    expect(session.step).toBe("settings")
    const withDraft = Schema.decodeUnknownSync(Session)({
      ...stored,
      step: "draft-when",
      adminTask: { _tag: "NewActivity", answers: { interestId: 4, title: "Chess" } },
    })
    expect(withDraft.adminTask).toEqual({
      _tag: "NewActivity",
      answers: { interestId: 4, title: "Chess" },
    })
  })
})
