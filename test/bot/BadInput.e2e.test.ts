/**
 * Untrusted input (DESIGN.md "Bot": button data from Telegram is untrusted — anything unknown,
 * stale or forged gets a clear answer and changes nothing). Every case checks what the user got
 * (a callback answer, a reply, or silence) and that the database and the session did not move.
 *
 * The bot runs in webhook mode here: the local server posts one update at a time and the bot
 * answers the POST only when it has handled the update, so "handled" is exact and a check for
 * silence after it cannot be early.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Update } from "grammy/types"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { messagesFor } from "../../src/bot/Messages"
import type { ActivityId, EmployeeId, TelegramId } from "../../src/domain/Ids"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { Sessions } from "../../src/sessions/Sessions"
import * as Harness from "../support/BotHarness"
import { insertActivity, interestId } from "../support/Fixtures"
import { botInfo, type PressResult, type TelegramUser } from "../support/TelegramServer"

const en = messagesFor("en")

/** Everything a user's input could change in the database. */
const stateOf = (employeeId: EmployeeId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const interests = yield* sql`
      SELECT interest_id, is_active, receive_notifications, notification_frequency,
             created_at, updated_at
      FROM employee_interests WHERE employee_id = ${employeeId} ORDER BY interest_id`
    const participation = yield* sql`
      SELECT activity_id, status, invited_at, responded_at, attended_at
      FROM activity_participants WHERE employee_id = ${employeeId} ORDER BY activity_id`
    return { interests, participation }
  })

const participantsOf = (activityId: ActivityId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      SELECT employee_id, status FROM activity_participants
      WHERE activity_id = ${activityId} ORDER BY employee_id`,
  )

/**
 * The user's conversation as the session holds it. Its bookkeeping is left out: when it was last
 * stored and the ids of the updates it has seen (every update is recorded, bad input too, so that
 * Telegram's repeat of it is known).
 */
const sessionOf = (telegramId: TelegramId) =>
  Effect.flatMap(Sessions, (sessions) =>
    Effect.map(
      sessions.get(telegramId),
      Option.map(({ updatedAt: _stored, recentUpdates: _seen, ...conversation }) => conversation),
    ),
  )

const pendingOf = (telegramId: TelegramId) =>
  Effect.map(sessionOf(telegramId), (session) =>
    session._tag === "Some" ? session.value.pendingInterests : undefined,
  )

const subscribe = (employeeId: EmployeeId, codes: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const repo = yield* InterestRepo
    const enable = yield* Effect.forEach(codes, (code) => interestId(code))
    yield* repo.applyInterestChanges(employeeId, { enable, disable: [] })
  })

/** Every call the bot made about a chat: messages sent or edited there (refused ones too). */
const callsAbout = (chatId: number) =>
  Effect.map(Harness.Telegram, (server) =>
    server.calls.filter((call) => Number(call.params.chat_id) === chatId),
  )

/** Each press was answered exactly once: a second answer is a bug, none leaves a spinner. */
const expectEachAnsweredOnce = (presses: ReadonlyArray<PressResult>) =>
  Effect.gen(function* () {
    const server = yield* Harness.Telegram
    const answers = server.callsOf("answerCallbackQuery")
    for (const press of presses) {
      const mine = answers.filter((call) => call.params.callback_query_id === press.query.id)
      expect(mine, `answers to ${JSON.stringify(press.query.data)}`).toHaveLength(1)
      expect(mine[0]?.response.ok).toBe(true)
    }
  })

/** The label of the button that carries `data` on a message. */
const labelFor = (press: PressResult, data: string) => {
  const { buttons, callbackData } = press.message
  const row = callbackData.findIndex((candidates) => candidates.includes(data))
  return buttons[row]?.[callbackData[row]?.indexOf(data) ?? -1]
}

let nextUpdateId = 700_000_000 + Math.floor(Math.random() * 100_000_000)
let nextMessageId = 2_000_000
const now = () => Math.floor(Date.now() / 1000)

/** POSTs an update straight to the bot's webhook, as Telegram would; the HTTP status. */
const postToBot = (update: Omit<Update, "update_id">) =>
  Effect.gen(function* () {
    const { url, secret } = yield* Harness.BotHttp
    return yield* Effect.promise(async () => {
      const response = await fetch(`${url}/telegram`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-telegram-bot-api-secret-token": secret,
        },
        body: JSON.stringify({ update_id: nextUpdateId++, ...update }),
      })
      await response.arrayBuffer()
      return response.status
    })
  })

const privateChatOf = (user: TelegramUser) => ({
  id: user.chatId,
  type: "private" as const,
  first_name: user.user.first_name,
})

/** The bot still answers this user: a /menu gets the main menu. */
const expectStillServes = (user: TelegramUser, firstName: string) =>
  Effect.gen(function* () {
    const menu = yield* user.send("/menu")
    expect(menu.text).toContain(en.menuGreeting(firstName))
    expect(menu.buttons.flat()).toContain(en.menu.interests)
  })

layer(Harness.layer({ transport: "webhook" }), { excludeTestServices: true, timeout: 60_000 })(
  "untrusted input",
  (it) => {
    it.effect("forged button data: a clear answer, no change of state", () =>
      Effect.gen(function* () {
        const { user, employeeId, telegramId } = yield* Harness.employee({ languageCode: "en" })
        yield* subscribe(employeeId, ["coffee"])
        const activity = yield* insertActivity({ interestCode: "coffee" })
        yield* (yield* ActivityRepo).join(activity, employeeId)

        yield* user.send("/preferences")
        yield* user.press("❌ ♟️ Chess")
        const chess = yield* interestId("chess")
        expect(yield* pendingOf(telegramId)).toEqual({ enable: [chess], disable: [] })
        const before = yield* stateOf(employeeId)
        const participants = yield* participantsOf(activity)

        const presses: Array<PressResult> = []
        const press = (data: string) =>
          Effect.tap(user.pressData(data), (result) => Effect.sync(() => presses.push(result)))

        // An interest id that does not exist, on the interests screen: said so; pending kept.
        const unknownInterest = yield* press("int:t:999999")
        expect(unknownInterest.answer.text).toBe(en.interests.unknownInterest)
        expect(unknownInterest.message.buttons.flat()).toContain("✅ ♟️ Chess")
        expect(yield* pendingOf(telegramId)).toEqual({ enable: [chess], disable: [] })
        expect(yield* stateOf(employeeId)).toEqual(before)

        // Data the bot never sends: not even the session is touched.
        for (const data of ["admin:drop", "int:t:-1", "x".repeat(64), ""]) {
          const session = yield* sessionOf(telegramId)
          const result = yield* press(data)
          expect(result.answer.text, JSON.stringify(data)).toBe(en.unknownButton)
          expect(result.answer.showAlert).toBe(true)
          expect(result.sent).toEqual([])
          expect(yield* sessionOf(telegramId)).toEqual(session)
          expect(yield* stateOf(employeeId)).toEqual(before)
        }

        // Joining an activity that does not exist.
        const unknownActivity = yield* press("act:j:999999")
        expect(unknownActivity.answer.text).toBe(en.activities.gone)
        expect(yield* stateOf(employeeId)).toEqual(before)
        expect(yield* participantsOf(activity)).toEqual(participants)
        expect(yield* pendingOf(telegramId)).toEqual({ enable: [chess], disable: [] })

        yield* expectEachAnsweredOnce(presses)
      }),
    )

    it.effect("forged ids beyond the 32-bit range: a clear answer, not 'unavailable'", () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
        const activity = yield* insertActivity({ interestCode: "games" })
        yield* (yield* ActivityRepo).join(activity, employeeId)
        yield* user.send("/menu")
        const before = yield* stateOf(employeeId)
        const participants = yield* participantsOf(activity)

        // Ids are Postgres `integer`s; these decode as numbers but name nothing: the same answer
        // as any activity that does not exist (or an unknown button), never "the service is
        // temporarily unavailable" — a forged number is not an outage.
        const presses: Array<PressResult> = []
        for (const data of ["act:j:2147483648", "act:9999999999", "act:l:4294967296"]) {
          const result = yield* user.pressData(data)
          presses.push(result)
          expect([en.activities.gone, en.unknownButton], JSON.stringify(data)).toContain(
            result.answer.text,
          )
          expect(result.sent).toEqual([])
          expect(yield* stateOf(employeeId)).toEqual(before)
          expect(yield* participantsOf(activity)).toEqual(participants)
        }
        yield* expectEachAnsweredOnce(presses)
      }),
    )

    it.effect("Join on an activity cancelled since the screen was drawn: refused, not joined", () =>
      Effect.gen(function* () {
        const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
        const title = `Cancelled chess ${nextMessageId}`
        const activity = yield* insertActivity({ title, interestCode: "chess", inHours: 3 })
        const presses: Array<PressResult> = []
        const keep = (result: PressResult) => Effect.sync(() => presses.push(result))

        yield* user.send("/menu")
        const list = yield* Effect.tap(user.press(en.menu.activities), keep)
        const entry = labelFor(list, `act:${activity}`)
        expect(entry, list.message.text).toBeDefined()
        const details = yield* Effect.tap(user.press(entry ?? ""), keep)
        expect(details.message.buttons.flat()).toContain(en.activities.join)

        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE activities SET status = 'cancelled' WHERE id = ${activity}`
        const before = yield* stateOf(employeeId)

        const join = yield* Effect.tap(user.press(en.activities.join), keep)
        expect(join.answer.text).toBe(en.activities.notOpen)
        expect(join.message.text).toContain(en.activities.notOpen)
        expect(join.message.buttons.flat()).not.toContain(en.activities.join)
        expect(yield* participantsOf(activity)).toEqual([])
        expect(yield* stateOf(employeeId)).toEqual(before)

        yield* expectEachAnsweredOnce(presses)
      }),
    )

    it.effect(
      "an interest pressed on an old screen after Save: told it is outdated, no change",
      () =>
        Effect.gen(function* () {
          const { user, employeeId, telegramId } = yield* Harness.employee({ languageCode: "en" })
          const screen = yield* user.send("/preferences")
          yield* user.press("❌ ☕️ Secret coffee")
          const saved = yield* user.press(en.interests.save)
          expect(saved.message.text).toContain(en.interests.saved(1, 0))
          yield* user.send("/menu")
          const before = yield* stateOf(employeeId)

          const stale = yield* user.press("❌ 🍝 Blind lunch", { messageId: screen.messageId })
          expect(stale.answer.text).toBe(en.interests.outdated)
          // The old screen now shows the saved state, nothing pending.
          expect(stale.message.buttons.flat()).toEqual(
            expect.arrayContaining(["✅ ☕️ Secret coffee", "❌ 🍝 Blind lunch"]),
          )
          expect(stale.message.text).not.toContain(en.interests.pending(1))
          expect(yield* pendingOf(telegramId)).toEqual({ enable: [], disable: [] })
          expect(yield* stateOf(employeeId)).toEqual(before)

          // Nothing slipped into the session: Save has nothing to write.
          const again = yield* user.press(en.interests.save, { messageId: screen.messageId })
          expect(again.answer.text).toBe(en.interests.nothingToSave)
          expect(yield* stateOf(employeeId)).toEqual(before)

          yield* expectEachAnsweredOnce([stale, again])
        }),
    )

    it.effect("a button on another user's message: 'not yours', nobody's state changes", () =>
      Effect.gen(function* () {
        const alice = yield* Harness.employee({ languageCode: "en", fullName: "Alice Owner" })
        const bob = yield* Harness.employee({ languageCode: "en", fullName: "Bob Forger" })
        yield* subscribe(alice.employeeId, ["coffee", "chess"])
        yield* subscribe(bob.employeeId, ["coffee", "games"])
        // Both are one press away from unsubscribing from everything.
        for (const { user } of [alice, bob]) {
          yield* user.send("/preferences")
          yield* user.press(en.interests.unsubscribeAll)
        }
        const aliceBefore = yield* stateOf(alice.employeeId)
        const bobBefore = yield* stateOf(bob.employeeId)
        const aliceSession = yield* sessionOf(alice.telegramId)
        const bobSession = yield* sessionOf(bob.telegramId)
        const aliceMessages = alice.user.messages
        const bobMessages = bob.user.messages

        const presses: Array<PressResult> = []
        for (const data of ["int:unsub:yes", `int:t:${yield* interestId("coffee")}`, "menu"]) {
          const forged = yield* bob.user.pressData(data, { messageOf: alice.user })
          presses.push(forged)
          expect(forged.answer.text, data).toBe(en.foreignButton)
          expect(forged.answer.showAlert).toBe(true)
          expect(forged.sent).toEqual([])
        }

        expect(alice.user.messages).toEqual(aliceMessages)
        expect(bob.user.messages).toEqual(bobMessages)
        expect(yield* stateOf(alice.employeeId)).toEqual(aliceBefore)
        expect(yield* stateOf(bob.employeeId)).toEqual(bobBefore)
        expect(yield* sessionOf(alice.telegramId)).toEqual(aliceSession)
        expect(yield* sessionOf(bob.telegramId)).toEqual(bobSession)
        yield* expectEachAnsweredOnce(presses)
      }),
    )

    it.effect(
      "very long texts: the command list or the right screen, within Telegram's limits",
      () =>
        Effect.gen(function* () {
          const { user, employeeId, telegramId } = yield* Harness.employee({
            languageCode: "en",
            fullName: "Lena Long",
          })
          yield* subscribe(employeeId, ["walk"])
          yield* user.send("/preferences")
          yield* user.press("❌ 📸 Photo quests")
          const before = yield* stateOf(employeeId)
          const pending = yield* pendingOf(telegramId)

          const letters = "abcdefghijklmnopqrstuvwxyz".repeat(158).slice(0, 4096)
          expect(letters).toHaveLength(4096)
          for (const text of [letters, "😀".repeat(4096)]) {
            const session = yield* sessionOf(telegramId)
            const replies = yield* user.sendAndSettle(text)
            expect(replies.map((reply) => reply.text)).toEqual([en.commandList])
            expect(yield* sessionOf(telegramId)).toEqual(session)
          }

          const garbage = `/start ${"<b>&amp;\u202e\u200b\u0000 ".repeat(200)}${"🧨".repeat(1000)}`
          const start = yield* user.sendAndSettle(garbage.slice(0, 4096))
          expect(start).toHaveLength(1)
          expect(start[0]?.text).toContain(en.menuGreeting("Lena"))
          expect(start[0]?.text).toContain(en.unsavedReminder(1))
          expect(start[0]?.buttons.flat()).toEqual(Object.values(en.menu))

          for (const reply of [...user.messages]) {
            expect(reply.text.length).toBeLessThanOrEqual(4096)
          }
          expect(yield* pendingOf(telegramId)).toEqual(pending)
          expect(yield* stateOf(employeeId)).toEqual(before)
        }),
    )

    it.effect("stickers, photos and voice messages get the command list and change nothing", () =>
      Effect.gen(function* () {
        const { user, employeeId, telegramId } = yield* Harness.employee({ languageCode: "en" })
        yield* subscribe(employeeId, ["clubs"])
        yield* user.send("/preferences")
        const before = yield* stateOf(employeeId)
        const session = yield* sessionOf(telegramId)

        const sticker = {
          sticker: {
            file_id: "CAACAgIAAxkBAAEBsticker",
            file_unique_id: "AgADsticker",
            type: "regular" as const,
            width: 512,
            height: 512,
            is_animated: false,
            is_video: false,
            emoji: "👍",
            set_name: "SomeStickers",
          },
        }
        const photo = {
          photo: [
            { file_id: "AgACAgIAAxkBphoto-s", file_unique_id: "AQADs", width: 90, height: 60 },
            { file_id: "AgACAgIAAxkBphoto-m", file_unique_id: "AQADm", width: 320, height: 213 },
            { file_id: "AgACAgIAAxkBphoto-x", file_unique_id: "AQADx", width: 1280, height: 853 },
          ],
          caption: "look at this",
        }
        const voice = {
          voice: {
            file_id: "AwACAgIAAxkBvoice",
            file_unique_id: "AgADvoice",
            duration: 3,
            mime_type: "audio/ogg",
            file_size: 12_345,
          },
        }
        for (const content of [sticker, photo, voice]) {
          const replies = yield* user.sendAndSettle(content)
          expect(replies.map((reply) => reply.text)).toEqual([en.commandList])
          expect(replies[0]?.buttons).toEqual([])
        }
        expect(yield* sessionOf(telegramId)).toEqual(session)
        expect(yield* stateOf(employeeId)).toEqual(before)
      }),
    )

    it.effect("edited messages, channel posts and messages without a sender: silence", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user, employeeId, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Eddie Edit",
        })
        const original = yield* user.send("/menu")
        const before = yield* stateOf(employeeId)
        const session = yield* sessionOf(telegramId)
        const privateCalls = (yield* callsAbout(user.chatId)).length
        expect(privateCalls).toBeGreaterThan(0)

        const edited: Omit<Update, "update_id"> = {
          edited_message: {
            message_id: original.messageId - 1,
            date: now() - 5,
            edit_date: now(),
            chat: privateChatOf(user),
            from: user.user,
            text: "/preferences",
            entities: [{ type: "bot_command", offset: 0, length: "/preferences".length }],
          },
        }
        const channelId = -1_001_000_000_000 - (nextMessageId % 1_000_000)
        const channelPost: Omit<Update, "update_id"> = {
          channel_post: {
            message_id: nextMessageId++,
            date: now(),
            chat: { id: channelId, type: "channel", title: "Company news" },
            sender_chat: { id: channelId, type: "channel", title: "Company news" },
            text: "/menu",
            entities: [{ type: "bot_command", offset: 0, length: 5 }],
          },
        }
        const groupId = -(4_000_000_000 + (nextMessageId % 1_000_000))
        // grammY's types promise `from` outside channels; an update is untrusted, types or not.
        const anonymous = {
          message: {
            message_id: nextMessageId++,
            date: now(),
            chat: { id: groupId, type: "group", title: "Office chat" },
            sender_chat: { id: channelId, type: "channel", title: "Company news" },
            text: "/start",
            entities: [{ type: "bot_command", offset: 0, length: 6 }],
          },
        } as unknown as Omit<Update, "update_id">

        // Through Telegram: dropped (not asked for) or handled, and either way nothing said.
        const pushed = yield* Effect.forEach([edited, channelPost, anonymous], (update) =>
          Effect.tap(server.pushUpdate(update), (sent) => Effect.either(sent.handled)),
        )
        // A message without a sender is one the bot does receive: handled, answered 200, silently.
        const anonymousId = pushed[2]?.update.update_id
        expect(
          server.webhookDeliveries
            .filter((delivery) => delivery.updateId === anonymousId)
            .map((delivery) => delivery.status),
        ).toEqual([200])
        // Straight to the webhook, as if Telegram delivered them anyway: 200, and silence.
        for (const update of [edited, channelPost, anonymous]) {
          expect(yield* postToBot(update)).toBe(200)
        }

        expect(yield* callsAbout(channelId)).toEqual([])
        expect(yield* callsAbout(groupId)).toEqual([])
        expect((yield* callsAbout(user.chatId)).length).toBe(privateCalls)
        expect(yield* sessionOf(telegramId)).toEqual(session)
        expect(yield* stateOf(employeeId)).toEqual(before)

        yield* expectStillServes(user, "Eddie")
      }),
    )

    it.effect("a message in a group chat: silence, even from an employee", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user, employeeId, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Greta Group",
        })
        yield* subscribe(employeeId, ["pingpong"])
        yield* user.send("/preferences")
        yield* user.press("❌ ♟️ Chess")
        const before = yield* stateOf(employeeId)
        const session = yield* sessionOf(telegramId)
        const privateCalls = (yield* callsAbout(user.chatId)).length
        expect(privateCalls).toBeGreaterThan(0)

        const groupId = -(5_000_000_000 + (nextMessageId % 1_000_000))
        const group = { id: groupId, type: "group" as const, title: "Team chat" }
        const inGroup = (fields: { readonly text: string; readonly command?: boolean }) =>
          server.pushUpdate({
            message: {
              message_id: nextMessageId++,
              date: now(),
              chat: group,
              from: user.user,
              text: fields.text,
              ...(fields.command === true
                ? { entities: [{ type: "bot_command" as const, offset: 0, length: 5 }] }
                : {}),
            },
          })
        for (const message of [
          { text: "/menu", command: true },
          { text: "hello everyone" },
          { text: `/menu@${botInfo.username}`, command: true },
        ]) {
          const pushed = yield* inGroup(message)
          yield* pushed.handled
        }

        expect(yield* callsAbout(groupId)).toEqual([])
        expect((yield* callsAbout(user.chatId)).length).toBe(privateCalls)
        expect(yield* sessionOf(telegramId)).toEqual(session)
        expect(yield* stateOf(employeeId)).toEqual(before)

        yield* expectStillServes(user, "Greta")
      }),
    )
  },
)

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })(
  "untrusted updates in polling mode",
  (it) => {
    it.effect("impossible updates are skipped: the polling loop goes on with the next ones", () =>
      Effect.gen(function* () {
        const server = yield* Harness.Telegram
        const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Paula Poll" })
        const from = { ...user.user }
        const chat = { id: user.chatId, type: "private" as const, first_name: from.first_name }
        const message = (sender: unknown) => ({
          message_id: 1,
          date: Math.floor(Date.now() / 1000),
          chat,
          from: { ...from, id: sender },
          text: "/menu",
          entities: [{ type: "bot_command", offset: 0, length: 5 }],
        })
        const impossible: ReadonlyArray<unknown> = [
          { message: message(-1) },
          { message: message(0) },
          { message: message(2 ** 53 + 2) },
          { message: message("42") },
          { edited_message: message(-5) },
        ]
        for (const update of impossible) {
          yield* server.pushUpdate(update as Omit<Update, "update_id">)
        }
        // The next real message is answered: nothing above stopped or stalled the loop.
        expect((yield* user.send("/menu")).text).toBe(en.menuGreeting("Paula"))
        expect(server.messagesIn(user.chatId)).toHaveLength(1)
      }),
    )
  },
)
