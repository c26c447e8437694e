/**
 * Who gets served (DESIGN.md "Recognition"), through `Flows.respond` over the in-memory
 * repositories: a linked employee gets the menu, a not-yet-linked one is linked by username and
 * welcomed, strangers and deactivated employees are refused without learning anything. The same
 * as test/bot/Flows.e2e.test.ts asserts, in milliseconds.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { type Catalogue, messagesFor } from "../../src/bot/Messages"
import type { Locale } from "../../src/domain/Models"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"

const locales: ReadonlyArray<Locale> = ["en", "ru"]
const languageCodeOf: Readonly<Record<Locale, string>> = { en: "en-US", ru: "ru" }

/** The main menu's buttons, row by row. */
const menuButtons = (t: Catalogue) => [
  [t.menu.profile, t.menu.interests],
  [t.menu.activities, t.menu.achievements],
  [t.menu.help, t.menu.settings],
]

describe("recognition and /start", () => {
  for (const locale of locales) {
    const t = messagesFor(locale)
    const languageCode = languageCodeOf[locale]

    it.effect(`[${locale}] a linked employee: /start is the menu with six buttons`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user } = yield* h.employee({ languageCode, fullName: "Boris Returning" })
        const menu = yield* user.send("/start")
        expect(menu.text).toBe(t.menuGreeting("Boris"))
        expect(menu.buttons).toEqual(menuButtons(t))
        expect(menu.notices).toEqual([])
      }),
    )

    it.effect(`[${locale}] first /start links by username: welcome, skip → menu`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        // Recognition normalises both sides: case, one leading @, `_`, `-` and `.` do not count.
        const employeeId = yield* InMemory.addEmployee(h.world, {
          fullName: "Alice Newcomer",
          username: "alice.new-comer",
        })
        const user = h.user({ username: "@Alice_NewComer", firstName: "Alice", languageCode })
        const welcome = yield* user.send("/start")
        expect(welcome.text).toBe(t.welcome("Alice"))
        expect(welcome.buttons).toEqual([[t.setUpInterests], [t.skip]])
        const linked = h.world.employees.get(employeeId)
        expect(linked?.telegramId).toBe(user.telegramId)
        expect(linked?.authorized).toBe(true)
        expect(linked?.telegramUsername).toBe("Alice_NewComer")

        const skipped = yield* user.press(t.skip)
        expect(skipped.text).toBe(t.menuGreeting("Alice"))
        expect(skipped.buttons).toEqual(menuButtons(t))

        // Linked now: the next /start is a returning user's.
        const again = yield* user.send("/start")
        expect(again.text).toBe(t.menuGreeting("Alice"))

        // Set up interests from the welcome.
        const other = yield* h.employee({ languageCode, linked: false })
        yield* other.user.send("/start")
        const chosen = yield* other.user.press(t.setUpInterests)
        expect(chosen.text).toBe(t.interests.title)
        expect(chosen.buttons.flat()).toContain(t.interests.save)
        expect(h.world.employees.get(other.employeeId)?.telegramId).toBe(other.telegramId)
      }),
    )

    it.effect(`[${locale}] a stranger is refused politely, naming HR, revealing nobody`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        // Two active employees whose usernames normalise alike: no safe match.
        const zoya = yield* InMemory.addEmployee(h.world, {
          fullName: "Zoya Twin",
          username: "twin_7",
        })
        const yakov = yield* InMemory.addEmployee(h.world, {
          fullName: "Yakov Twin",
          username: "Twin.7",
        })
        // An employee linked to another account is never taken over by username.
        const owner = yield* h.employee({ fullName: "Xenia Owner" })
        const ownerUsername = h.world.employees.get(owner.employeeId)?.telegramUsername ?? ""
        // A deactivated employee is not matched by username either.
        const gone = yield* InMemory.addEmployee(h.world, {
          fullName: "Gone Away",
          username: "gone_away",
          isActive: false,
        })
        const refusal = t.unknownUser(Harness.adminContact)
        expect(refusal).toContain(Harness.adminContact)

        for (const username of ["twin7", ownerUsername, "gone_away", undefined]) {
          const stranger = h.user({ languageCode, ...(username ? { username } : {}) })
          const reply = yield* stranger.send("/start")
          expect(reply.screens, String(username)).toEqual([])
          expect(reply.notices).toEqual([{ text: refusal, alert: false }])
          expect(reply.notice?.text).not.toMatch(/Zoya|Yakov|Xenia|Gone/)

          const hello = yield* stranger.send("hello")
          expect(hello.notices).toEqual([{ text: refusal, alert: false }])

          // A button press is answered with a pop-up alert and draws nothing.
          const pressed = yield* stranger.pressData("profile")
          expect(pressed.notices).toEqual([{ text: refusal, alert: true }])
          expect(pressed.screens).toEqual([])
          expect(yield* h.sessions.get(stranger.telegramId)).toEqual(Option.none())
        }
        for (const id of [zoya, yakov, gone]) {
          expect(h.world.employees.get(id)?.telegramId).toBeNull()
        }
        expect(h.world.employees.get(owner.employeeId)?.telegramId).toBe(owner.telegramId)
      }),
    )

    it.effect(`[${locale}] deactivated: refused at once, by message and by button`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user, employeeId } = yield* h.employee({ languageCode })
        const menu = yield* user.send("/menu")
        expect(menu.buttons).toEqual(menuButtons(t))

        InMemory.setActive(h.world, employeeId, false)

        const refusal = t.deactivated(Harness.adminContact)
        const refused = yield* user.send("/menu")
        expect(refused.screens).toEqual([])
        expect(refused.notices).toEqual([{ text: refusal, alert: false }])
        const pressed = yield* user.press(t.menu.profile)
        expect(pressed.notices).toEqual([{ text: refusal, alert: true }])
        expect(pressed.screens).toEqual([])
        // What they were doing is forgotten: nothing of it comes back if they return.
        expect(yield* h.sessions.get(user.telegramId)).toEqual(Option.none())
      }),
    )

    it.effect(`[${locale}] other text and unknown commands get the command list`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user } = yield* h.employee({ languageCode })
        for (const text of ["hello", "/foo"]) {
          const answer = yield* user.send(text)
          expect(answer.screens).toEqual([])
          expect(answer.notices).toEqual([{ text: t.commandList, alert: false }])
        }
        for (const command of ["/start", "/menu", "/preferences", "/help"]) {
          expect(t.commandList).toContain(command)
        }
      }),
    )
  }

  it.effect("a language other than ru/en (or none) gets the default locale", () =>
    Effect.gen(function* () {
      const ru = messagesFor("ru")
      const h = yield* Harness.make()
      const german = yield* h.employee({ languageCode: "de", fullName: "Hans Deutsch" })
      expect((yield* german.user.send("/start")).text).toBe(ru.menuGreeting("Hans"))

      const en = messagesFor("en")
      const english = yield* Harness.make({ defaultLocale: "en" })
      const greta = yield* english.employee({ languageCode: "de", fullName: "Greta Deutsch" })
      const menu = yield* greta.user.send("/start")
      expect(menu.text).toBe(en.menuGreeting("Greta"))
      const ivan = yield* english.employee({ languageCode: "ru-RU", fullName: "Ivan Russkiy" })
      expect((yield* ivan.user.send("/start")).text).toBe(ru.menuGreeting("Ivan"))
    }),
  )
})
