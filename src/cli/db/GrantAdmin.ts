/** `tsx scripts/db.ts grant-admin EMAIL [--super] [--activities] [--users] [--reports]`. */
import type { SqlClient } from "@effect/sql"
import { Console, Effect, type Layer, Option } from "effect"
import { AdminRepo } from "../../admins/AdminRepo"
import { describeRoles, type Roles, requireSomeRole } from "../../admins/Roles"
import { migrateAndReport } from "./Shared"

/**
 * Turns the named roles on for the employee with this email (the roles they hold stay) and says
 * what they hold now. A grant naming no role fails before `database` is opened; ops are the
 * actor (none) in the audit trail.
 */
export const grantAdmin = <E, R>(
  email: string,
  roles: Roles,
  database: Layer.Layer<AdminRepo | SqlClient.SqlClient, E, R>,
) =>
  Effect.gen(function* () {
    yield* requireSomeRole(roles)
    const granted = yield* Effect.gen(function* () {
      yield* migrateAndReport
      return yield* Effect.flatMap(AdminRepo, (repo) => repo.grant(email, roles, Option.none()))
    }).pipe(Effect.provide(database))
    yield* Console.log(
      `${granted.employee.email} (${granted.employee.fullName}): ${describeRoles(granted.roles)}`,
    )
  })
