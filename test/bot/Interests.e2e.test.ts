/**
 * What 💾 Save writes (DESIGN.md "Bot": pending changes live in the session; Save writes exactly
 * the user's changes and keeps every other interest as it was). Each test acts through the local
 * Telegram server and checks `employee_interests` row by row, timestamps included, so that a
 * write which "changes nothing" still shows up.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import { Cache } from "../../src/cache/Cache"
import { sessionKey } from "../../src/cache/Keys"
import type { EmployeeId } from "../../src/domain/Ids"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { Sessions } from "../../src/sessions/Sessions"
import * as Harness from "../support/BotHarness"
import { rawRedis } from "../support/CacheSettings"
import { interestId } from "../support/Fixtures"

const en = messagesFor("en")

interface InterestRow {
  readonly code: string
  readonly isActive: boolean
  readonly receiveNotifications: boolean
  readonly notificationFrequency: string
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** Every `employee_interests` row of the employee, as ops read them. */
const interestRows = (employeeId: EmployeeId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<InterestRow>`
      SELECT i.code, ei.is_active, ei.receive_notifications, ei.notification_frequency,
             ei.created_at, ei.updated_at
      FROM employee_interests ei JOIN interests i ON i.id = ei.interest_id
      WHERE ei.employee_id = ${employeeId}
      ORDER BY i.code`,
  )

const activeCodes = Harness.activeInterestCodes

/** The button label of an interest in English: `✅ ☕️ Secret coffee`. */
const label = (code: string, on: boolean) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ emoji: string; nameEn: string }>`
        SELECT emoji, name_en FROM interests WHERE code = ${code}`,
      ([row]) => `${on ? "✅" : "❌"} ${row?.emoji} ${row?.nameEn}`,
    ),
  )

/** Sets the employee's interests before the test, as the bot's own Save would. */
const subscribe = (
  employeeId: EmployeeId,
  changes: { readonly enable: ReadonlyArray<string>; readonly disable?: ReadonlyArray<string> },
) =>
  Effect.gen(function* () {
    const repo = yield* InterestRepo
    const ids = (codes: ReadonlyArray<string>) => Effect.forEach(codes, (code) => interestId(code))
    yield* repo.applyInterestChanges(employeeId, {
      enable: yield* ids(changes.enable),
      disable: [],
    })
    if (changes.disable !== undefined) {
      yield* repo.applyInterestChanges(employeeId, {
        enable: [],
        disable: yield* ids(changes.disable),
      })
    }
  })

/** Rows written by the fixture and by the bot must differ in `updated_at` if they are touched. */
const aMoment = Effect.sleep(Duration.millis(20))

const allButtons = (buttons: ReadonlyArray<ReadonlyArray<string>>) => buttons.flat()

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })("Interests: Save", (it) => {
  it.effect("toggling an interest twice and saving writes nothing and says so", () =>
    Effect.gen(function* () {
      const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
      // One active interest and one switched off: both kinds of row could be rewritten by mistake.
      yield* subscribe(employeeId, { enable: ["coffee", "lunch"], disable: ["lunch"] })
      yield* aMoment
      const before = yield* interestRows(employeeId)
      expect(before.map((row) => [row.code, row.isActive])).toEqual([
        ["coffee", true],
        ["lunch", false],
      ])

      yield* user.send("/preferences")
      const coffeeOn = yield* label("coffee", true)
      const coffeeOff = yield* label("coffee", false)
      const lunchOff = yield* label("lunch", false)
      const lunchOn = yield* label("lunch", true)

      const once = yield* user.press(coffeeOn)
      expect(allButtons(once.message.buttons)).toContain(coffeeOff)
      expect(once.message.text).toContain(en.interests.pending(1))
      const twice = yield* user.press(coffeeOff)
      expect(allButtons(twice.message.buttons)).toContain(coffeeOn)
      yield* user.press(lunchOff)
      const back = yield* user.press(lunchOn)
      expect(back.message.text).not.toContain(en.interests.pending(1))

      const saved = yield* user.press(en.interests.save)
      expect(saved.answer.text).toBe(en.interests.nothingToSave)
      expect(allButtons(saved.message.buttons)).toEqual(
        expect.arrayContaining([coffeeOn, lunchOff]),
      )
      expect(yield* interestRows(employeeId)).toEqual(before)
    }),
  )

  it.effect("turning one of three interests off saves exactly that one", () =>
    Effect.gen(function* () {
      const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
      yield* subscribe(employeeId, { enable: ["coffee", "chess", "games"] })
      yield* aMoment
      const before = yield* interestRows(employeeId)

      yield* user.send("/preferences")
      const toggled = yield* user.press(yield* label("chess", true))
      expect(allButtons(toggled.message.buttons)).toContain(yield* label("chess", false))

      const saved = yield* user.press(en.interests.save)
      expect(saved.message.text).toContain(en.interests.saved(0, 1))
      expect(allButtons(saved.message.buttons)).toEqual(
        expect.arrayContaining([
          yield* label("coffee", true),
          yield* label("chess", false),
          yield* label("games", true),
        ]),
      )
      expect(saved.message.text).not.toContain(en.interests.pending(1))

      expect(yield* activeCodes(employeeId)).toEqual(["coffee", "games"])
      const after = yield* interestRows(employeeId)
      const byCode = (rows: ReadonlyArray<InterestRow>, code: string) =>
        rows.find((row) => row.code === code)
      // The two kept interests were not rewritten at all; the one turned off was.
      expect(byCode(after, "coffee")).toEqual(byCode(before, "coffee"))
      expect(byCode(after, "games")).toEqual(byCode(before, "games"))
      expect(byCode(after, "chess")?.isActive).toBe(false)
      expect(byCode(after, "chess")?.updatedAt.getTime()).toBeGreaterThan(
        byCode(before, "chess")?.updatedAt.getTime() ?? Number.POSITIVE_INFINITY,
      )

      // Saved means saved: the next screen shows it from the database, with nothing pending.
      const fresh = yield* user.send("/preferences")
      expect(fresh.buttons.flat()).toContain(yield* label("chess", false))
      expect(fresh.text).not.toContain(en.interests.pending(1))
    }),
  )

  it.scoped("Save after the session expired says so and changes nothing", () =>
    Effect.gen(function* () {
      const { user, employeeId, telegramId } = yield* Harness.employee({ languageCode: "en" })
      yield* subscribe(employeeId, { enable: ["coffee"] })
      yield* aMoment
      const before = yield* interestRows(employeeId)

      yield* user.send("/preferences")
      yield* user.press(yield* label("lunch", false))
      yield* user.press(yield* label("coffee", true))
      const sessions = yield* Sessions
      const pending = yield* sessions.get(telegramId)
      expect(Option.map(pending, (session) => session.pendingInterests.enable.length)).toEqual(
        Option.some(1),
      )

      // Expiry as Redis does it: the key's time to live runs out and the key is gone.
      const cache = yield* Cache
      const redis = yield* rawRedis()
      const key = `${cache.prefix}${sessionKey(telegramId)}`
      expect(yield* Effect.promise(() => redis.pexpire(key, 1))).toBe(1)
      yield* Effect.promise(() => redis.exists(key)).pipe(
        Effect.repeat({ until: (exists) => exists === 0 }),
        Effect.timeout(Duration.seconds(2)),
      )

      const saved = yield* user.press(en.interests.save)
      expect(saved.answer.text).toBe(en.interests.expired)
      expect(yield* interestRows(employeeId)).toEqual(before)
      // The screen shows what is really saved: the lost changes are not shown as pending.
      expect(allButtons(saved.message.buttons)).toEqual(
        expect.arrayContaining([yield* label("coffee", true), yield* label("lunch", false)]),
      )
      expect(saved.message.text).not.toContain(en.interests.pending(2))

      // And a second Save, on the fresh session, has nothing to write either.
      const again = yield* user.press(en.interests.save)
      expect(again.answer.text).toBe(en.interests.nothingToSave)
      expect(yield* interestRows(employeeId)).toEqual(before)
    }),
  )

  it.effect("Save after the session was cleared says so and changes nothing", () =>
    Effect.gen(function* () {
      const { user, employeeId, telegramId } = yield* Harness.employee({ languageCode: "en" })
      yield* subscribe(employeeId, { enable: ["coffee", "walk"] })
      yield* aMoment
      const before = yield* interestRows(employeeId)

      yield* user.send("/preferences")
      yield* user.press(yield* label("walk", true))
      yield* (yield* Sessions).clear(telegramId)

      const saved = yield* user.press(en.interests.save)
      expect(saved.answer.text).toBe(en.interests.expired)
      expect(allButtons(saved.message.buttons)).toContain(yield* label("walk", true))
      expect(yield* interestRows(employeeId)).toEqual(before)
    }),
  )

  it.effect("pending changes survive other messages and Save writes them", () =>
    Effect.gen(function* () {
      const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
      yield* subscribe(employeeId, { enable: ["chess"] })
      const before = yield* interestRows(employeeId)

      yield* user.send("/preferences")
      yield* user.press(yield* label("coffee", false))

      const menu = yield* user.send("/menu")
      expect(menu.text).toContain(en.unsavedReminder(1))
      expect(yield* interestRows(employeeId)).toEqual(before)

      const preferences = yield* user.send("/preferences")
      expect(preferences.text).toContain(en.interests.pending(1))
      expect(preferences.buttons.flat()).toEqual(
        expect.arrayContaining([yield* label("coffee", true), yield* label("chess", true)]),
      )

      const saved = yield* user.press(en.interests.save, { messageId: preferences.messageId })
      expect(saved.message.text).toContain(en.interests.saved(1, 0))
      expect(yield* activeCodes(employeeId)).toEqual(["chess", "coffee"])
      const chess = (rows: ReadonlyArray<InterestRow>) => rows.find((row) => row.code === "chess")
      expect(chess(yield* interestRows(employeeId))).toEqual(chess(before))
    }),
  )

  it.effect("a double tap on Save or on the confirm writes once; the second tap is told why", () =>
    Effect.gen(function* () {
      const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
      yield* subscribe(employeeId, { enable: ["lunch"] })

      // Both taps are on the same message and reach the bot before it answers the first.
      const screen = yield* user.send("/preferences")
      yield* user.press(yield* label("coffee", false))
      const saves = yield* Effect.all(
        [
          user.pressData("int:save", { messageId: screen.messageId }),
          user.pressData("int:save", { messageId: screen.messageId }),
        ],
        { concurrency: "unbounded" },
      )
      expect(saves.map((press) => press.answer.text ?? "")).toEqual(
        expect.arrayContaining([en.interests.nothingToSave]),
      )
      expect(
        saves.filter((press) => press.answer.text === en.interests.nothingToSave),
      ).toHaveLength(1)
      expect(yield* activeCodes(employeeId)).toEqual(["coffee", "lunch"])
      const saved = yield* interestRows(employeeId)

      yield* user.press(en.interests.unsubscribeAll)
      const confirms = yield* Effect.all(
        [
          user.pressData("int:unsub:yes", { messageId: screen.messageId }),
          user.pressData("int:unsub:yes", { messageId: screen.messageId }),
        ],
        { concurrency: "unbounded" },
      )
      expect(confirms.filter((press) => press.answer.text === en.interests.outdated)).toHaveLength(
        1,
      )
      expect(yield* activeCodes(employeeId)).toEqual([])
      expect((yield* interestRows(employeeId)).map((row) => row.code)).toEqual(
        saved.map((row) => row.code),
      )
      const server = yield* Harness.Telegram
      for (const press of [...saves, ...confirms]) {
        const answers = server
          .callsOf("answerCallbackQuery")
          .filter((call) => call.params.callback_query_id === press.query.id)
        expect(answers).toHaveLength(1)
      }
    }),
  )

  it.effect(
    "unsubscribing from all turns everything off; the old confirm button does nothing",
    () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
        yield* subscribe(employeeId, { enable: ["coffee", "chess", "photo"] })

        const screen = yield* user.send("/preferences")
        const asked = yield* user.press(en.interests.unsubscribeAll)
        expect(asked.message.text).toBe(en.interests.confirmUnsubscribe(3))
        expect(asked.message.buttons).toEqual([[en.interests.confirmYes, en.interests.confirmNo]])
        const confirmData = asked.message.callbackData[0]?.[0] ?? ""
        expect(confirmData).toBe("int:unsub:yes")

        const confirmed = yield* user.press(en.interests.confirmYes)
        expect(confirmed.message.text).toContain(en.interests.unsubscribed)
        expect(
          allButtons(confirmed.message.buttons).filter((text) => text.startsWith("✅")),
        ).toEqual([])
        expect(yield* activeCodes(employeeId)).toEqual([])
        expect((yield* interestRows(employeeId)).map((row) => row.code)).toEqual([
          "chess",
          "coffee",
          "photo",
        ])

        // The same confirm pressed again (a double tap, or an old copy of the screen).
        const unsubscribed = yield* interestRows(employeeId)
        const stale = yield* user.pressData(confirmData, { messageId: screen.messageId })
        expect(stale.answer.text).toBe(en.interests.outdated)
        expect(yield* interestRows(employeeId)).toEqual(unsubscribed)

        // After choosing anew, the old confirm must not wipe the new choice.
        yield* user.send("/preferences")
        yield* user.press(yield* label("games", false))
        yield* user.press(en.interests.save)
        expect(yield* activeCodes(employeeId)).toEqual(["games"])
        const chosen = yield* interestRows(employeeId)
        const late = yield* user.pressData(confirmData, { messageId: screen.messageId })
        expect(late.answer.text).toBe(en.interests.outdated)
        expect(allButtons(late.message.buttons)).toContain(yield* label("games", true))
        expect(yield* interestRows(employeeId)).toEqual(chosen)
      }),
  )
})
