/**
 * The cached keys that hold one employee's data (DESIGN.md "Cache keys"): `emp:{telegramId}`
 * (recognition) and `int:{employeeId}` (their interests). Writes of the employee and writes of
 * their interests both drop them, through these.
 */
import { Effect } from "effect"
import type { CacheService } from "../cache/Cache"
import { EmployeeEntry, InterestsEntry } from "../cache/Keys"
import type { DatabaseError, EmployeeNotFound } from "../domain/Errors"
import type { EmployeeId, TelegramId } from "../domain/Ids"
import type { Employee } from "../domain/Models"

/** Every key holding the employee's data; no `emp:` key without a linked Telegram account. */
export const employeeKeys = (employeeId: EmployeeId, telegramId: TelegramId | null) => [
  InterestsEntry.key(employeeId),
  ...(telegramId === null ? [] : [EmployeeEntry.key(telegramId)]),
]

/**
 * Drops cached keys of employees. The cache keeps an invalidation it cannot apply now and applies
 * it when it answers again, so it never fails the write it follows.
 */
export const makeEmployeeInvalidation = (
  cache: CacheService,
  getEmployee: (
    employeeId: EmployeeId,
  ) => Effect.Effect<Employee, EmployeeNotFound | DatabaseError>,
) => {
  const drop = (keys: ReadonlyArray<string>) => cache.invalidate(keys)

  const employee = (known: Pick<Employee, "id" | "telegramId">) =>
    drop(employeeKeys(known.id, known.telegramId))

  /** When only the id is known: the employee is looked up to name their `emp:` key. */
  const byId = (employeeId: EmployeeId) =>
    getEmployee(employeeId).pipe(
      Effect.flatMap(employee),
      // Gone meanwhile: its `int:` key is all that can be named.
      Effect.catchTag("EmployeeNotFound", () => drop([InterestsEntry.key(employeeId)])),
    )

  return { drop, employee, byId } as const
}
