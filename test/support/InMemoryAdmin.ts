/**
 * The organisers' services (`AdminRepo`, `Organising`, `People`, `Reports`, `Notices`) over the
 * in-memory tables of `InMemory.ts` plus the admin tables here (`AdminWorld`), with the semantics
 * their contracts state, so the admin flows run in milliseconds. As in Postgres, roles are read
 * at every call (a revoke between two presses refuses the second), every change checks them
 * itself and fails `NotAllowed`, and every change is audited.
 *
 * Where a fake would not be honest, and the integration tests of the services keep the case:
 * - Notifications are counted, not sent: `told` is how many confirmed participants there were,
 *   and announcements record the activity only. The outbox and its dedupe keys are Postgres's.
 * - Reports count this world's activities and places; there are no rounds here, so the round
 *   figures are zero.
 */
import { Clock, DateTime, Effect, Layer, Option } from "effect"
import type { ActivityEdit, OrganisingService, RosterEntry } from "../../src/activities/Organising"
import { Organising } from "../../src/activities/Organising"
import { AdminRepo, type AdminRepoService } from "../../src/admins/AdminRepo"
import { People, type PeopleService, type PersonCard } from "../../src/admins/People"
import { type Month, type ReportLine, Reports, type ReportsService } from "../../src/admins/Reports"
import { can, type Permission, type Roles } from "../../src/admins/Roles"
import {
  ActivityNotEditable,
  ActivityNotFound,
  EmployeeNotFound,
  InvalidActivity,
  NotAllowed,
} from "../../src/domain/Errors"
import { ActivityId, type EmployeeId } from "../../src/domain/Ids"
import { Activity, placeHoldingStatuses } from "../../src/domain/Models"
import { normalizeUsername } from "../../src/domain/Username"
import { Notices, type NoticesService } from "../../src/notifications/Notices"
import * as InMemory from "./InMemory"

export interface AuditRow {
  readonly actor: EmployeeId
  readonly action: string
  readonly subject: string
}

interface WaitlistRow {
  readonly activityId: ActivityId
  readonly employeeId: EmployeeId
  readonly createdAt: Date
  offerExpiresAt: Date | null
}

export interface AdminWorld {
  /** `bot_admins` by employee. */
  readonly admins: Map<EmployeeId, Roles>
  readonly audit: Array<AuditRow>
  readonly waitlist: Array<WaitlistRow>
  /** Activities announced on publishing, in order. */
  readonly announced: Array<ActivityId>
}

export const makeAdminWorld = (): AdminWorld => ({
  admins: new Map(),
  audit: [],
  waitlist: [],
  announced: [],
})

const notInFake = (method: string) =>
  `${method} is not in the in-memory fake: the flows do not call it (test/support/InMemoryAdmin.ts)`

const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

/** Every role off but the ones named. */
export const rolesWith = (granted: Partial<Roles>): Roles => ({
  superAdmin: false,
  manageActivities: false,
  manageUsers: false,
  viewReports: false,
  ...granted,
})

// -- AdminRepo -------------------------------------------------------------------------------

/** Roles of an active employee, read now (the SQL joins `employees` and checks `is_active`). */
const rolesNow = (world: InMemory.World, admins: AdminWorld, employeeId: EmployeeId) =>
  world.employees.get(employeeId)?.isActive === true
    ? Option.fromNullable(admins.admins.get(employeeId))
    : Option.none<Roles>()

export const adminRepo = (world: InMemory.World, admins: AdminWorld): AdminRepoService => ({
  rolesOf: (employeeId) => Effect.sync(() => rolesNow(world, admins, employeeId)),
  grant: () => Effect.dieMessage(notInFake("AdminRepo.grant")),
  revoke: () => Effect.dieMessage(notInFake("AdminRepo.revoke")),
})

/** What every service method does first, in its transaction. */
const requireRole = (
  world: InMemory.World,
  admins: AdminWorld,
  actor: EmployeeId,
  permission: Permission,
) =>
  Effect.suspend(() =>
    Option.exists(rolesNow(world, admins, actor), (roles) => can(roles, permission))
      ? Effect.void
      : Effect.fail(new NotAllowed({ employeeId: actor, permission })),
  )

// -- Organising ------------------------------------------------------------------------------

const endOf = (activity: { readonly scheduledAt: Date; readonly durationMinutes: number }) =>
  new Date(activity.scheduledAt.getTime() + activity.durationMinutes * 60_000)

export const organising = (world: InMemory.World, admins: AdminWorld): OrganisingService => {
  const allowed = (actor: EmployeeId) => requireRole(world, admins, actor, "activities")
  const audit = (actor: EmployeeId, action: string, activityId: ActivityId) =>
    admins.audit.push({ actor, action, subject: `activity:${activityId}` })

  const withCount = (row: Omit<Activity, "participantCount">) =>
    new Activity({
      ...row,
      participantCount: world.participants.filter(
        (p) => p.activityId === row.id && placeHoldingStatuses.includes(p.status),
      ).length,
    })

  const find = (activityId: ActivityId) =>
    Effect.suspend(() => {
      const row = world.activities.get(activityId)
      return row === undefined
        ? Effect.fail(new ActivityNotFound({ activityId }))
        : Effect.succeed(row)
    })

  const confirmed = (activityId: ActivityId) =>
    world.participants.filter((p) => p.activityId === activityId && p.status === "confirmed").length

  /** The checks the service makes of every value, whoever sends it. */
  const validate = (
    at: Date,
    values: {
      readonly title?: string
      readonly scheduledAt?: Date
      readonly durationMinutes?: number
      readonly maxParticipants?: number | null
    },
  ) => {
    if (values.title !== undefined && values.title.trim() === "") {
      return Effect.fail(new InvalidActivity({ field: "title", reason: "empty" }))
    }
    if (values.scheduledAt !== undefined && values.scheduledAt <= at) {
      return Effect.fail(
        new InvalidActivity({ field: "scheduledAt", reason: "must be in the future" }),
      )
    }
    if (values.durationMinutes !== undefined && values.durationMinutes <= 0) {
      return Effect.fail(new InvalidActivity({ field: "duration", reason: "must be positive" }))
    }
    if (values.maxParticipants != null && values.maxParticipants < 1) {
      return Effect.fail(new InvalidActivity({ field: "capacity", reason: "at least 1" }))
    }
    return Effect.void
  }

  /** Drafts and activities not started: what edits and cancellations apply to. */
  const changeable = (row: Omit<Activity, "participantCount">, at: Date, action: string) =>
    row.status === "draft" || (row.status === "scheduled" && row.scheduledAt > at)
      ? Effect.void
      : Effect.fail(new ActivityNotEditable({ activityId: row.id, status: row.status, action }))

  const rosterOf = (activityId: ActivityId): Array<RosterEntry> =>
    world.participants
      .filter(
        (p) =>
          p.activityId === activityId &&
          (p.status === "confirmed" || p.status === "attended" || p.status === "no_show"),
      )
      .flatMap((p) => {
        const employee = world.employees.get(p.employeeId)
        return employee === undefined
          ? []
          : [
              {
                employeeId: p.employeeId,
                fullName: employee.fullName,
                telegramUsername: employee.telegramUsername,
                status: p.status,
              },
            ]
      })

  return {
    create: (actor, draft, publish) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        const at = yield* now
        if (!world.interests.some((i) => i.id === draft.interestId && i.isActive)) {
          return yield* new InvalidActivity({ field: "interest", reason: "unknown interest" })
        }
        yield* validate(at, draft)
        const id = ActivityId.make(world.activities.size + 1)
        world.activities.set(id, {
          id,
          title: draft.title,
          activityType: "meetup",
          interestId: draft.interestId,
          description: null,
          scheduledAt: draft.scheduledAt,
          durationMinutes: draft.durationMinutes,
          location: draft.location,
          status: publish ? "scheduled" : "draft",
          maxParticipants: draft.maxParticipants,
          createdBy: actor,
          createdAt: at,
          updatedAt: at,
        })
        if (publish) admins.announced.push(id)
        audit(actor, publish ? "activity.publish" : "activity.create", id)
        return withCount(world.activities.get(id) as Omit<Activity, "participantCount">)
      }),
    publish: (actor, activityId) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        const at = yield* now
        const row = yield* find(activityId)
        if (row.status !== "draft") {
          return yield* new ActivityNotEditable({
            activityId,
            status: row.status,
            action: "publish",
          })
        }
        yield* validate(at, { scheduledAt: row.scheduledAt })
        world.activities.set(activityId, { ...row, status: "scheduled", updatedAt: at })
        admins.announced.push(activityId)
        audit(actor, "activity.publish", activityId)
        return withCount(world.activities.get(activityId) as typeof row)
      }),
    edit: (actor, activityId, edit: ActivityEdit) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        const at = yield* now
        const row = yield* find(activityId)
        yield* changeable(row, at, "edit")
        const changes = (() => {
          switch (edit._tag) {
            case "Title":
              return { title: edit.title }
            case "When":
              return { scheduledAt: edit.scheduledAt }
            case "Duration":
              return { durationMinutes: edit.durationMinutes }
            case "Place":
              return { location: edit.location }
            case "Capacity":
              return { maxParticipants: edit.maxParticipants }
          }
        })()
        yield* validate(at, changes)
        world.activities.set(activityId, { ...row, ...changes, updatedAt: at })
        audit(actor, "activity.edit", activityId)
        // Only a new time or place of a published activity is told.
        const told =
          row.status === "scheduled" && (edit._tag === "When" || edit._tag === "Place")
            ? confirmed(activityId)
            : 0
        return { activity: withCount(world.activities.get(activityId) as typeof row), told }
      }),
    cancel: (actor, activityId) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        const at = yield* now
        const row = yield* find(activityId)
        yield* changeable(row, at, "cancel")
        world.activities.set(activityId, { ...row, status: "cancelled", updatedAt: at })
        audit(actor, "activity.cancel", activityId)
        const told = row.status === "scheduled" ? confirmed(activityId) : 0
        admins.waitlist.splice(
          0,
          admins.waitlist.length,
          ...admins.waitlist.filter((w) => w.activityId !== activityId),
        )
        return { activity: withCount(world.activities.get(activityId) as typeof row), told }
      }),
    list: (actor) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        const at = yield* now
        const monthAgo = at.getTime() - 30 * 86_400_000
        return [...world.activities.values()]
          .filter((row) => endOf(row).getTime() >= monthAgo)
          .sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.id - b.id)
          .map(withCount)
      }),
    roster: (actor, activityId) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        yield* find(activityId)
        return rosterOf(activityId)
      }),
    markAttendance: (actor, activityId, employeeId, attended) =>
      Effect.gen(function* () {
        yield* allowed(actor)
        const at = yield* now
        const row = yield* find(activityId)
        const ended =
          (row.status === "scheduled" || row.status === "active" || row.status === "completed") &&
          endOf(row) <= at
        const participant = world.participants.find(
          (p) =>
            p.activityId === activityId &&
            p.employeeId === employeeId &&
            (p.status === "confirmed" || p.status === "attended" || p.status === "no_show"),
        )
        if (!ended || participant === undefined) {
          return yield* new ActivityNotEditable({
            activityId,
            status: row.status,
            action: "mark attendance",
          })
        }
        participant.status = attended ? "attended" : "no_show"
        audit(actor, "activity.attendance", activityId)
        return rosterOf(activityId).find((entry) => entry.employeeId === employeeId) as RosterEntry
      }),
  }
}

// -- People ----------------------------------------------------------------------------------

export const people = (world: InMemory.World, admins: AdminWorld): PeopleService => {
  const allowed = (actor: EmployeeId) => requireRole(world, admins, actor, "users")
  const cardOf = (employeeId: EmployeeId): Option.Option<PersonCard> =>
    Option.map(Option.fromNullable(world.employees.get(employeeId)), (employee) => ({
      id: employee.id,
      fullName: employee.fullName,
      telegramUsername: employee.telegramUsername,
      department: world.workplaces.get(employee.id)?.departmentName ?? null,
      position: employee.position,
      isActive: employee.isActive,
      linked: employee.telegramId !== null,
    }))
  const get = (actor: EmployeeId, employeeId: EmployeeId) =>
    Effect.zipRight(
      allowed(actor),
      Option.match(cardOf(employeeId), {
        onNone: () => Effect.fail(new EmployeeNotFound({ employeeId })),
        onSome: Effect.succeed,
      }),
    )
  return {
    search: (actor, query) =>
      Effect.zipRight(
        allowed(actor),
        Effect.sync(() => {
          const cleaned = query.trim()
          if (cleaned.length < 2) return []
          const username = normalizeUsername(cleaned)
          return [...world.employees.values()]
            .filter(
              (employee) =>
                employee.fullName.toLowerCase().includes(cleaned.toLowerCase()) ||
                (employee.normalizedUsername !== null && employee.normalizedUsername === username),
            )
            .sort((a, b) => a.fullName.localeCompare(b.fullName))
            .slice(0, 10)
            .flatMap((employee) => Option.toArray(cardOf(employee.id)))
        }),
      ),
    get,
    setActive: (actor, employeeId, active) =>
      Effect.gen(function* () {
        const before = yield* get(actor, employeeId)
        if (before.isActive !== active) {
          InMemory.setActive(world, employeeId, active)
          admins.audit.push({
            actor,
            action: active ? "employee.reactivate" : "employee.deactivate",
            subject: `employee:${employeeId}`,
          })
        }
        return yield* get(actor, employeeId)
      }),
  }
}

// -- Reports ---------------------------------------------------------------------------------

export const reports = (
  world: InMemory.World,
  admins: AdminWorld,
  timeZone: string,
): ReportsService => ({
  monthly: (actor, month: Month) =>
    Effect.zipRight(
      requireRole(world, admins, actor, "reports"),
      Effect.sync(() => {
        const inMonth = (date: Date) => {
          const parts = DateTime.toParts(DateTime.unsafeMakeZoned(date, { timeZone }))
          return parts.year === month.year && parts.month === month.month
        }
        const held = [...world.activities.values()].filter(
          (row) => row.status !== "cancelled" && row.status !== "draft" && inMonth(row.scheduledAt),
        )
        const places = world.participants.filter(
          (p) =>
            held.some((row) => row.id === p.activityId) &&
            (p.status === "confirmed" || p.status === "attended" || p.status === "no_show"),
        )
        const line = (
          name: string,
          nameEn: string | null,
          activityIds: ReadonlyArray<ActivityId>,
          rows: typeof places,
        ): ReportLine => ({
          name,
          nameEn,
          activities: activityIds.length,
          placesTaken: rows.length,
          attended: rows.filter((p) => p.status === "attended").length,
          noShow: rows.filter((p) => p.status === "no_show").length,
          roundsJoined: 0,
          roundsPlaced: 0,
          roundsMet: 0,
          averageRating: null,
        })
        const byInterest = world.interests.flatMap((interest) => {
          const ids = held.filter((row) => row.interestId === interest.id).map((row) => row.id)
          return ids.length === 0
            ? []
            : [
                line(
                  interest.name,
                  interest.nameEn,
                  ids,
                  places.filter((p) => ids.includes(p.activityId)),
                ),
              ]
        })
        const departments = new Set(
          places.flatMap((p) => {
            const name = world.workplaces.get(p.employeeId)?.departmentName
            return name === undefined || name === null ? [] : [name]
          }),
        )
        const byDepartment = [...departments].sort().map((department) => {
          const rows = places.filter(
            (p) => world.workplaces.get(p.employeeId)?.departmentName === department,
          )
          return line(department, null, [...new Set(rows.map((p) => p.activityId))], rows)
        })
        return { month, byInterest, byDepartment }
      }),
    ),
})

// -- Notices ---------------------------------------------------------------------------------

export const notices = (world: InMemory.World, admins: AdminWorld): NoticesService => {
  const holds = (activityId: ActivityId, employeeId: EmployeeId) =>
    world.participants.some(
      (p) =>
        p.activityId === activityId &&
        p.employeeId === employeeId &&
        placeHoldingStatuses.includes(p.status),
    )
  const taken = (activityId: ActivityId) =>
    world.participants.filter(
      (p) => p.activityId === activityId && placeHoldingStatuses.includes(p.status),
    ).length
  const openRow = (activityId: ActivityId, at: Date) =>
    Effect.suspend(() => {
      const row = world.activities.get(activityId)
      if (row === undefined) return Effect.fail(new ActivityNotFound({ activityId }))
      return Effect.succeed({ row, open: row.status === "scheduled" && row.scheduledAt > at })
    })
  const line = (activityId: ActivityId) =>
    admins.waitlist
      .filter((w) => w.activityId === activityId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.employeeId - b.employeeId)

  return {
    announce: () => Effect.dieMessage(notInFake("Notices.announce")),
    tellParticipants: () => Effect.dieMessage(notInFake("Notices.tellParticipants")),
    offerFreedPlaces: () => Effect.dieMessage(notInFake("Notices.offerFreedPlaces")),
    runDue: Effect.dieMessage(notInFake("Notices.runDue")),
    waitFor: (activityId, employeeId) =>
      Effect.gen(function* () {
        const at = yield* now
        const { row, open } = yield* openRow(activityId, at)
        if (holds(activityId, employeeId)) return { _tag: "AlreadyJoined" } as const
        if (!open) return { _tag: "NotOpen" } as const
        if (row.maxParticipants === null || taken(activityId) < row.maxParticipants) {
          return { _tag: "NotFull" } as const
        }
        if (
          !admins.waitlist.some((w) => w.activityId === activityId && w.employeeId === employeeId)
        ) {
          admins.waitlist.push({ activityId, employeeId, createdAt: at, offerExpiresAt: null })
        }
        const position = line(activityId).findIndex((w) => w.employeeId === employeeId) + 1
        return { _tag: "Waiting", position } as const
      }),
    takeOffer: (activityId, employeeId) =>
      Effect.gen(function* () {
        const at = yield* now
        const { open } = yield* openRow(activityId, at)
        if (holds(activityId, employeeId)) return { _tag: "AlreadyJoined" } as const
        if (!open) return { _tag: "NotOpen" } as const
        const offer = admins.waitlist.find(
          (w) =>
            w.activityId === activityId &&
            w.employeeId === employeeId &&
            w.offerExpiresAt !== null &&
            w.offerExpiresAt > at,
        )
        if (offer === undefined) return { _tag: "NoOffer" } as const
        admins.waitlist.splice(admins.waitlist.indexOf(offer), 1)
        InMemory.confirm(world, activityId, employeeId, at)
        return { _tag: "Taken", participantCount: taken(activityId) } as const
      }),
  }
}

/** A freed place offered to someone in line until `expiresAt`, as `Notices` does on a leave. */
export const offerPlace = (
  admins: AdminWorld,
  activityId: ActivityId,
  employeeId: EmployeeId,
  expiresAt: Date,
) => {
  const row = admins.waitlist.find(
    (w) => w.activityId === activityId && w.employeeId === employeeId,
  )
  if (row === undefined) throw new Error(`employee ${employeeId} is not in line for ${activityId}`)
  row.offerExpiresAt = expiresAt
}

/** The five services over one world. */
export const layer = (world: InMemory.World, admins: AdminWorld, timeZone: string) =>
  Layer.mergeAll(
    Layer.succeed(AdminRepo, adminRepo(world, admins)),
    Layer.succeed(Organising, organising(world, admins)),
    Layer.succeed(People, people(world, admins)),
    Layer.succeed(Reports, reports(world, admins, timeZone)),
    Layer.succeed(Notices, notices(world, admins)),
  )

/** Everything an admin action could change, copied: compare before and after. */
export const snapshot = (world: InMemory.World, admins: AdminWorld) =>
  JSON.stringify({
    activities: [...world.activities.values()],
    participants: world.participants,
    employees: [...world.employees.values()],
    audit: admins.audit,
    waitlist: admins.waitlist,
    announced: admins.announced,
  })
