/** `tsx scripts/db.ts seed [--demo]`: adds the default reference data still missing (idempotent). */
import { Console, Effect, Option } from "effect"
import * as Seed from "../../db/Seed"
import { describeReferenceData, migrateAndReport } from "./Shared"

export const seed = (options: { readonly demo: boolean }) =>
  Effect.gen(function* () {
    // The migrations fill a new database's reference tables; seed adds the defaults still missing.
    const { referenceData } = yield* migrateAndReport
    const report = yield* Seed.seed(options)
    const migrated = Option.getOrElse(referenceData, () => ({
      interests: 0,
      departments: 0,
      businessCenters: 0,
    }))
    const added = {
      interests: migrated.interests + report.interests,
      departments: migrated.departments + report.departments,
      businessCenters: migrated.businessCenters + report.businessCenters,
    }
    yield* Console.log(
      `Seeded: ${describeReferenceData(added)} added` +
        (options.demo
          ? `; demo: ${report.demoEmployees} employees, ${report.demoActivities} activities added`
          : "") +
        " (existing rows are kept as they are).",
    )
  })
