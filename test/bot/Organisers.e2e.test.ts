/**
 * An organiser's evening end to end, as the people in it live it: the real bot, its outbox and
 * dispatcher, a database of its own and the local Telegram Bot API server. An organiser creates an
 * activity in the bot's conversation and publishes it; subscribers hear of it by their frequency
 * (at once, in the daily digest, in the weekly digest); people join, the activity fills, someone
 * waits and takes a freed place; the organiser moves it and participants are told; reminders come
 * once; forged and revoked admin presses change nothing; a cancellation is told with its reason;
 * attendance is marked after an activity ends and counts for achievements.
 *
 * The bot runs on the real clock (its polling, its dispatcher), so the activities are days ahead
 * of now. What falls due later — digests, reminders — is run by `Notices.runDue` with the clock
 * the test gives it, from a `Notices` of its own over the same database: what another process, or
 * this one after a restart, would run.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Cron, Duration, Effect, Layer, Schedule } from "effect"
import { adminTextsFor } from "../../src/admins/AdminTexts"
import { Action, AdminAction, encodeAction } from "../../src/bot/CallbackData"
import { messagesFor } from "../../src/bot/Messages"
import type { ActivityId, EmployeeId } from "../../src/domain/Ids"
import { Notices } from "../../src/notifications/Notices"
import { NotificationsConfig } from "../../src/notifications/NotificationsSettings"
import { Outbox } from "../../src/outbox/Outbox"
import * as Harness from "../support/BotHarness"
import { fixedClock } from "../support/Clocks"
import type { ChatMessage, TelegramUser } from "../support/TelegramServer"

const at = adminTextsFor("en")
const t = messagesFor("en")
const timeZone = "Europe/Moscow"
const settings = Harness.notificationSettings({ locale: "en" })

/**
 * What another process (or this one after a restart) runs when the clock says `instant`: a
 * `Notices` of its own over the same database; the bot's dispatcher delivers what it queues.
 */
const runDueAt = (instant: Date) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const other = Notices.layer.pipe(
      Layer.provide(Outbox.layer),
      Layer.provide(Layer.succeed(NotificationsConfig, settings)),
      Layer.provide(Layer.succeed(SqlClient.SqlClient, sql)),
    )
    const run = yield* Effect.flatMap(Notices, (notices) => notices.runDue).pipe(
      Effect.provide(other),
      Effect.withClock(fixedClock(instant)),
    )
    // What it queued is due at `instant`; the bot's dispatcher runs on the real clock, days
    // before it. The time between passes here, for the dispatcher's sake.
    yield* sql`UPDATE outbox SET not_before = now() WHERE status = 'pending' AND not_before > now()`
    return run
  })

const received = (user: TelegramUser, text: string) =>
  user.waitForMessage((message) => message.text.includes(text), Duration.seconds(10))

const countIn = (user: TelegramUser, text: string) =>
  user.messages.filter((message: ChatMessage) => message.text.includes(text)).length

/** Presses the button whose label contains `label`, on the latest message that has one. */
const pressContaining = (user: TelegramUser, label: string) =>
  Effect.gen(function* () {
    const message = [...user.messages]
      .reverse()
      .find((m) => m.buttons.some((row) => row.some((text) => text.includes(label))))
    if (message === undefined) return yield* Effect.dieMessage(`no button with “${label}”`)
    const row = message.buttons.findIndex((r) => r.some((text) => text.includes(label)))
    const column = message.buttons[row]?.findIndex((text) => text.includes(label)) ?? -1
    const data = message.callbackData[row]?.[column] ?? ""
    return yield* user.pressData(data, { messageId: message.messageId })
  })

const eventually = <A, E, R>(query: Effect.Effect<A, E, R>, done: (result: A) => boolean) =>
  query.pipe(
    Effect.repeat({
      until: done,
      schedule: Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds")),
    }),
  )

/**
 * Until the bot's dispatcher has sent (or dropped) every message that is due: whatever was queued
 * twice, or sent twice, has reached the chats by then, and counting them is final.
 */
const outboxDrained = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  eventually(
    sql<{ readonly left: number }>`
      SELECT count(*)::int AS left FROM outbox
      WHERE status = 'sending' OR (status = 'pending' AND not_before <= now())`,
    (rows) => rows[0]?.left === 0,
  ),
)

const subscribe = (employeeId: EmployeeId, frequency: string, on = true) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO employee_interests (employee_id, interest_id, receive_notifications, notification_frequency)
      SELECT ${employeeId}, id, ${on}, ${frequency} FROM interests WHERE code = 'chess'`,
  )

const grantActivities = (employeeId: EmployeeId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO bot_admins (employee_id, can_manage_activities) VALUES (${employeeId}, true)
      ON CONFLICT (employee_id) DO UPDATE SET can_manage_activities = true`,
  )

/** `25.12 18:30` for a day `days` ahead of now, in Moscow. */
const dayAhead = (days: number) => {
  const day = new Date(Date.now() + days * 86_400_000)
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
  }).formatToParts(day)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ""
  return {
    typed: `${part("day")}.${part("month")} 18:30`,
    instant: new Date(`${part("year")}-${part("month")}-${part("day")}T18:30:00+03:00`),
  }
}

const auditCount = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<{ count: number }>`SELECT count(*)::int AS count FROM audit_log`,
).pipe(Effect.map((rows) => rows[0]?.count ?? 0))

const statusOf = (activityId: ActivityId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ status: string }>`SELECT status FROM activities WHERE id = ${activityId}`,
  ).pipe(Effect.map((rows) => rows[0]?.status))

const person = (fullName: string) => Harness.employee({ languageCode: "en", fullName })

layer(Harness.layer({ defaultLocale: "en" }), {
  timeout: Duration.seconds(120),
  excludeTestServices: true,
})("an organiser's activity", (it) => {
  it.effect(
    "created and published in the bot; heard at once, in the daily and in the weekly digest, each once; full → notify me → a freed place taken; moved and told; reminded once; forged and revoked presses change nothing; cancelled with its reason",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const olga = yield* person("Olga Organiser")
        const ivan = yield* person("Ivan Immediate")
        const daria = yield* person("Daria Daily")
        const wes = yield* person("Wes Weekly")
        const nina = yield* person("Nina Muted")
        const petr = yield* person("Petr Plain")
        yield* grantActivities(olga.employeeId)
        yield* subscribe(ivan.employeeId, "immediate")
        yield* subscribe(daria.employeeId, "daily")
        yield* subscribe(wes.employeeId, "weekly")
        yield* subscribe(nina.employeeId, "immediate", false)

        // Only admins see the admin menu.
        const plainMenu = yield* petr.user.send("/menu")
        expect(plainMenu.buttons.flat()).not.toContain(at.menuButton)
        const menu = yield* olga.user.send("/menu")
        expect(menu.buttons.flat()).toContain(at.menuButton)

        // ➕ New activity, step by step, with a mistake, a date in the past and a step back.
        yield* olga.user.press(at.menuButton)
        yield* olga.user.press(at.newActivity)
        yield* pressContaining(olga.user, "Chess")
        expect((yield* olga.user.send("Chess night")).text).toContain(at.draft.questions.when)
        expect((yield* olga.user.send("next friday")).text).toContain(at.problem("dateFormat"))
        expect((yield* olga.user.send("01.01.2020 18:30")).text).toContain(at.problem("past"))
        const day = dayAhead(10)
        expect((yield* olga.user.send(day.typed)).text).toContain(at.draft.questions.duration)
        // ⬅️ Back to the date: the answer is kept, and kept again with ➡️.
        const back = (yield* olga.user.press(at.back)).message
        expect(back.text).toContain(at.draft.questions.when)
        yield* pressContaining(olga.user, "➡️")
        yield* olga.user.send("1h30")
        yield* olga.user.send("Room 5")
        expect((yield* olga.user.send("lots")).text).toContain(at.problem("capacityFormat"))
        const preview = yield* olga.user.send("2")
        expect(preview.text).toContain("Chess night")
        expect(preview.text).toContain("Room 5")
        const published = yield* olga.user.press(at.draft.publish)
        expect(published.answer.text ?? published.message.text).toContain(at.draft.published)

        const [activity] = yield* sql<{
          id: ActivityId
          status: string
          scheduledAt: Date
          durationMinutes: number
          maxParticipants: number
        }>`SELECT id, status, scheduled_at, duration_minutes, max_participants
           FROM activities WHERE title = 'Chess night'`
        if (activity === undefined) return yield* Effect.dieMessage("no activity")
        expect(activity.status).toBe("scheduled")
        expect(activity.scheduledAt).toEqual(day.instant)
        expect(activity.durationMinutes).toBe(90)
        expect(activity.maxParticipants).toBe(2)
        const created = yield* sql<{ action: string; actor: number }>`
          SELECT action, actor_employee_id AS actor FROM audit_log WHERE subject = ${`activity:${activity.id}`}`
        expect(created.map((row) => row.action)).toContain("activity.create")
        expect(created.every((row) => row.actor === olga.employeeId)).toBe(true)

        // Immediate: at once. Daily and weekly: not yet. Muted: never.
        yield* received(ivan.user, "Chess night")
        expect(countIn(daria.user, "Chess night")).toBe(0)
        expect(countIn(wes.user, "Chess night")).toBe(0)

        // The daily digest at 09:00, run by two other processes at once (the bot's own schedule
        // is off: these are what a restarted or a second process runs); running it again later
        // sends nothing more.
        const nextDaily = Cron.next(settings.digestDailyAt, new Date())
        yield* Effect.all(
          [
            runDueAt(new Date(nextDaily.getTime() + 60_000)),
            runDueAt(new Date(nextDaily.getTime() + 60_000)),
          ],
          { concurrency: 2 },
        )
        yield* runDueAt(new Date(nextDaily.getTime() + 120_000))
        yield* received(daria.user, "Chess night")
        const nextWeekly = Cron.next(settings.digestWeeklyAt, new Date())
        if (nextWeekly.getTime() !== nextDaily.getTime()) {
          expect(countIn(wes.user, "Chess night")).toBe(0)
        }
        yield* runDueAt(new Date(nextWeekly.getTime() + 60_000))
        yield* received(wes.user, "Chess night")
        // Anything doubled would be sent by the time the outbox is drained.
        yield* outboxDrained
        expect(countIn(ivan.user, "Chess night")).toBe(1)
        expect(countIn(daria.user, "Chess night")).toBe(1)
        expect(countIn(wes.user, "Chess night")).toBe(1)
        expect(countIn(nina.user, "Chess night")).toBe(0)
        expect(countIn(petr.user, "Chess night")).toBe(0)

        // Ivan and Daria join from what they received; the activity is full for Wes, who waits.
        yield* pressContaining(ivan.user, "Details")
        yield* ivan.user.press(t.activities.join)
        yield* pressContaining(daria.user, "Chess night")
        yield* daria.user.press(t.activities.join)
        yield* pressContaining(wes.user, "Chess night")
        const waiting = yield* wes.user.press(t.activities.notifyMe)
        expect(waiting.answer.text ?? waiting.message.text).toContain(
          t.activities.waiting(1).slice(0, 12),
        )
        // Ivan leaves: the place is offered to Wes, who takes it.
        yield* pressContaining(ivan.user, t.activities.leave)
        yield* received(wes.user, "A place is free in")
        // The place is held for Wes: Petr finds the activity full, and is offered a place in line.
        const petrCard = yield* petr.user.send("/menu")
        yield* petr.user.pressData(
          encodeAction(Action.ActivityDetails({ activityId: activity.id })),
          {
            messageId: petrCard.messageId,
          },
        )
        const refused = yield* petr.user.press(t.activities.join)
        expect(refused.answer.text).toBe(t.activities.full)
        expect(refused.message.buttons.flat()).toContain(t.activities.notifyMe)
        yield* pressContaining(wes.user, "Take the place")
        const holders = yield* sql<{ employeeId: number }>`
          SELECT employee_id FROM activity_participants
          WHERE activity_id = ${activity.id} AND status = 'confirmed' ORDER BY employee_id`
        expect(holders.map((row) => row.employeeId).sort()).toEqual(
          [daria.employeeId, wes.employeeId].sort(),
        )

        // Wes's card says at once that the place is theirs.
        expect(wes.user.lastMessage?.buttons.flat()).toContain(t.activities.leave)

        // A draft is the organisers' alone: a forged press on it by anyone else finds nothing.
        const [draft] = yield* sql<{ id: ActivityId }>`
          INSERT INTO activities (title, interest_id, scheduled_at, status)
          SELECT 'Secret draft', id, now() + interval '5 days', 'draft' FROM interests WHERE code = 'chess'
          RETURNING id`
        const peek = yield* petr.user.pressData(
          encodeAction(Action.ActivityDetails({ activityId: draft?.id as ActivityId })),
        )
        expect(`${peek.answer.text}\n${peek.message.text}`).not.toContain("Secret draft")
        expect(peek.answer.text ?? "").toContain(t.activities.gone)

        // The organiser moves it to another room: the two participants are told, Ivan is not.
        yield* olga.user.send("/menu")
        yield* olga.user.press(at.menuButton)
        yield* olga.user.press(at.activities)
        yield* pressContaining(olga.user, "Chess night")
        yield* olga.user.press(at.activity.edit)
        yield* olga.user.press(at.activity.fields.place)
        const edited = yield* olga.user.send("Room 7")
        expect(edited.text).toContain(at.activity.edited(2))
        yield* received(daria.user, "Room 7")
        yield* received(wes.user, "Room 7")
        expect(countIn(ivan.user, "Room 7")).toBe(0)

        // A day before: each participant is reminded once, however often the runs come.
        const dayBefore = new Date(day.instant.getTime() - 23 * 3_600_000)
        yield* runDueAt(dayBefore)
        yield* runDueAt(new Date(dayBefore.getTime() + 60_000))
        yield* received(daria.user, "⏰ Reminder")
        yield* received(wes.user, "⏰ Reminder")
        yield* outboxDrained
        expect(countIn(daria.user, "⏰ Reminder")).toBe(1)
        expect(countIn(wes.user, "⏰ Reminder")).toBe(1)

        // Forged admin buttons from a non-admin, and from an admin whose role was revoked: refused,
        // nothing changes.
        const cancelData = encodeAction(
          Action.Admin({ action: AdminAction.AskCancel({ activityId: activity.id }) }),
        )
        const auditBefore = yield* auditCount
        const forged = yield* petr.user.pressData(cancelData, { messageId: plainMenu.messageId })
        expect(forged.answer.text).toBe(at.notAdmin)
        expect(forged.answer.showAlert).toBe(true)
        yield* sql`DELETE FROM bot_admins WHERE employee_id = ${olga.employeeId}`
        const revoked = yield* olga.user.pressData(cancelData)
        expect(revoked.answer.text).toBe(at.notAdmin)
        expect(yield* statusOf(activity.id)).toBe("scheduled")
        expect(yield* auditCount).toBe(auditBefore)
        // Olga's next menu has no 🛠 any more.
        expect((yield* olga.user.send("/menu")).buttons.flat()).not.toContain(at.menuButton)

        // Another organiser cancels it with a reason: the participants are told, with it.
        const max = yield* person("Max Organiser")
        yield* grantActivities(max.employeeId)
        yield* max.user.send("/menu")
        yield* max.user.press(at.menuButton)
        yield* max.user.press(at.activities)
        yield* pressContaining(max.user, "Chess night")
        yield* max.user.press(at.activity.cancel)
        const cancelled = yield* max.user.send("The room is flooded")
        expect(cancelled.text).toContain(at.activity.cancelled(2))
        yield* received(daria.user, "The room is flooded")
        yield* received(wes.user, "The room is flooded")
        expect(yield* statusOf(activity.id)).toBe("cancelled")
      }),
  )

  it.effect(
    "attendance after the end: marked in the bot, it counts for the participant's achievements",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const olga = yield* person("Olga Second")
        const anna = yield* person("Anna Attends")
        const boris = yield* person("Boris Absent")
        yield* grantActivities(olga.employeeId)
        const day = dayAhead(3)
        yield* olga.user.send("/menu")
        yield* olga.user.press(at.menuButton)
        yield* olga.user.press(at.newActivity)
        yield* pressContaining(olga.user, "Chess")
        yield* olga.user.send("Blitz")
        yield* olga.user.send(day.typed)
        yield* olga.user.send("60")
        yield* olga.user.press(at.draft.noPlace)
        yield* olga.user.press(at.draft.noLimit)
        yield* olga.user.press(at.draft.publish)
        const [blitz] = yield* sql<{
          id: ActivityId
        }>`SELECT id FROM activities WHERE title = 'Blitz'`
        if (blitz === undefined) return yield* Effect.dieMessage("no activity")
        for (const who of [anna, boris]) {
          yield* who.user.pressData(
            encodeAction(Action.ActivityDetails({ activityId: blitz.id })),
            {
              messageId: (yield* who.user.send("/menu")).messageId,
            },
          )
          yield* who.user.press(t.activities.join)
        }

        // Before the end, attendance is not offered, and a forged press of it is not taken.
        yield* olga.user.send("/menu")
        yield* olga.user.press(at.menuButton)
        yield* olga.user.press(at.activities)
        const card = (yield* pressContaining(olga.user, "Blitz")).message
        expect(card.buttons.flat()).not.toContain(at.activity.attendance)
        const early = yield* olga.user.pressData(
          encodeAction(
            Action.Admin({
              action: AdminAction.Mark({
                activityId: blitz.id,
                employeeId: anna.employeeId,
                attended: true,
              }),
            }),
          ),
        )
        expect(`${early.answer.text}\n${early.message.text}`).toContain(
          at.activity.attendanceNotYet,
        )
        expect(yield* statusOf(blitz.id)).toBe("scheduled")

        // The evening passes (the bot runs on the real clock: the activity is moved into the past).
        yield* sql`
          UPDATE activities SET scheduled_at = now() - interval '2 hours' WHERE id = ${blitz.id}`
        yield* olga.user.send("/menu")
        yield* olga.user.press(at.menuButton)
        yield* olga.user.press(at.activities)
        yield* pressContaining(olga.user, "Blitz")
        const sheet = (yield* olga.user.press(at.activity.attendance)).message
        expect(sheet.text).toContain("Anna Attends")
        yield* pressContaining(olga.user, at.activity.attended(1))
        yield* pressContaining(olga.user, at.activity.noShow(2))
        const marksNow = sql<{ employeeId: number; status: string }>`
          SELECT employee_id, status FROM activity_participants
          WHERE activity_id = ${blitz.id} ORDER BY employee_id`
        yield* eventually(marksNow, (rows) => rows.every((row) => row.status !== "confirmed"))
        const marks = yield* marksNow
        const byPerson = new Map(marks.map((row) => [row.employeeId, row.status]))
        expect(byPerson.get(anna.employeeId)).toBe("attended")
        expect(byPerson.get(boris.employeeId)).toBe("no_show")

        // Anna's first activity is an achievement now; Boris has none.
        yield* anna.user.send("/menu")
        const annaAchievements = (yield* anna.user.press(t.menu.achievements)).message
        expect(annaAchievements.text).toContain(`🏆 ${t.achievements.names["first-activity"]}`)
        yield* boris.user.send("/menu")
        const borisAchievements = (yield* boris.user.press(t.menu.achievements)).message
        expect(borisAchievements.text).not.toContain(`🏆 ${t.achievements.names["first-activity"]}`)
      }),
  )
})
