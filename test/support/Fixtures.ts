import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { Cache } from "../../src/cache/Cache"
import { seed } from "../../src/db/Seed"
import { ActivityId, EmployeeId, InterestId, TelegramId } from "../../src/domain/Ids"
import type { ActivityStatus } from "../../src/domain/Models"
import { employeeKeys } from "../../src/employees/EmployeeKeys"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { InterestRepo } from "../../src/interests/InterestRepo"
import * as TestDatabase from "./TestDatabase"

/** A migrated, seeded database of its own with the plain repositories over it. */
export const RepoLive = Layer.mergeAll(
  EmployeeRepo.layer,
  InterestRepo.layer,
  ActivityRepo.layer,
).pipe(
  Layer.provideMerge(Layer.effectDiscard(seed({ demo: false }))),
  Layer.provideMerge(TestDatabase.migrated),
)

/** A short random token: tests own their data by making it unique. */
export const unique = (): string => randomBytes(4).toString("hex")

let nextTelegramId = Date.now() % 1_000_000_000
export const newTelegramId = (): TelegramId => TelegramId.make(++nextTelegramId)

export const insertEmployee = (fields: {
  readonly fullName?: string
  readonly username?: string | null
  readonly telegramId?: TelegramId | null
  readonly isActive?: boolean
  readonly departmentCode?: string
  readonly businessCenter?: string
}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tag = unique()
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO employees (full_name, email, telegram_username, telegram_id, is_active,
                             department_id, business_center_id, position)
      VALUES (
        ${fields.fullName ?? `Employee ${tag}`}, ${`e-${tag}@test.example`},
        ${fields.username ?? null}, ${fields.telegramId ?? null}, ${fields.isActive ?? true},
        (SELECT id FROM departments WHERE code = ${fields.departmentCode ?? null}),
        (SELECT id FROM business_centers WHERE name = ${fields.businessCenter ?? null}),
        'Tester'
      )
      RETURNING id`
    return EmployeeId.make(row?.id as number)
  })

/**
 * Deactivates (or reactivates) an employee as HR does, with SQL (docs/data-model.md); no part of
 * the bot does. Returns the row as it is now.
 */
export const setActive = (employeeId: EmployeeId, isActive: boolean) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // `telegram_id` is a bigint: `pg` returns it as a string.
    const [row] = yield* sql<{ id: number; telegramId: string | null; isActive: boolean }>`
      UPDATE employees SET is_active = ${isActive} WHERE id = ${employeeId}
      RETURNING id, telegram_id, is_active`
    if (row === undefined) return yield* Effect.dieMessage(`no employee ${employeeId}`)
    return row
  })

/**
 * `setActive`, and the employee's cached keys dropped at once, as the change feed does within a
 * second: what a test of the bot's refusal needs without waiting for the feed.
 */
export const setActiveAndDropKeys = (employeeId: EmployeeId, isActive: boolean) =>
  Effect.gen(function* () {
    const row = yield* setActive(employeeId, isActive)
    const telegramId = row.telegramId === null ? null : TelegramId.make(Number(row.telegramId))
    yield* (yield* Cache).ops.delete(employeeKeys(employeeId, telegramId))
    return row
  })

export const interestId = (code: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`SELECT id FROM interests WHERE code = ${code}`
    return InterestId.make(row?.id as number)
  })

export const insertActivity = (fields: {
  readonly title?: string
  readonly interestCode?: string
  readonly inHours?: number
  readonly status?: ActivityStatus
  readonly maxParticipants?: number | null
}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO activities (title, interest_id, scheduled_at, status, max_participants, location)
      VALUES (
        ${fields.title ?? `Activity ${unique()}`},
        (SELECT id FROM interests WHERE code = ${fields.interestCode ?? null}),
        now() + make_interval(hours => ${fields.inHours ?? 24}),
        ${fields.status ?? "scheduled"},
        ${fields.maxParticipants === undefined ? 10 : fields.maxParticipants},
        'Room 1'
      )
      RETURNING id`
    return ActivityId.make(row?.id as number)
  })
