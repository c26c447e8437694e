/** `tsx scripts/db.ts revoke-admin EMAIL`: takes every admin role from the employee. */
import { Console, Effect, Option } from "effect"
import { AdminRepo } from "../../admins/AdminRepo"
import { migrateAndReport } from "./Shared"

export const revokeAdmin = (email: string) =>
  Effect.gen(function* () {
    yield* migrateAndReport
    const repo = yield* AdminRepo
    const { employee, before } = yield* repo.revoke(email, Option.none())
    yield* Console.log(
      Option.isSome(before)
        ? `${employee.email} is no longer an admin`
        : `${employee.email} was not an admin; nothing changed`,
    )
  })
