/**
 * Database commands: `tsx scripts/db.ts migrate | seed [--demo] | import-employees FILE.csv`.
 * Without DATABASE_URL they work on the embedded database (./.data/pg).
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Layer, Option } from "effect"
import { runScript } from "../src/cli/Cli"
import { DatabaseConfig } from "../src/config"
import * as Database from "../src/db/Database"
import { migrateWithReferenceData, type ReferenceDataAdded, seed } from "../src/db/Seed"
import { ImportFileError } from "../src/domain/Errors"
import { EmployeeRepo } from "../src/employees/EmployeeRepo"

const DatabaseLive = Database.layer.pipe(Layer.provide(DatabaseConfig.layer))

/**
 * Applies pending migrations and says which (seed and import need the tables too). Returns what
 * the reference data migration added if it ran now: the callers say so, each in its own words.
 */
const migrateAndReport = Effect.gen(function* () {
  const { applied, referenceData } = yield* migrateWithReferenceData
  for (const [id, name] of applied) yield* Console.log(`Applied migration ${id}_${name}`)
  return { applied, referenceData }
})

const describeReferenceData = (added: ReferenceDataAdded) =>
  `${added.interests} interests, ${added.departments} departments, ${added.businessCenters} business centers`

/** One line when the migrations just gave empty reference tables their defaults. */
const reportReferenceData = (referenceData: Option.Option<ReferenceDataAdded>) =>
  Option.match(
    Option.filter(
      referenceData,
      (added) => added.interests + added.departments + added.businessCenters > 0,
    ),
    {
      onNone: () => Effect.void,
      onSome: (added) =>
        Console.log(`Added the default reference data: ${describeReferenceData(added)}.`),
    },
  )

const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function* () {
    const { applied, referenceData } = yield* migrateAndReport
    yield* reportReferenceData(referenceData)
    if (applied.length === 0) yield* Console.log("The database is up to date.")
  }).pipe(Effect.provide(DatabaseLive)),
).pipe(
  Command.withDescription(
    "Create or update the tables (safe to run again); empty reference tables get their defaults.",
  ),
)

const demo = Options.boolean("demo").pipe(
  Options.withDescription("Also add demo employees and a few upcoming activities."),
)

const seedCommand = Command.make("seed", { demo }, ({ demo }) =>
  Effect.gen(function* () {
    // The migrations fill a new database's reference tables; seed adds the defaults still missing.
    const { referenceData } = yield* migrateAndReport
    const report = yield* seed({ demo })
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
        (demo
          ? `; demo: ${report.demoEmployees} employees, ${report.demoActivities} activities added`
          : "") +
        " (existing rows are kept as they are).",
    )
  }).pipe(Effect.provide(DatabaseLive)),
).pipe(
  Command.withDescription(
    "Add the default interests, departments and business centers that are missing (idempotent).",
  ),
)

const file = Args.text({ name: "FILE.csv" }).pipe(
  Args.withDescription(
    "UTF-8 CSV with the header full_name,email,telegram_username,phone,department_code,business_center,position,hire_date",
  ),
)

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

const importCommand = Command.make("import-employees", { file }, ({ file: path }) =>
  Effect.gen(function* () {
    // Read first: a file that cannot be read does not even open the database.
    const text = yield* readText(path)
    const report = yield* Effect.gen(function* () {
      const { referenceData } = yield* migrateAndReport
      yield* reportReferenceData(referenceData)
      return yield* Effect.flatMap(EmployeeRepo, (repo) => repo.importEmployees(text))
    }).pipe(Effect.provide(EmployeeRepo.layer), Effect.provide(DatabaseLive))
    yield* Console.log(
      `Imported ${path}: ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ${report.skipped.length} skipped.`,
    )
    for (const { line, reason } of report.skipped) yield* Console.log(`  line ${line}: ${reason}`)
    // Exit code 2: the good rows landed, but some need fixing.
    if (report.skipped.length > 0) process.exitCode = 2
  }),
).pipe(
  Command.withDescription(
    "Insert or update employees from HR's CSV, keyed by email. Bad rows are reported by line and skipped.",
  ),
)

const db = Command.make("db").pipe(
  Command.withDescription("ConnectBot database commands."),
  Command.withSubcommands([migrate, seedCommand, importCommand]),
)

const cli = Command.run(db, { name: "tsx scripts/db.ts", version: "0.1.0" })

runScript(cli(process.argv))
