import { SqlClient } from "@effect/sql"
import { Effect, FiberRef, Option } from "effect"
import type { ScheduleFrequency } from "../../domain/Models"

/**
 * The reference data (interests, departments, business centers) exists whenever the schema
 * does, whoever migrated: the bot, `db.ts migrate`, `seed` or `import-employees`. Each of the
 * three tables that is empty gets the defaults below; a table that has rows (HR's own
 * catalogue) is left exactly as it is. Databases created before this migration that were never
 * seeded get the defaults on their next migrate.
 *
 * These are also the rows `db.ts seed` adds when they are missing (src/db/Seed.ts). Changing
 * them changes only databases created afterwards: bring existing ones along with a new migration.
 */

/** The interest catalogue of DESIGN.md, in the order the bot shows it. */
export const defaultInterests: ReadonlyArray<{
  readonly code: string
  readonly emoji: string
  readonly name: string
  readonly nameEn: string
  readonly description: string
  readonly scheduleFrequency: ScheduleFrequency
}> = [
  {
    code: "coffee",
    emoji: "☕️",
    name: "Тайный кофе",
    nameEn: "Secret coffee",
    description: "Кофе с коллегой, которого выберет бот",
    scheduleFrequency: "weekly",
  },
  {
    code: "lunch",
    emoji: "🍝",
    name: "Обед вслепую",
    nameEn: "Blind lunch",
    description: "Обед с незнакомыми коллегами",
    scheduleFrequency: "weekly",
  },
  {
    code: "walk",
    emoji: "🚶",
    name: "Слепая прогулка",
    nameEn: "Blind walk",
    description: "Прогулка с коллегой из другого отдела",
    scheduleFrequency: "weekly",
  },
  {
    code: "chess",
    emoji: "♟️",
    name: "Шахматы",
    nameEn: "Chess",
    description: "Партии и турниры",
    scheduleFrequency: "biweekly",
  },
  {
    code: "pingpong",
    emoji: "🏓",
    name: "Настольный теннис",
    nameEn: "Table tennis",
    description: "Игры и турниры по настольному теннису",
    scheduleFrequency: "weekly",
  },
  {
    code: "games",
    emoji: "🎲",
    name: "Настольные игры",
    nameEn: "Board games",
    description: "Вечера настольных игр",
    scheduleFrequency: "biweekly",
  },
  {
    code: "photo",
    emoji: "📸",
    name: "Фотоквесты",
    nameEn: "Photo quests",
    description: "Фотопрогулки с заданиями",
    scheduleFrequency: "monthly",
  },
  {
    code: "masterclass",
    emoji: "🧠",
    name: "Мастер-классы",
    nameEn: "Master classes",
    description: "Коллеги учат коллег",
    scheduleFrequency: "monthly",
  },
  {
    code: "clubs",
    emoji: "📚",
    name: "Клубы по интересам",
    nameEn: "Interest clubs",
    description: "Книжный, киноклуб и другие",
    scheduleFrequency: "monthly",
  },
]

export const defaultDepartments: ReadonlyArray<{ readonly code: string; readonly name: string }> = [
  { code: "IT", name: "Информационные технологии" },
  { code: "MARKETING", name: "Маркетинг" },
  { code: "SALES", name: "Продажи" },
  { code: "ACCOUNTING", name: "Бухгалтерия" },
  { code: "HR", name: "Отдел персонала" },
  { code: "DEVELOPMENT", name: "Разработка" },
  { code: "SUPPORT", name: "Поддержка" },
]

export const defaultBusinessCenters: ReadonlyArray<string> = [
  "БЦ Москва-Сити",
  "БЦ Око",
  "БЦ Федерация",
  "БЦ Гринвич",
]

/** How many rows of each table the migration added (0 for a table that had rows). */
export interface ReferenceDataAdded {
  readonly interests: number
  readonly departments: number
  readonly businessCenters: number
}

/**
 * What the migration added, set in the fiber that ran it (the migrator returns only the ids
 * of the migrations it applied). Read through `migrateWithReferenceData` in Seed.ts.
 */
export const referenceDataAdded: FiberRef.FiberRef<Option.Option<ReferenceDataAdded>> =
  FiberRef.unsafeMake<Option.Option<ReferenceDataAdded>>(Option.none())

/** Inserts the rows into the table if it has none; returns how many it inserted. */
const fillIfEmpty = (
  table: "interests" | "departments" | "business_centers",
  rows: ReadonlyArray<Record<string, string>>,
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Writers (HR in psql) wait for the migration's commit: a row of theirs added meanwhile
    // is never mixed with the defaults. Readers go on.
    yield* sql`LOCK TABLE ${sql(table)} IN SHARE ROW EXCLUSIVE MODE`
    const [row] = yield* sql<{ empty: boolean }>`
      SELECT NOT EXISTS (SELECT 1 FROM ${sql(table)}) AS empty`
    if (row?.empty !== true) return 0
    const inserted = yield* sql`INSERT INTO ${sql(table)} ${sql.insert(rows)} RETURNING id`
    return inserted.length
  })

export default Effect.gen(function* () {
  // Column names spelled as in the table: this does not depend on the client's name transforms.
  const interests = yield* fillIfEmpty(
    "interests",
    defaultInterests.map((interest) => ({
      code: interest.code,
      emoji: interest.emoji,
      name: interest.name,
      name_en: interest.nameEn,
      description: interest.description,
      schedule_frequency: interest.scheduleFrequency,
    })),
  )
  const departments = yield* fillIfEmpty(
    "departments",
    defaultDepartments.map((department) => ({ code: department.code, name: department.name })),
  )
  const businessCenters = yield* fillIfEmpty(
    "business_centers",
    defaultBusinessCenters.map((name) => ({ name })),
  )
  yield* FiberRef.set(referenceDataAdded, Option.some({ interests, departments, businessCenters }))
})
