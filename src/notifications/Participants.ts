/**
 * What confirmed participants of an activity hear: reminders before the start (`REMINDERS`), and
 * a new time, a new place or a cancellation.
 *
 * Reminders. The offsets split the time before the start into disjoint windows — with `24h,1h`,
 * the 24h reminder belongs to [start − 24h, start − 1h) and the 1h one to [start − 1h, start) —
 * and a run sends each participant the reminder of the window it is in, if it has not been sent:
 * someone who joins 30 minutes before the start gets only the 1h one, and a process that was
 * down for a window sends its reminder late rather than never, until the next window begins.
 * The dedupe key names the start time too, so a rescheduled activity reminds again at its new
 * time. Nothing but the outbox records a reminder: its key is the record.
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Duration, Effect, Option, Schema } from "effect"
import { ActivityId, EmployeeId } from "../domain/Ids"
import { Locale } from "../domain/Models"
import { Timestamp } from "../domain/Time"
import type { Outbox } from "../outbox/Outbox"
import { makeBriefs, reachable } from "./Briefs"
import type { NoticeTextsFor } from "./NoticeTexts"
import type { NotificationsSettings } from "./NotificationsSettings"

export type Change = "moved" | "place" | "cancelled"

const Recipient = Schema.Struct({ employeeId: EmployeeId, locale: Schema.NullOr(Locale) })

export const makeParticipantNotices = (
  sql: SqlClient.SqlClient,
  outbox: Outbox["Type"],
  settings: NotificationsSettings,
  textsFor: NoticeTextsFor,
) => {
  const briefs = makeBriefs(sql)
  const offsets = settings.reminders.map(Duration.toMillis)
  const longest = offsets[0] ?? 0

  const starting = SqlSchema.findAll({
    Request: Schema.Struct({ now: Schema.DateFromSelf, until: Schema.DateFromSelf }),
    Result: Schema.Struct({
      activityId: ActivityId,
      employeeId: EmployeeId,
      scheduledAt: Timestamp,
      locale: Schema.NullOr(Locale),
    }),
    execute: ({ now, until }) => sql`
      SELECT p.activity_id, p.employee_id, a.scheduled_at, e.locale
      FROM activity_participants p
      JOIN activities a ON a.id = p.activity_id
      JOIN employees e ON e.id = p.employee_id
      WHERE a.status = 'scheduled' AND a.scheduled_at > ${now} AND a.scheduled_at <= ${until}
        AND p.status = 'confirmed' AND ${reachable(sql)}`,
  })

  /** The offset whose window `now` is in: the shortest one already reached. */
  const windowOf = (start: Date, now: Date): Option.Option<number> =>
    Arr.findLast(offsets, (offset) => start.getTime() - offset <= now.getTime())

  /** The reminders due at `now` and not sent yet; returns how many were enqueued. */
  const sendReminders = (now: Date) =>
    Effect.gen(function* () {
      if (offsets.length === 0) return 0
      const rows = yield* starting({ now, until: new Date(now.getTime() + longest) })
      const activities = new Map(
        (yield* briefs(Arr.dedupe(rows.map((row) => row.activityId)))).map((a) => [a.id, a]),
      )
      const messages = Arr.filterMap(rows, (row) =>
        Option.all([
          windowOf(row.scheduledAt, now),
          Option.fromNullable(activities.get(row.activityId)),
        ]).pipe(
          Option.map(([offset, activity]) => {
            const texts = textsFor(row.locale)
            const { text, keyboard } = texts.reminder(activity, Duration.millis(offset))
            return texts.message(
              row.employeeId,
              "activity.remind",
              `remind:${row.activityId}:${row.employeeId}:${offset / 60_000}m:${row.scheduledAt.getTime() / 1000}`,
              text,
              keyboard,
            )
          }),
        ),
      )
      return messages.length === 0 ? 0 : yield* outbox.enqueue(messages)
    })

  const nextWindow = SqlSchema.findOne({
    Request: Schema.Struct({ now: Schema.DateFromSelf, offset: Schema.Number }),
    Result: Schema.Struct({ opensAt: Timestamp }),
    execute: ({ now, offset }) => sql`
      SELECT min(a.scheduled_at) - make_interval(secs => ${offset / 1000}) AS opens_at
      FROM activities a
      WHERE a.status = 'scheduled'
        AND a.scheduled_at > ${now}::timestamptz + make_interval(secs => ${offset / 1000})
        AND EXISTS (SELECT 1 FROM activity_participants p
                    WHERE p.activity_id = a.id AND p.status = 'confirmed')
      HAVING min(a.scheduled_at) IS NOT NULL`,
  })

  /** When the next reminder window known now opens (joins made later may open earlier ones). */
  const nextReminderAfter = (now: Date) =>
    Effect.map(
      Effect.forEach(offsets, (offset) => nextWindow({ now, offset })),
      (found) =>
        Arr.match(Arr.getSomes(found), {
          onEmpty: () => Option.none<Date>(),
          onNonEmpty: (windows) =>
            Option.some(new Date(Math.min(...windows.map((w) => w.opensAt.getTime())))),
        }),
    )

  const confirmed = SqlSchema.findAll({
    Request: ActivityId,
    Result: Recipient,
    execute: (activityId) => sql`
      SELECT p.employee_id, e.locale FROM activity_participants p
      JOIN employees e ON e.id = p.employee_id
      WHERE p.activity_id = ${activityId} AND p.status = 'confirmed' AND ${reachable(sql)}
      ORDER BY p.employee_id`,
  })

  // The version is `updated_at` to the microsecond, as Postgres keeps it: two edits are two
  // versions; one transaction retried is the same one.
  const versionOf = SqlSchema.findOne({
    Request: ActivityId,
    Result: Schema.Struct({ version: Schema.String }),
    execute: (activityId) => sql`
      SELECT (extract(epoch FROM updated_at) * 1000000)::bigint::text AS version
      FROM activities WHERE id = ${activityId}`,
  })

  /**
   * In the caller's transaction: each confirmed participant told of the change; a cancellation
   * also empties the waitlist. Returns how many messages were new.
   */
  const tellParticipants = (activityId: ActivityId, change: Change) =>
    Effect.gen(function* () {
      const version = yield* versionOf(activityId)
      const [activity] = yield* briefs([activityId])
      if (Option.isNone(version) || activity === undefined) return 0
      if (change === "cancelled") {
        yield* sql`DELETE FROM activity_waitlist WHERE activity_id = ${activityId}`
      }
      const people = yield* confirmed(activityId)
      return people.length === 0
        ? 0
        : yield* outbox.enqueue(
            people.map(({ employeeId, locale }) => {
              const texts = textsFor(locale)
              return texts.message(
                employeeId,
                `activity.${change}`,
                `change:${activityId}:${change}:${version.value.version}:${employeeId}`,
                texts.change(activity, change),
              )
            }),
          )
    })

  return { sendReminders, nextReminderAfter, tellParticipants }
}
