import { SqlClient } from "@effect/sql"
import { Effect, FiberRef, Option } from "effect"
import { migrate, SEED_LOCK } from "./Database"
import {
  defaultBusinessCenters,
  defaultDepartments,
  defaultInterests,
  type ReferenceDataAdded,
  referenceDataAdded,
} from "./migrations/0004_reference_data"
import { defaultMatching } from "./migrations/0006_rounds"
import { orDatabaseError } from "./SqlErrors"

export { defaultBusinessCenters, defaultDepartments, defaultInterests, type ReferenceDataAdded }

/**
 * `Database.migrate`, and what the migration 0004_reference_data added to the reference tables
 * when it ran in this call (`None` when it had run before): a new database gets the defaults
 * whoever migrates it, and this says so to the one who did.
 */
export const migrateWithReferenceData = Effect.gen(function* () {
  const applied = yield* migrate
  const referenceData = yield* FiberRef.get(referenceDataAdded)
  return { applied, referenceData }
}).pipe(Effect.locally(referenceDataAdded, Option.none()))

/** Every demo employee's email is at this domain (the playground lists them first). */
export const demoEmailDomain = "demo.connectbot.example"

const demoEmployees = [
  {
    fullName: "Анна Смирнова",
    email: "anna.smirnova@demo.connectbot.example",
    telegramUsername: "demo_anna",
    department: "HR",
    office: "БЦ Москва-Сити",
    position: "HR-менеджер",
    interests: ["coffee", "walk", "clubs"],
  },
  {
    fullName: "Иван Петров",
    email: "ivan.petrov@demo.connectbot.example",
    telegramUsername: "demo_ivan",
    department: "DEVELOPMENT",
    office: "БЦ Око",
    position: "Разработчик",
    interests: ["chess", "pingpong", "games"],
  },
  {
    fullName: "Мария Козлова",
    email: "maria.kozlova@demo.connectbot.example",
    telegramUsername: "demo_maria",
    department: "MARKETING",
    office: "БЦ Федерация",
    position: "Маркетолог",
    interests: ["photo", "coffee", "masterclass"],
  },
  {
    fullName: "Дмитрий Волков",
    email: "dmitry.volkov@demo.connectbot.example",
    telegramUsername: "demo_dmitry",
    department: "SALES",
    office: "БЦ Гринвич",
    position: "Менеджер по продажам",
    interests: ["lunch", "pingpong"],
  },
  {
    fullName: "Елена Новикова",
    email: "elena.novikova@demo.connectbot.example",
    telegramUsername: "demo_elena",
    department: "SUPPORT",
    office: "БЦ Москва-Сити",
    position: "Специалист поддержки",
    interests: ["games", "walk"],
  },
] as const

/** Upcoming demo activities, `inDays` from the day of seeding. */
const demoActivities = [
  {
    title: "Тайный кофе: знакомство",
    interest: "coffee",
    inDays: 2,
    hour: 11,
    minutes: 30,
    location: "Кофейня на 1 этаже, БЦ Москва-Сити",
    max: 2,
  },
  {
    title: "Турнир по настольному теннису",
    interest: "pingpong",
    inDays: 3,
    hour: 18,
    minutes: 90,
    location: "Игровая, БЦ Око",
    max: 8,
  },
  {
    title: "Шахматный вечер",
    interest: "chess",
    inDays: 5,
    hour: 18,
    minutes: 120,
    location: "Переговорная «Гамбит», БЦ Око",
    max: 10,
  },
  {
    title: "Вечер настольных игр",
    interest: "games",
    inDays: 6,
    hour: 19,
    minutes: 150,
    location: "Лаунж, БЦ Федерация",
    max: 12,
  },
  {
    title: "Мастер-класс: публичные выступления",
    interest: "masterclass",
    inDays: 9,
    hour: 16,
    minutes: 90,
    location: "Конференц-зал, БЦ Гринвич",
    max: 30,
  },
] as const

export interface SeedReport {
  readonly interests: number
  readonly departments: number
  readonly businessCenters: number
  readonly demoEmployees: number
  readonly demoActivities: number
}

/**
 * Adds the default reference rows that are missing (a new database has them all from its
 * migrations; this brings back defaults deleted since) and with `demo`, demo employees and
 * upcoming activities. Idempotent: existing rows are left as ops edited them; the report counts
 * rows added by this run.
 */
export const seed = (options: { readonly demo: boolean }) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        // Seeds running together (two processes starting on a new database) take turns.
        yield* sql`SELECT pg_advisory_xact_lock(${SEED_LOCK})`
        const interests = yield* sql`
          INSERT INTO interests ${sql.insert(
            defaultInterests.map((interest) => ({
              ...interest,
              matching: defaultMatching[interest.code] ?? "none",
            })),
          )}
          ON CONFLICT DO NOTHING RETURNING id`
        const departments = yield* sql`
          INSERT INTO departments ${sql.insert(defaultDepartments.map((department) => ({ ...department })))}
          ON CONFLICT DO NOTHING RETURNING id`
        const businessCenters = yield* sql`
          INSERT INTO business_centers ${sql.insert(defaultBusinessCenters.map((name) => ({ name })))}
          ON CONFLICT DO NOTHING RETURNING id`
        const report: SeedReport = {
          interests: interests.length,
          departments: departments.length,
          businessCenters: businessCenters.length,
          demoEmployees: 0,
          demoActivities: 0,
        }
        return options.demo ? { ...report, ...(yield* seedDemo) } : report
      }),
    )
  }).pipe(orDatabaseError)

const seedDemo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  let addedEmployees = 0
  for (const employee of demoEmployees) {
    const inserted = yield* sql`
      INSERT INTO employees (full_name, email, telegram_username, position, department_id, business_center_id, hire_date)
      VALUES (
        ${employee.fullName}, ${employee.email}, ${employee.telegramUsername}, ${employee.position},
        (SELECT id FROM departments WHERE code = ${employee.department}),
        (SELECT id FROM business_centers WHERE name = ${employee.office}),
        current_date - 365
      )
      ON CONFLICT (email) DO NOTHING RETURNING id`
    addedEmployees += inserted.length
    yield* sql`
      INSERT INTO employee_interests (employee_id, interest_id)
      SELECT e.id, i.id FROM employees e, interests i
      WHERE e.email = ${employee.email} AND i.code IN ${sql.in(employee.interests)}
      ON CONFLICT DO NOTHING`
  }
  let addedActivities = 0
  for (const activity of demoActivities) {
    // Re-seeding adds no second copy while the first one is still ahead.
    const inserted = yield* sql`
      INSERT INTO activities (title, activity_type, interest_id, description, scheduled_at, duration_minutes, location, status, max_participants)
      SELECT ${activity.title}, ${activity.interest}, i.id, i.description,
             date_trunc('day', now()) + make_interval(days => ${activity.inDays}, hours => ${activity.hour}),
             ${activity.minutes}, ${activity.location}, 'scheduled', ${activity.max}
      FROM interests i
      WHERE i.code = ${activity.interest}
        AND NOT EXISTS (
          SELECT 1 FROM activities a
          WHERE a.title = ${activity.title} AND a.status = 'scheduled' AND a.scheduled_at > now()
        )
      RETURNING id`
    addedActivities += inserted.length
  }
  return { demoEmployees: addedEmployees, demoActivities: addedActivities }
})
