/**
 * The drill's data: employees for the simulated users (half linked to their Telegram account
 * already, half to be linked by their username on their first /start), activities with a few
 * places each so that joins race for the last one, and the reads every check is made against —
 * what the database holds, never what the bot says about it.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { seededRandom } from "../bench/Report"
import * as Database from "../src/db/Database"
import { seed } from "../src/db/Seed"
import { databaseAt } from "../test/support/DatabaseAt"

/** The app's own Database layer (PgClient + SqlClient) over the private Postgres. */
export const databaseLayer = databaseAt

export type Db = SqlClient.SqlClient

export type Role = "load" | "deactivated" | "writer" | "idle" | "redelivery" | "forger" | "prober"

export interface Person {
  readonly index: number
  readonly role: Role
  readonly employeeId: number
  readonly telegramId: number
  readonly username: string
  readonly firstName: string
  readonly languageCode: "en" | "ru"
  /** Linked by Telegram id from the start; else by username at the first /start. */
  readonly linked: boolean
}

export interface ActivityRow {
  readonly id: number
  readonly title: string
  readonly max: number | null
}

export interface Seeded {
  readonly people: ReadonlyArray<Person>
  readonly activities: ReadonlyArray<ActivityRow>
  readonly interestIds: ReadonlyArray<number>
}

const telegramIdBase = 8_100_000_000

/** Migrates and seeds as the app does, then adds the drill's employees and activities. */
export const prepare = (plan: {
  readonly seed: number
  readonly load: number
  readonly roles: ReadonlyArray<readonly [Role, number]>
}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* Database.migrate
    yield* seed({ demo: false })
    const random = seededRandom(plan.seed)
    const interestRows = yield* sql<{ id: number }>`
      SELECT id FROM interests WHERE is_active ORDER BY id`
    const interestIds = interestRows.map((row) => row.id)
    const departments = (yield* sql<{ id: number }>`SELECT id FROM departments ORDER BY id`).map(
      (row) => row.id,
    )
    const offices = (yield* sql<{ id: number }>`SELECT id FROM business_centers ORDER BY id`).map(
      (row) => row.id,
    )

    const roles: Array<Role> = [
      ...Array.from({ length: plan.load }, () => "load" as const),
      ...plan.roles.flatMap(([role, count]) => Array.from({ length: count }, () => role)),
    ]
    const people: Array<Person> = []
    for (const [index, role] of roles.entries()) {
      const telegramId = telegramIdBase + index
      const username = `drill_user_${index}`
      // Load users: every other one is linked already; a tenth speak Russian. Scenario users are
      // linked English speakers, so that their checks read one catalogue.
      const linked = role !== "load" || index % 2 === 0
      const languageCode = role === "load" && index % 10 === 3 ? "ru" : "en"
      const pick = <A>(items: ReadonlyArray<A>): A | null =>
        items.length === 0 ? null : (items[Math.floor(random() * items.length)] ?? null)
      const [row] = yield* sql<{ id: number }>`
        INSERT INTO employees (full_name, email, telegram_username, telegram_id, position,
                               department_id, business_center_id, hire_date, authorized)
        VALUES (${`Drill User ${index}`}, ${`drill-${index}@drill.connectbot.example`},
                ${username}, ${linked ? telegramId : null}, 'Engineer',
                ${pick(departments)}, ${pick(offices)}, date '2021-01-01' + ${index % 1000}::int,
                ${linked})
        RETURNING id`
      const employeeId = row?.id as number
      const initial = interestIds.filter(() => random() < 0.2)
      for (const interestId of initial) {
        yield* sql`
          INSERT INTO employee_interests (employee_id, interest_id)
          VALUES (${employeeId}, ${interestId})`
      }
      people.push({
        index,
        role,
        employeeId,
        telegramId,
        username,
        firstName: `User${index}`,
        languageCode,
        linked,
      })
    }

    // Few places each, so that joins race for the last one; every activity well in the future.
    const places = [2, 3, 4, 5, 6, 3, 4, 8]
    const activities: Array<ActivityRow> = []
    for (const [k, max] of places.entries()) {
      const title = `Drill meetup ${k + 1}`
      const [row] = yield* sql<{ id: number }>`
        INSERT INTO activities (title, interest_id, scheduled_at, status, max_participants,
                                location, duration_minutes)
        VALUES (${title}, ${interestIds[k % Math.max(1, interestIds.length)] ?? null},
                now() + make_interval(hours => ${24 + k * 6}), 'scheduled', ${max},
                ${`Room ${k + 1}`}, 60)
        RETURNING id`
      activities.push({ id: row?.id as number, title, max })
    }
    yield* sql`ANALYZE`
    const seeded: Seeded = { people, activities, interestIds }
    return seeded
  })

// -- what the database holds ----------------------------------------------------------------

/** Active interests of every employee, by employee id. */
export const activeInterests = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ employeeId: number; interestId: number }>`
    SELECT employee_id, interest_id FROM employee_interests WHERE is_active`
  const byEmployee = new Map<number, Set<number>>()
  for (const row of rows) {
    const set = byEmployee.get(row.employeeId) ?? new Set<number>()
    set.add(row.interestId)
    byEmployee.set(row.employeeId, set)
  }
  return byEmployee
})

/** Who holds a place in each activity (status confirmed or attended), by activity id. */
export const participants = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ activityId: number; employeeId: number }>`
    SELECT activity_id, employee_id FROM activity_participants
    WHERE status IN ('confirmed', 'attended')`
  const byActivity = new Map<number, Set<number>>()
  for (const row of rows) {
    const set = byActivity.get(row.activityId) ?? new Set<number>()
    set.add(row.employeeId)
    byActivity.set(row.activityId, set)
  }
  return byActivity
})

export interface Capacity {
  readonly id: number
  readonly title: string
  readonly max: number | null
  readonly taken: number
}

export const capacity = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<Capacity>`
    SELECT a.id, a.title, a.max_participants AS max,
           (count(p.employee_id) FILTER (WHERE p.status IN ('confirmed', 'attended')))::int AS taken
    FROM activities a LEFT JOIN activity_participants p ON p.activity_id = a.id
    GROUP BY a.id ORDER BY a.id`
})

export const isActive = (employeeId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ isActive: boolean }>`
      SELECT is_active FROM employees WHERE id = ${employeeId}`
    return row?.isActive ?? false
  })

/** `receive_notifications` of the employee's interest rows, by interest id. */
export const notifications = (employeeId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ interestId: number; receiveNotifications: boolean }>`
      SELECT interest_id, receive_notifications FROM employee_interests
      WHERE employee_id = ${employeeId}`
    return new Map(rows.map((row) => [row.interestId, row.receiveNotifications]))
  })

/** Everything one employee's actions can change, as one comparable string. */
export const footprint = (employeeId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const interests = yield* sql<{ interestId: number; isActive: boolean; receive: boolean }>`
      SELECT interest_id, is_active, receive_notifications AS receive FROM employee_interests
      WHERE employee_id = ${employeeId} ORDER BY interest_id`
    const places = yield* sql<{ activityId: number; status: string }>`
      SELECT activity_id, status FROM activity_participants
      WHERE employee_id = ${employeeId} ORDER BY activity_id`
    return JSON.stringify({ interests, places })
  })

export const serverVersion = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ version: string }>`SELECT current_setting('server_version') AS version`
  return row?.version ?? "unknown"
})
