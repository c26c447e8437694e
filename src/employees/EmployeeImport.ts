import { SqlClient } from "@effect/sql"
import { Effect, Either, Schema } from "effect"
import { orDatabaseError } from "../db/Database"
import { ImportFileError } from "../domain/Errors"
import { LocalDate } from "../domain/Time"
import { parseCsv } from "./Csv"
import { type EmployeeImport, EmployeeRepo, type ImportedEmployee } from "./EmployeeRepo"

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
type Column = (typeof importColumns)[number]

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

const emptyToNull = (value: string): string | null => (value === "" ? null : value)

interface Lookups {
  readonly departments: ReadonlyMap<string, EmployeeImport["departmentId"]>
  readonly businessCenters: ReadonlyMap<string, EmployeeImport["businessCenterId"]>
}

/** Validates one row; a string is the reason it is skipped. */
const validateRow = (
  get: (column: Column) => string,
  lookups: Lookups,
): Either.Either<EmployeeImport, string> => {
  const fullName = get("full_name")
  const email = get("email").toLowerCase()
  const username = get("telegram_username")
  const departmentCode = get("department_code")
  const businessCenter = get("business_center")
  const hireDate = get("hire_date")
  if (email === "") return Either.left("no email")
  if (!EMAIL.test(email)) return Either.left(`malformed email "${email}"`)
  if (fullName === "") return Either.left("no full name")
  if (username !== "" && !USERNAME.test(username)) {
    return Either.left(`malformed Telegram username "${username}"`)
  }
  const departmentId =
    departmentCode === "" ? null : lookups.departments.get(departmentCode.toUpperCase())
  if (departmentId === undefined) return Either.left(`unknown department "${departmentCode}"`)
  const businessCenterId =
    businessCenter === "" ? null : lookups.businessCenters.get(businessCenter.toLowerCase())
  if (businessCenterId === undefined)
    return Either.left(`unknown business center "${businessCenter}"`)
  const date = hireDate === "" ? null : parseDate(hireDate)
  if (date === undefined) {
    return Either.left(`malformed hire date "${hireDate}" (expected YYYY-MM-DD or DD.MM.YYYY)`)
  }
  return Either.right({
    fullName,
    email,
    telegramUsername: emptyToNull(username.replace(/^@/, "")),
    phone: emptyToNull(get("phone")),
    departmentId,
    businessCenterId,
    position: emptyToNull(get("position")),
    hireDate: date,
  })
}

/**
 * Imports HR's employee CSV (DESIGN.md "Employee import"): upsert keyed by email; a bad row is
 * reported with its line number and skipped; the good rows land together in one transaction.
 * A file that cannot be read as CSV with the expected header changes nothing.
 */
export const importEmployees = (csv: string) =>
  Effect.gen(function* () {
    const repo = yield* EmployeeRepo
    const sql = yield* SqlClient.SqlClient
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
      departments: new Map((yield* repo.departments).map((d) => [d.code.toUpperCase(), d.id])),
      businessCenters: new Map(
        (yield* repo.businessCenters).map((b) => [b.name.trim().toLowerCase(), b.id]),
      ),
    }

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
      const get = (column: Column) => (record.fields[names.indexOf(column)] ?? "").trim()
      const result = validateRow(get, lookups)
      if (Either.isLeft(result)) {
        skipped.push({ line: record.line, reason: result.left })
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
      Effect.forEach(valid, ({ row }) => repo.upsertEmployee(row)),
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
