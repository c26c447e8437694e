import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A change of an employee's row logs their Telegram ids only (their cached `emp:`), no longer
 * their id, which the change feed reads as "their interests changed" and drops their `int:` for.
 * The interests list does not depend on the row: a rename, a deactivation or the language they
 * write in (stored on their first message, migration 9) dropped it for nothing, and a load of it
 * then in flight was not cached. A deleted employee is still logged with their id; their
 * `employee_interests` rows, deleted with them, are logged by their own trigger as before.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE OR REPLACE FUNCTION connectbot_invalidate_employee() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO cache_invalidations (employee_id, telegram_ids)
      VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id END, array_remove(ARRAY[
        OLD.telegram_id, CASE WHEN TG_OP = 'UPDATE' THEN NEW.telegram_id END
      ], NULL));
      PERFORM pg_notify('connectbot_cache', 'changed');
      RETURN NULL;
    END
    $$`
})
