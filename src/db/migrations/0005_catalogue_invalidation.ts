import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The interest catalogue is cached too (`cat:interests`), so a change of `interests` — HR adding
 * one, retiring one, renaming one by SQL — is logged for the change feed like the others. Every
 * employee's `int:` list names interests as well, so the feed drops those with it.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE cache_invalidations ADD COLUMN catalogue boolean NOT NULL DEFAULT false`
  yield* sql`
    CREATE FUNCTION connectbot_invalidate_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO cache_invalidations (catalogue) VALUES (true);
      PERFORM pg_notify('connectbot_cache', 'changed');
      RETURN NULL;
    END
    $$`
  yield* sql`
    CREATE TRIGGER interests_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON interests
    FOR EACH STATEMENT EXECUTE FUNCTION connectbot_invalidate_catalogue()`
})
