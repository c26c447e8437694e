/**
 * An admin's roles (DESIGN.md "Organisers"), as the columns of `bot_admins` hold them, and what
 * each role allows. Pure: whoever asks reads the roles from Postgres first (`AdminRepo.rolesOf`).
 */
import { Effect, Schema } from "effect"
import { NoRoleNamed } from "../domain/Errors"

export const Roles = Schema.Struct({
  /** Everything, granting roles included. */
  superAdmin: Schema.Boolean,
  manageActivities: Schema.Boolean,
  manageUsers: Schema.Boolean,
  viewReports: Schema.Boolean,
})
export type Roles = typeof Roles.Type

export const noRoles: Roles = {
  superAdmin: false,
  manageActivities: false,
  manageUsers: false,
  viewReports: false,
}

export type Permission = "activities" | "users" | "reports" | "grant"

/** Only a super admin grants roles; the other permissions each have a role of their own. */
export const can = (roles: Roles, permission: Permission): boolean => {
  if (roles.superAdmin) return true
  switch (permission) {
    case "activities":
      return roles.manageActivities
    case "users":
      return roles.manageUsers
    case "reports":
      return roles.viewReports
    case "grant":
      return false
  }
}

/**
 * The roles by the names of `grant-admin`'s flags, in its order: what the command prints and
 * what `audit_log.details` records.
 */
export const roleNames = (
  roles: Roles,
): ReadonlyArray<"super" | "activities" | "users" | "reports"> => [
  ...(roles.superAdmin ? (["super"] as const) : []),
  ...(roles.manageActivities ? (["activities"] as const) : []),
  ...(roles.manageUsers ? (["users"] as const) : []),
  ...(roles.viewReports ? (["reports"] as const) : []),
]

/** "super admin, activities, users, reports"; "no roles" for a row with every flag off. */
export const describeRoles = (roles: Roles): string => {
  const names = roleNames(roles).map((name) => (name === "super" ? "super admin" : name))
  return names.length === 0 ? "no roles" : names.join(", ")
}

/** A grant names at least one role: granting nothing is a mistake, not a no-op. */
export const requireSomeRole = (roles: Roles): Effect.Effect<Roles, NoRoleNamed> =>
  roleNames(roles).length === 0 ? Effect.fail(new NoRoleNamed()) : Effect.succeed(roles)
