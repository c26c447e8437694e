/**
 * The three repositories over plain in-memory tables (`World`), with the semantics of their SQL
 * (src/employees/EmployeeRepo.ts, src/interests/InterestRepo.ts, src/activities/ActivityRepo.ts),
 * so that the flows run in milliseconds without Postgres, Redis or a Telegram server. Only what
 * the flows call is here; the rest dies saying so. The end-to-end suite (test/bot/*.e2e.test.ts)
 * stays the judge of the real queries.
 *
 * Each write is one synchronous block (`Effect.sync`): nothing else runs in between, which is
 * what the SQL's row locks give the real repositories.
 *
 * Where a fake would not be honest, and the e2e tests keep the case:
 * - Rows "not rewritten": Postgres bumps `updated_at` on every UPDATE (a trigger), and the e2e
 *   tests check that Save leaves untouched rows alone by that column. The tables here keep no
 *   `updated_at`, so they cannot tell a rewrite from no write.
 * - `now()` is the transaction's start in Postgres; here it is the `Clock` at the call.
 * - The cached variants (`EmployeeRepo.cached`, …) and their invalidation are not here: the flows
 *   see the plain semantics, as they would with a cache that is always right.
 */
import { Array as Arr, Clock, Effect, Layer, Option, Stream } from "effect"
import { ActivityRepo, type ActivityRepoService } from "../../src/activities/ActivityRepo"
import { defaultInterests } from "../../src/db/migrations/0004_reference_data"
import { defaultMatching } from "../../src/db/migrations/0006_rounds"
import { Participation } from "../../src/domain/Achievements"
import {
  ActivityNotFound,
  ConflictingInterestChange,
  EmployeeNotFound,
  InterestNotFound,
  NotSubscribed,
} from "../../src/domain/Errors"
import { ActivityId, EmployeeId, InterestId, type TelegramId } from "../../src/domain/Ids"
import type { Locale } from "../../src/domain/Models"
import {
  Activity,
  ActivityCounts,
  type ActivityStatus,
  Employee,
  EmployeeProfile,
  Interest,
  type NotificationFrequency,
  NotificationSetting,
  Participant,
  type ParticipantStatus,
  placeHoldingStatuses,
  UpcomingActivity,
} from "../../src/domain/Models"
import { JoinOutcome, LeaveOutcome, Recognition } from "../../src/domain/Outcomes"
import { normalizeUsername } from "../../src/domain/Username"
import { EmployeeRepo, type EmployeeRepoService } from "../../src/employees/EmployeeRepo"
import { InterestRepo, type InterestRepoService } from "../../src/interests/InterestRepo"
import { MatchingInterest } from "../../src/rounds/RoundRepo"
import { RoundAnswers, type RoundAnswersService } from "../../src/rounds/Rounds"

/** A row of `employee_interests`. */
interface EmployeeInterestRow {
  isActive: boolean
  receiveNotifications: boolean
  notificationFrequency: NotificationFrequency
}

/** A row of `activities`, without the counts the queries compute. */
type ActivityRow = Omit<Activity, "participantCount">

/** A row of `activity_participants`. */
interface ParticipantRow {
  readonly activityId: ActivityId
  readonly employeeId: EmployeeId
  status: ParticipantStatus
  readonly invitedAt: Date
  respondedAt: Date | null
}

/** The department and office names the profile joins in. */
interface Workplace {
  readonly departmentName: string | null
  readonly departmentCode: string | null
  readonly businessCenterName: string | null
}

export interface World {
  readonly employees: Map<EmployeeId, Employee>
  readonly workplaces: Map<EmployeeId, Workplace>
  /** The catalogue, retired interests included (`isActive: false`), in id order. */
  readonly interests: Array<Interest>
  /** Keyed by `${employeeId}:${interestId}`. */
  readonly employeeInterests: Map<string, EmployeeInterestRow>
  readonly activities: Map<ActivityId, ActivityRow>
  readonly participants: Array<ParticipantRow>
  /** `employee_interests.paused_until` by `${employeeId}:${interestId}` (YYYY-MM-DD). */
  readonly pausedUntil: Map<string, string | null>
}

const rowKey = (employeeId: EmployeeId, interestId: InterestId) => `${employeeId}:${interestId}`

const notInFake = (method: string) =>
  `${method} is not in the in-memory fake: the flows do not call it (test/support/InMemory.ts)`

/** The seeded catalogue (migration 0004), ids in its order as a fresh database numbers them. */
const seededCatalogue = (): Array<Interest> =>
  defaultInterests.map(
    (interest, index) =>
      new Interest({
        id: InterestId.make(index + 1),
        code: interest.code,
        name: interest.name,
        nameEn: interest.nameEn,
        emoji: interest.emoji,
        description: interest.description,
        isActive: true,
        scheduleFrequency: interest.scheduleFrequency,
      }),
  )

export const makeWorld = (): World => ({
  pausedUntil: new Map(),
  employees: new Map(),
  workplaces: new Map(),
  interests: seededCatalogue(),
  employeeInterests: new Map(),
  activities: new Map(),
  participants: [],
})

const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

// -- seeding, as the e2e fixtures do with SQL ----------------------------------------------------

/** The id of a catalogue interest by code; a typo fails the test at once. */
export const interestId = (world: World, code: string): InterestId => {
  const interest = world.interests.find((candidate) => candidate.code === code)
  if (interest === undefined) throw new Error(`no interest ${code} in the catalogue`)
  return interest.id
}

export const addEmployee = (
  world: World,
  fields: {
    readonly fullName?: string
    readonly username?: string | null
    readonly telegramId?: TelegramId | null
    readonly isActive?: boolean
    readonly departmentName?: string
    readonly businessCenterName?: string
    readonly locale?: Locale | null
  },
) =>
  Effect.map(now, (at) => {
    const id = EmployeeId.make(world.employees.size + 1)
    const username = fields.username ?? null
    world.employees.set(
      id,
      new Employee({
        id,
        fullName: fields.fullName ?? `Employee ${id}`,
        position: "Tester",
        departmentId: null,
        businessCenterId: null,
        email: `e-${id}@test.example`,
        phone: null,
        telegramId: fields.telegramId ?? null,
        telegramUsername: username,
        // A generated column in Postgres, by the same rule (a unit test keeps the two in step).
        normalizedUsername: username === null ? null : normalizeUsername(username),
        isActive: fields.isActive ?? true,
        authorized: false,
        hireDate: null,
        birthDate: null,
        lastActivity: null,
        createdAt: at,
        updatedAt: at,
        locale: fields.locale ?? null,
      }),
    )
    world.workplaces.set(id, {
      departmentName: fields.departmentName ?? null,
      departmentCode: null,
      businessCenterName: fields.businessCenterName ?? null,
    })
    return id
  })

/** Takes an interest out of the catalogue, as HR does with SQL (`is_active = false`). */
export const retireInterest = (world: World, code: string) => {
  const index = world.interests.findIndex((interest) => interest.code === code)
  const interest = world.interests[index]
  if (interest === undefined) throw new Error(`no interest ${code} in the catalogue`)
  world.interests[index] = new Interest({ ...interest, isActive: false })
}

/** Deactivates (or reactivates) an employee, as HR does with SQL. */
export const setActive = (world: World, employeeId: EmployeeId, isActive: boolean) => {
  const employee = world.employees.get(employeeId)
  if (employee === undefined) throw new Error(`no employee ${employeeId}`)
  world.employees.set(employeeId, new Employee({ ...employee, isActive }))
}

/** Employee-interest rows as they would be after the given inserts (`is_active` as said). */
export const subscribe = (
  world: World,
  employeeId: EmployeeId,
  codes: ReadonlyArray<string>,
  isActive = true,
) => {
  for (const code of codes) {
    world.employeeInterests.set(rowKey(employeeId, interestId(world, code)), {
      isActive,
      receiveNotifications: true,
      notificationFrequency: "immediate",
    })
  }
}

export const addActivity = (
  world: World,
  fields: {
    readonly title?: string
    readonly interestCode?: string
    readonly inHours?: number
    readonly status?: ActivityStatus
    readonly maxParticipants?: number | null
  },
) =>
  Effect.map(now, (at) => {
    const id = ActivityId.make(world.activities.size + 1)
    world.activities.set(id, {
      id,
      title: fields.title ?? `Activity ${id}`,
      activityType: "meetup",
      interestId: fields.interestCode === undefined ? null : interestId(world, fields.interestCode),
      description: null,
      scheduledAt: new Date(at.getTime() + (fields.inHours ?? 24) * 3_600_000),
      durationMinutes: 60,
      location: "Room 1",
      status: fields.status ?? "scheduled",
      maxParticipants: fields.maxParticipants === undefined ? 10 : fields.maxParticipants,
      createdBy: null,
      createdAt: at,
      updatedAt: at,
    })
    return id
  })

export const participate = (
  world: World,
  activityId: ActivityId,
  employeeId: EmployeeId,
  status: ParticipantStatus,
) =>
  Effect.map(now, (at) => {
    world.participants.push({ activityId, employeeId, status, invitedAt: at, respondedAt: null })
  })

/** A place taken at `at`, as the real repositories' upsert takes it (a join, a waitlist offer). */
export const confirm = (world: World, activityId: ActivityId, employeeId: EmployeeId, at: Date) => {
  const current = world.participants.find(
    (p) => p.activityId === activityId && p.employeeId === employeeId,
  )
  if (current === undefined) {
    world.participants.push({
      activityId,
      employeeId,
      status: "confirmed",
      invitedAt: at,
      respondedAt: at,
    })
  } else {
    current.status = "confirmed"
    current.respondedAt = at
  }
}

// -- EmployeeRepo ----------------------------------------------------------------------------

export const employeeRepo = (world: World): EmployeeRepoService => {
  const byTelegramId = (telegramId: TelegramId) =>
    [...world.employees.values()].find((employee) => employee.telegramId === telegramId)

  const recognize: EmployeeRepoService["recognize"] = (user) =>
    Effect.flatMap(now, (at) =>
      Effect.sync(() => {
        const known = byTelegramId(user.telegramId)
        if (known !== undefined) {
          return known.isActive
            ? Recognition.Recognized({ employee: known, linked: false })
            : Recognition.Inactive()
        }
        const normalized = user.username === undefined ? null : normalizeUsername(user.username)
        if (normalized === null) return Recognition.Unknown()
        // Two active employees with the name: ambiguous, nobody is linked.
        const candidates = [...world.employees.values()]
          .filter((employee) => employee.isActive && employee.normalizedUsername === normalized)
          .sort((a, b) => a.id - b.id)
          .slice(0, 2)
        const candidate = candidates.length === 1 ? candidates[0] : undefined
        if (candidate === undefined || candidate.telegramId !== null) return Recognition.Unknown()
        const username = user.username?.trim().replace(/^@/, "") ?? null
        const linked = new Employee({
          ...candidate,
          telegramId: user.telegramId,
          telegramUsername: username ?? candidate.telegramUsername,
          normalizedUsername:
            username === null ? candidate.normalizedUsername : normalizeUsername(username),
          authorized: true,
          lastActivity: at,
          updatedAt: at,
        })
        world.employees.set(linked.id, linked)
        return Recognition.Recognized({ employee: linked, linked: true })
      }),
    )

  const getEmployee: EmployeeRepoService["getEmployee"] = (employeeId) =>
    Effect.suspend(() => {
      const employee = world.employees.get(employeeId)
      return employee === undefined
        ? Effect.fail(new EmployeeNotFound({ employeeId }))
        : Effect.succeed(employee)
    })

  const getProfile: EmployeeRepoService["getProfile"] = (employeeId) =>
    Effect.map(getEmployee(employeeId), (employee) => {
      const workplace = world.workplaces.get(employeeId)
      return new EmployeeProfile({
        ...employee,
        departmentCode: workplace?.departmentCode ?? null,
        departmentName: workplace?.departmentName ?? null,
        businessCenterName: workplace?.businessCenterName ?? null,
      })
    })

  return {
    recognize,
    getEmployee,
    getProfile,
    importEmployees: () => Effect.dieMessage(notInFake("EmployeeRepo.importEmployees")),
    rememberLocale: (employee, locale) =>
      Effect.sync(() => {
        const known = world.employees.get(employee.id)
        if (known !== undefined)
          world.employees.set(employee.id, new Employee({ ...known, locale }))
      }),
    linkedEmployees: () => Stream.dieMessage(notInFake("EmployeeRepo.linkedEmployees")),
    linkedEmployeeCount: Effect.dieMessage(notInFake("EmployeeRepo.linkedEmployeeCount")),
  }
}

// -- InterestRepo ----------------------------------------------------------------------------

export const interestRepo = (world: World): InterestRepoService => {
  const catalogue = () => world.interests.filter((interest) => interest.isActive)

  const activeNow = (employeeId: EmployeeId) =>
    catalogue().filter(
      (interest) => world.employeeInterests.get(rowKey(employeeId, interest.id))?.isActive === true,
    )

  const applyInterestChanges: InterestRepoService["applyInterestChanges"] = (employeeId, changes) =>
    Effect.gen(function* () {
      const enable = Arr.dedupe(changes.enable)
      const disable = Arr.dedupe(changes.disable)
      const conflicting = Arr.intersection(enable, disable)
      if (conflicting.length > 0) {
        return yield* new ConflictingInterestChange({ interestIds: conflicting })
      }
      if (!world.employees.has(employeeId)) return yield* new EmployeeNotFound({ employeeId })
      // Unknown ids fail the change; a retired interest may still be turned off.
      const usable = (id: InterestId) => {
        const interest = world.interests.find((candidate) => candidate.id === id)
        return interest !== undefined && (interest.isActive || disable.includes(id))
      }
      const unknown = [...enable, ...disable].filter((id) => !usable(id))
      if (unknown.length > 0) return yield* new InterestNotFound({ interestIds: unknown })
      for (const id of enable) {
        const row = world.employeeInterests.get(rowKey(employeeId, id))
        if (row === undefined) {
          world.employeeInterests.set(rowKey(employeeId, id), {
            isActive: true,
            receiveNotifications: true,
            notificationFrequency: "immediate",
          })
        } else row.isActive = true
      }
      for (const id of disable) {
        const row = world.employeeInterests.get(rowKey(employeeId, id))
        if (row !== undefined) row.isActive = false
      }
      return activeNow(employeeId)
    })

  const notificationSettings = (employeeId: EmployeeId) =>
    catalogue().flatMap((interest) => {
      const row = world.employeeInterests.get(rowKey(employeeId, interest.id))
      return row?.isActive === true
        ? [
            new NotificationSetting({
              interestId: interest.id,
              code: interest.code,
              name: interest.name,
              nameEn: interest.nameEn,
              emoji: interest.emoji,
              receiveNotifications: row.receiveNotifications,
              notificationFrequency: row.notificationFrequency,
            }),
          ]
        : []
    })

  const setNotifications: InterestRepoService["setNotifications"] = (
    employeeId,
    interestId,
    settings,
  ) =>
    Effect.suspend(() => {
      const interest = catalogue().find((candidate) => candidate.id === interestId)
      const row = world.employeeInterests.get(rowKey(employeeId, interestId))
      if (interest === undefined || row === undefined || !row.isActive) {
        return Effect.fail(new NotSubscribed({ employeeId, interestId }))
      }
      row.receiveNotifications = settings.receiveNotifications
      row.notificationFrequency = settings.notificationFrequency ?? row.notificationFrequency
      const updated = notificationSettings(employeeId).find(
        (setting) => setting.interestId === interestId,
      )
      return Effect.succeed(updated as NotificationSetting)
    })

  return {
    interestCatalogue: Effect.sync(catalogue),
    activeInterests: (employeeId) => Effect.sync(() => activeNow(employeeId)),
    activeInterestsOf: () => Effect.dieMessage(notInFake("InterestRepo.activeInterestsOf")),
    applyInterestChanges,
    notificationSettings: (employeeId) => Effect.sync(() => notificationSettings(employeeId)),
    setNotifications,
  }
}

// -- ActivityRepo ----------------------------------------------------------------------------

export const activityRepo = (world: World): ActivityRepoService => {
  const holdsPlace = (row: ParticipantRow) => placeHoldingStatuses.includes(row.status)

  const placesOf = (activityId: ActivityId) =>
    world.participants.filter((row) => row.activityId === activityId && holdsPlace(row))

  const isOpen = (activity: ActivityRow, at: Date) =>
    activity.status === "scheduled" && activity.scheduledAt > at

  const withCount = (activity: ActivityRow) =>
    new Activity({ ...activity, participantCount: placesOf(activity.id).length })

  const upcomingActivities: ActivityRepoService["upcomingActivities"] = (employeeId, options) =>
    Effect.map(now, (at) =>
      [...world.activities.values()]
        .filter((activity) => isOpen(activity, at))
        .map(
          (activity) =>
            new UpcomingActivity({
              ...activity,
              participantCount: placesOf(activity.id).length,
              joined: placesOf(activity.id).some((row) => row.employeeId === employeeId),
              // As the SQL: an active row of the employee, whether the interest is retired or not.
              matchesInterests:
                activity.interestId !== null &&
                world.employeeInterests.get(rowKey(employeeId, activity.interestId))?.isActive ===
                  true,
            }),
        )
        .sort(
          (a, b) =>
            Number(b.matchesInterests) - Number(a.matchesInterests) ||
            a.scheduledAt.getTime() - b.scheduledAt.getTime() ||
            a.id - b.id,
        )
        .slice(0, options?.limit ?? 20),
    )

  const getActivity: ActivityRepoService["getActivity"] = (activityId) =>
    Effect.suspend(() => {
      const activity = world.activities.get(activityId)
      return activity === undefined
        ? Effect.fail(new ActivityNotFound({ activityId }))
        : Effect.succeed(withCount(activity))
    })

  // In the order they joined: `responded_at NULLS LAST, employee_id`.
  const participants: ActivityRepoService["participants"] = (activityId) =>
    Effect.sync(() =>
      placesOf(activityId)
        .sort(
          (a, b) =>
            (a.respondedAt?.getTime() ?? Number.POSITIVE_INFINITY) -
              (b.respondedAt?.getTime() ?? Number.POSITIVE_INFINITY) || a.employeeId - b.employeeId,
        )
        .flatMap((row) => {
          const employee = world.employees.get(row.employeeId)
          return employee === undefined
            ? []
            : [
                new Participant({
                  activityId: row.activityId,
                  employeeId: row.employeeId,
                  fullName: employee.fullName,
                  telegramUsername: employee.telegramUsername,
                  status: row.status,
                  rating: null,
                  invitedAt: row.invitedAt,
                  respondedAt: row.respondedAt,
                  attendedAt: null,
                }),
              ]
        }),
    )

  const activityCounts: ActivityRepoService["activityCounts"] = (employeeId) =>
    Effect.map(now, (at) => {
      const rows = world.participants.flatMap((row) => {
        const activity = world.activities.get(row.activityId)
        return row.employeeId === employeeId && activity !== undefined ? [{ row, activity }] : []
      })
      return new ActivityCounts({
        upcoming: rows.filter(
          ({ row, activity }) =>
            row.status === "confirmed" &&
            (activity.status === "scheduled" || activity.status === "active") &&
            activity.scheduledAt > at,
        ).length,
        attended: rows.filter(({ row }) => row.status === "attended").length,
        joined: rows.filter(({ row }) => holdsPlace(row)).length,
      })
    })

  const participationHistory: ActivityRepoService["participationHistory"] = (employeeId) =>
    Effect.sync(() =>
      world.participants
        .flatMap((row) => {
          const activity = world.activities.get(row.activityId)
          return row.employeeId === employeeId && activity !== undefined
            ? [
                new Participation({
                  activityId: row.activityId,
                  interestId: activity.interestId,
                  scheduledAt: activity.scheduledAt,
                  durationMinutes: activity.durationMinutes,
                  status: row.status,
                  activityStatus: activity.status,
                }),
              ]
            : []
        })
        .sort(
          (a, b) =>
            a.scheduledAt.getTime() - b.scheduledAt.getTime() ||
            (a.activityId ?? 0) - (b.activityId ?? 0),
        ),
    )

  const join: ActivityRepoService["join"] = (activityId, employeeId) =>
    Effect.gen(function* () {
      const at = yield* now
      const activity = world.activities.get(activityId)
      if (activity === undefined) return yield* new ActivityNotFound({ activityId })
      if (world.employees.get(employeeId)?.isActive !== true) {
        return yield* new EmployeeNotFound({ employeeId })
      }
      const count = placesOf(activityId).length
      const current = world.participants.find(
        (row) => row.activityId === activityId && row.employeeId === employeeId,
      )
      if (current !== undefined && holdsPlace(current)) {
        return JoinOutcome.AlreadyJoined({ participantCount: count })
      }
      if (!isOpen(activity, at)) {
        return JoinOutcome.NotOpen({ status: activity.status })
      }
      const max = activity.maxParticipants
      if (max !== null && count >= max) {
        return JoinOutcome.Full({ maxParticipants: max })
      }
      confirm(world, activityId, employeeId, at)
      return JoinOutcome.Joined({ participantCount: count + 1 })
    })

  const leave: ActivityRepoService["leave"] = (activityId, employeeId) =>
    Effect.gen(function* () {
      const at = yield* now
      const activity = world.activities.get(activityId)
      if (activity === undefined) return yield* new ActivityNotFound({ activityId })
      if (!isOpen(activity, at)) {
        return LeaveOutcome.NotOpen({ status: activity.status })
      }
      // Only a confirmed place is given up: an attended one is history.
      const current = world.participants.find(
        (row) =>
          row.activityId === activityId &&
          row.employeeId === employeeId &&
          row.status === "confirmed",
      )
      if (current === undefined) return LeaveOutcome.NotJoined()
      current.status = "declined"
      current.respondedAt = at
      return LeaveOutcome.Left({ participantCount: placesOf(activityId).length })
    })

  return {
    upcomingActivities,
    getActivity,
    participants,
    participantsOf: () => Effect.dieMessage(notInFake("ActivityRepo.participantsOf")),
    openActivities: Effect.dieMessage(notInFake("ActivityRepo.openActivities")),
    activityCounts,
    participationHistory,
    join,
    leave,
  }
}

/** The interests that pair people on a fresh database (migration 0006). */
const matchingCodes: ReadonlySet<string> = new Set(Object.keys(defaultMatching))

/**
 * Rounds' answers over a world where no round has run yet: every round and match button is
 * someone else's, and the pause switches of Settings work on the employee's matching interests.
 */
export const roundAnswers = (world: World): RoundAnswersService => {
  const matchingOf = (employeeId: EmployeeId) =>
    world.interests.filter(
      (interest) =>
        interest.isActive &&
        matchingCodes.has(interest.code) &&
        world.employeeInterests.get(rowKey(employeeId, interest.id))?.isActive === true,
    )
  const asMatching = (interest: Interest): MatchingInterest =>
    new MatchingInterest({
      id: interest.id,
      code: interest.code,
      emoji: interest.emoji,
      name: interest.name,
      nameEn: interest.nameEn,
      matching: defaultMatching[interest.code] ?? "anywhere",
      scheduleFrequency: interest.scheduleFrequency,
    })
  const pauseSettings = (employeeId: EmployeeId) =>
    Effect.sync(() =>
      matchingOf(employeeId).map((interest) => ({
        interest: asMatching(interest),
        pausedUntil: world.pausedUntil.get(rowKey(employeeId, interest.id)) ?? null,
      })),
    )
  return {
    timeZone: "Europe/Moscow",
    answer: () => Effect.succeed({ _tag: "NotInvited" } as const),
    respond: () => Effect.succeed({ _tag: "NotYours" } as const),
    reportMet: () => Effect.succeed({ _tag: "NotYours" } as const),
    rate: () => Effect.succeed({ _tag: "NotYours" } as const),
    comment: () => Effect.succeed({ _tag: "NotYours" } as const),
    pauseSettings,
    togglePause: (employeeId, interestId) =>
      Effect.map(pauseSettings(employeeId), (settings) => {
        const current = settings.find((setting) => setting.interest.id === interestId)
        if (current === undefined) return Option.none()
        const until = current.pausedUntil === null ? "2099-01-01" : null
        world.pausedUntil.set(rowKey(employeeId, interestId), until)
        return Option.some({ interest: current.interest, pausedUntil: until })
      }),
    currentMatches: () => Effect.succeed([]),
  }
}

/** The three repositories and rounds' answers over one world. */
export const layer = (world: World) =>
  Layer.mergeAll(
    Layer.succeed(EmployeeRepo, employeeRepo(world)),
    Layer.succeed(InterestRepo, interestRepo(world)),
    Layer.succeed(ActivityRepo, activityRepo(world)),
    Layer.succeed(RoundAnswers, roundAnswers(world)),
  )

// -- reading the tables, as the e2e tests read SQL -----------------------------------------------

/** Every interest row of the employee as `code:on|off`, sorted by code. */
export const interestStates = (world: World, employeeId: EmployeeId): ReadonlyArray<string> =>
  world.interests
    .flatMap((interest) => {
      const row = world.employeeInterests.get(rowKey(employeeId, interest.id))
      return row === undefined ? [] : [`${interest.code}:${row.isActive ? "on" : "off"}`]
    })
    .sort()

/** The employee's participant status in the activity, if they have a row. */
export const participantStatus = (
  world: World,
  activityId: ActivityId,
  employeeId: EmployeeId,
): Option.Option<ParticipantStatus> =>
  Option.map(
    Option.fromNullable(
      world.participants.find(
        (row) => row.activityId === activityId && row.employeeId === employeeId,
      ),
    ),
    (row) => row.status,
  )

/** The employee's active interests with their notification switch, as `code:true|false`. */
export const notificationStates = (world: World, employeeId: EmployeeId): ReadonlyArray<string> =>
  world.interests
    .flatMap((interest) => {
      const row = world.employeeInterests.get(rowKey(employeeId, interest.id))
      return row?.isActive === true ? [`${interest.code}:${row.receiveNotifications}`] : []
    })
    .sort()

/**
 * The employee's active interests with how often they hear of them, as `code:off` or
 * `code:immediate|daily|weekly`.
 */
export const frequencyStates = (world: World, employeeId: EmployeeId): ReadonlyArray<string> =>
  world.interests
    .flatMap((interest) => {
      const row = world.employeeInterests.get(rowKey(employeeId, interest.id))
      return row?.isActive === true
        ? [`${interest.code}:${row.receiveNotifications ? row.notificationFrequency : "off"}`]
        : []
    })
    .sort()

/** How many hold a place in the activity. */
export const placesTaken = (world: World, activityId: ActivityId): number =>
  world.participants.filter(
    (row) => row.activityId === activityId && placeHoldingStatuses.includes(row.status),
  ).length

/** Everything the employee's input could change, copied: compare before and after. */
export const rowsOf = (world: World, employeeId: EmployeeId) => ({
  employee: { ...world.employees.get(employeeId) },
  interests: [...world.employeeInterests.entries()]
    .filter(([key]) => key.startsWith(`${employeeId}:`))
    .map(([key, row]) => ({ key, ...row })),
  participation: world.participants
    .filter((row) => row.employeeId === employeeId)
    .map((row) => ({ ...row })),
})
