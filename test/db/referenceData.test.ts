/**
 * Reference data (interests, departments, business centers) exists whenever the schema does,
 * whoever migrated: the bot, `db.ts migrate`, `seed` or `import-employees`.
 */
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgMigrator } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Option } from "effect"
import { prepareDatabase } from "../../src/App"
import * as Database from "../../src/db/Database"
import {
  defaultBusinessCenters,
  defaultDepartments,
  defaultInterests,
  migrateWithReferenceData,
} from "../../src/db/Seed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import * as TestDatabase from "../support/TestDatabase"

/** Applies the migrations up to `last` only: a database as an older release left it. */
const migrateUpTo = (last: number) =>
  PgMigrator.run({
    loader: Effect.map(Database.migrations, (all) => all.filter(([id]) => id <= last)),
  }).pipe(Effect.provide(NodeContext.layer))

const referenceData = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const interests = yield* sql<{ code: string }>`SELECT code FROM interests ORDER BY id`
  const departments = yield* sql<{ code: string }>`SELECT code FROM departments ORDER BY id`
  const businessCenters = yield* sql<{
    name: string
  }>`SELECT name FROM business_centers ORDER BY id`
  return {
    interests: interests.map((row) => row.code),
    departments: departments.map((row) => row.code),
    businessCenters: businessCenters.map((row) => row.name),
  }
})

const defaults = {
  interests: defaultInterests.map((interest) => interest.code),
  departments: defaultDepartments.map((department) => department.code),
  businessCenters: [...defaultBusinessCenters],
}

/** HR's own catalogue of departments: the defaults gone, one of theirs. */
const curateDepartments = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DELETE FROM departments`
  yield* sql`INSERT INTO departments (code, name) VALUES ('FINANCE', 'Финансы')`
})

describe("reference data", () => {
  it.effect(
    "import-employees on a new database, before anything else ran, imports rows with departments and business centers",
    () =>
      Effect.gen(function* () {
        // What `db.ts import-employees` does: migrate, then import.
        yield* Database.migrate
        const report = yield* Effect.flatMap(EmployeeRepo, (repo) =>
          repo.importEmployees(
            [
              "full_name,email,telegram_username,phone,department_code,business_center,position,hire_date",
              "Ольга Иванова,olga.ivanova@example.com,olga_iv,,IT,БЦ Око,Аналитик,2023-04-01",
              "Пётр Сидоров,petr.sidorov@example.com,petr_s,,sales,БЦ Москва-Сити,Инженер,2022-01-10",
            ].join("\n"),
          ),
        ).pipe(Effect.provide(EmployeeRepo.layer))
        expect(report.skipped).toEqual([])
        expect(report.inserted).toBe(2)
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ email: string; code: string; name: string }>`
          SELECT e.email, d.code, b.name FROM employees e
          JOIN departments d ON d.id = e.department_id
          JOIN business_centers b ON b.id = e.business_center_id
          ORDER BY e.email`
        expect(rows).toEqual([
          { email: "olga.ivanova@example.com", code: "IT", name: "БЦ Око" },
          { email: "petr.sidorov@example.com", code: "SALES", name: "БЦ Москва-Сити" },
        ])
      }).pipe(Effect.provide(TestDatabase.fresh)),
  )

  it.effect("a database only migrated has the default reference data, once", () =>
    Effect.gen(function* () {
      yield* Database.migrate
      expect(yield* referenceData).toEqual(defaults)
      expect(yield* Database.migrate).toEqual([])
      expect(yield* referenceData).toEqual(defaults)
    }).pipe(Effect.provide(TestDatabase.fresh)),
  )

  it.effect(
    "a database at migration 2 that was never seeded gets the reference data on its next migrate",
    () =>
      Effect.gen(function* () {
        yield* migrateUpTo(2)
        expect(yield* referenceData).toEqual({
          interests: [],
          departments: [],
          businessCenters: [],
        })
        const { applied, referenceData: added } = yield* migrateWithReferenceData
        expect(applied).toContainEqual([4, "reference_data"])
        expect(applied.every(([id]) => id > 2)).toBe(true)
        expect(added).toEqual(Option.some({ interests: 9, departments: 7, businessCenters: 4 }))
        expect(yield* referenceData).toEqual(defaults)
      }).pipe(Effect.provide(TestDatabase.fresh)),
  )

  it.effect(
    "a departments table HR filled before the reference data migration ran is kept as it is",
    () =>
      Effect.gen(function* () {
        yield* migrateUpTo(2)
        yield* curateDepartments
        const { referenceData: added } = yield* migrateWithReferenceData
        expect(added).toEqual(Option.some({ interests: 9, departments: 0, businessCenters: 4 }))
        expect(yield* referenceData).toEqual({ ...defaults, departments: ["FINANCE"] })
      }).pipe(Effect.provide(TestDatabase.fresh)),
  )

  it.effect("a departments table HR curated afterwards is kept as it is by later migrates", () =>
    Effect.gen(function* () {
      yield* Database.migrate
      yield* curateDepartments
      yield* Database.migrate
      expect(yield* referenceData).toEqual({ ...defaults, departments: ["FINANCE"] })
    }).pipe(Effect.provide(TestDatabase.fresh)),
  )

  it.effect("processes migrating a new database together: one of them adds it, and says so", () =>
    Effect.gen(function* () {
      const runs = yield* Effect.all(
        Array.from({ length: 3 }, () => migrateWithReferenceData),
        { concurrency: "unbounded" },
      )
      expect(runs.flatMap((run) => Option.toArray(run.referenceData))).toEqual([
        { interests: 9, departments: 7, businessCenters: 4 },
      ])
      expect(yield* referenceData).toEqual(defaults)
      // Later migrates (nothing to apply) report nothing.
      expect((yield* migrateWithReferenceData).referenceData).toEqual(Option.none())
    }).pipe(Effect.provide(TestDatabase.fresh)),
  )

  it.effect("the bot's start on a database never seeded says what it added, once", () =>
    Effect.gen(function* () {
      yield* migrateUpTo(2)
      const lines: Array<string> = []
      const collect = Logger.add(
        Logger.make(({ message }) => {
          lines.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
        }),
      )
      // (The test database keeps the log to warnings.)
      const start = prepareDatabase.pipe(
        Logger.withMinimumLogLevel(LogLevel.Info),
        Effect.provide(collect),
      )
      yield* start
      yield* start
      expect(lines.filter((line) => line.includes("seeded"))).toEqual([
        "Database: seeded 9 interests, 7 departments and 4 business centers into the tables that were empty",
      ])
      expect(yield* referenceData).toEqual(defaults)
    }).pipe(Effect.provide(TestDatabase.fresh)),
  )
})
