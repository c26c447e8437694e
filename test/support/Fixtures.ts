import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { seed } from "../../src/db/Seed"
import { ActivityId, EmployeeId, InterestId, TelegramId } from "../../src/domain/Ids"
import type { ActivityStatus } from "../../src/domain/Models"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import * as TestDatabase from "./TestDatabase"

/** A migrated, seeded database of its own with the EmployeeRepo over it. */
export const RepoLive = EmployeeRepo.Default.pipe(
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
