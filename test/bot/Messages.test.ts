import { describe, expect, it } from "@effect/vitest"
import { adminTextsFor } from "../../src/admins/AdminTexts"
import { localeOf, messagesFor } from "../../src/bot/Messages"
import { cutAt } from "../../src/bot/Views"

describe("language", () => {
  it("follows the user's Telegram language, else the default", () => {
    expect(localeOf("ru", "en")).toBe("ru")
    expect(localeOf("ru-RU", "en")).toBe("ru")
    expect(localeOf("en", "ru")).toBe("en")
    expect(localeOf("en-GB", "ru")).toBe("en")
    expect(localeOf("EN-us", "ru")).toBe("en")
    expect(localeOf("de", "ru")).toBe("ru")
    expect(localeOf("de", "en")).toBe("en")
    expect(localeOf("uk", "en")).toBe("en")
    expect(localeOf(undefined, "en")).toBe("en")
    expect(localeOf("", "ru")).toBe("ru")
  })
})

describe("catalogue", () => {
  for (const locale of ["ru", "en"] as const) {
    const t = messagesFor(locale)
    const contact = "@hr_contact_with_a_rather_long_name"

    it(`${locale}: notices fit a button's pop-up (200 characters)`, () => {
      const notices = [
        t.unknownUser(contact),
        t.deactivated(contact),
        t.unknownButton,
        t.foreignButton,
        t.unavailable,
        t.apology,
        ...Object.values(t.interests).filter((value) => typeof value === "string"),
        ...Object.values(t.activities).filter((value) => typeof value === "string"),
        t.interests.saved(9, 9),
      ]
      for (const notice of notices) expect(notice.length, notice).toBeLessThanOrEqual(200)
    })

    it(`${locale}: the refusals name the contact and nobody else`, () => {
      expect(t.unknownUser(contact)).toContain(contact)
      expect(t.deactivated(contact)).toContain(contact)
    })

    it(`${locale}: the command menu lists the four commands`, () => {
      expect(t.commands.map((command) => command.command)).toEqual([
        "start",
        "menu",
        "preferences",
        "help",
      ])
      for (const { command } of t.commands) expect(t.commandList).toContain(`/${command}`)
    })
  }

  it("the two languages differ wherever text is shown", () => {
    const ru = messagesFor("ru")
    const en = messagesFor("en")
    expect(ru.menu).not.toEqual(en.menu)
    expect(ru.commandList).not.toBe(en.commandList)
    expect(en.menu).toEqual({
      profile: "👤 Profile",
      interests: "🎯 Interests",
      activities: "📅 Activities",
      achievements: "🏆 Achievements",
      help: "❓ Help",
      settings: "⚙️ Settings",
    })
  })
})

describe("cutting long text", () => {
  it("never leaves half an emoji", () => {
    const text = `${"a".repeat(59)}🎉🎉`
    expect(cutAt(text, 60)).toBe("a".repeat(59))
    expect(cutAt(text, 61)).toBe(`${"a".repeat(59)}🎉`)
    expect(cutAt("short", 60)).toBe("short")
  })
})

describe("admin texts", () => {
  for (const locale of ["ru", "en"] as const) {
    const at = adminTextsFor(locale)
    const t = messagesFor(locale)

    it(`${locale}: the pop-ups fit (200 characters)`, () => {
      const notices = [
        at.notAdmin,
        at.notAllowed,
        at.outdated,
        at.draft.published,
        at.draft.saved,
        at.draft.discarded,
        at.draft.noInterests,
        at.activity.edited(999),
        at.activity.published,
        at.activity.cancelled(999),
        at.activity.notEditable(at.activity.statuses.cancelled),
        at.activity.gone,
        at.activity.attendanceNotYet,
        at.activity.notOnRoster,
        at.activity.marked("A rather long full name of someone", true),
        at.people.notYourself,
        t.activities.waiting(120),
        t.activities.placeFreeNow,
        t.activities.placeTaken,
        t.activities.offerGone,
        t.settings.frequencySet("🧠 A long interest name", "weekly"),
      ]
      for (const notice of notices) expect(notice.length, notice).toBeLessThanOrEqual(200)
    })
  }

  it("the two languages differ, and the admin button is named as the contract says", () => {
    expect(adminTextsFor("en").menuButton).toBe("🛠 Admin")
    expect(adminTextsFor("ru").menuButton).toBe("🛠 Админка")
    expect(adminTextsFor("ru").draft.questions).not.toEqual(adminTextsFor("en").draft.questions)
  })
})
