/**
 * Who may organise (DESIGN.md "Organisers"): the roles in `bot_admins`, granted and revoked by
 * ops (`tsx scripts/db.ts grant-admin | revoke-admin`), each change written to `audit_log` in the
 * same transaction. Roles are read from Postgres at every check and never cached, so a revoked
 * admin is refused at their next press.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import {
  type DatabaseError,
  InactiveEmployee,
  type NoRoleNamed,
  UnknownEmail,
} from "../domain/Errors"
import { EmployeeId } from "../domain/Ids"
import { traced } from "../telemetry/Spans"
import { makeAudit, RolesFromRow } from "./Audit"
import { type Roles, Roles as RolesSchema, requireSomeRole, roleNames } from "./Roles"

/** The employee a grant or revoke named, as the command reports them. */
export const AdminEmployee = Schema.Struct({
  id: EmployeeId,
  email: Schema.String,
  fullName: Schema.String,
  isActive: Schema.Boolean,
})
export type AdminEmployee = typeof AdminEmployee.Type

export interface Granted {
  readonly employee: AdminEmployee
  /** The roles they hold now: the ones they had and the ones granted. */
  readonly roles: Roles
}

export interface Revoked {
  readonly employee: AdminEmployee
  /** The roles they held; none when they were not an admin and nothing changed. */
  readonly before: Option.Option<Roles>
}

export interface AdminRepoService {
  /**
   * The employee's roles, read now; none when they are not an admin, or no longer active (an
   * inactive employee is refused by the bot anyway, and must not keep powers through a row).
   */
  readonly rolesOf: (employeeId: EmployeeId) => Effect.Effect<Option.Option<Roles>, DatabaseError>
  /**
   * Turns the given roles on (the ones held stay), for the active employee with this email
   * (case-insensitive). `actor` is the admin who granted them; none for ops.
   */
  readonly grant: (
    email: string,
    roles: Roles,
    actor: Option.Option<EmployeeId>,
  ) => Effect.Effect<Granted, UnknownEmail | InactiveEmployee | NoRoleNamed | DatabaseError>
  /** Takes every role from the employee with this email; an employee who had none is left as is. */
  readonly revoke: (
    email: string,
    actor: Option.Option<EmployeeId>,
  ) => Effect.Effect<Revoked, UnknownEmail | DatabaseError>
}

/** What `audit_log.details` says of a change: the roles by flag name, null for "not an admin". */
const auditRoles = (roles: Option.Option<Roles>) =>
  Option.match(roles, { onNone: () => null, onSome: roleNames })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const { rolesOf, audit: writeAudit } = yield* makeAudit

  // Locked, so that grants and revokes of one employee take turns and each audit row's "before"
  // is what the change really replaced. Emails are stored trimmed and lower-case.
  const lockEmployee = SqlSchema.findOne({
    Request: Schema.String,
    Result: AdminEmployee,
    execute: (email) => sql`
        SELECT id, email, full_name, is_active FROM employees
        WHERE email = lower(btrim(${email}))
        FOR UPDATE`,
  })

  const employeeByEmail = (email: string) =>
    lockEmployee(email).pipe(
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.fail(new UnknownEmail({ email: email.trim() })),
          onSome: Effect.succeed,
        }),
      ),
    )

  const currentRoles = SqlSchema.findOne({
    Request: EmployeeId,
    Result: RolesFromRow,
    execute: (employeeId) => sql`SELECT * FROM bot_admins WHERE employee_id = ${employeeId}`,
  })

  const upsertRoles = SqlSchema.single({
    Request: Schema.Struct({ employeeId: EmployeeId, roles: RolesSchema }),
    Result: RolesFromRow,
    execute: ({ employeeId, roles }) => sql`
        INSERT INTO bot_admins
          (employee_id, is_super_admin, can_manage_activities, can_manage_users, can_view_reports)
        VALUES (${employeeId}, ${roles.superAdmin}, ${roles.manageActivities},
                ${roles.manageUsers}, ${roles.viewReports})
        ON CONFLICT (employee_id) DO UPDATE SET
          is_super_admin = bot_admins.is_super_admin OR EXCLUDED.is_super_admin,
          can_manage_activities = bot_admins.can_manage_activities OR EXCLUDED.can_manage_activities,
          can_manage_users = bot_admins.can_manage_users OR EXCLUDED.can_manage_users,
          can_view_reports = bot_admins.can_view_reports OR EXCLUDED.can_view_reports
        RETURNING *`,
  })

  const deleteRoles = SqlSchema.findOne({
    Request: EmployeeId,
    Result: RolesFromRow,
    execute: (employeeId) =>
      sql`DELETE FROM bot_admins WHERE employee_id = ${employeeId} RETURNING *`,
  })

  const audit = (entry: {
    readonly actor: Option.Option<EmployeeId>
    readonly action: "admin.grant" | "admin.revoke"
    readonly subject: string
    readonly before: Option.Option<Roles>
    readonly after: Option.Option<Roles>
  }) =>
    writeAudit({
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      details: { before: auditRoles(entry.before), after: auditRoles(entry.after) },
    })

  const sameRoles = (before: Option.Option<Roles>, after: Roles) =>
    Option.isSome(before) && roleNames(before.value).join() === roleNames(after).join()

  // A change is audited; a grant or revoke that changed nothing leaves no row.
  const grant = (email: string, roles: Roles, actor: Option.Option<EmployeeId>) =>
    Effect.zipRight(
      requireSomeRole(roles),
      Effect.gen(function* () {
        const employee = yield* employeeByEmail(email)
        if (!employee.isActive) return yield* new InactiveEmployee({ email: employee.email })
        const before = yield* currentRoles(employee.id)
        const after = yield* upsertRoles({ employeeId: employee.id, roles })
        if (!sameRoles(before, after)) {
          yield* audit({
            actor,
            action: "admin.grant",
            subject: employee.email,
            before,
            after: Option.some(after),
          })
        }
        return { employee, roles: after } satisfies Granted
      }).pipe(sql.withTransaction),
    ).pipe(orDatabaseError)

  const revoke = (email: string, actor: Option.Option<EmployeeId>) =>
    Effect.gen(function* () {
      const employee = yield* employeeByEmail(email)
      const before = yield* deleteRoles(employee.id)
      if (Option.isSome(before)) {
        yield* audit({
          actor,
          action: "admin.revoke",
          subject: employee.email,
          before,
          after: Option.none(),
        })
      }
      return { employee, before } satisfies Revoked
    }).pipe(sql.withTransaction, orDatabaseError)

  return traced("AdminRepo", { rolesOf, grant, revoke } satisfies AdminRepoService)
})

export class AdminRepo extends Context.Tag("connectbot/AdminRepo")<AdminRepo, AdminRepoService>() {
  /** Postgres, read at every call: the ops scripts, and the bot (roles are never cached). */
  static readonly layer = Layer.effect(AdminRepo, make)
}
