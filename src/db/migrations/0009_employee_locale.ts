import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { employeeColumns } from "./0002_cache_invalidations"

/**
 * The language a person last wrote to the bot in (docs/rounds.md), so that what the bot sends
 * them unasked — invitations, reminders, announcements — is in it rather than in
 * BOT_DEFAULT_LOCALE. Null until they write with a Telegram language the bot speaks. The cached
 * employee (`emp:`) holds it, so a change of it is a change of cached data for 0002's trigger too.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  yield* sql`ALTER TABLE employees ADD COLUMN locale text CHECK (locale IN ('ru', 'en'))`

  const columns = [...employeeColumns, "locale"]
  const old = sql.unsafe(columns.map((column) => `OLD.${column}`).join(", "))
  const updated = sql.unsafe(columns.map((column) => `NEW.${column}`).join(", "))
  yield* sql`DROP TRIGGER employees_invalidate_cache ON employees`
  yield* sql`
    CREATE TRIGGER employees_invalidate_cache AFTER UPDATE ON employees
    FOR EACH ROW WHEN ((${old}) IS DISTINCT FROM (${updated}))
    EXECUTE FUNCTION connectbot_invalidate_employee()`
})
