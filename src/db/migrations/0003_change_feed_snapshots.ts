import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The change feed reads `cache_invalidations` by commit, not by id. Ids are taken when a row is
 * inserted, but a transaction may commit long after one that took a later id (an import, HR's
 * `BEGIN … COMMIT` in psql): a reader that moved past the later id would never read the earlier
 * one. Each row now records the transaction that wrote it, and readers ask Postgres which
 * transactions committed between two snapshots (see ChangeFeed.ts).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE cache_invalidations
    ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()`
  yield* sql`CREATE INDEX cache_invalidations_txid ON cache_invalidations (txid)`
})
