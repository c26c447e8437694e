/**
 * `tsx scripts/db.ts grant-admin | revoke-admin` as an operator runs them: the commands' Effects
 * in-process over the layers scripts/db.ts provides, judged by exit code, output and the rows
 * after; the script's command line in-process for `--help` (test/scripts/db.test.ts runs the
 * script in a process of its own). Each test owns a database.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import Pg from "pg"
import { AdminRepo } from "../../src/admins/AdminRepo"
import { noRoles, type Roles } from "../../src/admins/Roles"
import { cli } from "../../src/cli/db/Commands"
import * as GrantAdmin from "../../src/cli/db/GrantAdmin"
import * as RevokeAdmin from "../../src/cli/db/RevokeAdmin"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { runCliInProcess, runInProcess, type ScriptRun } from "../support/Scripts"
import { freshDatabase, migratedDatabase } from "../support/TestDatabase"

// The layers scripts/db.ts gives the commands, reading their settings from the run's own.
const AdminsLayer = AdminRepo.layer.pipe(
  Layer.provideMerge(Database.layer.pipe(Layer.provide(DatabaseConfig.layer))),
)

const command = {
  grant: (email: string, granted: Partial<Roles>) =>
    GrantAdmin.grantAdmin(email, { ...noRoles, ...granted }, AdminsLayer),
  revoke: (email: string) => RevokeAdmin.revokeAdmin(email).pipe(Effect.provide(AdminsLayer)),
}

const errorLines = (run: ScriptRun) =>
  run.stderr.split("\n").filter((line) => line.startsWith("Error:"))

const query = <A extends Record<string, unknown>>(url: string, text: string) =>
  Effect.promise(async () => {
    const client = new Pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query<A>(text)).rows
    } finally {
      await client.end()
    }
  })

/** A migrated database with Anna (active) and Ivan (inactive). */
const withEmployees = Effect.gen(function* () {
  const { url } = yield* migratedDatabase
  yield* query(
    url,
    `INSERT INTO employees (full_name, email, is_active) VALUES
       ('Anna Petrova', 'anna@example.com', true),
       ('Ivan Orlov', 'ivan@example.com', false)`,
  )
  return { DATABASE_URL: url }
})

describe.concurrent("tsx scripts/db.ts grant-admin | revoke-admin", () => {
  it.effect("--help lists both commands; grant-admin --help names its role flags", () =>
    Effect.gen(function* () {
      const [all, grant] = yield* Effect.all(
        [
          runCliInProcess(cli, "db.ts", ["--help"], {}),
          runCliInProcess(cli, "db.ts", ["grant-admin", "--help"], {}),
        ],
        { concurrency: 2 },
      )
      expect(all.code).toBe(0)
      expect(all.stdout).toContain("grant-admin")
      expect(all.stdout).toContain("revoke-admin")
      expect(grant.code).toBe(0)
      for (const flag of ["--super", "--activities", "--users", "--reports", "EMAIL"]) {
        expect(grant.stdout).toContain(flag)
      }
    }),
  )

  it.scoped("grant, grant again adding a role, revoke, revoke again: one line each", () =>
    Effect.gen(function* () {
      const settings = yield* withEmployees
      const first = yield* runInProcess(
        command.grant("Anna@Example.com", { viewReports: true }),
        settings,
      )
      expect(first).toMatchObject({ code: 0, stdout: "anna@example.com (Anna Petrova): reports\n" })

      const second = yield* runInProcess(
        command.grant("anna@example.com", { superAdmin: true, manageActivities: true }),
        settings,
      )
      expect(second).toMatchObject({
        code: 0,
        stdout: "anna@example.com (Anna Petrova): super admin, activities, reports\n",
      })

      const revoked = yield* runInProcess(command.revoke("anna@example.com"), settings)
      expect(revoked).toMatchObject({ code: 0, stdout: "anna@example.com is no longer an admin\n" })
      const again = yield* runInProcess(command.revoke("anna@example.com"), settings)
      expect(again).toMatchObject({
        code: 0,
        stdout: "anna@example.com was not an admin; nothing changed\n",
      })

      const audit = yield* query<{ action: string; subject: string; actor: number | null }>(
        settings.DATABASE_URL,
        "SELECT action, subject, actor_employee_id AS actor FROM audit_log ORDER BY id",
      )
      expect(audit).toEqual([
        { action: "admin.grant", subject: "anna@example.com", actor: null },
        { action: "admin.grant", subject: "anna@example.com", actor: null },
        { action: "admin.revoke", subject: "anna@example.com", actor: null },
      ])
      expect(yield* query(settings.DATABASE_URL, "SELECT * FROM bot_admins")).toEqual([])
    }),
  )

  it.scoped("an unknown email, an inactive employee, no role flag: exit 1, one line", () =>
    Effect.gen(function* () {
      const settings = yield* withEmployees
      const cases = [
        [
          command.grant("nobody@example.com", { superAdmin: true }),
          "No employee has the email nobody@example.com",
        ],
        [command.revoke("nobody@example.com"), "No employee has the email nobody@example.com"],
        [
          command.grant("ivan@example.com", { viewReports: true }),
          "ivan@example.com is an inactive employee (they cannot use the bot); reactivate them first",
        ],
        [
          command.grant("anna@example.com", {}),
          "name at least one role: --super, --activities, --users, --reports",
        ],
      ] as const
      for (const [run, line] of cases) {
        const result = yield* runInProcess(run, settings)
        expect(result.code).toBe(1)
        expect(errorLines(result)).toEqual([`Error: ${line}`])
        expect(result.stdout).toBe("")
      }
      expect(yield* query(settings.DATABASE_URL, "SELECT * FROM bot_admins")).toEqual([])
      expect(yield* query(settings.DATABASE_URL, "SELECT * FROM audit_log")).toEqual([])
    }),
  )

  it.scoped("grant-admin without a role flag fails before it opens the database", () =>
    Effect.gen(function* () {
      // A Postgres that does not answer: the missing flag is the only complaint.
      const run = yield* runInProcess(command.grant("anna@example.com", {}), {
        DATABASE_URL: "postgres://postgres@127.0.0.1:1/x",
      })
      expect(run.code).toBe(1)
      expect(errorLines(run)).toEqual([
        "Error: name at least one role: --super, --activities, --users, --reports",
      ])
    }),
  )

  it.scoped("grant-admin is the first command on a new database: it migrates first", () =>
    Effect.gen(function* () {
      const { url } = yield* freshDatabase
      const run = yield* runInProcess(command.grant("anna@example.com", { manageUsers: true }), {
        DATABASE_URL: url,
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain("Applied migration 7_organisers")
      expect(errorLines(run)).toEqual(["Error: No employee has the email anna@example.com"])
    }),
  )
})
