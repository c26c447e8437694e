/**
 * Many presses at once, end to end (DESIGN.md "Bot"): updates of one user are handled in order,
 * different users concurrently; Save writes exactly each user's own changes; an activity's
 * capacity is never exceeded, however many join at once.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { CallbackQuery, Message } from "grammy/types"
import { messagesFor } from "../../src/bot/Messages"
import type { Locale } from "../../src/domain/Models"
import * as Harness from "../support/BotHarness"
import { insertActivity, unique } from "../support/Fixtures"
import type { ApiCall } from "../support/TelegramServer"

const codes = [
  "coffee",
  "lunch",
  "walk",
  "chess",
  "pingpong",
  "games",
  "photo",
  "masterclass",
  "clubs",
] as const
type Code = (typeof codes)[number]

/** The seeded catalogue: id and the name on the button (`{emoji} {name}`) in each language. */
const catalogue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ id: number; code: string; ru: string; en: string }>`
    SELECT id, code, emoji || ' ' || name AS ru, emoji || ' ' || coalesce(name_en, name) AS en
    FROM interests`
  const byCode = new Map(rows.map((row) => [row.code, row]))
  const of = (code: Code) => {
    const row = byCode.get(code)
    if (row === undefined) throw new Error(`interest ${code} is not seeded`)
    return row
  }
  return {
    id: (code: Code) => of(code).id,
    name: (code: Code, locale: Locale) => of(code)[locale],
    codeOfName: (name: string, locale: Locale) =>
      rows.find((row) => row[locale] === name)?.code as Code | undefined,
  }
})
type Catalogue = Effect.Effect.Success<typeof catalogue>

/** The interests a screen shows as on (✅), by code. */
const shownOn = (
  buttons: ReadonlyArray<ReadonlyArray<string>>,
  interests: Catalogue,
  locale: Locale,
): ReadonlyArray<Code> =>
  buttons
    .flat()
    .filter((label) => label.startsWith("✅ "))
    .map((label) => interests.codeOfName(label.slice("✅ ".length), locale))
    .filter((code): code is Code => code !== undefined)
    .sort()

/** Every interest button of the screen: each of the nine is shown once, on or off. */
const interestButtons = (buttons: ReadonlyArray<ReadonlyArray<string>>) =>
  buttons.flat().filter((label) => label.startsWith("✅ ") || label.startsWith("❌ "))

const activeCodes = Harness.activeInterestCodes

const sorted = (items: Iterable<Code>): ReadonlyArray<Code> => [...items].sort()

/** What was on the message a successful sendMessage/editMessageText call left in the chat. */
const messageOfCall = (call: ApiCall): Message | undefined =>
  call.response.ok && typeof call.response.result === "object"
    ? (call.response.result as Message)
    : undefined

const buttonsOf = (message: Message): ReadonlyArray<ReadonlyArray<string>> =>
  (message.reply_markup?.inline_keyboard ?? []).map((row) => row.map((button) => button.text))

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })("concurrency", (it) => {
  it.effect("20 users toggling and saving at once each get exactly their own choice", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const interests = yield* catalogue
      const people = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, index) => index),
        (index) =>
          Effect.gen(function* () {
            const locale: Locale = index % 2 === 0 ? "en" : "ru"
            const { user, employeeId } = yield* Harness.employee({
              languageCode: locale,
              fullName: `Crowd${index} ${unique()}`,
            })
            // Some start with an interest already on, so that Save turns one off as well.
            const before: ReadonlyArray<Code> =
              index % 3 === 0 ? [codes[(index + 1) % 9] as Code] : []
            for (const code of before) {
              yield* sql`
              INSERT INTO employee_interests (employee_id, interest_id)
              VALUES (${employeeId}, ${interests.id(code)})`
            }
            // Their own choice: one interest on, another on for every other user, the old one off.
            const toggles: ReadonlyArray<Code> = [
              codes[index % 9] as Code,
              ...(index % 2 === 0 ? [codes[(index + 4) % 9] as Code] : []),
              ...before,
            ]
            const after = new Set<Code>(before)
            for (const code of toggles) {
              if (after.has(code)) after.delete(code)
              else after.add(code)
            }
            return { locale, user, employeeId, before, toggles, after: sorted(after) }
          }),
      )

      // Everyone opens the interests screen at the same moment.
      const opened = yield* Effect.all(
        people.map(({ user }) => user.send("/preferences")),
        { concurrency: "unbounded" },
      )
      for (const [index, screen] of opened.entries()) {
        const person = people[index]
        if (person === undefined) continue
        expect(interestButtons(screen.buttons)).toHaveLength(9)
        expect(shownOn(screen.buttons, interests, person.locale)).toEqual(sorted(person.before))
      }

      // Everyone presses their interests at the same moment (each user's own presses in turn).
      const toggled = yield* Effect.all(
        people.map(({ user, locale, toggles, employeeId }) =>
          Effect.forEach(toggles, (code) =>
            Effect.gen(function* () {
              const current = user.lastMessage?.buttons.flat() ?? []
              const label = current.find((button) =>
                button.endsWith(` ${interests.name(code, locale)}`),
              )
              expect(label, `user ${employeeId} sees ${code}`).toBeDefined()
              const pressed = yield* user.press(label ?? "")
              // Their own press, flipped on their own screen.
              const flipped = `${label?.startsWith("✅") ? "❌" : "✅"} ${interests.name(code, locale)}`
              expect(pressed.message.buttons.flat()).toContain(flipped)
              return pressed
            }),
          ),
        ),
        { concurrency: "unbounded" },
      )
      expect(toggled.flat()).toHaveLength(
        people.reduce((sum, { toggles }) => sum + toggles.length, 0),
      )
      // Nothing is written before Save.
      for (const person of people) {
        expect(yield* activeCodes(person.employeeId)).toEqual(sorted(person.before))
      }

      // And everyone presses Save at the same moment.
      const saves = yield* Effect.all(
        people.map(({ user, locale }) => user.press(messagesFor(locale).interests.save)),
        { concurrency: "unbounded" },
      )

      for (const [index, saved] of saves.entries()) {
        const person = people[index]
        if (person === undefined) continue
        const t = messagesFor(person.locale)
        const enabled = person.after.filter((code) => !person.before.includes(code)).length
        const disabled = person.before.filter((code) => !person.after.includes(code)).length
        // Answered, and the screen is this user's own state, saved.
        expect(saved.answer.text).toBeUndefined()
        expect(saved.message.text).toBe(
          [t.interests.saved(enabled, disabled), t.interests.title].join("\n\n"),
        )
        expect(shownOn(saved.message.buttons, interests, person.locale)).toEqual(person.after)
        expect(interestButtons(saved.message.buttons)).toHaveLength(9)
        expect(yield* activeCodes(person.employeeId)).toEqual(person.after)
      }

      // What Save wrote is what they see when they come back.
      const reopened = yield* Effect.all(
        people.map(({ user }) => user.send("/preferences")),
        { concurrency: "unbounded" },
      )
      for (const [index, screen] of reopened.entries()) {
        const person = people[index]
        if (person === undefined) continue
        expect(shownOn(screen.buttons, interests, person.locale)).toEqual(person.after)
      }
    }),
  )

  it.effect("one user's presses, sent without waiting, apply in the order they were made", () =>
    Effect.gen(function* () {
      const telegram = yield* Harness.Telegram
      const interests = yield* catalogue
      const t = messagesFor("en")
      const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
      const screen = yield* user.send("/preferences")
      expect(shownOn(screen.buttons, interests, "en")).toEqual([])

      // Toggles commute between two Saves, Saves do not; and every step changes the screen, so
      // the screens in turn show the order the presses were applied in.
      const steps: ReadonlyArray<
        | { readonly toggle: Code }
        | { readonly save: { readonly enabled: number; readonly disabled: number } }
      > = [
        { toggle: "coffee" },
        { toggle: "chess" },
        { toggle: "coffee" },
        { toggle: "lunch" },
        { save: { enabled: 2, disabled: 0 } },
        { toggle: "chess" },
        { toggle: "walk" },
        { save: { enabled: 1, disabled: 1 } },
      ]
      // What the screen shows after each step: the interests on, and the text.
      const expected: Array<{ on: ReadonlyArray<Code>; text: string }> = []
      {
        let saved = new Set<Code>()
        let shown = new Set<Code>()
        for (const step of steps) {
          if ("toggle" in step) {
            shown = new Set(shown)
            if (shown.has(step.toggle)) shown.delete(step.toggle)
            else shown.add(step.toggle)
            const unsaved = [...codes].filter((code) => shown.has(code) !== saved.has(code)).length
            expected.push({
              on: sorted(shown),
              text: [
                t.interests.title,
                ...(unsaved === 0 ? [] : [t.interests.pending(unsaved)]),
              ].join("\n\n"),
            })
          } else {
            saved = shown
            expected.push({
              on: sorted(shown),
              text: [
                t.interests.saved(step.save.enabled, step.save.disabled),
                t.interests.title,
              ].join("\n\n"),
            })
          }
        }
      }

      const pressed = screen.raw
      const marker = telegram.calls.length
      // Every press goes into Telegram's queue at once, in this order, before the bot sees any.
      const updates = yield* Effect.forEach(steps, (step, index) => {
        const query: CallbackQuery = {
          id: `ordered-${unique()}-${index}`,
          from: user.user,
          message: pressed,
          chat_instance: `-${user.chatId}`,
          data: "toggle" in step ? `int:t:${interests.id(step.toggle)}` : "int:save",
        }
        return telegram.pushUpdate({ callback_query: query })
      })
      // Done when each is answered: the bot answers a press last, after it redrew the screen.
      // (`handled` says only that the bot fetched past it: with polling, before it is done.)
      yield* Effect.forEach(
        updates,
        (update) =>
          telegram.waitForCall(
            "answerCallbackQuery",
            (call) => call.params.callback_query_id === update.update.callback_query?.id,
          ),
        { discard: true },
      )

      // The database holds exactly the result of applying them in order.
      expect(yield* activeCodes(employeeId)).toEqual(["lunch", "walk"])

      // Every press was answered, once.
      const answered = telegram
        .callsOf("answerCallbackQuery")
        .map((call) => call.params.callback_query_id)
      for (const update of updates) {
        expect(answered.filter((id) => id === update.update.callback_query?.id)).toHaveLength(1)
      }

      // Each press redrew the screen, in the order they were made.
      const edits = telegram.calls
        .slice(marker)
        .filter(
          (call) =>
            call.method === "editMessageText" && Number(call.params.chat_id) === user.chatId,
        )
        .map(messageOfCall)
        .filter((message): message is Message => message !== undefined)
      expect(
        edits.map((message) => ({
          on: shownOn(buttonsOf(message), interests, "en"),
          text: message.text,
        })),
      ).toEqual(expected)
      expect(user.lastMessage?.messageId).toBe(screen.messageId)
      expect(shownOn(user.lastMessage?.buttons ?? [], interests, "en")).toEqual(["lunch", "walk"])
    }),
  )

  it.effect("30 users joining an activity with 5 places: exactly 5 get in", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const telegram = yield* Harness.Telegram
      const t = messagesFor("en")
      const title = `Chess cup ${unique()}`
      const activityId = yield* insertActivity({ title, interestCode: "chess", maxParticipants: 5 })
      const people = yield* Effect.forEach(
        Array.from({ length: 30 }, (_, index) => index),
        () => Harness.employee({ languageCode: "en" }),
      )
      const chats = new Set(people.map(({ user }) => user.chatId))
      const marker = telegram.calls.length

      // Everyone opens the activity.
      const details = yield* Effect.all(
        people.map(({ user }) =>
          user.send("/menu").pipe(Effect.zipRight(user.pressData(`act:${activityId}`))),
        ),
        { concurrency: "unbounded" },
      )
      for (const opened of details) {
        expect(opened.message.text).toContain(title)
        expect(opened.message.text).toContain("0/5")
        expect(opened.message.buttons.flat()).toContain(t.activities.join)
      }

      // And everyone presses Join at the same moment.
      const joins = yield* Effect.all(
        people.map(({ user }) => user.press(t.activities.join)),
        { concurrency: "unbounded" },
      )
      const joinedIds = people
        .filter((_, index) => joins[index]?.answer.text === t.activities.joined)
        .map(({ employeeId }) => employeeId)
        .sort((a, b) => a - b)
      const answers = joins.map((press) => press.answer.text)
      expect(answers.filter((text) => text === t.activities.joined)).toHaveLength(5)
      expect(answers.filter((text) => text === t.activities.full)).toHaveLength(25)

      // Those who got in see so; the others see it is full, with no Join to press.
      for (const [index, press] of joins.entries()) {
        const gotIn = press.answer.text === t.activities.joined
        expect(press.message.text, `user ${index}`).toContain(
          gotIn ? t.activities.youAreIn : t.activities.fullyBooked,
        )
        expect(press.message.buttons.flat()).not.toContain(t.activities.join)
        if (gotIn) expect(press.message.buttons.flat()).toContain(t.activities.leave)
      }

      // The database holds exactly the five, each with a place.
      const rows = yield* sql<{ employeeId: number; status: string }>`
        SELECT employee_id, status FROM activity_participants
        WHERE activity_id = ${activityId} ORDER BY employee_id`
      expect(rows.map((row) => row.status)).toEqual(Array(5).fill("confirmed"))
      expect(rows.map((row) => row.employeeId)).toEqual(joinedIds)

      // No screen in any of their chats ever showed more than 5 of 5.
      const counts = telegram.calls
        .slice(marker)
        .filter(
          (call) =>
            (call.method === "editMessageText" || call.method === "sendMessage") &&
            chats.has(Number(call.params.chat_id)),
        )
        .map(messageOfCall)
        .flatMap((message) => [...(message?.text ?? "").matchAll(/(\d+)\/5\b/g)])
        .map((match) => Number(match[1]))
      expect(counts.length).toBeGreaterThanOrEqual(60)
      expect(Math.max(...counts)).toBe(5)

      // A latecomer opening it now sees it full.
      const late = yield* Harness.employee({ languageCode: "en" })
      yield* late.user.send("/menu")
      const lateView = yield* late.user.pressData(`act:${activityId}`)
      expect(lateView.message.text).toContain("5/5")
      expect(lateView.message.buttons.flat()).not.toContain(t.activities.join)
    }),
  )
})
