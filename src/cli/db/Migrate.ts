/** `tsx scripts/db.ts migrate`: creates or updates the tables; empty reference tables get their defaults. */
import { Console, Effect } from "effect"
import { migrateAndReport, reportReferenceData } from "./Shared"

export const migrate = Effect.gen(function* () {
  const { applied, referenceData } = yield* migrateAndReport
  yield* reportReferenceData(referenceData)
  if (applied.length === 0) yield* Console.log("The database is up to date.")
})
