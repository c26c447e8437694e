import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Cache invalidation from the database itself: triggers record every change of cached data
 * (an employee row, their interests, an activity's participants) in `cache_invalidations` and
 * wake listeners with NOTIFY. Every bot process reads the log and drops the affected keys, so
 * changes made with plain SQL, by an import in another process, or by another bot reach every
 * cache. The log (not just NOTIFY) is what makes this reliable: a process that lost its
 * connection catches up from where it was, and the embedded database, whose socket server
 * cannot deliver NOTIFY between connections, is read by polling.
 */
export const employeeColumns = [
  "full_name",
  "position",
  "department_id",
  "business_center_id",
  "email",
  "phone",
  "telegram_id",
  "telegram_username",
  "is_active",
  "authorized",
  "hire_date",
  "birth_date",
]

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE cache_invalidations (
      id bigserial PRIMARY KEY,
      employee_id integer,
      telegram_ids bigint[] NOT NULL DEFAULT '{}',
      activity_id integer,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX cache_invalidations_created_at ON cache_invalidations (created_at)`

  // The payload only wakes listeners (identical notifications of a transaction fold into one);
  // what changed is in the table.
  yield* sql`
    CREATE FUNCTION connectbot_invalidate_employee() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO cache_invalidations (employee_id, telegram_ids)
      VALUES (OLD.id, array_remove(ARRAY[
        OLD.telegram_id, CASE WHEN TG_OP = 'UPDATE' THEN NEW.telegram_id END
      ], NULL));
      PERFORM pg_notify('connectbot_cache', 'changed');
      RETURN NULL;
    END
    $$`
  // `last_activity` and `updated_at` change without changing what the cache holds.
  const old = sql.unsafe(employeeColumns.map((column) => `OLD.${column}`).join(", "))
  const updated = sql.unsafe(employeeColumns.map((column) => `NEW.${column}`).join(", "))
  yield* sql`
    CREATE TRIGGER employees_invalidate_cache AFTER UPDATE ON employees
    FOR EACH ROW WHEN ((${old}) IS DISTINCT FROM (${updated}))
    EXECUTE FUNCTION connectbot_invalidate_employee()`
  yield* sql`
    CREATE TRIGGER employees_invalidate_cache_on_delete AFTER DELETE ON employees
    FOR EACH ROW EXECUTE FUNCTION connectbot_invalidate_employee()`

  yield* sql`
    CREATE FUNCTION connectbot_invalidate_employee_interests() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      changed_employee integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.employee_id ELSE NEW.employee_id END;
    BEGIN
      INSERT INTO cache_invalidations (employee_id, telegram_ids)
      VALUES (changed_employee, COALESCE(
        (SELECT array_remove(ARRAY[telegram_id], NULL) FROM employees WHERE id = changed_employee),
        '{}'));
      PERFORM pg_notify('connectbot_cache', 'changed');
      RETURN NULL;
    END
    $$`
  yield* sql`
    CREATE TRIGGER employee_interests_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE ON employee_interests
    FOR EACH ROW EXECUTE FUNCTION connectbot_invalidate_employee_interests()`

  yield* sql`
    CREATE FUNCTION connectbot_invalidate_participants() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO cache_invalidations (activity_id)
      VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.activity_id ELSE NEW.activity_id END);
      PERFORM pg_notify('connectbot_cache', 'changed');
      RETURN NULL;
    END
    $$`
  yield* sql`
    CREATE TRIGGER activity_participants_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE ON activity_participants
    FOR EACH ROW EXECUTE FUNCTION connectbot_invalidate_participants()`
})
