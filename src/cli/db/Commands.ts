/**
 * Database commands: `tsx scripts/db.ts migrate | seed [--demo] | import-employees FILE.csv |
 * grant-admin EMAIL [--super] [--activities] [--users] [--reports] | revoke-admin EMAIL`.
 * Without DATABASE_URL they work on the embedded database (./.data/pg). Each command is an Effect
 * over the database (src/cli/db/); the layers are provided here.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer } from "effect"
import { AdminRepo } from "../../admins/AdminRepo"
import { DatabaseConfig } from "../../config"
import * as Database from "../../db/Database"
import { EmployeeRepo } from "../../employees/EmployeeRepo"
import { commandLine } from "../CommandLine"
import * as GrantAdmin from "./GrantAdmin"
import * as ImportEmployees from "./ImportEmployees"
import * as Migrate from "./Migrate"
import * as RevokeAdmin from "./RevokeAdmin"
import * as Seed from "./Seed"

const DatabaseLive = Database.layer.pipe(Layer.provide(DatabaseConfig.layer))

const migrate = Command.make("migrate", {}, () =>
  Migrate.migrate.pipe(Effect.provide(DatabaseLive)),
).pipe(
  Command.withDescription(
    "Create or update the tables (safe to run again); empty reference tables get their defaults.",
  ),
)

const demo = Options.boolean("demo").pipe(
  Options.withDescription("Also add demo employees and a few upcoming activities."),
)

const seed = Command.make("seed", { demo }, ({ demo }) =>
  Seed.seed({ demo }).pipe(Effect.provide(DatabaseLive)),
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

const importEmployees = Command.make("import-employees", { file }, ({ file }) =>
  ImportEmployees.importEmployees(
    file,
    EmployeeRepo.layer.pipe(Layer.provideMerge(DatabaseLive)),
  ).pipe(
    Effect.flatMap((exitCode) =>
      Effect.sync(() => {
        process.exitCode = exitCode
      }),
    ),
  ),
).pipe(
  Command.withDescription(
    "Insert or update employees from HR's CSV, keyed by email. Bad rows are reported by line and skipped.",
  ),
)

const AdminsLive = AdminRepo.layer.pipe(Layer.provideMerge(DatabaseLive))

const email = Args.text({ name: "EMAIL" }).pipe(
  Args.withDescription("The employee's email, as in employees.email (case does not matter)."),
)

const role = (name: string, description: string) =>
  Options.boolean(name).pipe(Options.withDescription(description))

const grantAdmin = Command.make(
  "grant-admin",
  {
    email,
    superAdmin: role("super", "Super admin: every role, and granting roles in the bot."),
    activities: role("activities", "Create, edit and cancel activities."),
    users: role("users", "Manage employees."),
    reports: role("reports", "View reports."),
  },
  ({ email, superAdmin, activities, users, reports }) =>
    GrantAdmin.grantAdmin(
      email,
      { superAdmin, manageActivities: activities, manageUsers: users, viewReports: reports },
      AdminsLive,
    ),
).pipe(
  Command.withDescription(
    "Give an active employee admin roles (at least one flag); roles they hold stay. Audited.",
  ),
)

const revokeAdmin = Command.make("revoke-admin", { email }, ({ email }) =>
  RevokeAdmin.revokeAdmin(email).pipe(Effect.provide(AdminsLive)),
).pipe(Command.withDescription("Take every admin role from an employee. Audited."))

const db = Command.make("db").pipe(
  Command.withDescription("ConnectBot database commands."),
  Command.withSubcommands([migrate, seed, importEmployees, grantAdmin, revokeAdmin]),
)

/**
 * The command line, parsed from `argv` as Node gives it (the first two are the runtime and the
 * script). Kept apart from the script so that tests run the very same parsing and help in-process.
 */
export const cli = commandLine(db, { name: "tsx scripts/db.ts", version: "0.1.0" })
