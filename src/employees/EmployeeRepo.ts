/**
 * The employees (DESIGN.md "Recognition", "Employee import"): who a Telegram user is, their
 * profile, HR's import, and the feed of linked employees that warms the cache. `layer` reads and
 * writes Postgres; `cached` is the same service with recognition served from `emp:` keys — what
 * the bot uses. Interests and activities have repositories of their own (`InterestRepo`,
 * `ActivityRepo`).
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Effect, Layer, Option, Schema, Stream } from "effect"
import { Cache } from "../cache/Cache"
import { EmployeeEntry } from "../cache/Keys"
import { orDatabaseError } from "../db/SqlErrors"
import { type DatabaseError, EmployeeNotFound, type ImportFileError } from "../domain/Errors"
import { EmployeeId, TelegramId } from "../domain/Ids"
import { Employee, EmployeeProfile, Locale } from "../domain/Models"
import { Recognition } from "../domain/Outcomes"
import { normalizeUsername } from "../domain/Username"
import { traced } from "../telemetry/Spans"
import { type ImportReport, makeImportEmployees } from "./EmployeeImport"
import { employeeKeys, makeEmployeeInvalidation } from "./EmployeeKeys"

export interface TelegramUser {
  readonly telegramId: TelegramId
  readonly username?: string | undefined
}

export interface EmployeeRepoService {
  /**
   * Recognises a Telegram user (DESIGN.md "Recognition"): by Telegram id; else by the
   * normalised username when exactly one active, not yet linked employee has it, in which case
   * the account is linked and the employee marked authorized. An employee already linked to
   * another Telegram account is never taken over through a username.
   */
  readonly recognize: (user: TelegramUser) => Effect.Effect<Recognition, DatabaseError>
  readonly getEmployee: (
    employeeId: EmployeeId,
  ) => Effect.Effect<Employee, EmployeeNotFound | DatabaseError>
  /** The employee with their department and office names. */
  readonly getProfile: (
    employeeId: EmployeeId,
  ) => Effect.Effect<EmployeeProfile, EmployeeNotFound | DatabaseError>
  /**
   * HR's CSV (DESIGN.md "Employee import"): upsert keyed by email, bad rows reported and
   * skipped, the good ones in one transaction.
   */
  readonly importEmployees: (
    csv: string,
  ) => Effect.Effect<ImportReport, ImportFileError | DatabaseError>
  /**
   * Stores the language the employee writes to the bot in, for the messages it sends them
   * unasked (rounds, notices). The caller writes only when it differs from what it knows.
   */
  readonly rememberLocale: (
    employee: Pick<Employee, "id" | "telegramId">,
    locale: Locale,
  ) => Effect.Effect<void, DatabaseError>
  /** Active employees with a Telegram id, in batches of `batchSize` (cache warm-up). */
  readonly linkedEmployees: (
    batchSize: number,
  ) => Stream.Stream<ReadonlyArray<Employee>, DatabaseError>
  /** How many employees `linkedEmployees` yields (progress of the cache warm-up). */
  readonly linkedEmployeeCount: Effect.Effect<number, DatabaseError>
}

/** `pg` reports constraint violations by SQLSTATE; 23505 is unique_violation. */
const isUniqueViolation = (error: SqlError): boolean =>
  (error.cause as { code?: unknown } | undefined)?.code === "23505"

const Count = Schema.Struct({ count: Schema.Int })

/** The employees in Postgres. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const findByTelegramId = SqlSchema.findOne({
    Request: TelegramId,
    Result: Employee,
    execute: (telegramId) => sql`SELECT * FROM employees WHERE telegram_id = ${telegramId}`,
  })

  // Two rows are enough to know the match is ambiguous.
  const findActiveByNormalizedUsername = SqlSchema.findAll({
    Request: Schema.String,
    Result: Employee,
    execute: (normalized) => sql`
        SELECT * FROM employees
        WHERE is_active AND normalized_username = ${normalized}
        ORDER BY id
        LIMIT 2`,
  })

  const linkTelegramAccount = SqlSchema.findOne({
    Request: Schema.Struct({
      employeeId: EmployeeId,
      telegramId: TelegramId,
      username: Schema.NullOr(Schema.String),
    }),
    Result: Employee,
    execute: ({ employeeId, telegramId, username }) => sql`
        UPDATE employees
        SET telegram_id = ${telegramId},
            telegram_username = COALESCE(${username}, telegram_username),
            authorized = true,
            last_activity = now()
        WHERE id = ${employeeId} AND is_active AND (telegram_id IS NULL OR telegram_id = ${telegramId})
        RETURNING *`,
  })

  const recognize = (user: TelegramUser) =>
    Effect.gen(function* () {
      const known = yield* findByTelegramId(user.telegramId)
      if (Option.isSome(known)) {
        return known.value.isActive
          ? Recognition.Recognized({ employee: known.value, linked: false })
          : Recognition.Inactive()
      }
      const normalized = user.username === undefined ? null : normalizeUsername(user.username)
      if (normalized === null) return Recognition.Unknown()
      const candidates = yield* findActiveByNormalizedUsername(normalized)
      const candidate = candidates.length === 1 ? candidates[0] : undefined
      if (candidate === undefined || candidate.telegramId !== null) return Recognition.Unknown()
      const linked = yield* linkTelegramAccount({
        employeeId: candidate.id,
        telegramId: user.telegramId,
        username: user.username?.trim().replace(/^@/, "") ?? null,
      }).pipe(
        // Another employee took this Telegram id meanwhile: no safe match.
        Effect.catchIf(
          (error): error is SqlError => error._tag === "SqlError" && isUniqueViolation(error),
          () => Effect.succeed(Option.none<Employee>()),
        ),
      )
      return Option.match(linked, {
        onNone: () => Recognition.Unknown(),
        onSome: (employee) => Recognition.Recognized({ employee, linked: true }),
      })
    }).pipe(orDatabaseError)

  const findById = SqlSchema.single({
    Request: EmployeeId,
    Result: Employee,
    execute: (id) => sql`SELECT * FROM employees WHERE id = ${id}`,
  })

  const getEmployee = (employeeId: EmployeeId) =>
    findById(employeeId).pipe(
      Effect.catchTag("NoSuchElementException", () => new EmployeeNotFound({ employeeId })),
      orDatabaseError,
    )

  const findProfile = SqlSchema.single({
    Request: EmployeeId,
    Result: EmployeeProfile,
    execute: (id) => sql`
        SELECT e.*, d.code AS department_code, d.name AS department_name,
               b.name AS business_center_name
        FROM employees e
        LEFT JOIN departments d ON d.id = e.department_id
        LEFT JOIN business_centers b ON b.id = e.business_center_id
        WHERE e.id = ${id}`,
  })

  const getProfile = (employeeId: EmployeeId) =>
    findProfile(employeeId).pipe(
      Effect.catchTag("NoSuchElementException", () => new EmployeeNotFound({ employeeId })),
      orDatabaseError,
    )

  const updateLocale = SqlSchema.void({
    Request: Schema.Struct({ employeeId: EmployeeId, locale: Locale }),
    execute: ({ employeeId, locale }) =>
      sql`UPDATE employees SET locale = ${locale} WHERE id = ${employeeId}`,
  })

  const rememberLocale = (employee: Pick<Employee, "id" | "telegramId">, locale: Locale) =>
    updateLocale({ employeeId: employee.id, locale }).pipe(orDatabaseError)

  const pageOfLinkedEmployees = SqlSchema.findAll({
    Request: Schema.Struct({ afterId: Schema.Int, limit: Schema.Int }),
    Result: Employee,
    execute: ({ afterId, limit }) => sql`
        SELECT * FROM employees
        WHERE is_active AND telegram_id IS NOT NULL AND id > ${afterId}
        ORDER BY id
        LIMIT ${limit}`,
  })

  // Keyset pagination: each page starts after the last id of the one before.
  const linkedEmployees = (batchSize: number) =>
    Stream.paginateEffect(0, (afterId: number) =>
      pageOfLinkedEmployees({ afterId, limit: batchSize }).pipe(
        Effect.map((page) => {
          const last = page.at(-1)
          return [
            page,
            page.length < batchSize || last === undefined
              ? Option.none()
              : Option.some(last.id as number),
          ] as const
        }),
        orDatabaseError,
      ),
    ).pipe(Stream.filter((page) => page.length > 0))

  const countLinkedEmployees = SqlSchema.single({
    Request: Schema.Void,
    Result: Count,
    execute: () =>
      sql`SELECT count(*)::int AS count FROM employees WHERE is_active AND telegram_id IS NOT NULL`,
  })
  const linkedEmployeeCount = countLinkedEmployees(undefined).pipe(
    Effect.map(({ count }) => count),
    orDatabaseError,
  )

  return traced("EmployeeRepo", {
    recognize,
    getEmployee,
    getProfile,
    importEmployees: yield* makeImportEmployees,
    rememberLocale,
    linkedEmployees,
    linkedEmployeeCount,
  } satisfies EmployeeRepoService)
})

/**
 * Recognition with the employee cached under `emp:{telegramId}` (DESIGN.md "Cache keys"). A
 * cached inactive employee is refused as the database would; unknown users are never cached, so
 * a username match can still link them later. An import drops every employee it changed, once
 * its transaction has committed. Writes made elsewhere (plain SQL, another process) reach the
 * cache through the change feed; the cache never decides an outcome.
 */
const withCache = (repo: EmployeeRepoService) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    const invalidation = makeEmployeeInvalidation(cache, repo.getEmployee)

    const cachedEmployee = (telegramId: TelegramId) =>
      cache
        .get(EmployeeEntry.key(telegramId), EmployeeEntry.schema)
        .pipe(Effect.orElseSucceed(() => Option.none<Employee>()))

    const recognize = (user: TelegramUser) =>
      Effect.gen(function* () {
        const cached = yield* cachedEmployee(user.telegramId)
        if (Option.isSome(cached)) {
          return cached.value.isActive
            ? Recognition.Recognized({ employee: cached.value, linked: false })
            : Recognition.Inactive()
        }
        const recognition = yield* repo.recognize(user)
        if (recognition._tag === "Recognized") {
          const { employee } = recognition
          // Linking wrote to the employee: whatever was cached of them goes first.
          if (recognition.linked) yield* invalidation.employee(employee)
          yield* cache.set(
            EmployeeEntry.key(user.telegramId),
            EmployeeEntry.schema,
            employee,
            EmployeeEntry.ttl,
          )
        }
        return recognition
      })

    const importEmployees = (csv: string) =>
      repo
        .importEmployees(csv)
        .pipe(
          Effect.tap((report) =>
            invalidation.drop(
              report.changed.flatMap((change) =>
                employeeKeys(change.employeeId, change.telegramId),
              ),
            ),
          ),
        )

    // The `emp:` key goes at once, so this process's next update reads the new language.
    const rememberLocale: EmployeeRepoService["rememberLocale"] = (employee, locale) =>
      repo.rememberLocale(employee, locale).pipe(Effect.tap(() => invalidation.employee(employee)))

    return { ...repo, recognize, importEmployees, rememberLocale } satisfies EmployeeRepoService
  })

export class EmployeeRepo extends Context.Tag("connectbot/EmployeeRepo")<
  EmployeeRepo,
  EmployeeRepoService
>() {
  /** Postgres only: the ops scripts, and the tests of the queries. */
  static readonly layer = Layer.effect(EmployeeRepo, make)
  /** Postgres behind the cache: the bot. */
  static readonly cached = Layer.effect(EmployeeRepo, Effect.flatMap(make, withCache))
}
