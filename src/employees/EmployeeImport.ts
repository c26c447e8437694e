/**
 * HR's employee import (DESIGN.md "Employee import"): the CSV read and checked row by row, and
 * the upsert keyed by email that writes the good rows. `EmployeeRepo` offers it as
 * `importEmployees`.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import { ImportFileError } from "../domain/Errors"
import { BusinessCenterId, DepartmentId, EmployeeId, TelegramId } from "../domain/Ids"
import { BusinessCenter, Department } from "../domain/Models"
import { LocalDate } from "../domain/Time"
import { parseCsv } from "./Csv"

/** One employee as HR's import describes them; `null` fields keep what the database has. */
const EmployeeImport = Schema.Struct({
  fullName: Schema.String,
  email: Schema.String,
  telegramUsername: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  departmentId: Schema.NullOr(DepartmentId),
  businessCenterId: Schema.NullOr(BusinessCenterId),
  position: Schema.NullOr(Schema.String),
  hireDate: Schema.NullOr(LocalDate),
})
type EmployeeImport = typeof EmployeeImport.Type

export interface ImportedEmployee {
  readonly outcome: "inserted" | "updated" | "unchanged"
  readonly employeeId: EmployeeId
  readonly telegramId: TelegramId | null
}

/** The header of DESIGN.md "Employee import"; columns may come in any order. */
export const importColumns = [
  "full_name",
  "email",
  "telegram_username",
  "phone",
  "department_code",
  "business_center",
  "position",
  "hire_date",
] as const

export interface SkippedRow {
  readonly line: number
  readonly reason: string
}

export interface ImportReport {
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  readonly skipped: ReadonlyArray<SkippedRow>
  /** Every employee the import inserted or changed (the cache drops what it holds of them). */
  readonly changed: ReadonlyArray<ImportedEmployee>
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
/** Telegram usernames are letters, digits and `_`; HR also writes dots and dashes. */
const USERNAME = /^@?[A-Za-z0-9_.-]{3,64}$/
const decodeLocalDate = Schema.decodeUnknownEither(LocalDate)

/** `YYYY-MM-DD`, or `DD.MM.YYYY` as Russian spreadsheets write dates. */
const parseDate = (raw: string): string | undefined => {
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(raw)
  const iso = dotted
    ? `${dotted[3]}-${dotted[2]?.padStart(2, "0")}-${dotted[1]?.padStart(2, "0")}`
    : raw
  return Either.isRight(decodeLocalDate(iso)) ? iso : undefined
}

interface Lookups {
  readonly departments: ReadonlyMap<string, DepartmentId>
  readonly businessCenters: ReadonlyMap<string, BusinessCenterId>
}

// The cell schemas below fail with the reason the row is skipped, as the report shows it.

const Email = Schema.compose(Schema.Trim, Schema.Lowercase).pipe(
  Schema.filter((email) => email !== "" || "no email"),
  Schema.filter((email) => EMAIL.test(email) || `malformed email "${email}"`),
)

const FullName = Schema.Trim.pipe(Schema.filter((name) => name !== "" || "no full name"))

/** An empty cell is `null`: the import keeps what the database has. */
const OptionalText = Schema.transform(Schema.Trim, Schema.NullOr(Schema.String), {
  strict: true,
  decode: (value) => (value === "" ? null : value),
  encode: (value) => value ?? "",
})

/** Stored without the `@` HR may write. */
const TelegramUsername = Schema.transform(
  Schema.Trim.pipe(
    Schema.filter(
      (name) => name === "" || USERNAME.test(name) || `malformed Telegram username "${name}"`,
    ),
  ),
  Schema.NullOr(Schema.String),
  {
    strict: true,
    decode: (name) => (name === "" ? null : name.replace(/^@/, "")),
    encode: (name) => name ?? "",
  },
)

/** An empty cell is `null`; any other must be found, or `unknown` is why the row is skipped. */
const optionalLookup = <A>(
  to: Schema.Schema<A>,
  find: (value: string) => A | undefined,
  unknown: (value: string) => string,
) =>
  Schema.transformOrFail(Schema.Trim, Schema.NullOr(to), {
    strict: true,
    decode: (value, _, ast) => {
      if (value === "") return ParseResult.succeed(null)
      const found = find(value)
      return found === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, value, unknown(value)))
        : ParseResult.succeed(found)
    },
    encode: (value, _, ast) =>
      ParseResult.fail(new ParseResult.Forbidden(ast, value, "import rows are only decoded")),
  })

/**
 * One CSV row, keyed by column name, as the employee it imports. The cells are checked in the
 * order below and the first bad one is the reason the row is skipped.
 */
const ImportRow = (lookups: Lookups) =>
  Schema.Struct({
    email: Email,
    fullName: Schema.propertySignature(FullName).pipe(Schema.fromKey("full_name")),
    telegramUsername: Schema.propertySignature(TelegramUsername).pipe(
      Schema.fromKey("telegram_username"),
    ),
    departmentId: Schema.propertySignature(
      optionalLookup(
        Schema.typeSchema(DepartmentId),
        (code) => lookups.departments.get(code.toUpperCase()),
        (code) => `unknown department "${code}"`,
      ),
    ).pipe(Schema.fromKey("department_code")),
    businessCenterId: Schema.propertySignature(
      optionalLookup(
        Schema.typeSchema(BusinessCenterId),
        (name) => lookups.businessCenters.get(name.toLowerCase()),
        (name) => `unknown business center "${name}"`,
      ),
    ).pipe(Schema.fromKey("business_center")),
    hireDate: Schema.propertySignature(
      optionalLookup(
        Schema.typeSchema(LocalDate),
        parseDate,
        (date) => `malformed hire date "${date}" (expected YYYY-MM-DD or DD.MM.YYYY)`,
      ),
    ).pipe(Schema.fromKey("hire_date")),
    phone: OptionalText,
    position: OptionalText,
  })

/**
 * Imports HR's employee CSV (DESIGN.md "Employee import"): upsert keyed by email; a bad row is
 * reported with its line number and skipped; the good rows land together in one transaction.
 * A file that cannot be read as CSV with the expected header changes nothing.
 */
export const makeImportEmployees = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const ImportResult = Schema.Struct({
    inserted: Schema.Boolean,
    id: EmployeeId,
    telegramId: Schema.NullOr(TelegramId),
  })

  const upsertByEmail = SqlSchema.findOne({
    Request: EmployeeImport,
    Result: ImportResult,
    // `xmax = 0` tells a fresh insert from an update; the WHERE skips rows that would not change.
    execute: (row) => sql`
        INSERT INTO employees ${sql.insert({
          fullName: row.fullName,
          email: row.email,
          telegramUsername: row.telegramUsername,
          phone: row.phone,
          departmentId: row.departmentId,
          businessCenterId: row.businessCenterId,
          position: row.position,
          hireDate: row.hireDate,
        })}
        ON CONFLICT (email) DO UPDATE SET
          full_name = EXCLUDED.full_name,
          telegram_username = COALESCE(EXCLUDED.telegram_username, employees.telegram_username),
          phone = COALESCE(EXCLUDED.phone, employees.phone),
          department_id = COALESCE(EXCLUDED.department_id, employees.department_id),
          business_center_id = COALESCE(EXCLUDED.business_center_id, employees.business_center_id),
          position = COALESCE(EXCLUDED.position, employees.position),
          hire_date = COALESCE(EXCLUDED.hire_date, employees.hire_date)
        WHERE (employees.full_name, employees.telegram_username, employees.phone,
               employees.department_id, employees.business_center_id, employees.position,
               employees.hire_date)
          IS DISTINCT FROM
              (EXCLUDED.full_name,
               COALESCE(EXCLUDED.telegram_username, employees.telegram_username),
               COALESCE(EXCLUDED.phone, employees.phone),
               COALESCE(EXCLUDED.department_id, employees.department_id),
               COALESCE(EXCLUDED.business_center_id, employees.business_center_id),
               COALESCE(EXCLUDED.position, employees.position),
               COALESCE(EXCLUDED.hire_date, employees.hire_date))
        RETURNING (xmax = 0) AS inserted, id, telegram_id`,
  })

  const findIdByEmail = SqlSchema.single({
    Request: Schema.String,
    Result: Schema.Struct({ id: EmployeeId, telegramId: Schema.NullOr(TelegramId) }),
    execute: (email) => sql`SELECT id, telegram_id FROM employees WHERE email = ${email}`,
  })

  /**
   * Inserts or updates one employee keyed by email (HR's import). Empty fields keep what the
   * database has; `is_active` and the Telegram link are never touched by an import.
   */
  const upsertEmployee = (row: EmployeeImport) =>
    upsertByEmail(row).pipe(
      Effect.flatMap(
        Option.match({
          onSome: ({ inserted, id, telegramId }) =>
            Effect.succeed<ImportedEmployee>({
              outcome: inserted ? "inserted" : "updated",
              employeeId: id,
              telegramId,
            }),
          onNone: () =>
            Effect.map(
              findIdByEmail(row.email),
              ({ id, telegramId }): ImportedEmployee => ({
                outcome: "unchanged",
                employeeId: id,
                telegramId,
              }),
            ),
        }),
      ),
      orDatabaseError,
    )

  const listDepartments = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Department,
    execute: () => sql`SELECT * FROM departments ORDER BY id`,
  })
  const departments = orDatabaseError(listDepartments(undefined))

  const listBusinessCenters = SqlSchema.findAll({
    Request: Schema.Void,
    Result: BusinessCenter,
    execute: () => sql`SELECT * FROM business_centers ORDER BY id`,
  })
  const businessCenters = orDatabaseError(listBusinessCenters(undefined))

  return (csv: string) =>
    Effect.gen(function* () {
      // A spreadsheet saved as "CSV" in a Windows code page decodes to replacement characters.
      if (csv.includes("\uFFFD")) {
        return yield* new ImportFileError({
          reason: 'the file is not UTF-8 text: save it from the spreadsheet as "CSV UTF-8"',
        })
      }
      const records = yield* Either.mapLeft(
        parseCsv(csv),
        (error) => new ImportFileError({ reason: error.message }),
      )
      const [header, ...rows] = records
      if (header === undefined) return yield* new ImportFileError({ reason: "the file is empty" })
      const names = header.fields.map((name) => name.trim().toLowerCase())
      const missing = importColumns.filter((column) => !names.includes(column))
      if (missing.length > 0) {
        return yield* new ImportFileError({
          reason: `the header lacks ${missing.join(", ")} (expected ${importColumns.join(",")})`,
        })
      }
      const repeated = importColumns.filter(
        (column) => names.indexOf(column) !== names.lastIndexOf(column),
      )
      if (repeated.length > 0) {
        return yield* new ImportFileError({ reason: `the header repeats ${repeated.join(", ")}` })
      }

      const lookups: Lookups = {
        departments: new Map((yield* departments).map((d) => [d.code.toUpperCase(), d.id])),
        businessCenters: new Map(
          (yield* businessCenters).map((b) => [b.name.trim().toLowerCase(), b.id]),
        ),
      }

      const decodeRow = Schema.decodeUnknownEither(ImportRow(lookups))
      const skipped: Array<SkippedRow> = []
      const valid: Array<{ readonly line: number; readonly row: EmployeeImport }> = []
      const firstLineOfEmail = new Map<string, number>()
      for (const record of rows) {
        // A row of empty cells (`;;;;;;;`) is what spreadsheets export for an empty row: it is
        // blank, like a blank line, not a row without an email.
        if (record.fields.every((field) => field.trim() === "")) continue
        if (record.fields.length !== names.length) {
          skipped.push({
            line: record.line,
            reason: `expected ${names.length} fields, found ${record.fields.length}`,
          })
          continue
        }
        const cells = Object.fromEntries(
          importColumns.map((column) => [column, record.fields[names.indexOf(column)]]),
        )
        const result = decodeRow(cells)
        if (Either.isLeft(result)) {
          const [issue] = ParseResult.ArrayFormatter.formatErrorSync(result.left)
          skipped.push({ line: record.line, reason: issue?.message ?? result.left.message })
          continue
        }
        const first = firstLineOfEmail.get(result.right.email)
        if (first !== undefined) {
          skipped.push({ line: record.line, reason: `the same email as line ${first}` })
          continue
        }
        firstLineOfEmail.set(result.right.email, record.line)
        valid.push({ line: record.line, row: result.right })
      }

      const results = yield* sql.withTransaction(
        Effect.forEach(valid, ({ row }) => upsertEmployee(row)),
      )
      const count = (outcome: ImportedEmployee["outcome"]) =>
        results.filter((result) => result.outcome === outcome).length
      return {
        inserted: count("inserted"),
        updated: count("updated"),
        unchanged: count("unchanged"),
        skipped,
        changed: results.filter((result) => result.outcome !== "unchanged"),
      } satisfies ImportReport
    }).pipe(orDatabaseError, Effect.withSpan("importEmployees"))
})
