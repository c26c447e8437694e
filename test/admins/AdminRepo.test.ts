import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { AdminRepo } from "../../src/admins/AdminRepo"
import { can, noRoles, type Permission, type Roles } from "../../src/admins/Roles"
import { EmployeeId } from "../../src/domain/Ids"
import { insertEmployee, setActive } from "../support/Fixtures"
import * as TestDatabase from "../support/TestDatabase"

const AdminsLive = AdminRepo.layer.pipe(Layer.provideMerge(TestDatabase.migrated))

const emailOf = (employeeId: EmployeeId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{
      email: string
    }>`SELECT email FROM employees WHERE id = ${employeeId}`
    return row?.email as string
  })

const auditOf = (subject: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{
      actorEmployeeId: number | null
      action: string
      subject: string
      details: unknown
    }>`
      SELECT actor_employee_id, action, subject, details FROM audit_log
      WHERE subject = ${subject} ORDER BY id`
  })

const adminRowOf = (employeeId: EmployeeId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql`SELECT * FROM bot_admins WHERE employee_id = ${employeeId}`
  })

const roles = (granted: Partial<Roles>): Roles => ({ ...noRoles, ...granted })

describe("AdminRepo on Postgres", () => {
  it.layer(AdminsLive)((it) => {
    it.effect("grant turns roles on, a second grant adds to them, each change audited", () =>
      Effect.gen(function* () {
        const repo = yield* AdminRepo
        const id = yield* insertEmployee({ fullName: "Anna Petrova" })
        const email = yield* emailOf(id)
        expect(yield* repo.rolesOf(id)).toEqual(Option.none())

        const first = yield* repo.grant(email, roles({ viewReports: true }), Option.none())
        expect(first.employee).toMatchObject({ id, email, fullName: "Anna Petrova" })
        expect(first.roles).toEqual(roles({ viewReports: true }))
        expect(yield* repo.rolesOf(id)).toEqual(Option.some(roles({ viewReports: true })))

        const second = yield* repo.grant(email, roles({ manageActivities: true }), Option.none())
        expect(second.roles).toEqual(roles({ viewReports: true, manageActivities: true }))

        // Granting what they hold changes nothing and is not audited.
        yield* repo.grant(email, roles({ viewReports: true }), Option.none())

        expect(yield* auditOf(email)).toEqual([
          {
            actorEmployeeId: null,
            action: "admin.grant",
            subject: email,
            details: { before: null, after: ["reports"] },
          },
          {
            actorEmployeeId: null,
            action: "admin.grant",
            subject: email,
            details: { before: ["reports"], after: ["activities", "reports"] },
          },
        ])
      }),
    )

    it.effect("the actor of a grant is recorded; revoke deletes the row, once", () =>
      Effect.gen(function* () {
        const repo = yield* AdminRepo
        const actor = yield* insertEmployee({})
        const id = yield* insertEmployee({})
        const email = yield* emailOf(id)
        yield* repo.grant(email, roles({ superAdmin: true }), Option.some(actor))

        const revoked = yield* repo.revoke(email, Option.some(actor))
        expect(revoked.before).toEqual(Option.some(roles({ superAdmin: true })))
        expect(yield* repo.rolesOf(id)).toEqual(Option.none())
        expect(yield* adminRowOf(id)).toEqual([])

        const again = yield* repo.revoke(email, Option.some(actor))
        expect(again.before).toEqual(Option.none())

        const audit = yield* auditOf(email)
        expect(audit.map((row) => [row.actorEmployeeId, row.action, row.details])).toEqual([
          [actor, "admin.grant", { before: null, after: ["super"] }],
          [actor, "admin.revoke", { before: ["super"], after: null }],
        ])
      }),
    )

    it.effect("emails are matched trimmed and case-insensitively", () =>
      Effect.gen(function* () {
        const repo = yield* AdminRepo
        const id = yield* insertEmployee({})
        const email = yield* emailOf(id)
        const granted = yield* repo.grant(
          `  ${email.toUpperCase()} `,
          roles({ manageUsers: true }),
          Option.none(),
        )
        expect(granted.employee.id).toBe(id)
        expect((yield* auditOf(email)).map((row) => row.subject)).toEqual([email])
        const revoked = yield* repo.revoke(email.toUpperCase(), Option.none())
        expect(revoked.before).toEqual(Option.some(roles({ manageUsers: true })))
      }),
    )

    it.effect("an unknown email, an inactive employee, no role: refused, nothing written", () =>
      Effect.gen(function* () {
        const repo = yield* AdminRepo
        const unknown = yield* Effect.flip(
          repo.grant("nobody@test.example", roles({ superAdmin: true }), Option.none()),
        )
        expect(unknown._tag).toBe("UnknownEmail")
        expect(unknown.message).toContain("nobody@test.example")
        const unknownRevoke = yield* Effect.flip(repo.revoke("Nobody@test.example", Option.none()))
        expect(unknownRevoke.message).toBe("No employee has the email Nobody@test.example")
        expect(yield* auditOf("nobody@test.example")).toEqual([])

        const id = yield* insertEmployee({ isActive: false })
        const email = yield* emailOf(id)
        const inactive = yield* Effect.flip(
          repo.grant(email, roles({ superAdmin: true }), Option.none()),
        )
        expect(inactive._tag).toBe("InactiveEmployee")
        expect(inactive.message).toContain(email)

        const active = yield* insertEmployee({})
        const activeEmail = yield* emailOf(active)
        const none = yield* Effect.flip(repo.grant(activeEmail, noRoles, Option.none()))
        expect(none.message).toBe(
          "name at least one role: --super, --activities, --users, --reports",
        )
        for (const [employee, subject] of [
          [id, email],
          [active, activeEmail],
        ] as const) {
          expect(yield* adminRowOf(employee)).toEqual([])
          expect(yield* auditOf(subject)).toEqual([])
        }
      }),
    )

    it.effect("a grant whose audit row cannot be written grants nothing (one transaction)", () =>
      Effect.gen(function* () {
        const repo = yield* AdminRepo
        const id = yield* insertEmployee({})
        const email = yield* emailOf(id)
        // No such employee: the audit row's foreign key fails after the roles were written.
        const missingActor = EmployeeId.make(2_147_483_000)
        const failed = yield* Effect.flip(
          repo.grant(email, roles({ superAdmin: true }), Option.some(missingActor)),
        )
        expect(failed._tag).toBe("DatabaseError")
        expect(yield* adminRowOf(id)).toEqual([])
        expect(yield* auditOf(email)).toEqual([])
        expect(yield* repo.rolesOf(id)).toEqual(Option.none())
      }),
    )

    it.effect("roles are read at every call: a revoke or deactivation counts at once", () =>
      Effect.gen(function* () {
        const repo = yield* AdminRepo
        const sql = yield* SqlClient.SqlClient
        const id = yield* insertEmployee({})
        const email = yield* emailOf(id)
        yield* repo.grant(email, roles({ manageActivities: true }), Option.none())
        expect(Option.isSome(yield* repo.rolesOf(id))).toBe(true)
        // Ops with plain SQL, behind the repository's back.
        yield* sql`UPDATE bot_admins SET can_manage_activities = false WHERE employee_id = ${id}`
        expect(yield* repo.rolesOf(id)).toEqual(Option.some(noRoles))
        yield* sql`UPDATE bot_admins SET can_view_reports = true WHERE employee_id = ${id}`
        expect(yield* repo.rolesOf(id)).toEqual(Option.some(roles({ viewReports: true })))
        yield* setActive(id, false)
        expect(yield* repo.rolesOf(id)).toEqual(Option.none())
      }),
    )
  })
})

describe("can", () => {
  const permissions: ReadonlyArray<Permission> = ["activities", "users", "reports", "grant"]
  const table: ReadonlyArray<readonly [Partial<Roles>, ReadonlyArray<Permission>]> = [
    [{}, []],
    [{ manageActivities: true }, ["activities"]],
    [{ manageUsers: true }, ["users"]],
    [{ viewReports: true }, ["reports"]],
    [
      { manageActivities: true, manageUsers: true, viewReports: true },
      ["activities", "users", "reports"],
    ],
    [{ superAdmin: true }, ["activities", "users", "reports", "grant"]],
  ]
  for (const [granted, allowed] of table) {
    it(`${JSON.stringify(granted)} may ${allowed.join(", ") || "nothing"}`, () => {
      expect(permissions.filter((permission) => can(roles(granted), permission))).toEqual(allowed)
    })
  }
})
