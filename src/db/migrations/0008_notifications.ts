import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Organisers' activities and what they announce (docs/organisers.md): when an activity was
 * published and why it was cancelled (compatible extensions of `activities`), and the
 * announcements owed to subscribers — sent at once, or kept for their daily or weekly digest. One
 * row per activity and employee, so nobody hears of an activity twice, however often it is edited
 * or however many processes publish it.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  yield* sql`ALTER TABLE activities ADD COLUMN published_at timestamptz`
  yield* sql`ALTER TABLE activities ADD COLUMN cancel_reason text`

  yield* sql`
    CREATE TABLE activity_announcements (
      activity_id integer NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
      employee_id integer NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
      frequency text NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly')),
      due_at timestamptz NOT NULL,
      sent_at timestamptz,
      PRIMARY KEY (activity_id, employee_id)
    )`
  yield* sql`
    CREATE INDEX activity_announcements_due_idx ON activity_announcements (due_at)
    WHERE sent_at IS NULL`
  yield* sql`CREATE INDEX activity_waitlist_offers_idx ON activity_waitlist (offer_expires_at)
    WHERE offer_expires_at IS NOT NULL`
})
