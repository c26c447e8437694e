import { access, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { cli } from "../../src/cli/db/Commands"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import { initialisedDataDir } from "../support/EmbeddedTemplate"
import { runCliInProcess, runScript, tempDir } from "../support/Scripts"
import * as TestDatabase from "../support/TestDatabase"

/** The tables and columns of DESIGN.md "Data": ops and HR query them by these names. */
const contract: Record<string, ReadonlyArray<string>> = {
  departments: ["id", "code", "name", "description", "is_active"],
  business_centers: ["id", "name", "address", "is_active"],
  employees: [
    "id",
    "full_name",
    "position",
    "department_id",
    "business_center_id",
    "email",
    "phone",
    "telegram_id",
    "telegram_username",
    "normalized_username",
    "is_active",
    "authorized",
    "hire_date",
    "birth_date",
    "last_activity",
    "created_at",
    "updated_at",
  ],
  interests: ["id", "code", "name", "emoji", "description", "is_active", "schedule_frequency"],
  employee_interests: [
    "employee_id",
    "interest_id",
    "is_active",
    "receive_notifications",
    "notification_frequency",
    "created_at",
    "updated_at",
  ],
  activities: [
    "id",
    "title",
    "activity_type",
    "interest_id",
    "description",
    "scheduled_at",
    "duration_minutes",
    "location",
    "status",
    "max_participants",
    "created_by",
    "created_at",
    "updated_at",
  ],
  activity_participants: [
    "activity_id",
    "employee_id",
    "status",
    "rating",
    "feedback",
    "invited_at",
    "responded_at",
    "attended_at",
  ],
  bot_admins: [
    "employee_id",
    "is_super_admin",
    "can_manage_users",
    "can_manage_activities",
    "can_view_reports",
  ],
  audit_log: ["id", "actor_employee_id", "action", "subject", "details", "at"],
  activity_waitlist: ["activity_id", "employee_id", "created_at", "offered_at", "offer_expires_at"],
}

/** Every migration, in order, as `migrate` reports the ones it applied. */
const allMigrations = Effect.map(Database.migrations, (all) =>
  all.map(([id, name]) => [id, name] as const),
).pipe(Effect.orDie)

const columnsOf = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ tableName: string; columnName: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public'`
  const tables = new Map<string, Array<string>>()
  for (const { tableName, columnName } of rows) {
    tables.set(tableName, [...(tables.get(tableName) ?? []), columnName])
  }
  return tables
})

const expectContract = Effect.gen(function* () {
  const tables = yield* columnsOf
  for (const [table, columns] of Object.entries(contract)) {
    expect(tables.get(table), table).toEqual(expect.arrayContaining([...columns]))
  }
})

/** Ops add rows with plain SQL: only identifying columns are required. */
const plainSqlInserts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [department] = yield* sql<{ id: number }>`
    INSERT INTO departments (code, name) VALUES ('OPS', 'Ops') RETURNING id`
  yield* sql`INSERT INTO business_centers (name) VALUES ('БЦ Тест')`
  const [employee] = yield* sql<{ id: number; normalizedUsername: string; isActive: boolean }>`
    INSERT INTO employees (full_name, email, telegram_username, department_id)
    VALUES ('Ops Person', ' Ops@Example.COM ', ' @Ops_Per-son.X ', ${department?.id ?? null})
    RETURNING id, normalized_username, is_active`
  expect(employee).toMatchObject({ normalizedUsername: "opspersonx", isActive: true })
  const [interest] = yield* sql<{ id: number }>`
    INSERT INTO interests (code, name) VALUES ('ops-test', 'Ops') RETURNING id`
  yield* sql`
    INSERT INTO employee_interests (employee_id, interest_id)
    VALUES (${employee?.id ?? null}, ${interest?.id ?? null})`
  const [activity] = yield* sql<{ id: number; status: string }>`
    INSERT INTO activities (title, scheduled_at) VALUES ('Ops meetup', now() + interval '1 day')
    RETURNING id, status`
  expect(activity?.status).toBe("scheduled")
  yield* sql`
    INSERT INTO activity_participants (activity_id, employee_id)
    VALUES (${activity?.id ?? null}, ${employee?.id ?? null})`
  yield* sql`INSERT INTO bot_admins (employee_id) VALUES (${employee?.id ?? null})`
  yield* sql`INSERT INTO audit_log (action) VALUES ('ops.note')`
  yield* sql`
    INSERT INTO activity_waitlist (activity_id, employee_id)
    VALUES (${activity?.id ?? null}, ${employee?.id ?? null})`
  // CHECK constraints keep the enumerations honest.
  const bad = yield* Effect.either(
    sql`INSERT INTO activities (title, scheduled_at, status) VALUES ('x', now(), 'postponed')`,
  )
  expect(bad._tag).toBe("Left")
})

describe("migrations on Postgres", () => {
  it.layer(TestDatabase.fresh)((it) => {
    it.effect("apply to an empty database, then are a no-op", () =>
      Effect.gen(function* () {
        expect(yield* Database.migrate).toEqual(yield* allMigrations)
        expect(yield* Database.migrate).toEqual([])
        yield* expectContract
        yield* plainSqlInserts
      }),
    )

    it.effect("create the indexes the queries need", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ indexdef: string }>`
          SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'`
        const defs = rows.map((row) => row.indexdef).join("\n")
        expect(defs).toMatch(/UNIQUE INDEX \S+ ON public\.employees USING btree \(telegram_id\)/)
        expect(defs).toMatch(/ON public\.employees USING btree \(normalized_username\)/)
        expect(defs).toMatch(/ON public\.employees USING btree \(is_active, authorized\)/)
        expect(defs).toMatch(/ON public\.activities USING btree \(status, scheduled_at\)/)
        expect(defs).toMatch(/UNIQUE INDEX \S+ ON public\.employees USING btree \(email\)/)
        expect(defs).toMatch(/ON public\.audit_log USING btree \(at\)/)
      }),
    )
  })
})

describe("processes starting together on a new Postgres database", () => {
  it.layer(TestDatabase.fresh)((it) => {
    it.effect("migrate once between them, and seed once", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const applied = yield* Effect.all(
          Array.from({ length: 4 }, () => Database.migrate),
          {
            concurrency: "unbounded",
          },
        )
        expect(applied.flat()).toEqual(yield* allMigrations)
        const seeded = yield* Effect.all(
          Array.from({ length: 3 }, () => seed({ demo: true })),
          { concurrency: "unbounded" },
        )
        expect(seeded.map((report) => report.demoActivities).sort()).toEqual([0, 0, 5])
        const [counts] = yield* sql<{ interests: number; activities: number }>`
          SELECT (SELECT count(*)::int FROM interests) AS interests,
                 (SELECT count(*)::int FROM activities) AS activities`
        expect(counts).toEqual({ interests: 9, activities: 5 })
        // The reference data came with the migrations, so the seeds had none to add.
        expect(seeded.map((report) => report.interests)).toEqual([0, 0, 0])
      }),
    )
  })
})

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

describe("the embedded database (PGlite)", () => {
  const embedded = (dir: string) =>
    Database.layer.pipe(
      Layer.provide(Layer.succeed(DatabaseConfig, { url: Option.none(), embeddedDir: dir })),
      Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
    )

  it.live(
    "is migrated on first use, with its reference data, and keeps its data between runs",
    () =>
      Effect.gen(function* () {
        const dir = join(yield* tempDir, "pg")
        // As PGlite's initdb leaves a new directory (test/support/EmbeddedTemplate.ts): a
        // directory made from nothing, parents and all, is the next test's.
        yield* initialisedDataDir(dir)

        const first = yield* Effect.gen(function* () {
          const applied = yield* Database.migrate
          const sql = yield* SqlClient.SqlClient
          const [reference] = yield* sql<Record<string, number>>`
            SELECT (SELECT count(*)::int FROM interests) AS interests,
                   (SELECT count(*)::int FROM departments) AS departments,
                   (SELECT count(*)::int FROM business_centers) AS business_centers`
          expect(reference).toEqual({ interests: 9, departments: 7, businessCenters: 4 })
          yield* expectContract
          yield* plainSqlInserts
          return applied
        }).pipe(Effect.provide(embedded(dir)))
        expect(first).toEqual(yield* allMigrations)

        const second = yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const applied = yield* Database.migrate
          const rows = yield* sql<{ email: string }>`SELECT email FROM employees`
          return { applied, emails: rows.map((row) => row.email) }
        }).pipe(Effect.provide(embedded(dir)))
        expect(second).toEqual({ applied: [], emails: ["ops@example.com"] })
      }).pipe(Effect.scoped),
  )

  // `tsx scripts/db.ts seed` as an operator runs it without DATABASE_URL, twice at once. A process
  // joining another's database while it runs is test/bot/Start.e2e.test.ts's (the importer).
  it.live("two processes starting together on a new directory both succeed", () =>
    Effect.gen(function* () {
      // Its parent too is new: the script makes both.
      const dir = join(yield* tempDir, "data", "pg")
      // An empty DATABASE_URL counts as absent and keeps one from a local .env out.
      const settings = { EMBEDDED_DATABASE_DIR: dir, DATABASE_URL: "" }
      const runs = yield* Effect.all(
        [runScript("db.ts", ["seed"], settings), runScript("db.ts", ["seed", "--demo"], settings)],
        { concurrency: "unbounded" },
      )
      expect(runs.map((run) => run.code)).toEqual([0, 0])
      // One of them migrated, and says so with the reference data that came with it.
      const said = runs.map((run) => ({
        migrated: run.stdout.includes("Applied migration 1_initial"),
        added: run.stdout.includes("9 interests, 7 departments, 4 business centers added"),
        addedNothing: run.stdout.includes("0 interests, 0 departments, 0 business centers added"),
      }))
      expect(said.filter((run) => run.migrated && run.added && !run.addedNothing)).toHaveLength(1)
      expect(said.filter((run) => !run.migrated && !run.added && run.addedNothing)).toHaveLength(1)

      // Their locks went with them: the script's command line opens the directory again, and
      // finds nothing to migrate or add.
      const again = yield* runCliInProcess(cli, "db.ts", ["seed", "--demo"], settings)
      expect(again.code).toBe(0)
      expect(again.stdout).not.toContain("Applied migration")
      expect(again.stdout).toContain(
        "0 interests, 0 departments, 0 business centers added; demo: 0 employees, 0 activities added",
      )
      const counts = yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ interests: number; employees: number }>`
          SELECT (SELECT count(*)::int FROM interests) AS interests,
                 (SELECT count(*)::int FROM employees) AS employees`
      }).pipe(Effect.provide(embedded(dir)))
      expect(counts).toEqual([{ interests: 9, employees: 5 }])
    }).pipe(Effect.scoped),
  )

  it.live("takes over a lock left by a process that died, or by an earlier self", () =>
    Effect.gen(function* () {
      const dir = join(yield* tempDir, "pg")
      yield* initialisedDataDir(dir)
      // A pid above Linux's largest (no such process), and our own pid from a previous life
      // (a container's pid 1 after a restart).
      for (const pid of [2 ** 22 + 12345, process.pid]) {
        yield* Effect.promise(() => writeFile(`${dir}.lock`, JSON.stringify({ pid, port: 1 })))
        const applied = yield* Database.migrate.pipe(Effect.provide(embedded(dir)))
        expect(applied.length).toBeLessThanOrEqual((yield* allMigrations).length)
        expect(yield* Effect.promise(() => exists(`${dir}.lock`))).toBe(false)
      }
    }).pipe(Effect.scoped),
  )
})
