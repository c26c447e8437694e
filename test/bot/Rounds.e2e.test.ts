/**
 * A Secret coffee round end to end, as the people in it live it: the real bot, its outbox and
 * dispatcher, a database of its own and the local Telegram Bot API server. The steps run when the
 * clock (the test's) reaches their times — invite, answers, match, intros, reminder, feedback —
 * and everything people see arrives in their chats and is answered with the buttons they got.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Option, Schedule } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import { formatWhen } from "../../src/bot/Views"
import type { EmployeeId } from "../../src/domain/Ids"
import { cycleOf } from "../../src/rounds/Cycle"
import { roundTexts } from "../../src/rounds/RoundTexts"
import { tick } from "../../src/rounds/Scheduler"
import * as Harness from "../support/BotHarness"
import { fixedClock } from "../support/Clocks"
import type { ChatMessage, TelegramUser } from "../support/TelegramServer"

const t = roundTexts("en")
const menu = messagesFor("en")
const settings = Harness.roundSettings({ locale: "en" })
/** A Monday (in the past: see `at`): the round is named by its match day. */
const startsOn = "2026-03-02"
const cycle = cycleOf(settings, startsOn)
const coffee = "☕️ Secret coffee"

const subscribe = (employeeId: EmployeeId, code: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO employee_interests (employee_id, interest_id)
      SELECT ${employeeId}, id FROM interests WHERE code = ${code}`,
  )

/**
 * The scheduler's tick at `instant`: the steps read the clock the test gives them. The rest of the
 * bot (its polling, the dispatcher) runs on the real clock, so the rounds are set in the past:
 * what a step queues is due at once for the dispatcher.
 */
const at = (instant: Date) => tick.pipe(Effect.withClock(fixedClock(instant)))

/** The newest message in the chat that says `text`, once the dispatcher delivered it. */
const received = (user: TelegramUser, text: string) =>
  user.waitForMessage((message) => message.text.includes(text), Duration.seconds(10))

/** Polls a query until it says yes. */
const eventually = <A, E, R>(query: Effect.Effect<A, E, R>, done: (result: A) => boolean) =>
  query.pipe(
    Effect.repeat({
      until: done,
      schedule: Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds")),
    }),
  )

const countIn = (user: TelegramUser, text: string) =>
  user.messages.filter((message: ChatMessage) => message.text.includes(text)).length

layer(Harness.layer({ defaultLocale: "en" }), {
  timeout: Duration.seconds(60),
  excludeTestServices: true,
})("a pairing round", (it) => {
  it.effect(
    "invite → answers → match (a trio for three) → intros → decline told → reminder → feedback with rating and comment",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const people = yield* Effect.all(
          [
            Harness.employee({
              languageCode: "en",
              fullName: "Anna Petrova",
              departmentCode: "IT",
            }),
            Harness.employee({
              languageCode: "en",
              fullName: "Boris Ivanov",
              departmentCode: "HR",
            }),
            Harness.employee({
              languageCode: "en",
              fullName: "Clara Smirnova",
              departmentCode: "SALES",
            }),
            Harness.employee({
              languageCode: "en",
              fullName: "Denis Orlov",
              departmentCode: "IT",
            }),
            Harness.employee({
              languageCode: "en",
              fullName: "Eva Blocked",
              departmentCode: "IT",
            }),
          ],
          { concurrency: 1 },
        )
        const [anna, boris, clara, denis, eva] = people as [
          (typeof people)[number],
          (typeof people)[number],
          (typeof people)[number],
          (typeof people)[number],
          (typeof people)[number],
        ]
        for (const person of people) yield* subscribe(person.employeeId, "coffee")
        // Eva blocked the bot: the invitation finds out, and she is left out from then on.
        yield* eva.user.block

        // A minute before the invitation time nothing happens.
        yield* at(new Date(cycle.invite.getTime() - 60_000))
        expect(yield* sql`SELECT 1 FROM match_rounds`).toHaveLength(0)

        // Friday 12:00: everyone subscribed is asked.
        yield* at(cycle.invite)
        const question = t.invite(coffee, formatWhen(cycle.match, "en", settings.timeZone))
        for (const person of [anna, boris, clara, denis]) {
          const invitation = yield* received(person.user, question)
          expect(invitation.buttons).toEqual([[t.buttonIn], [t.buttonSkip], [t.buttonPause]])
        }
        // Telegram refused Eva's invitation (403): she is marked unreachable.
        yield* eventually(
          sql<{ readonly unreachable: boolean }>`
              SELECT unreachable_since IS NOT NULL AS unreachable FROM employees WHERE id = ${eva.employeeId}`,
          (rows) => rows[0]?.unreachable === true,
        )

        // Answers: three in; Denis first says yes, then changes his mind and skips.
        for (const person of [anna, boris, clara, denis]) {
          const pressed = yield* person.user.press(t.buttonIn)
          expect(pressed.message.text).toContain(`You're in for ${coffee}`)
          // The other answers stay offered until the match.
          expect(pressed.message.buttons).toEqual([[t.buttonSkip], [t.buttonPause]])
        }
        const skipped = yield* denis.user.press(t.buttonSkip)
        expect(skipped.message.text).toContain(`You skip ${coffee} this time`)

        // Monday 10:00: the three who are in make one trio; Denis gets nothing.
        yield* at(cycle.match)
        const intros = yield* Effect.forEach([anna, boris, clara], (person) =>
          received(person.user, "your partners this time are"),
        )
        expect(intros[0]?.text).toContain("Boris Ivanov")
        expect(intros[0]?.text).toContain("Clara Smirnova")
        expect(intros[0]?.text).toContain(`@${boris.user.user.username}`)
        expect(intros[0]?.text).not.toContain("Anna Petrova")
        expect(intros[0]?.buttons).toEqual([[t.buttonMeet, t.buttonCantMeet]])
        expect(countIn(denis.user, "partner")).toBe(0)
        // Answering the invitation after the match changes nothing.
        const late = yield* denis.user.press(t.buttonIn)
        expect(late.answer).toMatchObject({ text: t.answersClosed, showAlert: true })

        // Her profile shows whom she is paired with.
        yield* anna.user.send("/menu")
        const profile = yield* anna.user.press(menu.menu.profile)
        expect(profile.message.text).toContain(
          `${t.currentMatchesTitle}:\n${t.currentMatch(coffee, "Boris Ivanov, Clara Smirnova")}`,
        )

        // Anna will meet; Clara cannot, and both others are told once.
        const meet = yield* anna.user.press(t.buttonMeet)
        expect(meet.answer.text).toBe(t.confirmed(coffee))
        yield* clara.user.press(t.buttonCantMeet)
        yield* clara.user.press(t.buttonCantMeet)
        for (const person of [anna, boris]) {
          yield* received(person.user, t.partnerDeclined(coffee, "Clara Smirnova"))
        }
        expect(countIn(anna.user, t.partnerDeclined(coffee, "Clara Smirnova"))).toBe(1)

        // Wednesday: the reminder goes to matches nobody declined — none here.
        yield* at(Option.getOrThrow(cycle.remind))
        const reminded = yield* sql`SELECT 1 FROM outbox WHERE kind = 'round.remind'`
        expect(reminded).toHaveLength(0)

        // Friday: the next cycle's invitation (12:00) comes before this one's feedback (16:00).
        // Clara's decline leaves the trio without a meeting to ask about.
        const next = cycleOf(settings, "2026-03-09")
        expect(next.invite.getTime()).toBeLessThan(cycle.feedback.getTime())
        yield* at(next.invite)
        yield* at(cycle.feedback)
        expect(yield* sql`SELECT 1 FROM outbox WHERE kind = 'round.feedback'`).toHaveLength(0)

        // The next cycle: Anna and Boris (priority: their partner declined) say yes and are
        // paired; nobody declines; they are reminded and asked whether they met.
        for (const person of [anna, boris]) {
          yield* received(
            person.user,
            t.invite(coffee, formatWhen(next.match, "en", settings.timeZone)),
          )
          const pressed = yield* person.user.press(t.buttonIn)
          expect(pressed.message.text).toContain(`You're in for ${coffee}`)
        }
        yield* at(next.match)
        const annaIntro = yield* received(anna.user, "your partner this time is")
        expect(annaIntro.text).toContain("Boris Ivanov")
        yield* anna.user.press(t.buttonMeet)
        yield* at(Option.getOrThrow(next.remind))
        // Boris has not answered his intro: he is reminded; Anna, who said yes, is not.
        yield* received(boris.user, "have you agreed on a time with Anna Petrova")
        expect(countIn(anna.user, "have you agreed on a time")).toBe(0)

        // The first round closes when the third cycle's invitation goes out.
        yield* at(cycle.close)
        const statuses = yield* sql<{ readonly startsOn: string; readonly status: string }>`
          SELECT to_char(r.starts_on, 'YYYY-MM-DD') AS starts_on, r.status FROM match_rounds r
          JOIN interests i ON i.id = r.interest_id AND i.code = 'coffee' ORDER BY r.starts_on`
        expect(statuses).toEqual([
          { startsOn: "2026-03-02", status: "closed" },
          { startsOn: "2026-03-09", status: "matched" },
          { startsOn: "2026-03-16", status: "inviting" },
        ])

        yield* at(next.feedback)
        const feedback = yield* received(anna.user, "did you meet?")
        expect(feedback.buttons).toEqual([[t.buttonMetYes, t.buttonMetNo]])
        const met = yield* anna.user.press(t.buttonMetYes)
        expect(met.message.text).toBe(t.askRating)
        const rated = yield* anna.user.press("5 ⭐")
        expect(rated.message.text).toBe(t.rated(5))
        const saved = yield* anna.user.send("Great chat about rockets")
        expect(saved.text).toBe(t.commentSaved)
        yield* received(boris.user, "did you meet?")
        const notMet = yield* boris.user.press(t.buttonMetNo)
        expect(notMet.message.text).toBe(t.notMet)

        const members = yield* sql<{
          readonly fullName: string
          readonly met: boolean | null
          readonly rating: number | null
          readonly comment: string | null
        }>`
            SELECT e.full_name, m.met, m.rating, m.comment FROM match_members m
            JOIN employees e ON e.id = m.employee_id
            JOIN match_rounds r ON r.id = m.round_id AND r.starts_on = '2026-03-09'
            ORDER BY e.full_name`
        expect(members).toEqual([
          { fullName: "Anna Petrova", met: true, rating: 5, comment: "Great chat about rockets" },
          { fullName: "Boris Ivanov", met: false, rating: null, comment: null },
        ])
        // The comment never reaches the partner.
        expect(boris.user.messages.some((message) => message.text.includes("rockets"))).toBe(false)
        // ⚙️ Settings pauses coffee for four weeks, and resumes it.
        yield* boris.user.send("/menu")
        const settingsScreen = yield* boris.user.press(menu.menu.settings)
        expect(settingsScreen.message.buttons).toContainEqual([t.pause(coffee)])
        const paused = yield* boris.user.press(t.pause(coffee))
        expect(paused.answer.text).toMatch(
          /^⏸ ☕️ Secret coffee is paused until \d{1,2} [A-Z][a-z]{2}\.$/,
        )
        const [pause] = yield* sql<{ readonly days: number }>`
          SELECT paused_until - (now() AT TIME ZONE 'Europe/Moscow')::date AS days FROM employee_interests ei
          JOIN interests i ON i.id = ei.interest_id AND i.code = 'coffee'
          WHERE ei.employee_id = ${boris.employeeId}`
        expect(pause?.days).toBe(28)
        expect(
          paused.message.buttons.flat().some((label) => label.startsWith("▶️ ☕️ Secret coffee")),
        ).toBe(true)
        const resumed = yield* boris.user.press(
          paused.message.buttons.flat().find((label) => label.startsWith("▶️")) ?? "",
        )
        expect(resumed.answer.text).toBe(t.resumed(coffee))
        const [cleared] = yield* sql<{ readonly pausedUntil: string | null }>`
          SELECT paused_until FROM employee_interests ei
          JOIN interests i ON i.id = ei.interest_id AND i.code = 'coffee'
          WHERE ei.employee_id = ${boris.employeeId}`
        expect(cleared?.pausedUntil).toBeNull()

        // /metrics counts the rounds and the outbox (this process ran every step).
        const { url } = yield* Harness.BotHttp
        const metrics = yield* Effect.promise(() => fetch(`${url}/metrics`).then((r) => r.text()))
        const sample = (series: string) =>
          Number(metrics.match(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m"))?.[1])
        expect(sample('connectbot_rounds_steps_total{step="match"}')).toBeGreaterThanOrEqual(2)
        expect(sample("connectbot_rounds_invited_total")).toBeGreaterThanOrEqual(7)
        expect(sample("connectbot_rounds_placed_total")).toBeGreaterThanOrEqual(5)
        expect(sample("connectbot_rounds_met_total")).toBeGreaterThanOrEqual(1)
        expect(sample("connectbot_outbox_sent_total")).toBeGreaterThanOrEqual(15)
        expect(metrics).toContain("# TYPE connectbot_rounds_rating histogram")

        // Nobody got anything twice: one message per outbox row, each sent once.
        const duplicates = yield* sql`
            SELECT dedupe_key FROM outbox GROUP BY dedupe_key HAVING count(*) > 1`
        expect(duplicates).toHaveLength(0)
        expect(
          yield* sql`SELECT 1 FROM outbox WHERE status IN ('pending', 'sending')`,
        ).toHaveLength(0)
      }),
  )
})
