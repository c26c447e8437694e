/**
 * The SQL every kind of notice shares: the activities as a notice describes them, and who can be
 * sent a message at all.
 */
import type { SqlClient } from "@effect/sql"
import { SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { ActivityId } from "../domain/Ids"
import { ActivityStatus, placeHoldingStatuses } from "../domain/Models"
import { Timestamp } from "../domain/Time"
import type { ActivityBrief } from "./NoticeTexts"

const BriefRow = Schema.Struct({
  id: ActivityId,
  title: Schema.String,
  status: ActivityStatus,
  scheduledAt: Timestamp,
  location: Schema.NullOr(Schema.String),
  maxParticipants: Schema.NullOr(Schema.Int),
  participantCount: Schema.Int,
  cancelReason: Schema.NullOr(Schema.String),
  emoji: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  nameEn: Schema.NullOr(Schema.String),
})

/**
 * Employees a message can reach (alias `e`): active, linked to Telegram, and not known to have
 * blocked the bot. The dispatcher would drop the others' messages anyway; leaving them out keeps
 * their places, offers and rows from being spent on nothing.
 */
export const reachable = (sql: SqlClient.SqlClient) =>
  sql`e.is_active AND e.telegram_id IS NOT NULL AND e.unreachable_since IS NULL`

export const makeBriefs = (sql: SqlClient.SqlClient) => {
  const find = SqlSchema.findAll({
    Request: Schema.Array(ActivityId),
    Result: BriefRow,
    execute: (ids) => sql`
      SELECT a.id, a.title, a.status, a.scheduled_at, a.location, a.max_participants, a.cancel_reason,
        (SELECT count(*)::int FROM activity_participants p
         WHERE p.activity_id = a.id AND p.status IN ${sql.in(placeHoldingStatuses)}) AS participant_count,
        i.emoji, i.name, i.name_en
      FROM activities a LEFT JOIN interests i ON i.id = a.interest_id
      WHERE a.id IN ${sql.in(ids)}
      ORDER BY a.scheduled_at, a.id`,
  })

  /** The activities found, soonest first. */
  return (ids: ReadonlyArray<ActivityId>) =>
    (ids.length === 0 ? Effect.succeed([]) : find(ids)).pipe(
      Effect.map((rows) =>
        rows.map(
          ({ emoji, name, nameEn, ...activity }): ActivityBrief => ({
            ...activity,
            interest: emoji === null || name === null ? null : { emoji, name, nameEn },
          }),
        ),
      ),
    )
}
