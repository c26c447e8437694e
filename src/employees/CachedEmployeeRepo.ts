/**
 * `EmployeeRepo` with its hot reads cached (DESIGN.md "Cache keys") — what the bot and the ops
 * scripts use. Recognition by Telegram id, an employee's interests and an activity's participants
 * come from the cache when they can; every write here drops the keys it affects before it
 * returns, so the same process reads its own writes at once. Writes made elsewhere (plain SQL,
 * another process) reach the cache through the change feed.
 *
 * The cache never decides an outcome: when it fails, reads go to Postgres and the action succeeds.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Option, Struct } from "effect"
import { Cache } from "../cache/Cache"
import { CatalogueEntry, EmployeeEntry, InterestsEntry, ParticipantsEntry } from "../cache/Keys"
import type { ActivityId, EmployeeId, TelegramId } from "../domain/Ids"
import type { Employee } from "../domain/Models"
import { type InterestChanges, Recognition } from "../domain/Outcomes"
import { importEmployees } from "./EmployeeImport"
import { type EmployeeImport, EmployeeRepo } from "./EmployeeRepo"

export class CachedEmployeeRepo extends Effect.Service<CachedEmployeeRepo>()(
  "connectbot/CachedEmployeeRepo",
  {
    effect: Effect.gen(function* () {
      const repo = yield* EmployeeRepo
      const cache = yield* Cache
      const sql = yield* SqlClient.SqlClient

      /** Drops cached keys; a failure is kept by the cache and applied when it answers again. */
      const invalidate = (keys: ReadonlyArray<string>) => Effect.ignore(cache.delete(keys))

      const employeeKeys = (employeeId: EmployeeId, telegramId: TelegramId | null) => [
        InterestsEntry.key(employeeId),
        ...(telegramId === null ? [] : [EmployeeEntry.key(telegramId)]),
      ]

      /** Every key holding the employee's data: `emp:` by Telegram id and `int:` by id. */
      const invalidateEmployee = (employee: Pick<Employee, "id" | "telegramId">) =>
        invalidate(employeeKeys(employee.id, employee.telegramId))

      const invalidateEmployeeById = (employeeId: EmployeeId) =>
        repo.getEmployee(employeeId).pipe(
          Effect.flatMap(invalidateEmployee),
          // Gone meanwhile: its `int:` key is all that can be named.
          Effect.catchTag("EmployeeNotFound", () => invalidate([InterestsEntry.key(employeeId)])),
        )

      const cachedEmployee = (telegramId: TelegramId) =>
        cache
          .get(EmployeeEntry.key(telegramId), EmployeeEntry.schema)
          .pipe(Effect.orElseSucceed(() => Option.none<Employee>()))

      /**
       * Recognition (DESIGN.md "Recognition") with the employee cached under `emp:{telegramId}`.
       * A cached inactive employee is refused as the database would; unknown users are never
       * cached, so a username match can still link them later.
       */
      const recognize = (user: {
        readonly telegramId: TelegramId
        readonly username?: string | undefined
      }) =>
        Effect.gen(function* () {
          const cached = yield* cachedEmployee(user.telegramId)
          if (Option.isSome(cached)) {
            return cached.value.isActive
              ? Recognition.Recognized({ employee: cached.value, linked: false })
              : Recognition.Inactive()
          }
          const recognition = yield* repo.recognize(user)
          if (recognition._tag === "Recognized") {
            const { employee } = recognition
            // Linking wrote to the employee: whatever was cached of them goes first.
            if (recognition.linked) yield* invalidateEmployee(employee)
            yield* Effect.ignore(
              cache.set(
                EmployeeEntry.key(user.telegramId),
                EmployeeEntry.schema,
                employee,
                EmployeeEntry.ttl,
              ),
            )
          }
          return recognition
        })

      const activeInterests = (employeeId: EmployeeId) =>
        cache.getOrLoad(
          InterestsEntry.key(employeeId),
          InterestsEntry.schema,
          InterestsEntry.ttl,
          repo.activeInterests(employeeId),
        )

      /** The catalogue changes by hand, rarely: the change feed drops it when it does. */
      const interestCatalogue = cache.getOrLoad(
        CatalogueEntry.key,
        CatalogueEntry.schema,
        CatalogueEntry.ttl,
        repo.interestCatalogue,
      )

      const participants = (activityId: ActivityId) =>
        cache.getOrLoad(
          ParticipantsEntry.key(activityId),
          ParticipantsEntry.schema,
          ParticipantsEntry.ttl,
          repo.participants(activityId),
        )

      const participantCount = (activityId: ActivityId) =>
        Effect.map(participants(activityId), (holders) => holders.length)

      // -- writes: each drops what it changed ------------------------------------------------

      /**
       * `telegramId`, when the caller knows it (the bot does), saves looking the employee up to
       * name their `emp:` key.
       */
      const applyInterestChanges = (
        employeeId: EmployeeId,
        changes: InterestChanges,
        telegramId?: TelegramId | null,
      ) =>
        repo
          .applyInterestChanges(employeeId, changes)
          .pipe(
            Effect.tap(() =>
              telegramId === undefined
                ? invalidateEmployeeById(employeeId)
                : invalidate(employeeKeys(employeeId, telegramId)),
            ),
          )

      const setNotifications = (
        ...args: Parameters<EmployeeRepo["setNotifications"]>
      ): ReturnType<EmployeeRepo["setNotifications"]> =>
        repo.setNotifications(...args).pipe(Effect.tap(() => invalidateEmployeeById(args[0])))

      const setActive = (employeeId: EmployeeId, isActive: boolean) =>
        repo.setActive(employeeId, isActive).pipe(Effect.tap(invalidateEmployee))

      const upsertEmployee = (row: EmployeeImport) =>
        repo
          .upsertEmployee(row)
          .pipe(
            Effect.tap((result) =>
              result.outcome === "unchanged"
                ? Effect.void
                : invalidate(employeeKeys(result.employeeId, result.telegramId)),
            ),
          )

      /** HR's CSV import; every employee it changed is dropped from the cache. */
      const importEmployeesCsv = (csv: string) =>
        importEmployees(csv).pipe(
          Effect.tap((report) =>
            invalidate(
              report.changed.flatMap((change) =>
                employeeKeys(change.employeeId, change.telegramId),
              ),
            ),
          ),
          Effect.provideService(EmployeeRepo, repo),
          Effect.provideService(SqlClient.SqlClient, sql),
        )

      const join = (activityId: ActivityId, employeeId: EmployeeId) =>
        repo
          .join(activityId, employeeId)
          .pipe(Effect.tap(() => invalidate([ParticipantsEntry.key(activityId)])))

      const leave = (activityId: ActivityId, employeeId: EmployeeId) =>
        repo
          .leave(activityId, employeeId)
          .pipe(Effect.tap(() => invalidate([ParticipantsEntry.key(activityId)])))

      return {
        // Everything else reads Postgres directly.
        ...Struct.omit(repo, "_tag"),
        recognize,
        interestCatalogue,
        activeInterests,
        participants,
        participantCount,
        applyInterestChanges,
        setNotifications,
        setActive,
        upsertEmployee,
        importEmployees: importEmployeesCsv,
        join,
        leave,
      } as const
    }),
    dependencies: [EmployeeRepo.Default],
  },
) {}
