import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Array as Arr, Effect, Option, Schema, Stream } from "effect"
import { orDatabaseError } from "../db/Database"
import { Participation } from "../domain/Achievements"
import {
  ActivityNotFound,
  ConflictingInterestChange,
  EmployeeNotFound,
  InterestNotFound,
  NotSubscribed,
} from "../domain/Errors"
import {
  ActivityId,
  BusinessCenterId,
  DepartmentId,
  EmployeeId,
  InterestId,
  TelegramId,
} from "../domain/Ids"
import {
  Activity,
  ActivityCounts,
  ActivityStatus,
  BusinessCenter,
  Department,
  Employee,
  EmployeeProfile,
  Interest,
  NotificationFrequency,
  NotificationSetting,
  Participant,
  ParticipantStatus,
  placeHoldingStatuses,
  UpcomingActivity,
} from "../domain/Models"
import { type InterestChanges, JoinOutcome, LeaveOutcome, Recognition } from "../domain/Outcomes"
import { LocalDate } from "../domain/Time"
import { normalizeUsername } from "../domain/Username"

/** One employee as HR's import describes them; `null` fields keep what the database has. */
export const EmployeeImport = Schema.Struct({
  fullName: Schema.String,
  email: Schema.String,
  telegramUsername: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  departmentId: Schema.NullOr(DepartmentId),
  businessCenterId: Schema.NullOr(BusinessCenterId),
  position: Schema.NullOr(Schema.String),
  hireDate: Schema.NullOr(LocalDate),
})
export type EmployeeImport = typeof EmployeeImport.Type

export interface ImportedEmployee {
  readonly outcome: "inserted" | "updated" | "unchanged"
  readonly employeeId: EmployeeId
  readonly telegramId: TelegramId | null
}

/** `pg` reports constraint violations by SQLSTATE; 23505 is unique_violation. */
const isUniqueViolation = (error: SqlError): boolean =>
  (error.cause as { code?: unknown } | undefined)?.code === "23505"

/** A row that must exist: its absence is the given typed error. */
const someOrFail =
  <E>(notFound: () => E) =>
  <A, E2, R>(self: Effect.Effect<Option.Option<A>, E2, R>): Effect.Effect<A, E | E2, R> =>
    Effect.flatMap(
      self,
      Option.match({ onNone: () => Effect.fail(notFound()), onSome: Effect.succeed }),
    )

const Count = Schema.Struct({ count: Schema.Int })

export class EmployeeRepo extends Effect.Service<EmployeeRepo>()("connectbot/EmployeeRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const holdsPlace = sql.in(placeHoldingStatuses)

    // -- recognition ---------------------------------------------------------------------------

    const findByTelegramId = SqlSchema.findOne({
      Request: TelegramId,
      Result: Employee,
      execute: (telegramId) => sql`SELECT * FROM employees WHERE telegram_id = ${telegramId}`,
    })

    // Two rows are enough to know the match is ambiguous.
    const findActiveByNormalizedUsername = SqlSchema.findAll({
      Request: Schema.String,
      Result: Employee,
      execute: (normalized) => sql`
        SELECT * FROM employees
        WHERE is_active AND normalized_username = ${normalized}
        ORDER BY id
        LIMIT 2`,
    })

    const linkTelegramAccount = SqlSchema.findOne({
      Request: Schema.Struct({
        employeeId: EmployeeId,
        telegramId: TelegramId,
        username: Schema.NullOr(Schema.String),
      }),
      Result: Employee,
      execute: ({ employeeId, telegramId, username }) => sql`
        UPDATE employees
        SET telegram_id = ${telegramId},
            telegram_username = COALESCE(${username}, telegram_username),
            authorized = true,
            last_activity = now()
        WHERE id = ${employeeId} AND is_active AND (telegram_id IS NULL OR telegram_id = ${telegramId})
        RETURNING *`,
    })

    /**
     * Recognises a Telegram user (DESIGN.md "Recognition"): by Telegram id; else by the
     * normalised username when exactly one active, not yet linked employee has it, in which case
     * the account is linked and the employee marked authorized. An employee already linked to
     * another Telegram account is never taken over through a username.
     */
    const recognize = (user: {
      readonly telegramId: TelegramId
      readonly username?: string | undefined
    }) =>
      Effect.gen(function* () {
        const known = yield* findByTelegramId(user.telegramId)
        if (Option.isSome(known)) {
          return known.value.isActive
            ? Recognition.Recognized({ employee: known.value, linked: false })
            : Recognition.Inactive()
        }
        const normalized = user.username === undefined ? null : normalizeUsername(user.username)
        if (normalized === null) return Recognition.Unknown()
        const candidates = yield* findActiveByNormalizedUsername(normalized)
        const candidate = candidates.length === 1 ? candidates[0] : undefined
        if (candidate === undefined || candidate.telegramId !== null) return Recognition.Unknown()
        const linked = yield* linkTelegramAccount({
          employeeId: candidate.id,
          telegramId: user.telegramId,
          username: user.username?.trim().replace(/^@/, "") ?? null,
        }).pipe(
          // Another employee took this Telegram id meanwhile: no safe match.
          Effect.catchIf(
            (error): error is SqlError => error._tag === "SqlError" && isUniqueViolation(error),
            () => Effect.succeed(Option.none<Employee>()),
          ),
        )
        return Option.match(linked, {
          onNone: () => Recognition.Unknown(),
          onSome: (employee) => Recognition.Recognized({ employee, linked: true }),
        })
      }).pipe(orDatabaseError, Effect.withSpan("EmployeeRepo.recognize"))

    // -- employees ------------------------------------------------------------------------------

    const findById = SqlSchema.findOne({
      Request: EmployeeId,
      Result: Employee,
      execute: (id) => sql`SELECT * FROM employees WHERE id = ${id}`,
    })

    const getEmployee = (employeeId: EmployeeId) =>
      findById(employeeId).pipe(
        someOrFail(() => new EmployeeNotFound({ employeeId })),
        orDatabaseError,
      )

    const findProfile = SqlSchema.findOne({
      Request: EmployeeId,
      Result: EmployeeProfile,
      execute: (id) => sql`
        SELECT e.*, d.code AS department_code, d.name AS department_name,
               b.name AS business_center_name
        FROM employees e
        LEFT JOIN departments d ON d.id = e.department_id
        LEFT JOIN business_centers b ON b.id = e.business_center_id
        WHERE e.id = ${id}`,
    })

    /** The employee with their department and office names. */
    const getProfile = (employeeId: EmployeeId) =>
      findProfile(employeeId).pipe(
        someOrFail(() => new EmployeeNotFound({ employeeId })),
        orDatabaseError,
      )

    const findActivityCounts = SqlSchema.single({
      Request: EmployeeId,
      Result: ActivityCounts,
      execute: (id) => sql`
        SELECT
          count(*) FILTER (
            WHERE p.status = 'confirmed' AND a.status IN ('scheduled', 'active') AND a.scheduled_at > now()
          )::int AS upcoming,
          count(*) FILTER (WHERE p.status = 'attended')::int AS attended,
          count(*) FILTER (WHERE p.status IN ${holdsPlace})::int AS joined
        FROM activity_participants p
        JOIN activities a ON a.id = p.activity_id
        WHERE p.employee_id = ${id}`,
    })

    const activityCounts = (employeeId: EmployeeId) =>
      orDatabaseError(findActivityCounts(employeeId))

    const updateActive = SqlSchema.findOne({
      Request: Schema.Struct({ employeeId: EmployeeId, isActive: Schema.Boolean }),
      Result: Employee,
      execute: ({ employeeId, isActive }) =>
        sql`UPDATE employees SET is_active = ${isActive} WHERE id = ${employeeId} RETURNING *`,
    })

    /** Deactivates (or reactivates) an employee; an inactive employee is refused by the bot. */
    const setActive = (employeeId: EmployeeId, isActive: boolean) =>
      updateActive({ employeeId, isActive }).pipe(
        someOrFail(() => new EmployeeNotFound({ employeeId })),
        orDatabaseError,
      )

    const ImportResult = Schema.Struct({
      inserted: Schema.Boolean,
      id: EmployeeId,
      telegramId: Schema.NullOr(TelegramId),
    })

    const upsertByEmail = SqlSchema.findOne({
      Request: EmployeeImport,
      Result: ImportResult,
      // `xmax = 0` tells a fresh insert from an update; the WHERE skips rows that would not change.
      execute: (row) => sql`
        INSERT INTO employees ${sql.insert({
          fullName: row.fullName,
          email: row.email,
          telegramUsername: row.telegramUsername,
          phone: row.phone,
          departmentId: row.departmentId,
          businessCenterId: row.businessCenterId,
          position: row.position,
          hireDate: row.hireDate,
        })}
        ON CONFLICT (email) DO UPDATE SET
          full_name = EXCLUDED.full_name,
          telegram_username = COALESCE(EXCLUDED.telegram_username, employees.telegram_username),
          phone = COALESCE(EXCLUDED.phone, employees.phone),
          department_id = COALESCE(EXCLUDED.department_id, employees.department_id),
          business_center_id = COALESCE(EXCLUDED.business_center_id, employees.business_center_id),
          position = COALESCE(EXCLUDED.position, employees.position),
          hire_date = COALESCE(EXCLUDED.hire_date, employees.hire_date)
        WHERE (employees.full_name, employees.telegram_username, employees.phone,
               employees.department_id, employees.business_center_id, employees.position,
               employees.hire_date)
          IS DISTINCT FROM
              (EXCLUDED.full_name,
               COALESCE(EXCLUDED.telegram_username, employees.telegram_username),
               COALESCE(EXCLUDED.phone, employees.phone),
               COALESCE(EXCLUDED.department_id, employees.department_id),
               COALESCE(EXCLUDED.business_center_id, employees.business_center_id),
               COALESCE(EXCLUDED.position, employees.position),
               COALESCE(EXCLUDED.hire_date, employees.hire_date))
        RETURNING (xmax = 0) AS inserted, id, telegram_id`,
    })

    const findIdByEmail = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ id: EmployeeId, telegramId: Schema.NullOr(TelegramId) }),
      execute: (email) => sql`SELECT id, telegram_id FROM employees WHERE email = ${email}`,
    })

    /**
     * Inserts or updates one employee keyed by email (HR's import). Empty fields keep what the
     * database has; `is_active` and the Telegram link are never touched by an import.
     */
    const upsertEmployee = (row: EmployeeImport) =>
      upsertByEmail(row).pipe(
        Effect.flatMap(
          Option.match({
            onSome: ({ inserted, id, telegramId }) =>
              Effect.succeed<ImportedEmployee>({
                outcome: inserted ? "inserted" : "updated",
                employeeId: id,
                telegramId,
              }),
            onNone: () =>
              Effect.map(
                findIdByEmail(row.email),
                ({ id, telegramId }): ImportedEmployee => ({
                  outcome: "unchanged",
                  employeeId: id,
                  telegramId,
                }),
              ),
          }),
        ),
        orDatabaseError,
      )

    const listDepartments = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Department,
      execute: () => sql`SELECT * FROM departments ORDER BY id`,
    })
    const departments = orDatabaseError(listDepartments(undefined))

    const listBusinessCenters = SqlSchema.findAll({
      Request: Schema.Void,
      Result: BusinessCenter,
      execute: () => sql`SELECT * FROM business_centers ORDER BY id`,
    })
    const businessCenters = orDatabaseError(listBusinessCenters(undefined))

    // -- interests ------------------------------------------------------------------------------

    const listCatalogue = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Interest,
      execute: () => sql`SELECT * FROM interests WHERE is_active ORDER BY id`,
    })
    /** The interests employees can choose from. */
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

    /** Active interests of many employees in one query (cache warm-up); every id gets an entry. */
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

    /**
     * Applies a set of interest changes in one transaction: `enable` turned on, `disable` turned
     * off, every other interest exactly as it was. Unknown interests fail the whole change. An
     * empty change writes nothing. Returns the employee's active interests afterwards. Four
     * statements: BEGIN, lock and check, write, COMMIT.
     */
    const applyInterestChanges = (employeeId: EmployeeId, changes: InterestChanges) =>
      Effect.gen(function* () {
        const enable = Arr.dedupe(changes.enable)
        const disable = Arr.dedupe(changes.disable)
        const conflicting = Arr.intersection(enable, disable)
        if (conflicting.length > 0) {
          return yield* new ConflictingInterestChange({ interestIds: conflicting })
        }
        if (enable.length === 0 && disable.length === 0) {
          yield* getEmployee(employeeId)
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
      }).pipe(orDatabaseError, Effect.withSpan("EmployeeRepo.applyInterestChanges"))

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
    /** Notification settings of each active interest of the employee. */
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

    /** Turns notifications of one active interest on or off (and optionally sets how often). */
    const setNotifications = (
      employeeId: EmployeeId,
      interestId: InterestId,
      settings: {
        readonly receiveNotifications: boolean
        readonly notificationFrequency?: NotificationFrequency
      },
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

    // -- activities -----------------------------------------------------------------------------

    const listUpcoming = SqlSchema.findAll({
      Request: Schema.Struct({ employeeId: EmployeeId, limit: Schema.Int }),
      Result: UpcomingActivity,
      execute: ({ employeeId, limit }) => sql`
        SELECT a.*,
          (SELECT count(*)::int FROM activity_participants p
           WHERE p.activity_id = a.id AND p.status IN ${holdsPlace}) AS participant_count,
          EXISTS (SELECT 1 FROM activity_participants p
                  WHERE p.activity_id = a.id AND p.employee_id = ${employeeId}
                    AND p.status IN ${holdsPlace}) AS joined,
          EXISTS (SELECT 1 FROM employee_interests ei
                  WHERE ei.employee_id = ${employeeId} AND ei.interest_id = a.interest_id
                    AND ei.is_active) AS matches_interests
        FROM activities a
        WHERE a.status = 'scheduled' AND a.scheduled_at > now()
        ORDER BY matches_interests DESC, a.scheduled_at, a.id
        LIMIT ${limit}`,
    })

    /** Scheduled activities still ahead, the employee's interests first, then by date. */
    const upcomingActivities = (employeeId: EmployeeId, options?: { readonly limit?: number }) =>
      orDatabaseError(listUpcoming({ employeeId, limit: options?.limit ?? 20 }))

    const selectActivity = sql`
      SELECT a.*,
        (SELECT count(*)::int FROM activity_participants p
         WHERE p.activity_id = a.id AND p.status IN ${holdsPlace}) AS participant_count
      FROM activities a`

    const findActivity = SqlSchema.findOne({
      Request: ActivityId,
      Result: Activity,
      execute: (id) => sql`${selectActivity} WHERE a.id = ${id}`,
    })

    const getActivity = (activityId: ActivityId) =>
      findActivity(activityId).pipe(
        someOrFail(() => new ActivityNotFound({ activityId })),
        orDatabaseError,
      )

    const listParticipantsOf = SqlSchema.findAll({
      Request: Schema.Array(ActivityId),
      Result: Participant,
      execute: (ids) => sql`
        SELECT p.activity_id, p.employee_id, e.full_name, e.telegram_username, p.status, p.rating,
               p.invited_at, p.responded_at, p.attended_at
        FROM activity_participants p
        JOIN employees e ON e.id = p.employee_id
        WHERE p.activity_id IN ${sql.in(ids)} AND p.status IN ${holdsPlace}
        ORDER BY p.activity_id, p.responded_at NULLS LAST, p.employee_id`,
    })

    /**
     * The people holding a place in each of the activities, in the order they joined, in one
     * query (cache warm-up); every id gets an entry.
     */
    const participantsOf = (activityIds: ReadonlyArray<ActivityId>) =>
      (activityIds.length === 0 ? Effect.succeed([]) : listParticipantsOf(activityIds)).pipe(
        Effect.map((rows) => {
          const byActivity = new Map<ActivityId, Array<Participant>>(
            activityIds.map((id) => [id, []]),
          )
          for (const row of rows) byActivity.get(row.activityId)?.push(row)
          return byActivity as ReadonlyMap<ActivityId, ReadonlyArray<Participant>>
        }),
        orDatabaseError,
      )

    /** The people holding a place in the activity, in the order they joined. */
    const participants = (activityId: ActivityId) =>
      Effect.map(participantsOf([activityId]), (byActivity) => byActivity.get(activityId) ?? [])

    const listParticipationHistory = SqlSchema.findAll({
      Request: EmployeeId,
      Result: Participation,
      execute: (id) => sql`
        SELECT p.activity_id, a.interest_id, a.scheduled_at, a.duration_minutes, p.status,
               a.status AS activity_status
        FROM activity_participants p
        JOIN activities a ON a.id = p.activity_id
        WHERE p.employee_id = ${id}
        ORDER BY a.scheduled_at, a.id`,
    })

    /**
     * Every activity the employee was ever a participant of, whatever the status, oldest first:
     * what counts as real participation is the domain's rule (`achievementsOf`).
     */
    const participationHistory = (employeeId: EmployeeId) =>
      orDatabaseError(listParticipationHistory(employeeId))

    const countParticipants = SqlSchema.single({
      Request: ActivityId,
      Result: Count,
      execute: (id) => sql`
        SELECT count(*)::int AS count FROM activity_participants
        WHERE activity_id = ${id} AND status IN ${holdsPlace}`,
    })
    const participantCount = (activityId: ActivityId) =>
      countParticipants(activityId).pipe(
        Effect.map(({ count }) => count),
        orDatabaseError,
      )

    const lockActivity = SqlSchema.findOne({
      Request: ActivityId,
      Result: Schema.Struct({
        status: ActivityStatus,
        maxParticipants: Schema.NullOr(Schema.Int),
        open: Schema.Boolean,
      }),
      // The row lock serialises joins and leaves of one activity: capacity is checked and taken
      // by one transaction at a time, however many people press Join at once.
      execute: (id) => sql`
        SELECT status, max_participants, (status = 'scheduled' AND scheduled_at > now()) AS open
        FROM activities WHERE id = ${id}
        FOR UPDATE`,
    })

    const findParticipantStatus = SqlSchema.findOne({
      Request: Schema.Struct({ activityId: ActivityId, employeeId: EmployeeId }),
      Result: Schema.Struct({ status: ParticipantStatus }),
      execute: ({ activityId, employeeId }) => sql`
        SELECT status FROM activity_participants
        WHERE activity_id = ${activityId} AND employee_id = ${employeeId}`,
    })

    /**
     * Takes a place in an activity. Never exceeds `max_participants`; joining twice, a full
     * activity and one that is not open are outcomes, not errors.
     */
    const join = (activityId: ActivityId, employeeId: EmployeeId) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const activity = yield* lockActivity(activityId)
            if (Option.isNone(activity)) return yield* new ActivityNotFound({ activityId })
            const employee = yield* findById(employeeId)
            if (Option.isNone(employee) || !employee.value.isActive) {
              return yield* new EmployeeNotFound({ employeeId })
            }
            const { count } = yield* countParticipants(activityId)
            const current = yield* findParticipantStatus({ activityId, employeeId })
            if (Option.isSome(current) && placeHoldingStatuses.includes(current.value.status)) {
              return JoinOutcome.AlreadyJoined({ participantCount: count })
            }
            const { status, maxParticipants, open } = activity.value
            if (!open) return JoinOutcome.NotOpen({ status })
            if (maxParticipants !== null && count >= maxParticipants) {
              return JoinOutcome.Full({ maxParticipants })
            }
            yield* sql`
              INSERT INTO activity_participants (activity_id, employee_id, status, responded_at)
              VALUES (${activityId}, ${employeeId}, 'confirmed', now())
              ON CONFLICT (activity_id, employee_id) DO UPDATE
              SET status = 'confirmed', responded_at = now()`
            return JoinOutcome.Joined({ participantCount: count + 1 })
          }),
        )
        .pipe(orDatabaseError, Effect.withSpan("EmployeeRepo.join"))

    /** Gives up a place. Leaving what one has not joined is an outcome, not an error. */
    const leave = (activityId: ActivityId, employeeId: EmployeeId) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const activity = yield* lockActivity(activityId)
            if (Option.isNone(activity)) return yield* new ActivityNotFound({ activityId })
            if (!activity.value.open) return LeaveOutcome.NotOpen({ status: activity.value.status })
            const left = yield* sql`
              UPDATE activity_participants SET status = 'declined', responded_at = now()
              WHERE activity_id = ${activityId} AND employee_id = ${employeeId} AND status = 'confirmed'
              RETURNING employee_id`
            const { count } = yield* countParticipants(activityId)
            return left.length === 0
              ? LeaveOutcome.NotJoined()
              : LeaveOutcome.Left({ participantCount: count })
          }),
        )
        .pipe(orDatabaseError, Effect.withSpan("EmployeeRepo.leave"))

    // -- feeds for cache warm-up ----------------------------------------------------------------

    const pageOfLinkedEmployees = SqlSchema.findAll({
      Request: Schema.Struct({ afterId: Schema.Int, limit: Schema.Int }),
      Result: Employee,
      execute: ({ afterId, limit }) => sql`
        SELECT * FROM employees
        WHERE is_active AND telegram_id IS NOT NULL AND id > ${afterId}
        ORDER BY id
        LIMIT ${limit}`,
    })

    /** Active employees with a Telegram id, in batches of `batchSize` (keyset pagination). */
    const linkedEmployees = (batchSize: number) =>
      Stream.paginateEffect(0, (afterId: number) =>
        pageOfLinkedEmployees({ afterId, limit: batchSize }).pipe(
          Effect.map((page) => {
            const last = page.at(-1)
            return [
              page,
              page.length < batchSize || last === undefined
                ? Option.none()
                : Option.some(last.id as number),
            ] as const
          }),
          orDatabaseError,
        ),
      ).pipe(Stream.filter((page) => page.length > 0))

    const countLinkedEmployees = SqlSchema.single({
      Request: Schema.Void,
      Result: Count,
      execute: () =>
        sql`SELECT count(*)::int AS count FROM employees WHERE is_active AND telegram_id IS NOT NULL`,
    })
    /** How many employees `linkedEmployees` yields (progress of the cache warm-up). */
    const linkedEmployeeCount = countLinkedEmployees(undefined).pipe(
      Effect.map(({ count }) => count),
      orDatabaseError,
    )

    const listOpenActivities = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Activity,
      execute: () => sql`
        ${selectActivity}
        WHERE a.status IN ('scheduled', 'active')
        ORDER BY a.scheduled_at, a.id`,
    })
    /** Scheduled and active activities: the ones whose participants are worth caching. */
    const openActivities = orDatabaseError(listOpenActivities(undefined))

    return {
      recognize,
      getEmployee,
      getProfile,
      activityCounts,
      setActive,
      upsertEmployee,
      departments,
      businessCenters,
      interestCatalogue,
      activeInterests,
      activeInterestsOf,
      applyInterestChanges,
      notificationSettings,
      setNotifications,
      upcomingActivities,
      getActivity,
      participants,
      participantsOf,
      participantCount,
      participationHistory,
      join,
      leave,
      linkedEmployees,
      linkedEmployeeCount,
      openActivities,
    } as const
  }),
}) {}
