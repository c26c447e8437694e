/**
 * A world for the notifications' tests: a fresh, migrated and seeded database of the test's scope,
 * `Notices` (with its `Waitlist`) and `ActivityRepo` over it, people with subscriptions of each
 * kind, activities timed by the `TestClock`, and what the outbox holds. Times are the
 * `TestClock`'s, set to `start` (a Tuesday noon in Moscow, after the real today, so that what
 * Postgres' own `now()` decides in `ActivityRepo` agrees).
 */
import type { SqlClient } from "@effect/sql"
import { Clock, Context, Cron, Duration, Effect, Layer, TestClock } from "effect"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { ActivityId, type EmployeeId } from "../../src/domain/Ids"
import type { Locale, NotificationFrequency } from "../../src/domain/Models"
import { makeBriefs } from "../../src/notifications/Briefs"
import { Notices, NoticeTimes } from "../../src/notifications/Notices"
import {
  NotificationsConfig,
  type NotificationsSettings,
} from "../../src/notifications/NotificationsSettings"
import { Outbox } from "../../src/outbox/Outbox"
import { insertEmployee, newTelegramId, unique } from "../support/Fixtures"
import { moscow, type OutboxRow, outboxOf, seededDatabase } from "../support/Rounds"

export const zone = "Europe/Moscow"

/** Tuesday 2 March 2027, 12:00 in Moscow. */
export const start = moscow("2027-03-02T12:00:00")
/** The next daily digest (Wednesday 09:00) and weekly one (Monday 8 March 09:00). */
export const nextDaily = moscow("2027-03-03T09:00:00")
export const nextWeekly = moscow("2027-03-08T09:00:00")

export const settings = (
  overrides: Partial<NotificationsSettings> = {},
): NotificationsSettings => ({
  enabled: true,
  timeZone: zone,
  locale: "en",
  digestDailyAt: Cron.unsafeParse("0 9 * * *", zone),
  digestWeeklyAt: Cron.unsafeParse("0 9 * * MON", zone),
  reminders: [Duration.hours(24), Duration.hours(1)],
  waitlistHold: Duration.hours(2),
  ...overrides,
})

/** Notices, the waitlist and the activities over a database context (another process's view). */
export const noticesOver = (
  db: Context.Context<SqlClient.SqlClient>,
  overrides: Partial<NotificationsSettings> = {},
) =>
  ActivityRepo.layer.pipe(
    Layer.provideMerge(Notices.layer),
    Layer.provideMerge(Outbox.layer),
    Layer.provideMerge(Layer.succeed(NotificationsConfig, settings(overrides))),
    Layer.provideMerge(Layer.succeedContext(db)),
  )

export const world = (overrides: Partial<NotificationsSettings> = {}) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(start.getTime())
    const { url, db, sql, withSql } = yield* seededDatabase
    const context = yield* Layer.build(noticesOver(db, overrides))
    const notices = Context.get(context, Notices)
    const times = Context.get(context, NoticeTimes)
    const activities = Context.get(context, ActivityRepo)

    /** An employee subscribed to chess (by default) with these notification settings. */
    const person = (
      fields: {
        readonly frequency?: NotificationFrequency
        readonly receive?: boolean
        readonly interestActive?: boolean
        readonly active?: boolean
        readonly linked?: boolean
        readonly unreachable?: boolean
        readonly interest?: string
        /** The language they last wrote to the bot in; none by default. */
        readonly locale?: Locale
      } = {},
    ) =>
      Effect.gen(function* () {
        const id = yield* withSql(
          insertEmployee({
            telegramId: fields.linked === false ? null : newTelegramId(),
            isActive: fields.active ?? true,
          }),
        )
        if (fields.unreachable === true) {
          yield* sql`UPDATE employees SET unreachable_since = now() WHERE id = ${id}`
        }
        if (fields.locale !== undefined) {
          yield* sql`UPDATE employees SET locale = ${fields.locale} WHERE id = ${id}`
        }
        yield* sql`
          INSERT INTO employee_interests
            (employee_id, interest_id, is_active, receive_notifications, notification_frequency)
          VALUES (${id}, (SELECT id FROM interests WHERE code = ${fields.interest ?? "chess"}),
                  ${fields.interestActive ?? true}, ${fields.receive ?? true},
                  ${fields.frequency ?? "immediate"})`
        return id
      })

    /** A scheduled chess activity this far after the clock's now. */
    const activity = (
      fields: {
        readonly inHours?: number
        readonly max?: number | null
        readonly status?: string
        readonly createdBy?: EmployeeId
        readonly title?: string
      } = {},
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const at = new Date(now + (fields.inHours ?? 48) * 3_600_000)
        const [row] = yield* sql<{ id: number }>`
          INSERT INTO activities (title, interest_id, scheduled_at, status, max_participants,
                                  location, created_by)
          VALUES (${fields.title ?? `Chess ${unique()}`},
                  (SELECT id FROM interests WHERE code = 'chess'), ${at},
                  ${fields.status ?? "scheduled"},
                  ${fields.max === undefined ? 10 : fields.max}, 'Room <1>',
                  ${fields.createdBy ?? null})
          RETURNING id`
        return ActivityId.make(row?.id as number)
      })

    /** Publishes as an organiser would: scheduled and announced in one transaction. */
    const publish = (activityId: ActivityId) =>
      sql.withTransaction(
        Effect.zipRight(
          sql`UPDATE activities SET status = 'scheduled', published_at = now() WHERE id = ${activityId}`,
          notices.announce(activityId),
        ),
      )

    /** The activity as a notice describes it now: what the expected texts are built from. */
    const briefs = makeBriefs(sql)
    const brief = (activityId: ActivityId) =>
      Effect.flatMap(briefs([activityId]), ([found]) =>
        found === undefined
          ? Effect.dieMessage(`no activity ${activityId}`)
          : Effect.succeed(found),
      )

    const outbox = outboxOf(sql)
    return {
      url,
      db,
      sql,
      withSql,
      notices,
      times,
      activities,
      person,
      activity,
      publish,
      brief,
      outbox,
    }
  })

/** A row's message as `NoticeTexts` builds one: its text, and its buttons (labels included). */
export const sent = (row: OutboxRow): { readonly text: string; readonly keyboard?: unknown } => {
  const { text, replyMarkup } = JSON.parse(row.payload)
  return replyMarkup === undefined ? { text } : { text, keyboard: replyMarkup }
}

export type World = Effect.Effect.Success<ReturnType<typeof world>>

/** Sets the clock, runs what is due. */
export const runAt = (w: World, at: Date) =>
  Effect.zipRight(TestClock.setTime(at.getTime()), w.notices.runDue)
