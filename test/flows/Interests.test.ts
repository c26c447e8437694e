/**
 * The interests screen (DESIGN.md "Bot": pending changes live in the session, Save writes exactly
 * them) and the notification switches of Settings, through `Flows.respond` over the in-memory
 * repositories. Mirrors test/bot/Flows.e2e.test.ts and test/bot/Interests.e2e.test.ts; whether
 * Save leaves untouched rows unwritten (their `updated_at`) only Postgres can tell, so that stays
 * with the e2e tests.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, TestClock } from "effect"
import type { FrequencyChoice } from "../../src/bot/CallbackData"
import { type Catalogue, messagesFor } from "../../src/bot/Messages"
import { sessionTtl } from "../../src/cache/Keys"
import type { TelegramId } from "../../src/domain/Ids"
import type { Locale } from "../../src/domain/Models"
import { roundTexts } from "../../src/rounds/RoundTexts"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"

const locales: ReadonlyArray<Locale> = ["en", "ru"]
const languageCodeOf: Readonly<Record<Locale, string>> = { en: "en-US", ru: "ru" }

/** Seeded interests (DESIGN.md "Default interests"), as the buttons name them. */
const seeded = {
  coffee: { emoji: "☕️", ru: "Тайный кофе", en: "Secret coffee" },
  lunch: { emoji: "🍝", ru: "Обед вслепую", en: "Blind lunch" },
  walk: { emoji: "🚶", ru: "Слепая прогулка", en: "Blind walk" },
  chess: { emoji: "♟️", ru: "Шахматы", en: "Chess" },
  games: { emoji: "🎲", ru: "Настольные игры", en: "Board games" },
  photo: { emoji: "📸", ru: "Фотоквесты", en: "Photo quests" },
} as const
type Seeded = keyof typeof seeded
const nameOf = (code: Seeded, locale: Locale) => `${seeded[code].emoji} ${seeded[code][locale]}`

const menuButtons = (t: Catalogue) => [
  [t.menu.profile, t.menu.interests],
  [t.menu.activities, t.menu.achievements],
  [t.menu.help, t.menu.settings],
]

const pendingOf = (h: Harness.FlowHarness, telegramId: TelegramId) =>
  Effect.map(
    h.sessions.get(telegramId),
    Option.map((session) => session.pendingInterests),
  )

describe("interests", () => {
  for (const locale of locales) {
    const t = messagesFor(locale)
    const languageCode = languageCodeOf[locale]
    const name = (code: Seeded) => nameOf(code, locale)

    it.effect(`[${locale}] toggle, undo, save exactly the change, unsubscribe from all`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const { user, employeeId } = yield* h.employee({ languageCode, fullName: "Egor Keen" })
        InMemory.subscribe(h.world, employeeId, ["coffee", "walk"])
        const states = () => InMemory.interestStates(h.world, employeeId)

        yield* user.send("/menu")
        const opened = yield* user.press(t.menu.interests)
        expect(opened.text).toBe(t.interests.title)
        expect(opened.buttons.flat()).toEqual(
          expect.arrayContaining([
            `✅ ${name("coffee")}`,
            `✅ ${name("walk")}`,
            `❌ ${name("chess")}`,
          ]),
        )
        expect(opened.buttons.at(-2)).toEqual([t.interests.save, t.interests.unsubscribeAll])
        expect(opened.buttons.at(-1)).toEqual([t.back])

        // A press flips what is pending; the second press undoes it. Nothing is written yet.
        const on = yield* user.press(`❌ ${name("chess")}`)
        expect(on.buttons.flat()).toContain(`✅ ${name("chess")}`)
        expect(on.text).toBe([t.interests.title, t.interests.pending(1)].join("\n\n"))
        const undone = yield* user.press(`✅ ${name("chess")}`)
        expect(undone.buttons.flat()).toContain(`❌ ${name("chess")}`)
        expect(undone.text).toBe(t.interests.title)
        expect(states()).toEqual(["coffee:on", "walk:on"])

        yield* user.press(`❌ ${name("chess")}`)
        const off = yield* user.press(`✅ ${name("coffee")}`)
        expect(off.text).toBe([t.interests.title, t.interests.pending(2)].join("\n\n"))
        expect(states()).toEqual(["coffee:on", "walk:on"])

        // The menu reminds of what is not saved; coming back shows it still pending.
        const menu = yield* user.press(t.back)
        expect(menu.text).toBe([t.menuGreeting("Egor"), t.unsavedReminder(2)].join("\n\n"))
        const reopened = yield* user.press(t.menu.interests)
        expect(reopened.buttons.flat()).toEqual(
          expect.arrayContaining([
            `✅ ${name("chess")}`,
            `❌ ${name("coffee")}`,
            `✅ ${name("walk")}`,
          ]),
        )

        const saved = yield* user.press(t.interests.save)
        expect(saved.text).toBe([t.interests.saved(1, 1), t.interests.title].join("\n\n"))
        expect(states()).toEqual(["chess:on", "coffee:off", "walk:on"])
        expect(yield* pendingOf(h, user.telegramId)).toEqual(
          Option.some({ enable: [], disable: [] }),
        )
        const afterSave = yield* user.press(t.back)
        expect(afterSave.text).toBe(t.menuGreeting("Egor"))

        // Unsubscribe from all asks first; Cancel keeps everything.
        yield* user.press(t.menu.interests)
        const ask = yield* user.press(t.interests.unsubscribeAll)
        expect(ask.text).toBe(t.interests.confirmUnsubscribe(2))
        expect(ask.buttons).toEqual([[t.interests.confirmYes, t.interests.confirmNo]])
        const cancelled = yield* user.press(t.interests.confirmNo)
        expect(cancelled.text).toBe(t.interests.title)
        expect(cancelled.buttons.flat()).toContain(`✅ ${name("chess")}`)
        expect(states()).toEqual(["chess:on", "coffee:off", "walk:on"])

        yield* user.press(t.interests.unsubscribeAll)
        const confirmed = yield* user.press(t.interests.confirmYes)
        expect(confirmed.text).toBe([t.interests.unsubscribed, t.interests.title].join("\n\n"))
        const interestButtons = confirmed.buttons.slice(0, -2).flat()
        expect(interestButtons.length).toBeGreaterThanOrEqual(9)
        expect(interestButtons.every((label) => label.startsWith("❌ "))).toBe(true)
        expect(states()).toEqual(["chess:off", "coffee:off", "walk:off"])

        const back = yield* user.press(t.back)
        expect(back.buttons).toEqual(menuButtons(t))
      }),
    )
  }

  const en = messagesFor("en")
  const name = (code: Seeded) => nameOf(code, "en")

  it.effect("Save with nothing pending writes nothing and says so", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      InMemory.subscribe(h.world, employeeId, ["coffee"])
      InMemory.subscribe(h.world, employeeId, ["lunch"], false)
      const before = InMemory.rowsOf(h.world, employeeId)

      yield* user.send("/preferences")
      yield* user.press(`✅ ${name("coffee")}`)
      yield* user.press(`❌ ${name("coffee")}`)
      yield* user.press(`❌ ${name("lunch")}`)
      yield* user.press(`✅ ${name("lunch")}`)

      const saved = yield* user.press(en.interests.save)
      expect(saved.notices).toEqual([{ text: en.interests.nothingToSave, alert: false }])
      expect(saved.buttons.flat()).toEqual(
        expect.arrayContaining([`✅ ${name("coffee")}`, `❌ ${name("lunch")}`]),
      )
      expect(InMemory.rowsOf(h.world, employeeId)).toEqual(before)
    }),
  )

  it.effect("pending changes survive other messages and Save writes them", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      InMemory.subscribe(h.world, employeeId, ["chess"])

      yield* user.send("/preferences")
      yield* user.press(`❌ ${name("coffee")}`)
      const menu = yield* user.send("/menu")
      expect(menu.text).toContain(en.unsavedReminder(1))
      expect(InMemory.interestStates(h.world, employeeId)).toEqual(["chess:on"])

      const preferences = yield* user.send("/preferences")
      expect(preferences.text).toContain(en.interests.pending(1))
      const saved = yield* user.press(en.interests.save)
      expect(saved.text).toContain(en.interests.saved(1, 0))
      expect(InMemory.interestStates(h.world, employeeId)).toEqual(["chess:on", "coffee:on"])
    }),
  )

  it.effect("Save after the session expired says so, changes nothing, shows what is saved", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      InMemory.subscribe(h.world, employeeId, ["coffee"])
      const before = InMemory.rowsOf(h.world, employeeId)

      yield* user.send("/preferences")
      yield* user.press(`❌ ${name("lunch")}`)
      yield* user.press(`✅ ${name("coffee")}`)
      expect(yield* pendingOf(h, user.telegramId)).toEqual(
        Option.some({
          enable: [InMemory.interestId(h.world, "lunch")],
          disable: [InMemory.interestId(h.world, "coffee")],
        }),
      )

      // Two hours without a word: the session's time to live runs out.
      yield* TestClock.adjust(Duration.sum(sessionTtl, Duration.seconds(1)))

      const saved = yield* user.press(en.interests.save)
      expect(saved.notices).toEqual([{ text: en.interests.expired, alert: true }])
      expect(InMemory.rowsOf(h.world, employeeId)).toEqual(before)
      // The lost changes are not shown as pending.
      expect(saved.buttons.flat()).toEqual(
        expect.arrayContaining([`✅ ${name("coffee")}`, `❌ ${name("lunch")}`]),
      )
      expect(saved.text).toBe(en.interests.title)

      // A second Save, on the fresh session, has nothing to write either.
      const again = yield* user.press(en.interests.save)
      expect(again.notices).toEqual([{ text: en.interests.nothingToSave, alert: false }])
      expect(InMemory.rowsOf(h.world, employeeId)).toEqual(before)
    }),
  )

  it.effect("a press just before the session's two hours are up still counts", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      yield* user.send("/preferences")
      yield* user.press(`❌ ${name("walk")}`)
      yield* TestClock.adjust(Duration.subtract(sessionTtl, Duration.seconds(1)))
      const saved = yield* user.press(en.interests.save)
      expect(saved.text).toContain(en.interests.saved(1, 0))
      expect(InMemory.interestStates(h.world, employeeId)).toEqual(["walk:on"])
    }),
  )

  it.effect("the old confirm of 'unsubscribe from all' does nothing once used", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      InMemory.subscribe(h.world, employeeId, ["coffee", "chess", "photo"])

      yield* user.send("/preferences")
      const asked = yield* user.press(en.interests.unsubscribeAll)
      expect(asked.text).toBe(en.interests.confirmUnsubscribe(3))
      const confirmData = asked.screen?.keyboard.inline_keyboard[0]?.[0]
      expect(confirmData).toMatchObject({ callback_data: "int:unsub:yes" })

      const confirmed = yield* user.press(en.interests.confirmYes)
      expect(confirmed.text).toContain(en.interests.unsubscribed)
      expect(InMemory.interestStates(h.world, employeeId)).toEqual([
        "chess:off",
        "coffee:off",
        "photo:off",
      ])

      // After choosing anew, the old confirm must not wipe the new choice.
      yield* user.press(`❌ ${name("games")}`)
      yield* user.press(en.interests.save)
      const chosen = InMemory.rowsOf(h.world, employeeId)
      const late = yield* user.pressData("int:unsub:yes")
      expect(late.notices).toEqual([{ text: en.interests.outdated, alert: false }])
      expect(late.buttons.flat()).toContain(`✅ ${name("games")}`)
      expect(InMemory.rowsOf(h.world, employeeId)).toEqual(chosen)
    }),
  )

  it.effect("'unsubscribe from all' with nothing on says so and stays on the screen", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user } = yield* h.employee({ languageCode: "en" })
      yield* user.send("/preferences")
      const asked = yield* user.press(en.interests.unsubscribeAll)
      expect(asked.notices).toEqual([{ text: en.interests.noneToUnsubscribe, alert: false }])
      expect(asked.text).toBe(en.interests.title)
    }),
  )

  it.effect("an interest retired after it was pressed: nothing written, dropped from pending", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      yield* user.send("/preferences")
      yield* user.press(`❌ ${name("chess")}`)
      yield* user.press(`❌ ${name("walk")}`)
      InMemory.retireInterest(h.world, "chess")

      const saved = yield* user.press(en.interests.save)
      expect(saved.text).toBe(
        [en.interests.retired, en.interests.title, en.interests.pending(1)].join("\n\n"),
      )
      expect(InMemory.interestStates(h.world, employeeId)).toEqual([])
      expect(saved.buttons.flat()).not.toContain(`❌ ${name("chess")}`)
      expect(yield* pendingOf(h, user.telegramId)).toEqual(
        Option.some({ enable: [InMemory.interestId(h.world, "walk")], disable: [] }),
      )
    }),
  )
})

describe("settings", () => {
  for (const locale of locales) {
    const t = messagesFor(locale)
    const languageCode = languageCodeOf[locale]
    const name = (code: Seeded) => nameOf(code, locale)

    it.effect(`[${locale}] none without interests; one tap moves an interest's frequency on`, () =>
      Effect.gen(function* () {
        const h = yield* Harness.make()
        const lonely = yield* h.employee({ languageCode })
        yield* lonely.user.send("/menu")
        const empty = yield* lonely.user.press(t.menu.settings)
        expect(empty.text).toBe(t.settings.noInterests)
        expect(empty.buttons).toEqual([[t.menu.interests], [t.back]])
        const toInterests = yield* lonely.user.press(t.menu.interests)
        expect(toInterests.text).toBe(t.interests.title)

        const { user, employeeId } = yield* h.employee({ languageCode })
        InMemory.subscribe(h.world, employeeId, ["coffee", "chess"])
        InMemory.subscribe(h.world, employeeId, ["lunch"], false)
        const frequencies = () => InMemory.frequencyStates(h.world, employeeId)
        const label = (code: Seeded, choice: FrequencyChoice) =>
          t.settings.frequency(name(code), choice)
        yield* user.send("/menu")
        const shown = yield* user.press(t.menu.settings)
        expect(shown.text).toBe(t.settings.title)
        // Coffee pairs people: it has a pause switch too.
        expect(shown.buttons).toEqual([
          [label("coffee", "immediate")],
          [label("chess", "immediate")],
          [roundTexts(locale).pause(name("coffee"))],
          [t.back],
        ])
        expect(label("coffee", "immediate")).toContain(name("coffee"))

        // immediate → daily → weekly → off → immediate: each tap one change, written at once.
        const cycle: ReadonlyArray<FrequencyChoice> = ["daily", "weekly", "off", "immediate"]
        let current: FrequencyChoice = "immediate"
        for (const next of cycle) {
          const pressed = yield* user.press(label("coffee", current))
          expect(pressed.notices).toEqual([
            { text: t.settings.frequencySet(name("coffee"), next), alert: false },
          ])
          expect(pressed.buttons[0]).toEqual([label("coffee", next)])
          expect(pressed.buttons[1]).toEqual([label("chess", "immediate")])
          expect(frequencies()).toEqual([`chess:immediate`, `coffee:${next}`])
          current = next
        }
        // Off keeps the frequency chosen before, as the row's column does.
        yield* user.press(label("chess", "immediate"))
        yield* user.press(label("chess", "daily"))
        yield* user.press(label("chess", "weekly"))
        expect(frequencies()).toEqual(["chess:off", "coffee:immediate"])
        expect(InMemory.notificationStates(h.world, employeeId)).toEqual([
          "chess:false",
          "coffee:true",
        ])

        // A button from an old Settings message sets what its label promised: pressing it twice
        // changes nothing more.
        const coffee = InMemory.interestId(h.world, "coffee")
        yield* user.pressData(`set:week:${coffee}`)
        yield* user.pressData(`set:week:${coffee}`)
        expect(frequencies()).toEqual(["chess:off", "coffee:weekly"])
        // The on/off switch of Settings messages drawn before the frequencies still works.
        const switched = yield* user.pressData(`set:t:${coffee}`)
        expect(switched.text).toBe(t.settings.title)
        expect(frequencies()).toEqual(["chess:off", "coffee:off"])
        // The inactive interest is untouched and not offered.
        expect(InMemory.interestStates(h.world, employeeId)).toEqual([
          "chess:on",
          "coffee:on",
          "lunch:off",
        ])

        // A choice for an interest the user does not have: refused, nothing changes.
        const before = InMemory.rowsOf(h.world, employeeId)
        const lunch = InMemory.interestId(h.world, "lunch")
        for (const data of [`set:t:${lunch}`, `set:day:${lunch}`]) {
          const forged = yield* user.pressData(data)
          expect(forged.notices).toEqual([{ text: t.unknownButton, alert: false }])
          expect(forged.text).toBe(t.settings.title)
        }
        expect(InMemory.rowsOf(h.world, employeeId)).toEqual(before)
      }),
    )
  }
})
