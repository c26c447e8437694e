/**
 * Whom the playground page can be: the demo employees (seeded on a new playground database),
 * any other active employee with a Telegram username, and a stranger. Each is a Telegram user the
 * page acts as; the bot recognises an employee by the username, as it does a real one, and links
 * the id on the first message.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { demoEmailDomain } from "../db/Seed"
import { orDatabaseError } from "../db/SqlErrors"
import type { Person } from "./PageApi"

/**
 * Telegram ids for employees not linked yet: far above real ones' range of today but a safe
 * integer, and fixed per employee, so that every tab that picks Anna is the same Anna.
 */
const unlinkedIdBase = 5_000_000_000

/** One stranger for every tab: nobody in the company has this id or a username. */
export const stranger: Person = {
  kind: "stranger",
  user: { id: 4_999_999_999, firstName: "Alex", lastName: "Stranger" },
  label: "A stranger (not an employee)",
}

/** Employees shown, at most; the demo ones come first. */
const shown = 200

interface EmployeeRow {
  readonly id: number
  readonly fullName: string
  readonly telegramId: string | null
  readonly telegramUsername: string
  readonly department: string | null
  readonly demo: boolean
}

export const people = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<EmployeeRow>`
    SELECT e.id, e.full_name, e.telegram_id::text AS telegram_id, e.telegram_username,
           d.name AS department, e.email LIKE ${`%@${demoEmailDomain}`} AS demo
    FROM employees e LEFT JOIN departments d ON d.id = e.department_id
    WHERE e.is_active AND e.telegram_username IS NOT NULL AND btrim(e.telegram_username) <> ''
    ORDER BY demo DESC, e.full_name, e.id
    LIMIT ${shown}`
  const employees = rows.map((row): Person => {
    const [firstName = row.fullName, ...rest] = row.fullName.trim().split(/\s+/)
    return {
      kind: row.demo ? "demo" : "employee",
      user: {
        id: row.telegramId === null ? unlinkedIdBase + row.id : Number(row.telegramId),
        firstName,
        ...(rest.length > 0 ? { lastName: rest.join(" ") } : {}),
        username: row.telegramUsername.trim().replace(/^@/, ""),
      },
      label: row.department === null ? row.fullName : `${row.fullName} · ${row.department}`,
    }
  })
  return [...employees, stranger] as ReadonlyArray<Person>
}).pipe(orDatabaseError, Effect.withSpan("Playground.people"))
