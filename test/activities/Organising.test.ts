import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either, Layer, TestClock } from "effect"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { type ActivityDraft, Organising } from "../../src/activities/Organising"
import { achievementsOf } from "../../src/domain/Achievements"
import { ActivityId, type EmployeeId, type InterestId } from "../../src/domain/Ids"
import type { ActivityStatus, ParticipantStatus } from "../../src/domain/Models"
import { insertEmployee, interestId, RepoLive, unique } from "../support/Fixtures"
import * as RecordingNotices from "../support/RecordingNotices"
import { RecordedNotices } from "../support/RecordingNotices"

const Live = Organising.layer.pipe(
  Layer.provideMerge(RecordingNotices.layer),
  Layer.provideMerge(RepoLive),
)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** The tests' "now", by the TestClock; Postgres's own now() plays no part in the decisions. */
const start = Date.parse("2030-03-04T09:00:00Z")
const at = (offset: number) => new Date(start + offset)

const admin = (flags: { readonly activities?: boolean; readonly super?: boolean } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = yield* insertEmployee({})
    yield* sql`
      INSERT INTO bot_admins (employee_id, is_super_admin, can_manage_activities, can_view_reports)
      VALUES (${id}, ${flags.super ?? false}, ${flags.activities ?? true}, true)`
    return id
  })

const draftOf = (interest: InterestId, fields: Partial<ActivityDraft> = {}): ActivityDraft => ({
  interestId: interest,
  title: `Chess evening ${unique()}`,
  scheduledAt: at(2 * DAY),
  durationMinutes: 90,
  location: "Room 5",
  maxParticipants: 8,
  ...fields,
})

const row = (id: ActivityId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [found] = yield* sql<{
      title: string
      status: ActivityStatus
      activityType: string
      scheduledAt: Date
      location: string | null
      maxParticipants: number | null
      publishedAt: Date | null
      cancelReason: string | null
      createdBy: number | null
    }>`SELECT * FROM activities WHERE id = ${id}`
    return found
  })

const auditOf = (id: ActivityId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ actorEmployeeId: number; action: string; details: unknown }>`
      SELECT actor_employee_id, action, details FROM audit_log
      WHERE subject = ${`activity:${id}`} ORDER BY id`
  })

const auditCount = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`, ([r]) => r?.n ?? 0),
)

const activitiesTitled = (title: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ n: number }>`SELECT count(*)::int AS n FROM activities WHERE title = ${title}`,
      ([r]) => r?.n,
    ),
  )

const callsOf = (id: ActivityId) => Effect.flatMap(RecordedNotices, (r) => r.calls(id))

const takePlace = (activityId: ActivityId, employeeId: EmployeeId, status: ParticipantStatus) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO activity_participants (activity_id, employee_id, status, responded_at)
      VALUES (${activityId}, ${employeeId}, ${status}, clock_timestamp())`,
  )

/** A published activity with `people` confirmed participants. */
const published = (organiser: EmployeeId, people: number, fields: Partial<ActivityDraft> = {}) =>
  Effect.gen(function* () {
    const organising = yield* Organising
    const activity = yield* organising.create(
      organiser,
      draftOf(yield* interestId("chess"), fields),
      true,
    )
    const participants: Array<EmployeeId> = []
    for (let i = 0; i < people; i++) {
      const id = yield* insertEmployee({})
      yield* takePlace(activity.id, id, "confirmed")
      participants.push(id)
    }
    return { activity, participants }
  })

describe("Organising on Postgres", () => {
  layer(Live)((it) => {
    it.effect("a draft is created unannounced; a published one is announced at once", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const chess = yield* interestId("chess")
        const draft = yield* organising.create(organiser, draftOf(chess), false)
        expect(draft.status).toBe("draft")
        expect(yield* callsOf(draft.id)).toEqual([])
        expect(yield* row(draft.id)).toMatchObject({
          activityType: "chess",
          publishedAt: null,
          createdBy: organiser,
        })

        const title = `  Blitz ${unique()}  `
        const live = yield* organising.create(organiser, draftOf(chess, { title }), true)
        expect(live).toMatchObject({
          status: "scheduled",
          title: title.trim(),
          participantCount: 0,
        })
        expect(yield* callsOf(live.id)).toEqual([{ call: "announce", change: null }])
        expect((yield* row(live.id))?.publishedAt).toEqual(at(0))
        expect(
          (yield* auditOf(live.id)).map((entry) => [entry.actorEmployeeId, entry.action]),
        ).toEqual([[organiser, "activity.create"]])
        expect((yield* auditOf(live.id))[0]?.details).toMatchObject({
          status: "scheduled",
          title: title.trim(),
          scheduledAt: at(2 * DAY).toISOString(),
          maxParticipants: 8,
        })
      }),
    )

    it.effect("publishing a draft announces it once; a second publish is refused", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const draft = yield* organising.create(
          organiser,
          draftOf(yield* interestId("chess")),
          false,
        )
        yield* TestClock.adjust(HOUR)
        const live = yield* organising.publish(organiser, draft.id)
        expect(live.status).toBe("scheduled")
        expect((yield* row(draft.id))?.publishedAt).toEqual(at(HOUR))
        const again = yield* Effect.either(organising.publish(organiser, draft.id))
        expect(Either.getLeft(again).pipe((e) => e._tag === "Some" && e.value._tag)).toBe(
          "ActivityNotEditable",
        )
        expect(yield* callsOf(draft.id)).toEqual([{ call: "announce", change: null }])
        expect((yield* auditOf(draft.id)).map((entry) => entry.action)).toEqual([
          "activity.create",
          "activity.publish",
        ])
      }),
    )

    it.effect("a draft whose time has passed is not published", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const chess = yield* interestId("chess")
        const draft = yield* organising.create(
          organiser,
          draftOf(chess, { scheduledAt: at(HOUR) }),
          false,
        )
        yield* TestClock.adjust(2 * HOUR)
        const refused = yield* Effect.flip(organising.publish(organiser, draft.id))
        expect(refused).toMatchObject({ _tag: "InvalidActivity", field: "scheduledAt" })
        expect((yield* row(draft.id))?.status).toBe("draft")
        expect(yield* callsOf(draft.id)).toEqual([])
      }),
    )

    it.effect("a non-admin, an admin without the role and a revoked admin change nothing", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const sql = yield* SqlClient.SqlClient
        const organising = yield* Organising
        const organiser = yield* admin()
        const { activity } = yield* published(organiser, 1)
        const stranger = yield* insertEmployee({})
        const reportsOnly = yield* admin({ activities: false })
        const revoked = yield* admin()
        yield* sql`DELETE FROM bot_admins WHERE employee_id = ${revoked}`
        const draft = yield* organising.create(
          organiser,
          draftOf(yield* interestId("chess")),
          false,
        )
        const auditBefore = yield* auditCount
        const before = [yield* row(activity.id), yield* row(draft.id)]

        for (const actor of [stranger, reportsOnly, revoked]) {
          const title = `Forged ${unique()}`
          const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            organising.create(actor, draftOf(yield* interestId("chess"), { title }), true),
            organising.publish(actor, draft.id),
            organising.edit(actor, activity.id, { _tag: "When", scheduledAt: at(3 * DAY) }),
            organising.edit(actor, activity.id, { _tag: "Capacity", maxParticipants: 20 }),
            organising.cancel(actor, activity.id, "forged"),
            organising.list(actor),
            organising.roster(actor, activity.id),
          ]
          for (const attempt of attempts) {
            expect(yield* Effect.flip(attempt)).toMatchObject({
              _tag: "NotAllowed",
              employeeId: actor,
              permission: "activities",
            })
          }
          expect(yield* activitiesTitled(title)).toBe(0)
        }
        expect(yield* auditCount).toBe(auditBefore)
        expect([yield* row(activity.id), yield* row(draft.id)]).toEqual(before)
        expect(yield* callsOf(activity.id)).toEqual([{ call: "announce", change: null }])
        expect(yield* callsOf(draft.id)).toEqual([])
      }),
    )

    it.effect("an inactive admin is refused; a super admin may organise", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const sql = yield* SqlClient.SqlClient
        const organising = yield* Organising
        const chess = yield* interestId("chess")
        const gone = yield* admin()
        yield* sql`UPDATE employees SET is_active = false WHERE id = ${gone}`
        expect(yield* Effect.flip(organising.create(gone, draftOf(chess), false))).toMatchObject({
          _tag: "NotAllowed",
        })
        const boss = yield* admin({ super: true, activities: false })
        expect((yield* organising.create(boss, draftOf(chess), false)).status).toBe("draft")
      }),
    )

    it.effect("bad input is refused with its reason, and nothing is written", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const sql = yield* SqlClient.SqlClient
        const organising = yield* Organising
        const organiser = yield* admin()
        const chess = yield* interestId("chess")
        const [retired] = yield* sql<{ id: InterestId }>`
          INSERT INTO interests (code, name, emoji, is_active)
          VALUES (${`old_${unique()}`}, 'Старое', '🕸', false) RETURNING id`
        const cases: ReadonlyArray<[Partial<ActivityDraft>, string, string]> = [
          [{ title: "   " }, "title", "title: is empty"],
          [{ title: "x".repeat(101) }, "title", "title: has 101 characters; at most 100"],
          [{ scheduledAt: at(0) }, "scheduledAt", "scheduledAt: is not in the future"],
          [{ scheduledAt: at(-DAY) }, "scheduledAt", "scheduledAt: is not in the future"],
          [{ scheduledAt: new Date(Number.NaN) }, "scheduledAt", "scheduledAt: is not a date"],
          [
            { durationMinutes: 4 },
            "duration",
            "duration: must be a whole number of minutes from 5 to 1440 (24 hours)",
          ],
          [
            { durationMinutes: 1441 },
            "duration",
            "duration: must be a whole number of minutes from 5 to 1440 (24 hours)",
          ],
          [
            { durationMinutes: 30.5 },
            "duration",
            "duration: must be a whole number of minutes from 5 to 1440 (24 hours)",
          ],
          [{ location: "y".repeat(201) }, "location", "location: has 201 characters; at most 200"],
          [
            { maxParticipants: 0 },
            "capacity",
            "capacity: must be a whole number from 1 to 10000, or no limit",
          ],
          [
            { maxParticipants: 10_001 },
            "capacity",
            "capacity: must be a whole number from 1 to 10000, or no limit",
          ],
          [{ interestId: 999_999 as InterestId }, "interest", "interest: does not exist"],
          [
            { interestId: retired?.id as InterestId },
            "interest",
            "interest: is retired from the catalogue",
          ],
        ]
        const auditBefore = yield* auditCount
        for (const [fields, field, message] of cases) {
          const title = fields.title ?? `Bad ${unique()}`
          for (const publish of [false, true]) {
            const error = yield* Effect.flip(
              organising.create(organiser, draftOf(chess, { title, ...fields }), publish),
            )
            expect(error).toMatchObject({ _tag: "InvalidActivity", field })
            expect(error.message).toBe(message)
          }
          expect(yield* activitiesTitled(title)).toBe(0)
        }

        // Edits of a published activity: refused the same way, the row as it was.
        const { activity } = yield* published(organiser, 3)
        const before = yield* row(activity.id)
        const edits = [
          { _tag: "Title", title: "" },
          { _tag: "When", scheduledAt: at(-HOUR) },
          { _tag: "Duration", durationMinutes: 0 },
          { _tag: "Place", location: "z".repeat(300) },
          { _tag: "Capacity", maxParticipants: -1 },
          { _tag: "Capacity", maxParticipants: 2 },
        ] as const
        for (const edit of edits) {
          expect((yield* Effect.flip(organising.edit(organiser, activity.id, edit)))._tag).toBe(
            "InvalidActivity",
          )
        }
        const below = yield* Effect.flip(
          organising.edit(organiser, activity.id, { _tag: "Capacity", maxParticipants: 2 }),
        )
        expect(below.message).toBe("capacity: 3 people hold places; it cannot go below that")
        expect(yield* row(activity.id)).toEqual(before)
        // The activity's creation and nothing else.
        expect(yield* auditCount).toBe(auditBefore + 1)
        expect(yield* callsOf(activity.id)).toEqual([{ call: "announce", change: null }])
      }),
    )

    it.effect("a new time or place is told to the participants; a new title is not", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const { activity, participants } = yield* published(organiser, 2)
        const left = yield* insertEmployee({})
        yield* takePlace(activity.id, left, "declined")
        const told = (edit: Parameters<typeof organising.edit>[2]) =>
          Effect.map(organising.edit(organiser, activity.id, edit), (changed) => changed.told)

        expect(yield* told({ _tag: "Title", title: "Renamed" })).toBe(0)
        expect(yield* told({ _tag: "Duration", durationMinutes: 120 })).toBe(0)
        expect(yield* told({ _tag: "When", scheduledAt: at(3 * DAY) })).toBe(participants.length)
        expect(yield* told({ _tag: "Place", location: " Room 7 " })).toBe(2)
        // The same values again: nothing to change, nobody told, nothing audited.
        expect(yield* told({ _tag: "When", scheduledAt: at(3 * DAY) })).toBe(0)
        expect(yield* told({ _tag: "Place", location: "Room 7" })).toBe(0)

        expect(yield* row(activity.id)).toMatchObject({
          title: "Renamed",
          scheduledAt: at(3 * DAY),
          location: "Room 7",
        })
        expect(yield* callsOf(activity.id)).toEqual([
          { call: "announce", change: null },
          { call: "tellParticipants", change: "moved" },
          { call: "tellParticipants", change: "place" },
        ])
        const audit = yield* auditOf(activity.id)
        expect(audit.map((entry) => entry.details)).toEqual([
          expect.anything(),
          { field: "Title", before: activity.title, after: "Renamed" },
          { field: "Duration", before: 90, after: 120 },
          { field: "When", before: at(2 * DAY).toISOString(), after: at(3 * DAY).toISOString() },
          { field: "Place", before: "Room 5", after: "Room 7" },
        ])
        expect(audit.slice(1).every((entry) => entry.action === "activity.edit")).toBe(true)
      }),
    )

    it.effect("a draft's new time tells nobody; a larger capacity offers the new places", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const draft = yield* organising.create(
          organiser,
          draftOf(yield* interestId("chess")),
          false,
        )
        yield* organising.edit(organiser, draft.id, { _tag: "When", scheduledAt: at(DAY) })
        yield* organising.edit(organiser, draft.id, { _tag: "Capacity", maxParticipants: 20 })
        expect(yield* callsOf(draft.id)).toEqual([])

        const { activity } = yield* published(organiser, 2, { maxParticipants: 2 })
        const capacity = (maxParticipants: number | null) =>
          organising.edit(organiser, activity.id, { _tag: "Capacity", maxParticipants })
        expect((yield* capacity(4)).activity.maxParticipants).toBe(4)
        yield* capacity(3)
        yield* capacity(2)
        yield* capacity(null)
        expect(yield* callsOf(activity.id)).toEqual([
          { call: "announce", change: null },
          { call: "offerFreedPlaces", change: null },
          { call: "offerFreedPlaces", change: null },
        ])
      }),
    )

    it.effect("cancelling tells the participants with the reason kept; only once", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const { activity } = yield* published(organiser, 3)
        const cancelled = yield* organising.cancel(organiser, activity.id, "  The room is flooded ")
        expect(cancelled.told).toBe(3)
        expect(cancelled.activity.status).toBe("cancelled")
        expect((yield* row(activity.id))?.cancelReason).toBe("The room is flooded")
        const again = yield* Effect.flip(organising.cancel(organiser, activity.id, "again"))
        expect(again).toMatchObject({
          _tag: "ActivityNotEditable",
          status: "cancelled",
          action: "cancel",
        })
        const edit = yield* Effect.flip(
          organising.edit(organiser, activity.id, { _tag: "Title", title: "Back" }),
        )
        expect(edit).toMatchObject({ _tag: "ActivityNotEditable", action: "edit" })
        expect(yield* callsOf(activity.id)).toEqual([
          { call: "announce", change: null },
          { call: "tellParticipants", change: "cancelled" },
        ])
        expect((yield* auditOf(activity.id)).map((entry) => [entry.action, entry.details])).toEqual(
          [
            ["activity.create", expect.anything()],
            ["activity.cancel", { before: "scheduled", reason: "The room is flooded" }],
          ],
        )

        // A draft was never announced: cancelling it tells nobody.
        const draft = yield* organising.create(
          organiser,
          draftOf(yield* interestId("chess")),
          false,
        )
        expect((yield* organising.cancel(organiser, draft.id, "")).told).toBe(0)
        expect(yield* callsOf(draft.id)).toEqual([])
      }),
    )

    it.effect("when the notices fail, the change rolls back whole", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const recorded = yield* RecordedNotices
        const organiser = yield* admin()
        const chess = yield* interestId("chess")
        const draft = yield* organising.create(organiser, draftOf(chess), false)
        const { activity } = yield* published(organiser, 1)
        const before = [yield* row(draft.id), yield* row(activity.id)]
        const auditBefore = yield* auditCount
        const title = `Doomed ${unique()}`

        yield* recorded.failing(true)
        const failures = yield* Effect.all([
          Effect.flip(organising.create(organiser, draftOf(chess, { title }), true)),
          Effect.flip(organising.publish(organiser, draft.id)),
          Effect.flip(organising.edit(organiser, activity.id, { _tag: "Place", location: "Roof" })),
          Effect.flip(organising.cancel(organiser, activity.id, "no")),
        ]).pipe(Effect.ensuring(recorded.failing(false)))
        expect(failures.map((failure) => failure._tag)).toEqual([
          "DatabaseError",
          "DatabaseError",
          "DatabaseError",
          "DatabaseError",
        ])
        expect(yield* activitiesTitled(title)).toBe(0)
        expect([yield* row(draft.id), yield* row(activity.id)]).toEqual(before)
        expect(yield* auditCount).toBe(auditBefore)
        expect(yield* callsOf(draft.id)).toEqual([])
        expect(yield* callsOf(activity.id)).toEqual([{ call: "announce", change: null }])
      }),
    )

    it.effect("two admins at once: one publish wins, edits take turns, the audit says which", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const [anna, boris] = [yield* admin(), yield* admin()]
        const chess = yield* interestId("chess")
        for (let round = 0; round < 5; round++) {
          const draft = yield* organising.create(anna, draftOf(chess), false)
          const outcomes = yield* Effect.all(
            [anna, boris].map((actor) => Effect.either(organising.publish(actor, draft.id))),
            { concurrency: "unbounded" },
          )
          expect(outcomes.filter(Either.isRight)).toHaveLength(1)
          expect(outcomes.filter(Either.isLeft).map((o) => o.left._tag)).toEqual([
            "ActivityNotEditable",
          ])
          expect(yield* callsOf(draft.id)).toEqual([{ call: "announce", change: null }])
          expect((yield* auditOf(draft.id)).map((entry) => entry.action)).toEqual([
            "activity.create",
            "activity.publish",
          ])
        }

        // Capacities set at once, and a cancellation racing an edit: the row ends as the last
        // audited change left it, and no change is lost or applied to a cancelled activity.
        const { activity } = yield* published(anna, 2, { maxParticipants: 10 })
        const outcomes = yield* Effect.all(
          [
            Effect.either(
              organising.edit(anna, activity.id, { _tag: "Capacity", maxParticipants: 3 }),
            ),
            Effect.either(
              organising.edit(boris, activity.id, { _tag: "Capacity", maxParticipants: 6 }),
            ),
            Effect.either(
              organising.edit(anna, activity.id, { _tag: "Title", title: "Late title" }),
            ),
            Effect.either(organising.cancel(boris, activity.id, "clash")),
          ],
          { concurrency: "unbounded" },
        )
        const audit = (yield* auditOf(activity.id)).slice(1)
        const succeeded = outcomes.filter(Either.isRight).length
        expect(audit).toHaveLength(succeeded)
        expect(audit.at(-1)?.action).toBe("activity.cancel")
        for (const failed of outcomes.filter(Either.isLeft)) {
          expect(failed.left).toMatchObject({ _tag: "ActivityNotEditable", status: "cancelled" })
        }
        const final = yield* row(activity.id)
        const capacities = audit
          .map((entry) => entry.details as { field?: string; after?: number })
          .filter((details) => details.field === "Capacity")
        expect(final?.status).toBe("cancelled")
        expect(final?.maxParticipants).toBe(capacities.at(-1)?.after ?? 10)
      }),
    )

    it.effect("attendance: refused before the end, then marked, feeding achievements", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const activities = yield* ActivityRepo
        const organiser = yield* admin()
        const { activity, participants } = yield* published(organiser, 2, {
          scheduledAt: at(HOUR),
          durationMinutes: 60,
        })
        const [came, stayedAway] = participants as [EmployeeId, EmployeeId]
        const declined = yield* insertEmployee({})
        yield* takePlace(activity.id, declined, "declined")
        const outsider = yield* insertEmployee({})

        // Before it starts, and while it runs (its last minute), attendance is not known yet.
        for (const offset of [0, HOUR, 2 * HOUR - MINUTE]) {
          yield* TestClock.setTime(start + offset)
          const early = yield* Effect.flip(
            organising.markAttendance(organiser, activity.id, came, true),
          )
          expect(early).toMatchObject({
            _tag: "ActivityNotEditable",
            status: "scheduled",
            action: "mark attendance",
          })
        }
        expect((yield* row(activity.id))?.status).toBe("scheduled")
        expect((yield* auditOf(activity.id)).map((entry) => entry.action)).toEqual([
          "activity.create",
        ])

        yield* TestClock.setTime(start + 2 * HOUR)
        const marked = yield* organising.markAttendance(organiser, activity.id, came, true)
        expect(marked).toMatchObject({ employeeId: came, status: "attended" })
        expect((yield* row(activity.id))?.status).toBe("completed")
        yield* TestClock.adjust(5 * MINUTE)
        expect(
          (yield* organising.markAttendance(organiser, activity.id, stayedAway, false)).status,
        ).toBe("no_show")
        for (const nobody of [declined, outsider]) {
          expect(
            yield* Effect.flip(organising.markAttendance(organiser, activity.id, nobody, true)),
          ).toMatchObject({ _tag: "NotAParticipant", employeeId: nobody })
        }

        const sql = yield* SqlClient.SqlClient
        const marks = yield* sql<{ employeeId: number; status: string; attendedAt: Date | null }>`
          SELECT employee_id, status, attended_at FROM activity_participants
          WHERE activity_id = ${activity.id} ORDER BY status`
        expect(marks).toEqual([
          { employeeId: came, status: "attended", attendedAt: at(2 * HOUR) },
          { employeeId: declined, status: "declined", attendedAt: null },
          { employeeId: stayedAway, status: "no_show", attendedAt: null },
        ])
        expect((yield* auditOf(activity.id)).map((entry) => [entry.action, entry.details])).toEqual(
          [
            ["activity.create", expect.anything()],
            ["activity.attendance", { employeeId: came, before: "confirmed", after: "attended" }],
            [
              "activity.attendance",
              { employeeId: stayedAway, before: "confirmed", after: "no_show" },
            ],
          ],
        )

        // Attended counts as taking part; a no-show does not.
        const firstActivity = (employeeId: EmployeeId) =>
          Effect.map(
            activities.participationHistory(employeeId),
            (history) =>
              achievementsOf(history, at(3 * HOUR)).find((a) => a.code === "first-activity")
                ?.earned,
          )
        expect(yield* firstActivity(came)).toBe(true)
        expect(yield* firstActivity(stayedAway)).toBe(false)
        // A mistake is corrected both ways, and the roster shows it.
        yield* organising.markAttendance(organiser, activity.id, stayedAway, true)
        expect(yield* firstActivity(stayedAway)).toBe(true)
        const roster = yield* organising.roster(organiser, activity.id)
        expect(roster.map((entry) => [entry.employeeId, entry.status])).toEqual([
          [came, "attended"],
          [stayedAway, "attended"],
        ])
      }),
    )

    it.effect("a draft or a cancelled activity takes no attendance", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const { activity, participants } = yield* published(organiser, 1, { scheduledAt: at(HOUR) })
        yield* organising.cancel(organiser, activity.id, "rain")
        yield* TestClock.adjust(DAY)
        expect(
          yield* Effect.flip(
            organising.markAttendance(organiser, activity.id, participants[0] as EmployeeId, true),
          ),
        ).toMatchObject({ _tag: "ActivityNotEditable", status: "cancelled" })
        expect(
          yield* Effect.flip(
            organising.markAttendance(
              organiser,
              ActivityId.make(999_999),
              participants[0] as EmployeeId,
              true,
            ),
          ),
        ).toMatchObject({ _tag: "ActivityNotFound" })
      }),
    )

    it.effect(
      "the list: drafts and what is ahead or under way, soonest first, then what ended in the last 30 days, latest first",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const organising = yield* Organising
          const organiser = yield* admin()
          // Far from the other tests' activities: theirs ended long before this "now".
          const now = start + 400 * DAY
          yield* TestClock.setTime(now)
          const tag = unique()
          const insert = (name: string, offset: number, status: ActivityStatus) =>
            Effect.map(
              sql<{ id: ActivityId }>`
              INSERT INTO activities (title, scheduled_at, duration_minutes, status)
              VALUES (${`${tag} ${name}`}, ${new Date(now + offset)}, 60, ${status}) RETURNING id`,
              ([r]) => r?.id as ActivityId,
            )
          yield* insert("completed 40 days ago", -40 * DAY, "completed")
          yield* insert("cancelled 40 days ago", -40 * DAY, "cancelled")
          const ended = yield* insert("completed 10 days ago", -10 * DAY, "completed")
          const endedBefore = yield* insert("completed 20 days ago", -20 * DAY, "completed")
          const cancelled = yield* insert("cancelled, was tomorrow", DAY, "cancelled")
          const draft = yield* insert("old draft", -100 * DAY, "draft")
          const ahead = yield* insert("scheduled in a week", 7 * DAY, "scheduled")
          const running = yield* insert("running", -30 * MINUTE, "scheduled")
          const someone = yield* insertEmployee({})
          yield* takePlace(ahead, someone, "confirmed")

          const listed = (yield* organising.list(organiser)).filter((a) => a.title.startsWith(tag))
          // The screen shows the first 30: what is to come must not drop off behind what ended.
          expect(listed.map((a) => a.id)).toEqual([
            draft,
            running,
            cancelled,
            ahead,
            ended,
            endedBefore,
          ])
          expect(listed.find((a) => a.id === ahead)?.participantCount).toBe(1)
        }),
    )

    it.effect("the roster: who holds or held a place, in the order they joined", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const organising = yield* Organising
        const organiser = yield* admin()
        const { activity, participants } = yield* published(organiser, 3)
        const left = yield* insertEmployee({})
        yield* takePlace(activity.id, left, "declined")
        const roster = yield* organising.roster(organiser, activity.id)
        expect(roster.map((entry) => entry.employeeId)).toEqual(participants)
        expect(roster.every((entry) => entry.status === "confirmed")).toBe(true)
        expect(
          yield* Effect.flip(organising.roster(organiser, ActivityId.make(999_999))),
        ).toMatchObject({ _tag: "ActivityNotFound" })
      }),
    )
  })
})
