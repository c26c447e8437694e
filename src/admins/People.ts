/**
 * What admins with the "users" role do with employees from the bot (docs/organisers.md): find
 * them by name or @username, and deactivate or reactivate them. Roles are read in the same
 * transaction as the change (`NotAllowed` without them); each change is written to `audit_log`.
 * A deactivated employee is refused at once everywhere: the employees' cache invalidation
 * (migration 0002) drops their cached recognition in every process.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { Cache } from "../cache/Cache"
import { orDatabaseError } from "../db/SqlErrors"
import { type DatabaseError, EmployeeNotFound, type NotAllowed } from "../domain/Errors"
import { type ActivityId, EmployeeId, TelegramId } from "../domain/Ids"
import { normalizeUsername } from "../domain/Username"
import { employeeKeys } from "../employees/EmployeeKeys"
import { Waitlist } from "../notifications/Waitlist"
import { traced } from "../telemetry/Spans"
import { makeAudit } from "./Audit"

/** An employee as an admin sees them in search results. */
export interface PersonCard {
  readonly id: EmployeeId
  readonly fullName: string
  readonly telegramUsername: string | null
  readonly department: string | null
  readonly position: string | null
  readonly isActive: boolean
  /** Whether they have linked their Telegram account (used the bot). */
  readonly linked: boolean
}

export interface PeopleService {
  /**
   * Employees whose name contains the query (case-insensitive) or whose username matches it
   * normalised (`@Ivan_P` finds `ivanp`); at most `limit` (default 10), by name. A query under 2
   * characters finds nobody.
   */
  readonly search: (
    actor: EmployeeId,
    query: string,
  ) => Effect.Effect<ReadonlyArray<PersonCard>, NotAllowed | DatabaseError>
  readonly get: (
    actor: EmployeeId,
    employeeId: EmployeeId,
  ) => Effect.Effect<PersonCard, NotAllowed | EmployeeNotFound | DatabaseError>
  /** Deactivates or reactivates; setting the state they are in changes nothing and audits nothing. */
  readonly setActive: (
    actor: EmployeeId,
    employeeId: EmployeeId,
    active: boolean,
  ) => Effect.Effect<PersonCard, NotAllowed | EmployeeNotFound | DatabaseError>
}

const PersonRow = Schema.Struct({
  id: EmployeeId,
  fullName: Schema.String,
  telegramUsername: Schema.NullOr(Schema.String),
  department: Schema.NullOr(Schema.String),
  position: Schema.NullOr(Schema.String),
  isActive: Schema.Boolean,
  telegramId: Schema.NullOr(TelegramId),
})
type PersonRow = typeof PersonRow.Type

const cardOf = ({ telegramId, ...card }: PersonRow): PersonCard => ({
  ...card,
  linked: telegramId !== null,
})

const searchLimit = 10

/** `%` and `_` in what an admin typed are letters, not patterns. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, "\\$&")

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const cache = yield* Cache
  // Present in the bot's process (the notifications' layer): freed places are offered at once.
  const waitlist = yield* Effect.serviceOption(Waitlist)
  const { requireRole, audit } = yield* makeAudit

  const selectPerson = sql`
      SELECT e.id, e.full_name, e.telegram_username, d.name AS department, e.position,
             e.is_active, e.telegram_id
      FROM employees e
      LEFT JOIN departments d ON d.id = e.department_id`

  const findPeople = SqlSchema.findAll({
    Request: Schema.Struct({ name: Schema.String, username: Schema.NullOr(Schema.String) }),
    Result: PersonRow,
    execute: ({ name, username }) => sql`
        ${selectPerson}
        WHERE e.full_name ILIKE ${`%${likeLiteral(name)}%`}
           OR (${username}::text IS NOT NULL
               AND e.normalized_username LIKE ${`${likeLiteral(username ?? "")}%`})
        ORDER BY e.full_name, e.id
        LIMIT ${searchLimit}`,
  })

  const findPerson = SqlSchema.findOne({
    Request: EmployeeId,
    Result: PersonRow,
    execute: (id) => sql`${selectPerson} WHERE e.id = ${id}`,
  })

  // Locked, so that two admins flipping one employee take turns and each audit entry is a change.
  const lockPerson = SqlSchema.findOne({
    Request: EmployeeId,
    Result: PersonRow,
    execute: (id) => sql`${selectPerson} WHERE e.id = ${id} FOR UPDATE OF e`,
  })

  const found = (employeeId: EmployeeId) =>
    Option.match({
      onNone: () => Effect.fail(new EmployeeNotFound({ employeeId })),
      onSome: (row: PersonRow) => Effect.succeed(row),
    })

  const asUserAdmin = <A, E, R>(actor: EmployeeId, body: Effect.Effect<A, E, R>) =>
    requireRole(actor, "users").pipe(Effect.zipRight(body), sql.withTransaction, orDatabaseError)

  const search = (actor: EmployeeId, query: string) => {
    const name = query.trim()
    return asUserAdmin(
      actor,
      name.length < 2
        ? Effect.succeed([])
        : Effect.map(findPeople({ name, username: normalizeUsername(name) }), (rows) =>
            rows.map(cardOf),
          ),
    )
  }

  const get = (actor: EmployeeId, employeeId: EmployeeId) =>
    asUserAdmin(actor, Effect.flatMap(findPerson(employeeId), found(employeeId))).pipe(
      Effect.map(cardOf),
    )

  /**
   * A deactivated employee cannot come: their places in activities still ahead go back (as a
   * leave would), offered to the waitlists at once where this process has the notifications (the
   * scheduler's next run does it otherwise), and they leave every line. A reactivation gives
   * nothing back: they join again like anyone.
   */
  const releasePlaces = (employeeId: EmployeeId) =>
    Effect.gen(function* () {
      const at = new Date(yield* Clock.currentTimeMillis)
      const freed = yield* sql<{ activityId: ActivityId }>`
        UPDATE activity_participants p SET status = 'declined', responded_at = ${at}
        FROM activities a
        WHERE a.id = p.activity_id AND p.employee_id = ${employeeId} AND p.status = 'confirmed'
          AND a.status = 'scheduled' AND a.scheduled_at > ${at}
        RETURNING p.activity_id`
      yield* sql`DELETE FROM activity_waitlist WHERE employee_id = ${employeeId}`
      const ids = freed.map((row) => row.activityId)
      if (Option.isSome(waitlist)) {
        yield* Effect.forEach(ids, (id) => waitlist.value.offerFreedPlaces(id), { discard: true })
      }
      return ids
    })

  const setActive = (actor: EmployeeId, employeeId: EmployeeId, active: boolean) =>
    asUserAdmin(
      actor,
      Effect.gen(function* () {
        const person = yield* Effect.flatMap(lockPerson(employeeId), found(employeeId))
        if (person.isActive === active) return { person, changed: false }
        yield* sql`UPDATE employees SET is_active = ${active} WHERE id = ${employeeId}`
        const released = active ? [] : yield* releasePlaces(employeeId)
        yield* audit({
          actor: Option.some(actor),
          action: active ? "employee.reactivate" : "employee.deactivate",
          subject: `employee:${employeeId}`,
          details: {
            before: { isActive: person.isActive },
            after: { isActive: active },
            ...(released.length === 0 ? {} : { placesReleased: released }),
          },
        })
        return { person: { ...person, isActive: active }, changed: true }
      }),
    ).pipe(
      // Every process drops the employee's keys through the change feed (migration 0002's
      // trigger), within a second; this one drops them before answering, once the change has
      // committed, so the admin's own process refuses the employee's very next update. The cache
      // keeps a drop it cannot make now and makes it when it answers again.
      Effect.tap(({ person, changed }) =>
        changed ? cache.invalidate(employeeKeys(person.id, person.telegramId)) : Effect.void,
      ),
      Effect.map(({ person }) => cardOf(person)),
    )

  return traced("People", { search, get, setActive } satisfies PeopleService)
})

export class People extends Context.Tag("connectbot/People")<People, PeopleService>() {
  /** Postgres, and the process's cache, whose keys of a changed employee it drops. */
  static readonly layer = Layer.effect(People, make)
}
