/**
 * What every admin action does first and last, inside its own transaction (DESIGN.md
 * "Organisers"): read the actor's roles from Postgres (never cached, so a revoked admin is refused
 * at the next press) and refuse without the permission; then write what it changed to
 * `audit_log`, so the entry commits or rolls back with the change. `AdminRepo` and the admins'
 * services (`Organising`, `People`, `Reports`) share these.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import { NotAllowed } from "../domain/Errors"
import { EmployeeId } from "../domain/Ids"
import { can, type Permission, Roles } from "./Roles"

/** A `bot_admins` row as `Roles`. */
export const RolesFromRow = Schema.transform(
  Schema.Struct({
    isSuperAdmin: Schema.Boolean,
    canManageActivities: Schema.Boolean,
    canManageUsers: Schema.Boolean,
    canViewReports: Schema.Boolean,
  }),
  Roles,
  {
    strict: true,
    decode: (row) => ({
      superAdmin: row.isSuperAdmin,
      manageActivities: row.canManageActivities,
      manageUsers: row.canManageUsers,
      viewReports: row.canViewReports,
    }),
    encode: (roles) => ({
      isSuperAdmin: roles.superAdmin,
      canManageActivities: roles.manageActivities,
      canManageUsers: roles.manageUsers,
      canViewReports: roles.viewReports,
    }),
  },
)

/** One line of the audit trail: who (none for ops), what, on what, and the change itself. */
export interface AuditEntry {
  readonly actor: Option.Option<EmployeeId>
  readonly action: string
  readonly subject: string
  readonly details: unknown
}

export const makeAudit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // An inactive employee keeps no powers through a row left behind: they cannot use the bot.
  const findRoles = SqlSchema.findOne({
    Request: EmployeeId,
    Result: RolesFromRow,
    execute: (employeeId) => sql`
        SELECT a.* FROM bot_admins a JOIN employees e ON e.id = a.employee_id
        WHERE a.employee_id = ${employeeId} AND e.is_active`,
  })

  /** The employee's roles, read now (in the caller's transaction, when there is one). */
  const rolesOf = (employeeId: EmployeeId) => orDatabaseError(findRoles(employeeId))

  /** Fails with `NotAllowed` unless the actor's roles, read now, give the permission. */
  const requireRole = (actor: EmployeeId, permission: Permission) =>
    Effect.flatMap(rolesOf(actor), (roles) =>
      Option.isSome(roles) && can(roles.value, permission)
        ? Effect.void
        : Effect.fail(new NotAllowed({ employeeId: actor, permission })),
    )

  const audit = (entry: AuditEntry) =>
    orDatabaseError(sql`
      INSERT INTO audit_log (actor_employee_id, action, subject, details)
      VALUES (${Option.getOrNull(entry.actor)}, ${entry.action}, ${entry.subject},
              ${JSON.stringify(entry.details)}::jsonb)`)

  return { rolesOf, requireRole, audit } as const
})
