/**
 * `tsx scripts/db.ts` as an operator runs it, judged by its exit code, by what it prints and by
 * what is in the database after. A child process for what only a process of its own shows (the
 * script's exit codes, the embedded database's lock on its directory); the script's command line
 * (src/cli/db/Commands.ts) or a command's Effect run in-process over the same layers for the rest
 * (help, usage errors), which spares seconds of tsx start-up a run. Each test owns a fresh
 * database; the tests go concurrently.
 */
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import Pg from "pg"
import { cli } from "../../src/cli/db/Commands"
import * as ImportEmployees from "../../src/cli/db/ImportEmployees"
import * as Migrate from "../../src/cli/db/Migrate"
import * as Seed from "../../src/cli/db/Seed"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import {
  runCliInProcess,
  runInProcess,
  runScript,
  type ScriptRun,
  tempDir,
} from "../support/Scripts"
import { freshDatabase } from "../support/TestDatabase"

type Run = ScriptRun

/**
 * Every run costs seconds of CPU (tsx start-up, PGlite). The tests run concurrently and share
 * these slots: enough to keep the cores busy, few enough that no run comes near its time limit.
 */
const slots = Effect.unsafeMakeSemaphore(2)

const db = (args: ReadonlyArray<string>, settings: Record<string, string>) =>
  slots.withPermits(1)(runScript("db.ts", args, settings))

/** The script's command line in-process: parsing, help and usage errors as the script has them. */
const dbInProcess = (args: ReadonlyArray<string>, settings: Record<string, string>) =>
  runCliInProcess(cli, "db.ts", args, settings)

// The layers scripts/db.ts gives the commands, reading their settings from the run's own.
const DatabaseLayer = Database.layer.pipe(Layer.provide(DatabaseConfig.layer))

/** The commands, each over the layers scripts/db.ts provides. */
const command = {
  migrate: Migrate.migrate.pipe(Effect.provide(DatabaseLayer)),
  seed: (demo: boolean) => Seed.seed({ demo }).pipe(Effect.provide(DatabaseLayer)),
  importEmployees: (file: string) =>
    ImportEmployees.importEmployees(
      file,
      EmployeeRepo.layer.pipe(Layer.provideMerge(DatabaseLayer)),
    ),
}

const errorLines = (run: Run) => run.stderr.split("\n").filter((line) => line.startsWith("Error:"))

const counts = (url: string) =>
  Effect.promise(async () => {
    const client = new Pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<Record<string, string>>(`
        SELECT (SELECT count(*) FROM interests) AS interests,
               (SELECT count(*) FROM departments) AS departments,
               (SELECT count(*) FROM business_centers) AS business_centers,
               (SELECT count(*) FROM employees) AS employees,
               (SELECT count(*) FROM activities) AS activities`)
      return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]))
    } finally {
      await client.end()
    }
  })

describe.concurrent("tsx scripts/db.ts", () => {
  it.effect("--help lists every command", () =>
    Effect.gen(function* () {
      const run = yield* dbInProcess(["--help"], {})
      expect(run.code).toBe(0)
      for (const command of [
        "migrate",
        "seed",
        "import-employees",
        "grant-admin",
        "revoke-admin",
      ]) {
        expect(run.stdout).toContain(command)
      }
    }),
  )

  it.effect("an unknown command fails and names the ones there are", () =>
    Effect.gen(function* () {
      const run = yield* dbInProcess(["migrat"], {})
      expect(run.code).not.toBe(0)
      expect(run.stdout + run.stderr).toContain("migrate")
    }),
  )

  it.effect("a DATABASE_URL that is not Postgres: exit 1, one line naming it, no password", () =>
    Effect.gen(function* () {
      const run = yield* runInProcess(command.migrate, {
        DATABASE_URL: "mysql://user:secretpw@h/db",
      })
      expect(run.code).toBe(1)
      const errors = errorLines(run)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain("DATABASE_URL")
      expect(run.stdout + run.stderr).not.toContain("secretpw")
    }),
  )

  it.effect("a Postgres that does not answer: exit 1, one database error line", () =>
    Effect.gen(function* () {
      // A child process: migrate's run as the script parses, opens and exits.
      const run = yield* db(["migrate"], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" })
      expect(run.code).toBe(1)
      const errors = errorLines(run)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/^Error: Database error: \S/)
    }),
  )

  it.scoped(
    "migrate applies the schema with its reference data once, then says it is up to date",
    () =>
      Effect.gen(function* () {
        const { url } = yield* freshDatabase
        const first = yield* runInProcess(command.migrate, { DATABASE_URL: url })
        expect(first.code).toBe(0)
        expect(first.stdout).toContain("Applied migration 1_initial")
        expect(first.stdout).toContain("Applied migration 4_reference_data")
        expect(first.stdout).toContain(
          "Added the default reference data: 9 interests, 7 departments, 4 business centers.",
        )
        const migrated = yield* counts(url)
        expect(migrated).toEqual({
          interests: 9,
          departments: 7,
          business_centers: 4,
          employees: 0,
          activities: 0,
        })
        const second = yield* runInProcess(command.migrate, { DATABASE_URL: url })
        expect(second.code).toBe(0)
        expect(second.stdout).not.toContain("Applied migration")
        expect(second.stdout).not.toContain("reference data")
        expect(second.stdout).toContain("up to date")
        expect(yield* counts(url)).toEqual(migrated)
      }),
  )

  it.scoped("seed --demo adds the catalogue once; a second run adds nothing", () =>
    Effect.gen(function* () {
      const { url } = yield* freshDatabase
      const first = yield* runInProcess(command.seed(true), { DATABASE_URL: url })
      expect(first.code).toBe(0)
      expect(first.stdout).toContain("9 interests, 7 departments, 4 business centers added")
      const seeded = yield* counts(url)
      expect(seeded).toMatchObject({ interests: 9, departments: 7, business_centers: 4 })
      expect(seeded.employees).toBeGreaterThan(0)
      expect(seeded.activities).toBeGreaterThan(0)

      const second = yield* runInProcess(command.seed(true), { DATABASE_URL: url })
      expect(second.code).toBe(0)
      expect(second.stdout).toContain(
        "0 interests, 0 departments, 0 business centers added; demo: 0 employees, 0 activities added",
      )
      expect(yield* counts(url)).toEqual(seeded)
    }),
  )

  it.scoped(
    "import-employees as the first command on a new database lands the good rows, with their departments and business centers, and names the line of a bad one (exit 2)",
    () =>
      Effect.gen(function* () {
        const { url } = yield* freshDatabase
        const dir = yield* tempDir
        const file = Path.join(dir, "employees.csv")
        yield* Effect.promise(() =>
          Fs.writeFile(
            file,
            [
              "full_name,email,telegram_username,phone,department_code,business_center,position,hire_date",
              "Ольга Иванова,olga.ivanova@example.com,olga_iv,,IT,БЦ Око,Аналитик,2023-04-01",
              "Пётр Сидоров,,petr_s,,SALES,,Инженер,2022-01-10",
              "Кира Орлова,kira.orlova@example.com,,,marketing,БЦ Москва-Сити,Дизайнер,",
            ].join("\n"),
          ),
        )
        // A child process: exit code 2 is the script's, from what the command returns.
        const run = yield* db(["import-employees", file], { DATABASE_URL: url })
        expect(run.code).toBe(2)
        expect(run.stdout).toContain("2 inserted")
        expect(run.stdout).toMatch(/line 3\b.*no email/)
        expect(run.stdout).not.toMatch(/line [124]\b/)
        expect(yield* counts(url)).toMatchObject({
          interests: 9,
          departments: 7,
          business_centers: 4,
          employees: 2,
        })
      }),
  )

  it.scoped(
    "import-employees of a file that does not exist: exit 1, one line, no tables made",
    () =>
      Effect.gen(function* () {
        const { url } = yield* freshDatabase
        const dir = yield* tempDir
        const missing = Path.join(dir, "nowhere.csv")
        const run = yield* runInProcess(command.importEmployees(missing), { DATABASE_URL: url })
        expect(run.code).toBe(1)
        expect(errorLines(run)).toEqual([`Error: cannot read ${missing}: no such file`])
        // The file is read before the database is touched.
        const tables = yield* Effect.promise(async () => {
          const client = new Pg.Client({ connectionString: url })
          await client.connect()
          try {
            const { rows } = await client.query(
              "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
            )
            return rows[0]?.n
          } finally {
            await client.end()
          }
        })
        expect(tables).toBe(0)
      }),
  )
  // Without DATABASE_URL, on the embedded database: test/db/migrations.test.ts (two processes
  // running seed and seed --demo at once on a new directory, then the command line in-process).
})
