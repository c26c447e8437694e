/**
 * What admins with the "users" role do with employees from the bot (docs/organisers.md): find
 * them by name or @username, and deactivate or reactivate them. Roles are read in the same
 * transaction as the change (`NotAllowed` without them); each change is written to `audit_log`.
 * A deactivated employee is refused at once everywhere: the employees' cache invalidation
 * (migration 0002) drops their cached recognition in every process.
 */
import { Context, type Effect } from "effect"
import type { DatabaseError, EmployeeNotFound, NotAllowed } from "../domain/Errors"
import type { EmployeeId } from "../domain/Ids"

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

export class People extends Context.Tag("connectbot/People")<People, PeopleService>() {}
