/**
 * Every flow of the bot (DESIGN.md "Bot"), pressed through as a user would, in both languages:
 * what the user sees (texts, buttons, button answers) and what changed in Postgres.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Data, Effect, Schedule } from "effect"
import { type Catalogue, helpTopics, messagesFor } from "../../src/bot/Messages"
import { formatWhen } from "../../src/bot/Views"
import type { ActivityId, EmployeeId } from "../../src/domain/Ids"
import type { Locale } from "../../src/domain/Models"
import { roundTexts } from "../../src/rounds/RoundTexts"
import * as Harness from "../support/BotHarness"
import { insertActivity, insertEmployee, setActiveAndDropKeys, unique } from "../support/Fixtures"
import type { ChatMessage } from "../support/TelegramServer"

const locales: ReadonlyArray<Locale> = ["en", "ru"]
const languageCodeOf: Readonly<Record<Locale, string>> = { en: "en-US", ru: "ru" }
const timeZone = "Europe/Moscow"

/** Seeded interests (DESIGN.md "Default interests"), as the buttons name them. */
const seeded = {
  coffee: { emoji: "☕️", ru: "Тайный кофе", en: "Secret coffee" },
  lunch: { emoji: "🍝", ru: "Обед вслепую", en: "Blind lunch" },
  walk: { emoji: "🚶", ru: "Слепая прогулка", en: "Blind walk" },
  chess: { emoji: "♟️", ru: "Шахматы", en: "Chess" },
  games: { emoji: "🎲", ru: "Настольные игры", en: "Board games" },
  photo: { emoji: "📸", ru: "Фотоквесты", en: "Photo quests" },
  masterclass: { emoji: "🧠", ru: "Мастер-классы", en: "Master classes" },
} as const
type Seeded = keyof typeof seeded
const nameOf = (code: Seeded, locale: Locale) => `${seeded[code].emoji} ${seeded[code][locale]}`

/** The main menu's buttons, row by row. */
const menuButtons = (t: Catalogue) => [
  [t.menu.profile, t.menu.interests],
  [t.menu.activities, t.menu.achievements],
  [t.menu.help, t.menu.settings],
]

const firstNameOf = (fullName: string) => fullName.split(" ")[0] ?? ""

class NotYet extends Data.TaggedError("NotYet")<{ readonly seen: string }> {}

// -- database fixtures and checks ---------------------------------------------------------------

const subscribe = (employeeId: EmployeeId, codes: ReadonlyArray<Seeded>, isActive = true) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO employee_interests (employee_id, interest_id, is_active)
      SELECT ${employeeId}, id, ${isActive} FROM interests WHERE code IN ${sql.in([...codes])}`,
  )

/** The employee's interest rows as `code:active` (and `:notify` when asked), sorted by code. */
const interestRows = (employeeId: EmployeeId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql<{ code: string; isActive: boolean; receiveNotifications: boolean }>`
      SELECT i.code, ei.is_active, ei.receive_notifications
      FROM employee_interests ei JOIN interests i ON i.id = ei.interest_id
      WHERE ei.employee_id = ${employeeId}
      ORDER BY i.code`,
  )
const interestStates = (employeeId: EmployeeId) =>
  Effect.map(interestRows(employeeId), (rows) =>
    rows.map((row) => `${row.code}:${row.isActive ? "on" : "off"}`),
  )

const participate = (activityId: ActivityId, employeeId: EmployeeId, status: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO activity_participants (activity_id, employee_id, status)
      VALUES (${activityId}, ${employeeId}, ${status})`,
  )

const participantStatus = (activityId: ActivityId, employeeId: EmployeeId) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ status: string }>`
        SELECT status FROM activity_participants
        WHERE activity_id = ${activityId} AND employee_id = ${employeeId}`,
      (rows) => rows.map((row) => row.status),
    ),
  )

const confirmedCount = (activityId: ActivityId) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ count: number }>`
        SELECT count(*)::int AS count FROM activity_participants
        WHERE activity_id = ${activityId} AND status IN ('confirmed', 'attended')`,
      (rows) => rows[0]?.count,
    ),
  )

const activityRow = (activityId: ActivityId) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ scheduledAt: Date; durationMinutes: number }>`
        SELECT scheduled_at, duration_minutes FROM activities WHERE id = ${activityId}`,
      (rows) => rows[0] as { scheduledAt: Date; durationMinutes: number },
    ),
  )

/** The label of the button whose label ends with `suffix` (activity buttons are numbered). */
const labelEndingWith = (message: ChatMessage, suffix: string): string => {
  const label = message.buttons.flat().find((text) => text.endsWith(suffix))
  expect(
    label,
    `a button ending with ${suffix} in ${JSON.stringify(message.buttons)}`,
  ).toBeDefined()
  return label as string
}

// -- the shared bot ---------------------------------------------------------------------------

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })("bot flows", (it) => {
  for (const locale of locales) {
    const t = messagesFor(locale)
    const languageCode = languageCodeOf[locale]
    const name = (code: Seeded) => nameOf(code, locale)

    it.effect(`[${locale}] first /start: welcome, linked; skip → menu; choose interests`, () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const fullName = `Alice${unique()} Newcomer`
        const { user, employeeId, telegramId } = yield* Harness.employee({
          languageCode,
          fullName,
          linked: false,
        })
        const welcome = yield* user.send("/start")
        expect(welcome.text).toBe(t.welcome(firstNameOf(fullName)))
        expect(welcome.buttons).toEqual([[t.setUpInterests], [t.skip]])
        const [row] = yield* sql<{ telegramId: string | null; authorized: boolean }>`
          SELECT telegram_id, authorized FROM employees WHERE id = ${employeeId}`
        expect(Number(row?.telegramId)).toBe(telegramId)
        expect(row?.authorized).toBe(true)

        const skipped = yield* user.press(t.skip)
        expect(skipped.message.messageId).toBe(welcome.messageId)
        expect(skipped.message.text).toBe(t.menuGreeting(firstNameOf(fullName)))
        expect(skipped.message.buttons).toEqual(menuButtons(t))

        // Linked now: the next /start is a returning user's.
        const again = yield* user.send("/start")
        expect(again.text).toBe(t.menuGreeting(firstNameOf(fullName)))
        expect(again.buttons).toEqual(menuButtons(t))

        const other = yield* Harness.employee({ languageCode, linked: false })
        yield* other.user.send("/start")
        const chosen = yield* other.user.press(t.setUpInterests)
        expect(chosen.message.text).toBe(t.interests.title)
        expect(chosen.message.buttons.flat()).toContain(`❌ ${name("coffee")}`)
        expect(chosen.message.buttons.flat()).toContain(t.interests.save)
        const [otherRow] = yield* sql<{ telegramId: string | null }>`
          SELECT telegram_id FROM employees WHERE id = ${other.employeeId}`
        expect(Number(otherRow?.telegramId)).toBe(other.telegramId)
      }),
    )

    it.effect(`[${locale}] returning /start → main menu with six buttons`, () =>
      Effect.gen(function* () {
        const fullName = `Boris${unique()} Returning`
        const { user } = yield* Harness.employee({ languageCode, fullName })
        const menu = yield* user.send("/start")
        expect(menu.text).toBe(t.menuGreeting(firstNameOf(fullName)))
        expect(menu.buttons).toEqual(menuButtons(t))
        if (locale === "en") {
          expect(menu.buttons).toEqual([
            ["👤 Profile", "🎯 Interests"],
            ["📅 Activities", "🏆 Achievements"],
            ["❓ Help", "⚙️ Settings"],
          ])
        }
      }),
    )

    it.effect(`[${locale}] unknown user: polite refusal naming HR, reveals nobody`, () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const server = yield* Harness.Telegram
        const tag = unique()
        // Two employees whose usernames normalise alike: no safe match, and no name may leak.
        yield* insertEmployee({ fullName: `Zoya${tag} Twin`, username: `twin_${tag}` })
        yield* insertEmployee({ fullName: `Yakov${tag} Twin`, username: `Twin.${tag}` })
        // An employee linked to another Telegram account is never taken over by username.
        const owner = yield* Harness.employee({ fullName: `Xenia${tag} Owner` })
        const ownerUsername = owner.user.user.username ?? ""
        const stranger = yield* server.user({ languageCode, username: `twin${tag}` })
        const impostor = yield* server.user({ languageCode, username: ownerUsername })
        const refusal = t.unknownUser(Harness.adminContact)
        expect(refusal).toContain(Harness.adminContact)

        const reply = yield* stranger.send("/start")
        expect(reply.text).toBe(refusal)
        expect(reply.buttons).toEqual([])
        expect(reply.text).not.toContain(`Zoya${tag}`)
        expect(reply.text).not.toContain(`Yakov${tag}`)

        const hello = yield* stranger.send("hello")
        expect(hello.text).toBe(refusal)

        const pressed = yield* stranger.pressData("profile")
        expect(pressed.answer.text).toBe(refusal)
        expect(pressed.answer.showAlert).toBe(true)
        expect(pressed.message.text).toBe(refusal)
        expect(pressed.sent).toEqual([])

        const impostorReply = yield* impostor.send("/start")
        expect(impostorReply.text).toBe(refusal)
        expect(impostorReply.text).not.toContain(`Xenia${tag}`)
        const [ownerRow] = yield* sql<{ telegramId: string | null }>`
          SELECT telegram_id FROM employees WHERE id = ${owner.employeeId}`
        expect(Number(ownerRow?.telegramId)).toBe(owner.telegramId)

        const linked = yield* sql<{ count: number }>`
          SELECT count(*)::int AS count FROM employees
          WHERE telegram_id IN (${stranger.id}, ${impostor.id})
             OR (full_name LIKE ${`%${tag} Twin`} AND telegram_id IS NOT NULL)`
        expect(linked[0]?.count).toBe(0)
      }),
    )

    it.effect(`[${locale}] deactivated by SQL: refused once the change feed tells the cache`, () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { user, employeeId } = yield* Harness.employee({ languageCode })
        const menu = yield* user.send("/menu")
        expect(menu.buttons).toEqual(menuButtons(t))

        yield* sql`UPDATE employees SET is_active = false WHERE id = ${employeeId}`
        const refusal = t.deactivated(Harness.adminContact)
        expect(refusal).toContain(Harness.adminContact)
        const refused = yield* user.send("/menu").pipe(
          Effect.filterOrFail(
            (reply) => reply.text === refusal,
            (reply) => new NotYet({ seen: reply.text }),
          ),
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 25 }),
        )
        expect(refused.buttons).toEqual([])

        const pressed = yield* user.press(t.menu.profile, { messageId: menu.messageId })
        expect(pressed.answer.text).toBe(refusal)
        expect(pressed.answer.showAlert).toBe(true)
        expect(pressed.message.text).toBe(menu.text)
      }),
    )

    it.effect(`[${locale}] deactivated, the cached employee dropped: refused at once`, () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode })
        const menu = yield* user.send("/menu")
        expect(menu.buttons).toEqual(menuButtons(t))
        yield* setActiveAndDropKeys(employeeId, false)
        const refused = yield* user.send("/menu")
        expect(refused.text).toBe(t.deactivated(Harness.adminContact))
        const pressed = yield* user.press(t.menu.settings, { messageId: menu.messageId })
        expect(pressed.answer.text).toBe(t.deactivated(Harness.adminContact))
      }),
    )

    it.effect(`[${locale}] /menu, /preferences, other text and unknown commands`, () =>
      Effect.gen(function* () {
        const fullName = `Vera${unique()} Commands`
        const { user } = yield* Harness.employee({ languageCode, fullName })
        const menu = yield* user.send("/menu")
        expect(menu.text).toBe(t.menuGreeting(firstNameOf(fullName)))
        expect(menu.buttons).toEqual(menuButtons(t))

        const preferences = yield* user.send("/preferences")
        expect(preferences.text).toBe(t.interests.title)
        expect(preferences.buttons.at(-2)).toEqual([t.interests.save, t.interests.unsubscribeAll])
        expect(preferences.buttons.at(-1)).toEqual([t.back])
        expect(preferences.buttons.flat()).toContain(`❌ ${name("chess")}`)

        const hello = yield* user.send("hello")
        expect(hello.text).toBe(t.commandList)
        const foo = yield* user.send("/foo")
        expect(foo.text).toBe(t.commandList)
        for (const command of ["/start", "/menu", "/preferences", "/help"]) {
          expect(foo.text).toContain(command)
        }
      }),
    )

    it.effect(`[${locale}] /help: every topic, back to topics, menu`, () =>
      Effect.gen(function* () {
        const fullName = `Gleb${unique()} Helpful`
        const { user } = yield* Harness.employee({ languageCode, fullName })
        const index = yield* user.send("/help")
        expect(index.text).toBe(t.help.title)
        expect(index.buttons).toEqual([
          [t.help.topics.interests, t.help.topics.activities],
          [t.help.topics.achievements, t.help.topics.settings],
          [t.help.topics.contact],
          [t.back],
        ])
        const texts = t.help.texts(Harness.adminContact)
        for (const topic of helpTopics) {
          const shown = yield* user.press(t.help.topics[topic], { messageId: index.messageId })
          expect(shown.message.text).toBe(texts[topic])
          expect(shown.message.buttons).toEqual([[t.help.backToHelp, t.toMenu]])
          const back = yield* user.press(t.help.backToHelp, { messageId: index.messageId })
          expect(back.message.text).toBe(t.help.title)
        }
        expect(texts.contact).toContain(Harness.adminContact)

        yield* user.press(t.help.topics.contact, { messageId: index.messageId })
        const toMenu = yield* user.press(t.toMenu, { messageId: index.messageId })
        expect(toMenu.message.text).toBe(t.menuGreeting(firstNameOf(fullName)))
        expect(toMenu.message.buttons).toEqual(menuButtons(t))

        const again = yield* user.press(t.menu.help, { messageId: index.messageId })
        expect(again.message.text).toBe(t.help.title)
        const back = yield* user.press(t.back, { messageId: index.messageId })
        expect(back.message.buttons).toEqual(menuButtons(t))
      }),
    )

    it.effect(
      `[${locale}] profile shows name, position, department, office, interests, counts`,
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const fullName = `Daria${unique()} Profilova`
          const { user, employeeId } = yield* Harness.employee({
            languageCode,
            fullName,
            departmentCode: "IT",
            businessCenter: "БЦ Око",
          })
          const [department] = yield* sql<{ name: string }>`
          SELECT name FROM departments WHERE code = 'IT'`
          yield* subscribe(employeeId, ["coffee", "chess"])
          yield* subscribe(employeeId, ["lunch"], false)
          const upcoming = yield* insertActivity({ title: `Upcoming ${unique()}`, inHours: 48 })
          const past = yield* insertActivity({
            title: `Past ${unique()}`,
            inHours: -48,
            status: "completed",
          })
          const declined = yield* insertActivity({ title: `Declined ${unique()}`, inHours: 72 })
          yield* participate(upcoming, employeeId, "confirmed")
          yield* participate(past, employeeId, "attended")
          yield* participate(declined, employeeId, "declined")

          yield* user.send("/menu")
          const shown = yield* user.press(t.menu.profile)
          expect(shown.message.text).toBe(
            [
              t.profile.title(fullName),
              `${t.profile.position}: Tester`,
              `${t.profile.department}: ${department?.name}`,
              `${t.profile.office}: БЦ Око`,
              `${t.profile.interests}: ${name("coffee")}, ${name("chess")}`,
              t.profile.activities(1, 1, 2),
            ].join("\n"),
          )
          expect(shown.message.text).toContain(fullName)
          expect(shown.message.text).not.toContain(seeded.lunch[locale])
          expect(shown.message.buttons).toEqual([[t.back]])
          const back = yield* user.press(t.back)
          expect(back.message.buttons).toEqual(menuButtons(t))
        }),
    )

    it.effect(`[${locale}] interests: toggle, undo, save exactly the change, unsubscribe`, () =>
      Effect.gen(function* () {
        const fullName = `Egor${unique()} Interested`
        const { user, employeeId } = yield* Harness.employee({ languageCode, fullName })
        yield* subscribe(employeeId, ["coffee", "walk"])
        yield* user.send("/menu")
        const opened = yield* user.press(t.menu.interests)
        expect(opened.message.text).toBe(t.interests.title)
        const labels = opened.message.buttons.flat()
        expect(labels).toContain(`✅ ${name("coffee")}`)
        expect(labels).toContain(`✅ ${name("walk")}`)
        expect(labels).toContain(`❌ ${name("chess")}`)

        // A press flips what is pending; the second press undoes it.
        const on = yield* user.press(`❌ ${name("chess")}`)
        expect(on.message.buttons.flat()).toContain(`✅ ${name("chess")}`)
        expect(on.message.text).toBe([t.interests.title, t.interests.pending(1)].join("\n\n"))
        const undone = yield* user.press(`✅ ${name("chess")}`)
        expect(undone.message.buttons.flat()).toContain(`❌ ${name("chess")}`)
        expect(undone.message.text).toBe(t.interests.title)
        expect(yield* interestStates(employeeId)).toEqual(["coffee:on", "walk:on"])

        yield* user.press(`❌ ${name("chess")}`)
        const off = yield* user.press(`✅ ${name("coffee")}`)
        expect(off.message.text).toBe([t.interests.title, t.interests.pending(2)].join("\n\n"))
        expect(yield* interestStates(employeeId)).toEqual(["coffee:on", "walk:on"])

        // The menu reminds of what is not saved; coming back shows it still pending.
        const menu = yield* user.press(t.back)
        expect(menu.message.text).toBe(
          [t.menuGreeting(firstNameOf(fullName)), t.unsavedReminder(2)].join("\n\n"),
        )
        const reopened = yield* user.press(t.menu.interests)
        expect(reopened.message.buttons.flat()).toEqual(
          expect.arrayContaining([
            `✅ ${name("chess")}`,
            `❌ ${name("coffee")}`,
            `✅ ${name("walk")}`,
          ]),
        )

        const saved = yield* user.press(t.interests.save)
        expect(saved.message.text).toBe([t.interests.saved(1, 1), t.interests.title].join("\n\n"))
        expect(yield* interestStates(employeeId)).toEqual(["chess:on", "coffee:off", "walk:on"])
        const afterSave = yield* user.press(t.back)
        expect(afterSave.message.text).toBe(t.menuGreeting(firstNameOf(fullName)))

        // Unsubscribe from all asks first; Cancel keeps everything.
        yield* user.press(t.menu.interests)
        const ask = yield* user.press(t.interests.unsubscribeAll)
        expect(ask.message.text).toBe(t.interests.confirmUnsubscribe(2))
        expect(ask.message.buttons).toEqual([[t.interests.confirmYes, t.interests.confirmNo]])
        const cancelled = yield* user.press(t.interests.confirmNo)
        expect(cancelled.message.text).toBe(t.interests.title)
        expect(cancelled.message.buttons.flat()).toContain(`✅ ${name("chess")}`)
        expect(yield* interestStates(employeeId)).toEqual(["chess:on", "coffee:off", "walk:on"])

        yield* user.press(t.interests.unsubscribeAll)
        const confirmed = yield* user.press(t.interests.confirmYes)
        expect(confirmed.message.text).toBe(
          [t.interests.unsubscribed, t.interests.title].join("\n\n"),
        )
        const interestButtons = confirmed.message.buttons.slice(0, -2).flat()
        expect(interestButtons.length).toBeGreaterThanOrEqual(9)
        expect(interestButtons.every((label) => label.startsWith("❌ "))).toBe(true)
        expect(yield* interestStates(employeeId)).toEqual(["chess:off", "coffee:off", "walk:off"])

        const back = yield* user.press(t.back)
        expect(back.message.text).toBe(t.menuGreeting(firstNameOf(fullName)))
        expect(back.message.buttons).toEqual(menuButtons(t))
      }),
    )

    it.effect(`[${locale}] activities: the user's interests first, details, join, leave`, () =>
      Effect.gen(function* () {
        const interest: Seeded = locale === "en" ? "photo" : "masterclass"
        const { user, employeeId } = yield* Harness.employee({ languageCode })
        yield* subscribe(employeeId, [interest])
        // The other one is sooner: only the user's interest can put theirs first.
        const otherTitle = `Games night ${unique()}`
        const mineTitle = `${seeded[interest].en} ${unique()}`
        const other = yield* insertActivity({
          title: otherTitle,
          interestCode: "games",
          inHours: 1,
        })
        const mine = yield* insertActivity({
          title: mineTitle,
          interestCode: interest,
          inHours: 96,
          maxParticipants: 3,
        })
        expect(other).not.toBe(mine)

        yield* user.send("/menu")
        const list = yield* user.press(t.menu.activities)
        const lines = list.message.text.split("\n")
        expect(lines[0]).toBe(t.activities.title)
        const mineLine = lines.findIndex((line) => line.includes(mineTitle))
        const otherLine = lines.findIndex((line) => line.includes(otherTitle))
        expect(mineLine).toBeGreaterThan(0)
        expect(otherLine).toBeGreaterThan(mineLine)
        const { scheduledAt, durationMinutes } = yield* activityRow(mine)
        const when = formatWhen(scheduledAt, locale, timeZone)
        expect(lines[mineLine]).toContain(when)
        expect(lines[mineLine]).toContain("Room 1")
        expect(lines[mineLine]).toContain("0/3")
        expect(lines[mineLine]).toContain(seeded[interest].emoji)

        const details = yield* user.press(labelEndingWith(list.message, mineTitle))
        const detailsOf = (taken: number, joined: boolean) =>
          t.activities.details({
            emoji: seeded[interest].emoji,
            title: mineTitle,
            description: null,
            when,
            durationMinutes,
            place: "Room 1",
            taken,
            max: 3,
            joined,
          })
        expect(details.message.text).toBe(detailsOf(0, false))
        expect(details.message.text).toContain("Room 1")
        expect(details.message.text).toContain("0/3")
        expect(details.message.buttons).toEqual([[t.activities.join], [t.activities.backToList]])

        const joined = yield* user.press(t.activities.join)
        expect(joined.answer.text).toBe(t.activities.joined)
        expect(joined.message.text).toBe(detailsOf(1, true))
        expect(joined.message.text).toContain(t.activities.youAreIn)
        expect(joined.message.text).toContain("1/3")
        expect(joined.message.buttons).toEqual([[t.activities.leave], [t.activities.backToList]])
        expect(yield* participantStatus(mine, employeeId)).toEqual(["confirmed"])

        const backToList = yield* user.press(t.activities.backToList)
        const joinedLine = backToList.message.text.split("\n").find((l) => l.includes(mineTitle))
        expect(joinedLine).toContain("1/3 ✅")

        yield* user.press(labelEndingWith(backToList.message, mineTitle))
        const left = yield* user.press(t.activities.leave)
        expect(left.answer.text).toBe(t.activities.left)
        expect(left.message.text).toBe(detailsOf(0, false))
        expect(left.message.buttons).toEqual([[t.activities.join], [t.activities.backToList]])
        expect(yield* participantStatus(mine, employeeId)).toEqual(["declined"])
        expect(yield* confirmedCount(mine)).toBe(0)
      }),
    )

    it.effect(`[${locale}] a full activity: no Join button, and a forged Join is refused`, () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode })
        const title = `Full house ${unique()}`
        // Soon, so that it is among the first upcoming ones whatever else this file inserted.
        const full = yield* insertActivity({ title, inHours: 3, maxParticipants: 2 })
        for (const _ of [1, 2]) {
          const someone = yield* insertEmployee({})
          yield* participate(full, someone, "confirmed")
        }
        yield* user.send("/menu")
        const list = yield* user.press(t.menu.activities)
        const line = list.message.text.split("\n").find((l) => l.includes(title))
        expect(line).toContain("2/2")
        const details = yield* user.press(labelEndingWith(list.message, title))
        expect(details.message.text).toContain(t.activities.fullyBooked)
        expect(details.message.text).toContain("2/2")
        expect(details.message.buttons).toEqual([
          [t.activities.notifyMe],
          [t.activities.backToList],
        ])

        const forged = yield* user.pressData(`act:j:${full}`)
        expect(forged.answer.text).toBe(t.activities.full)
        expect(forged.answer.showAlert).toBe(true)
        expect(forged.message.text).toContain(t.activities.fullyBooked)
        expect(yield* participantStatus(full, employeeId)).toEqual([])
        expect(yield* confirmedCount(full)).toBe(2)
      }),
    )

    it.effect(`[${locale}] achievements: none earned without participation`, () =>
      Effect.gen(function* () {
        const { user } = yield* Harness.employee({ languageCode })
        yield* user.send("/menu")
        const shown = yield* user.press(t.menu.achievements)
        const a = t.achievements
        expect(shown.message.text).toBe(
          [
            a.title,
            "",
            `▫️ ${a.names["first-activity"]} — ${a.descriptions["first-activity"]} (${a.progress(0, 1)})`,
            `▫️ ${a.names.regular} — ${a.descriptions.regular} (${a.progress(0, 3)})`,
            `▫️ ${a.names.explorer} — ${a.descriptions.explorer} (${a.progress(0, 3)})`,
            `▫️ ${a.names.connector} — ${a.descriptions.connector} (${a.progress(0, 10)})`,
            "",
            a.streak(0),
            "",
            a.none,
          ].join("\n"),
        )
        const lines = shown.message.text.split("\n").slice(1)
        expect(lines.filter((line) => line.startsWith("🏆"))).toEqual([])
        expect(shown.message.buttons).toEqual([[t.back]])
      }),
    )

    it.effect(
      `[${locale}] achievements: first step, regular, explorer from real participation`,
      () =>
        Effect.gen(function* () {
          const { user, employeeId } = yield* Harness.employee({ languageCode })
          // Three different interests, attended one, two and three weeks ago.
          const codes: ReadonlyArray<Seeded> = ["coffee", "lunch", "walk"]
          for (const [index, code] of codes.entries()) {
            const activity = yield* insertActivity({
              interestCode: code,
              inHours: -168 * (index + 1),
              status: "completed",
            })
            yield* participate(activity, employeeId, "attended")
          }
          // Neither counts: not attended, and a cancelled one did not take place.
          const missed = yield* insertActivity({
            interestCode: "chess",
            inHours: -30,
            status: "completed",
          })
          yield* participate(missed, employeeId, "no_show")
          const cancelled = yield* insertActivity({
            interestCode: "games",
            inHours: -60,
            status: "cancelled",
          })
          yield* participate(cancelled, employeeId, "attended")

          yield* user.send("/menu")
          const shown = yield* user.press(t.menu.achievements)
          const a = t.achievements
          expect(shown.message.text).toBe(
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
          expect(shown.message.text).not.toContain(a.none)
        }),
    )

    it.effect(`[${locale}] settings: none without interests; a frequency per interest`, () =>
      Effect.gen(function* () {
        const lonely = yield* Harness.employee({ languageCode })
        yield* lonely.user.send("/menu")
        const empty = yield* lonely.user.press(t.menu.settings)
        expect(empty.message.text).toBe(t.settings.noInterests)
        expect(empty.message.buttons).toEqual([[t.menu.interests], [t.back]])
        const toInterests = yield* lonely.user.press(t.menu.interests)
        expect(toInterests.message.text).toBe(t.interests.title)

        const { user, employeeId } = yield* Harness.employee({ languageCode })
        yield* subscribe(employeeId, ["coffee", "chess"])
        yield* subscribe(employeeId, ["lunch"], false)
        yield* user.send("/menu")
        const shown = yield* user.press(t.menu.settings)
        expect(shown.message.text).toBe(t.settings.title)
        // Coffee pairs people: it has a pause switch too.
        const label = (code: "coffee" | "chess", choice: "off" | "immediate" | "daily") =>
          t.settings.frequency(name(code), choice)
        expect(shown.message.buttons).toEqual([
          [label("coffee", "immediate")],
          [label("chess", "immediate")],
          [roundTexts(locale).pause(name("coffee"))],
          [t.back],
        ])

        const notifications = () =>
          Effect.map(interestRows(employeeId), (rows) =>
            rows
              .filter((row) => row.isActive)
              .map((row) => `${row.code}:${row.receiveNotifications}`),
          )
        // One tap per change: immediate → daily, …, → off.
        const daily = yield* user.press(label("coffee", "immediate"))
        expect(daily.message.buttons[0]).toEqual([label("coffee", "daily")])
        yield* user.press(label("coffee", "daily"))
        yield* user.press(t.settings.frequency(name("coffee"), "weekly"))
        expect(yield* notifications()).toEqual(["chess:true", "coffee:false"])

        const on = yield* user.press(label("coffee", "off"))
        expect(on.message.buttons[0]).toEqual([label("coffee", "immediate")])
        expect(yield* notifications()).toEqual(["chess:true", "coffee:true"])

        // The inactive interest is untouched and not offered.
        expect(yield* interestStates(employeeId)).toEqual(["chess:on", "coffee:on", "lunch:off"])
      }),
    )
  }

  it.effect("a language other than ru/en (or none) → the default locale, ru", () =>
    Effect.gen(function* () {
      const ru = messagesFor("ru")
      const german = yield* Harness.employee({ languageCode: "de", fullName: "Hans Deutsch" })
      const menu = yield* german.user.send("/start")
      expect(menu.text).toBe(ru.menuGreeting("Hans"))
      expect(menu.buttons).toEqual(menuButtons(ru))
      const silent = yield* Harness.employee({ fullName: "Nemo Silent" })
      expect(silent.user.user.language_code).toBeUndefined()
      const other = yield* silent.user.send("hello")
      expect(other.text).toBe(ru.commandList)
    }),
  )
})

// -- the language remembered for proactive messages --------------------------------------------

/** The employee's stored language, and the row's version: any UPDATE of it, even a no-op, moves `xmin`. */
const storedLocale = (employeeId: EmployeeId) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ locale: string | null; version: string }>`
      SELECT locale, xmin::text AS version FROM employees WHERE id = ${employeeId}`.pipe(
      Effect.map(([row]) => row),
    ),
  )

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })(
  "the language the bot writes to people in",
  (it) => {
    it.effect("en-GB is stored once; the next updates write nothing", () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode: "en-GB" })
        expect((yield* storedLocale(employeeId))?.locale).toBe(null)
        yield* user.send("/menu")
        const stored = yield* storedLocale(employeeId)
        expect(stored?.locale).toBe("en")
        yield* user.send("/menu")
        yield* user.send("hello")
        expect(yield* storedLocale(employeeId)).toEqual(stored)
      }),
    )

    it.effect("a stored language changes when they write in the other one", () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE employees SET locale = 'ru' WHERE id = ${employeeId}`
        yield* user.send("/menu")
        expect((yield* storedLocale(employeeId))?.locale).toBe("en")
      }),
    )

    it.effect("a language the bot does not speak, or none, is not stored: nothing is written", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const german = yield* Harness.employee({ languageCode: "de" })
        const silent = yield* Harness.employee({})
        yield* sql`UPDATE employees SET locale = 'en' WHERE id = ${silent.employeeId}`
        const before = [
          yield* storedLocale(german.employeeId),
          yield* storedLocale(silent.employeeId),
        ]
        yield* german.user.send("/menu")
        yield* silent.user.send("/menu")
        expect([
          yield* storedLocale(german.employeeId),
          yield* storedLocale(silent.employeeId),
        ]).toEqual(before)
        expect(before.map((row) => row?.locale)).toEqual([null, "en"])
      }),
    )
  },
)

// -- a bot whose default locale is English ------------------------------------------------------

layer(Harness.layer({ defaultLocale: "en" }), { excludeTestServices: true, timeout: 60_000 })(
  "bot flows, English by default",
  (it) => {
    it.effect("language de → English; Russian still Russian; no activities → says so", () =>
      Effect.gen(function* () {
        const en = messagesFor("en")
        const ru = messagesFor("ru")
        const german = yield* Harness.employee({ languageCode: "de", fullName: "Greta Deutsch" })
        const menu = yield* german.user.send("/start")
        expect(menu.text).toBe(en.menuGreeting("Greta"))
        expect(menu.buttons).toEqual(menuButtons(en))
        const empty = yield* german.user.press(en.menu.activities)
        expect(empty.message.text).toBe(en.activities.empty)
        expect(empty.message.buttons).toEqual([[en.back]])

        const russian = yield* Harness.employee({ languageCode: "ru-RU", fullName: "Ivan Russkiy" })
        const ruMenu = yield* russian.user.send("/start")
        expect(ruMenu.text).toBe(ru.menuGreeting("Ivan"))
        const ruEmpty = yield* russian.user.press(ru.menu.activities)
        expect(ruEmpty.message.text).toBe(ru.activities.empty)
      }),
    )
  },
)
