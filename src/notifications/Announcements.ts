/**
 * Announcements of published activities (`activity_announcements`): one row per activity and
 * subscriber, written in the publishing transaction, so nobody hears of an activity twice however
 * often it is published or edited. `immediate` subscribers get their message at once (the row is
 * born sent); `daily` and `weekly` ones are due at the next `DIGEST_DAILY_AT` / `DIGEST_WEEKLY_AT`
 * and go out in one digest per person and due time — whenever a run finds them due, so a process
 * that was down at 09:00 sends them at its next run.
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Cron, Effect, Option, Order, Schema } from "effect"
import { ActivityId, EmployeeId } from "../domain/Ids"
import { Locale, NotificationFrequency } from "../domain/Models"
import { Timestamp } from "../domain/Time"
import type { Outbox } from "../outbox/Outbox"
import { makeBriefs, reachable } from "./Briefs"
import type { ActivityBrief, NoticeTextsFor } from "./NoticeTexts"
import type { NotificationsSettings } from "./NotificationsSettings"

/**
 * A transaction advisory lock per person (`cbdg`, with the employee id): one process at a time
 * builds a person's digest. The rows are also claimed `FOR UPDATE SKIP LOCKED`, but a digest is
 * all of a person's due rows in one message: two processes each locking part of them would each
 * send part under the same dedupe key, and the outbox would keep only one part.
 */
export const DIGEST_LOCK = 0x63626467

const soonestFirst = Order.mapInput(Order.Date, (activity: ActivityBrief) => activity.scheduledAt)

/** People whose digests one transaction builds: a bounded number of locks per transaction. */
const digestBatch = 100

export const makeAnnouncements = (
  sql: SqlClient.SqlClient,
  outbox: Outbox["Type"],
  settings: NotificationsSettings,
  textsFor: NoticeTextsFor,
) => {
  const briefs = makeBriefs(sql)

  const insertOwed = SqlSchema.findAll({
    Request: Schema.Struct({
      activityId: ActivityId,
      now: Schema.DateFromSelf,
      daily: Schema.DateFromSelf,
      weekly: Schema.DateFromSelf,
    }),
    Result: Schema.Struct({
      employeeId: EmployeeId,
      frequency: NotificationFrequency,
      locale: Schema.NullOr(Locale),
    }),
    // The creator is left out: an organiser who just published the activity knows of it, and an
    // announcement of their own activity would read as noise (they can still join it from 📅).
    execute: ({ activityId, now, daily, weekly }) => sql`
      WITH owed AS (
        INSERT INTO activity_announcements (activity_id, employee_id, frequency, due_at, sent_at)
        SELECT a.id, e.id, ei.notification_frequency,
          CASE ei.notification_frequency
            WHEN 'immediate' THEN ${now}::timestamptz
            WHEN 'daily' THEN ${daily}::timestamptz
            ELSE ${weekly}::timestamptz END,
          CASE WHEN ei.notification_frequency = 'immediate' THEN ${now}::timestamptz END
        FROM activities a
        JOIN employee_interests ei
          ON ei.interest_id = a.interest_id AND ei.is_active AND ei.receive_notifications
        JOIN employees e ON e.id = ei.employee_id
        WHERE a.id = ${activityId} AND a.status = 'scheduled' AND a.scheduled_at > ${now}
          AND ${reachable(sql)} AND e.id IS DISTINCT FROM a.created_by
        ON CONFLICT (activity_id, employee_id) DO NOTHING
        RETURNING employee_id, frequency
      )
      SELECT owed.employee_id, owed.frequency, e.locale
      FROM owed JOIN employees e ON e.id = owed.employee_id`,
  })

  /** In the caller's transaction; returns the announcements owed (at once or in a digest). */
  const announce = (activityId: ActivityId, now: Date) =>
    Effect.gen(function* () {
      const owed = yield* insertOwed({
        activityId,
        now,
        daily: Cron.next(settings.digestDailyAt, now),
        weekly: Cron.next(settings.digestWeeklyAt, now),
      })
      const atOnce = owed.filter((row) => row.frequency === "immediate")
      const [brief] = atOnce.length === 0 ? [] : yield* briefs([activityId])
      if (brief !== undefined) {
        yield* outbox.enqueue(
          atOnce.map((row) => {
            const texts = textsFor(row.locale)
            const { text, keyboard } = texts.announcement(brief)
            return texts.message(
              row.employeeId,
              "activity.announce",
              `announce:${activityId}:${row.employeeId}`,
              text,
              keyboard,
            )
          }),
        )
      }
      return owed.length
    })

  const DueGroup = Schema.Struct({ employeeId: EmployeeId, dueAt: Timestamp })

  const dueGroups = SqlSchema.findAll({
    Request: Schema.DateFromSelf,
    Result: DueGroup,
    execute: (now) => sql`
      SELECT DISTINCT employee_id, due_at FROM activity_announcements
      WHERE sent_at IS NULL AND due_at <= ${now}
      ORDER BY due_at, employee_id
      LIMIT ${digestBatch}`,
  })

  const claimRows = SqlSchema.findAll({
    Request: Schema.Struct({ employeeIds: Schema.Array(EmployeeId), now: Schema.DateFromSelf }),
    Result: Schema.Struct({
      activityId: ActivityId,
      employeeId: EmployeeId,
      dueAt: Timestamp,
      locale: Schema.NullOr(Locale),
    }),
    // Only the announcements are claimed: the employee row is read, not locked.
    execute: ({ employeeIds, now }) => sql`
      SELECT aa.activity_id, aa.employee_id, aa.due_at, e.locale
      FROM activity_announcements aa JOIN employees e ON e.id = aa.employee_id
      WHERE aa.employee_id IN ${sql.in(employeeIds)} AND aa.sent_at IS NULL AND aa.due_at <= ${now}
      FOR UPDATE OF aa SKIP LOCKED`,
  })

  /**
   * One batch of due digests in one transaction: the people whose lock this process got, all
   * their due rows, one message per person and due time listing what is still ahead, and the
   * rows marked sent. Returns the people it found due (0: nothing left) and the digests sent.
   */
  const digestBatchAt = (now: Date) =>
    sql.withTransaction(
      Effect.gen(function* () {
        const groups = yield* dueGroups(now)
        const people = Arr.dedupe(groups.map((group) => group.employeeId))
        const mine: Array<EmployeeId> = []
        for (const employeeId of people) {
          const [row] = yield* sql<{ locked: boolean }>`
            SELECT pg_try_advisory_xact_lock(${DIGEST_LOCK}, ${employeeId}) AS locked`
          if (row?.locked === true) mine.push(employeeId)
        }
        if (mine.length === 0) return { found: groups.length, claimed: 0, digests: 0 }
        const rows = yield* claimRows({ employeeIds: mine, now })
        const activities = yield* briefs(Arr.dedupe(rows.map((row) => row.activityId)))
        // Only what one can still join is listed: cancelled and begun activities are left out.
        const ahead = new Map(
          activities
            .filter((activity) => activity.status === "scheduled" && activity.scheduledAt > now)
            .map((activity) => [activity.id, activity]),
        )
        let digests = 0
        for (const group of Object.values(
          Arr.groupBy(rows, (row) => `${row.employeeId}:${row.dueAt.toISOString()}`),
        )) {
          const { employeeId, dueAt, locale } = group[0] as (typeof group)[number]
          const listed = Arr.filterMap(group, (row) =>
            Option.fromNullable(ahead.get(row.activityId)),
          )
          // When nothing is left to list, the rows are marked sent and nothing is said.
          if (listed.length > 0) {
            const texts = textsFor(locale)
            const { text, keyboard } = texts.digest(Arr.sort(listed, soonestFirst))
            digests += yield* outbox.enqueue([
              texts.message(
                employeeId,
                "activity.digest",
                `digest:${employeeId}:${dueAt.toISOString()}`,
                text,
                keyboard,
              ),
            ])
          }
          yield* sql`
            UPDATE activity_announcements SET sent_at = ${now}
            WHERE employee_id = ${employeeId} AND due_at = ${dueAt} AND sent_at IS NULL
              AND activity_id IN ${sql.in(group.map((row) => row.activityId))}`
        }
        return { found: groups.length, claimed: mine.length, digests }
      }),
    )

  /** Every due digest this process can claim, batch after batch. */
  const sendDigests = (now: Date) =>
    Effect.gen(function* () {
      let digests = 0
      while (true) {
        const batch = yield* digestBatchAt(now)
        digests += batch.digests
        // Nothing due, or all of it another process's: that process sends it.
        if (batch.found < digestBatch || batch.claimed === 0) return digests
      }
    })

  return { announce, sendDigests }
}
