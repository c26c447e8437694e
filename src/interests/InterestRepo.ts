/**
 * The interests of employees (DESIGN.md "Interests"): the catalogue, each employee's active
 * interests and the changes Save writes, and the notification setting of each. `layer` reads and
 * writes Postgres; `cached` serves the catalogue (`cat:interests`) and an employee's interests
 * (`int:{employeeId}`) from the cache and drops the employee's keys after every write — what the
 * bot uses.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Context, Effect, Layer, Option, Schema } from "effect"
import { Cache } from "../cache/Cache"
import { CatalogueEntry, InterestsEntry } from "../cache/Keys"
import { orDatabaseError } from "../db/SqlErrors"
import {
  ConflictingInterestChange,
  type DatabaseError,
  EmployeeNotFound,
  InterestNotFound,
  NotSubscribed,
} from "../domain/Errors"
import { EmployeeId, InterestId, type TelegramId } from "../domain/Ids"
import { Interest, NotificationFrequency, NotificationSetting } from "../domain/Models"
import type { InterestChanges } from "../domain/Outcomes"
import { employeeKeys, makeEmployeeInvalidation } from "../employees/EmployeeKeys"
import { EmployeeRepo } from "../employees/EmployeeRepo"
import { traced } from "../telemetry/Spans"

export interface NotificationChange {
  readonly receiveNotifications: boolean
  readonly notificationFrequency?: NotificationFrequency
}

export interface InterestRepoService {
  /** The interests employees can choose from. */
  readonly interestCatalogue: Effect.Effect<ReadonlyArray<Interest>, DatabaseError>
  readonly activeInterests: (
    employeeId: EmployeeId,
  ) => Effect.Effect<ReadonlyArray<Interest>, DatabaseError>
  /** Active interests of many employees in one query (cache warm-up); every id gets an entry. */
  readonly activeInterestsOf: (
    employeeIds: ReadonlyArray<EmployeeId>,
  ) => Effect.Effect<ReadonlyMap<EmployeeId, ReadonlyArray<Interest>>, DatabaseError>
  /**
   * Applies a set of interest changes in one transaction: `enable` turned on, `disable` turned
   * off, every other interest exactly as it was. Unknown interests fail the whole change. An
   * empty change writes nothing. Returns the employee's active interests afterwards.
   * `telegramId`, when the caller knows it (the bot does), saves the cached variant looking the
   * employee up to name their `emp:` key.
   */
  readonly applyInterestChanges: (
    employeeId: EmployeeId,
    changes: InterestChanges,
    telegramId?: TelegramId | null,
  ) => Effect.Effect<
    ReadonlyArray<Interest>,
    ConflictingInterestChange | EmployeeNotFound | InterestNotFound | DatabaseError
  >
  /** Notification settings of each active interest of the employee. */
  readonly notificationSettings: (
    employeeId: EmployeeId,
  ) => Effect.Effect<ReadonlyArray<NotificationSetting>, DatabaseError>
  /** Turns notifications of one active interest on or off (and optionally sets how often). */
  readonly setNotifications: (
    employeeId: EmployeeId,
    interestId: InterestId,
    settings: NotificationChange,
  ) => Effect.Effect<NotificationSetting, NotSubscribed | DatabaseError>
}

/** The interests in Postgres. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // An empty change only checks that the employee exists.
  const findEmployee = SqlSchema.single({
    Request: EmployeeId,
    Result: Schema.Struct({ id: EmployeeId }),
    execute: (id) => sql`SELECT id FROM employees WHERE id = ${id}`,
  })

  const listCatalogue = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Interest,
    execute: () => sql`SELECT * FROM interests WHERE is_active ORDER BY id`,
  })
  const interestCatalogue = orDatabaseError(listCatalogue(undefined))

  const listActiveInterests = SqlSchema.findAll({
    Request: EmployeeId,
    Result: Interest,
    execute: (id) => sql`
        SELECT i.* FROM employee_interests ei
        JOIN interests i ON i.id = ei.interest_id
        WHERE ei.employee_id = ${id} AND ei.is_active AND i.is_active
        ORDER BY i.id`,
  })
  const activeInterests = (employeeId: EmployeeId) =>
    orDatabaseError(listActiveInterests(employeeId))

  const InterestOfEmployee = Schema.Struct({ ...Interest.fields, employeeId: EmployeeId })
  const listActiveInterestsOf = SqlSchema.findAll({
    Request: Schema.Array(EmployeeId),
    Result: InterestOfEmployee,
    execute: (ids) => sql`
        SELECT ei.employee_id, i.* FROM employee_interests ei
        JOIN interests i ON i.id = ei.interest_id
        WHERE ei.employee_id IN ${sql.in(ids)} AND ei.is_active AND i.is_active
        ORDER BY ei.employee_id, i.id`,
  })

  const activeInterestsOf = (employeeIds: ReadonlyArray<EmployeeId>) =>
    (employeeIds.length === 0 ? Effect.succeed([]) : listActiveInterestsOf(employeeIds)).pipe(
      Effect.map((rows) => {
        const byEmployee = new Map<EmployeeId, Array<Interest>>(employeeIds.map((id) => [id, []]))
        for (const { employeeId, ...interest } of rows) {
          byEmployee.get(employeeId)?.push(new Interest(interest))
        }
        return byEmployee as ReadonlyMap<EmployeeId, ReadonlyArray<Interest>>
      }),
      orDatabaseError,
    )

  /** Postgres array literal of ids (validated integers): one parameter, empty or not. */
  const idArray = (ids: ReadonlyArray<number>) => `{${ids.join(",")}}`

  /**
   * Locks the employee's row (serialising concurrent changes of one employee) and says which of
   * `ids` are interests, and whether each is active: no row when the employee does not exist;
   * one row with a null interest when none of the ids is known.
   */
  const lockAndFindInterests = SqlSchema.findAll({
    Request: Schema.Struct({ employeeId: EmployeeId, ids: Schema.Array(InterestId) }),
    Result: Schema.Struct({
      interestId: Schema.NullOr(InterestId),
      isActive: Schema.NullOr(Schema.Boolean),
    }),
    execute: ({ employeeId, ids }) => sql`
        SELECT i.id AS interest_id, i.is_active FROM employees e
        LEFT JOIN interests i ON i.id = ANY(${idArray(ids)}::int[])
        WHERE e.id = ${employeeId}
        FOR NO KEY UPDATE OF e`,
  })

  /**
   * Both sides of a change in one statement, returning the active interests afterwards. The
   * final SELECT reads the snapshot from before the statement, so it is computed: what was
   * active, less `disable`, plus `enable`.
   */
  const writeInterestChanges = SqlSchema.findAll({
    Request: Schema.Struct({
      employeeId: EmployeeId,
      enable: Schema.Array(InterestId),
      disable: Schema.Array(InterestId),
    }),
    Result: Interest,
    execute: ({ employeeId, enable, disable }) => sql`
        WITH enabled AS (
          INSERT INTO employee_interests (employee_id, interest_id, is_active)
          SELECT ${employeeId}, id, true FROM unnest(${idArray(enable)}::int[]) AS id
          ON CONFLICT (employee_id, interest_id) DO UPDATE SET is_active = true
          WHERE NOT employee_interests.is_active
          RETURNING 1
        ), disabled AS (
          UPDATE employee_interests SET is_active = false
          WHERE employee_id = ${employeeId} AND is_active
            AND interest_id = ANY(${idArray(disable)}::int[])
          RETURNING 1
        )
        SELECT i.* FROM interests i
        WHERE i.is_active AND (
          i.id = ANY(${idArray(enable)}::int[])
          OR (
            i.id IN (SELECT interest_id FROM employee_interests
                     WHERE employee_id = ${employeeId} AND is_active)
            AND NOT i.id = ANY(${idArray(disable)}::int[])
          )
        )
        ORDER BY i.id`,
  })

  // Four statements: BEGIN, lock and check, write, COMMIT (the pipeline benchmark counts them).
  const applyInterestChanges = (employeeId: EmployeeId, changes: InterestChanges) =>
    Effect.gen(function* () {
      const enable = Arr.dedupe(changes.enable)
      const disable = Arr.dedupe(changes.disable)
      const conflicting = Arr.intersection(enable, disable)
      if (conflicting.length > 0) {
        return yield* new ConflictingInterestChange({ interestIds: conflicting })
      }
      if (enable.length === 0 && disable.length === 0) {
        yield* findEmployee(employeeId).pipe(
          Effect.catchTag("NoSuchElementException", () => new EmployeeNotFound({ employeeId })),
        )
        return yield* listActiveInterests(employeeId)
      }
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          const known = yield* lockAndFindInterests({ employeeId, ids: [...enable, ...disable] })
          if (known.length === 0) return yield* new EmployeeNotFound({ employeeId })
          const usable = new Set(
            known.flatMap((row) =>
              row.interestId !== null && (row.isActive || disable.includes(row.interestId))
                ? [row.interestId]
                : [],
            ),
          )
          const unknown = [...enable, ...disable].filter((id) => !usable.has(id))
          if (unknown.length > 0) return yield* new InterestNotFound({ interestIds: unknown })
          return yield* writeInterestChanges({ employeeId, enable, disable })
        }),
      )
    }).pipe(orDatabaseError)

  const listNotificationSettings = SqlSchema.findAll({
    Request: EmployeeId,
    Result: NotificationSetting,
    execute: (id) => sql`
        SELECT ei.interest_id, i.code, i.name, i.name_en, i.emoji,
               ei.receive_notifications, ei.notification_frequency
        FROM employee_interests ei
        JOIN interests i ON i.id = ei.interest_id
        WHERE ei.employee_id = ${id} AND ei.is_active AND i.is_active
        ORDER BY i.id`,
  })
  const notificationSettings = (employeeId: EmployeeId) =>
    orDatabaseError(listNotificationSettings(employeeId))

  const updateNotifications = SqlSchema.findOne({
    Request: Schema.Struct({
      employeeId: EmployeeId,
      interestId: InterestId,
      receiveNotifications: Schema.Boolean,
      notificationFrequency: Schema.NullOr(NotificationFrequency),
    }),
    Result: NotificationSetting,
    execute: (request) => sql`
        UPDATE employee_interests ei
        SET receive_notifications = ${request.receiveNotifications},
            notification_frequency = COALESCE(${request.notificationFrequency}, ei.notification_frequency)
        FROM interests i
        WHERE i.id = ei.interest_id AND i.is_active AND ei.is_active
          AND ei.employee_id = ${request.employeeId} AND ei.interest_id = ${request.interestId}
        RETURNING ei.interest_id, i.code, i.name, i.name_en, i.emoji,
                  ei.receive_notifications, ei.notification_frequency`,
  })

  const setNotifications = (
    employeeId: EmployeeId,
    interestId: InterestId,
    settings: NotificationChange,
  ) =>
    Effect.gen(function* () {
      const updated = yield* updateNotifications({
        employeeId,
        interestId,
        receiveNotifications: settings.receiveNotifications,
        notificationFrequency: settings.notificationFrequency ?? null,
      })
      if (Option.isNone(updated)) return yield* new NotSubscribed({ employeeId, interestId })
      return updated.value
    }).pipe(orDatabaseError)

  return traced("InterestRepo", {
    interestCatalogue,
    activeInterests,
    activeInterestsOf,
    applyInterestChanges,
    notificationSettings,
    setNotifications,
  } satisfies InterestRepoService)
})

/**
 * The catalogue and each employee's interests through the cache (DESIGN.md "Cache keys"); every
 * write drops the employee's `int:` and `emp:` keys before it returns, so the same process reads
 * its own writes at once. The catalogue changes by hand, rarely: the change feed drops it when it
 * does. The cache never decides an outcome.
 */
const withCache = (repo: InterestRepoService) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    const employees = yield* EmployeeRepo
    const invalidation = makeEmployeeInvalidation(cache, employees.getEmployee)

    const interestCatalogue = cache.getOrLoad(
      CatalogueEntry.key,
      CatalogueEntry.schema,
      CatalogueEntry.ttl,
      repo.interestCatalogue,
    )

    const activeInterests = (employeeId: EmployeeId) =>
      cache.getOrLoad(
        InterestsEntry.key(employeeId),
        InterestsEntry.schema,
        InterestsEntry.ttl,
        repo.activeInterests(employeeId),
      )

    const applyInterestChanges: InterestRepoService["applyInterestChanges"] = (
      employeeId,
      changes,
      telegramId,
    ) =>
      repo
        .applyInterestChanges(employeeId, changes)
        .pipe(
          Effect.tap(() =>
            telegramId === undefined
              ? invalidation.byId(employeeId)
              : invalidation.drop(employeeKeys(employeeId, telegramId)),
          ),
        )

    const setNotifications: InterestRepoService["setNotifications"] = (
      employeeId,
      interestId,
      settings,
    ) =>
      repo
        .setNotifications(employeeId, interestId, settings)
        .pipe(Effect.tap(() => invalidation.byId(employeeId)))

    return {
      ...repo,
      interestCatalogue,
      activeInterests,
      applyInterestChanges,
      setNotifications,
    } satisfies InterestRepoService
  })

export class InterestRepo extends Context.Tag("connectbot/InterestRepo")<
  InterestRepo,
  InterestRepoService
>() {
  /** Postgres only: the ops scripts, and the tests of the queries. */
  static readonly layer = Layer.effect(InterestRepo, make)
  /** Postgres behind the cache: the bot. Names an employee's keys through `EmployeeRepo`. */
  static readonly cached = Layer.effect(InterestRepo, Effect.flatMap(make, withCache))
}
