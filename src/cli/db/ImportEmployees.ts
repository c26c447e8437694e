/** `tsx scripts/db.ts import-employees FILE.csv`: inserts or updates employees from HR's CSV. */
import { FileSystem } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Console, Effect, type Layer } from "effect"
import { ImportFileError } from "../../domain/Errors"
import { EmployeeRepo } from "../../employees/EmployeeRepo"
import { migrateAndReport, reportReferenceData } from "./Shared"

/** The file's text; a file that cannot be read fails before anything else happens. */
const readText = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs.readFile(path)
    return new TextDecoder().decode(bytes)
  }).pipe(
    Effect.mapError(
      (error) =>
        new ImportFileError({
          reason: `cannot read ${path}: ${
            error._tag === "SystemError" && error.reason === "NotFound"
              ? "no such file"
              : error._tag === "SystemError" && error.reason === "PermissionDenied"
                ? "permission denied"
                : ((error.cause as Error | undefined)?.message ?? error.message)
          }`,
        }),
    ),
  )

/** The exit code of an import whose good rows landed while some rows need fixing. */
export const ROWS_SKIPPED = 2

/**
 * Reads the file, then opens `database` (a parameter rather than a requirement, so that a file
 * that cannot be read does not even open the database), migrates and imports. Succeeds with the
 * exit code: 0, or `ROWS_SKIPPED`.
 */
export const importEmployees = <E, R>(
  path: string,
  database: Layer.Layer<EmployeeRepo | SqlClient.SqlClient, E, R>,
) =>
  Effect.gen(function* () {
    const text = yield* readText(path)
    const report = yield* Effect.gen(function* () {
      const { referenceData } = yield* migrateAndReport
      yield* reportReferenceData(referenceData)
      return yield* Effect.flatMap(EmployeeRepo, (repo) => repo.importEmployees(text))
    }).pipe(Effect.provide(database))
    yield* Console.log(
      `Imported ${path}: ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ${report.skipped.length} skipped.`,
    )
    for (const { line, reason } of report.skipped) yield* Console.log(`  line ${line}: ${reason}`)
    return report.skipped.length > 0 ? ROWS_SKIPPED : 0
  })
