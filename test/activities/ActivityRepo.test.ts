import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { ActivityId, EmployeeId } from "../../src/domain/Ids"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { fixedClock } from "../support/Clocks"
import { insertActivity, insertEmployee, interestId, RepoLive } from "../support/Fixtures"

describe("ActivityRepo", () => {
  layer(RepoLive, { excludeTestServices: true })((it) => {
    describe("activities", () => {
      it.effect(
        "upcoming: scheduled and ahead only, the employee's interests first, then by date",
        () =>
          Effect.gen(function* () {
            const repo = yield* ActivityRepo
            const id = yield* insertEmployee({})
            yield* (yield* InterestRepo).applyInterestChanges(id, {
              enable: [yield* interestId("chess")],
              disable: [],
            })
            const later = yield* insertActivity({ interestCode: "games", inHours: 5 })
            const sooner = yield* insertActivity({ interestCode: "games", inHours: 2 })
            const chess = yield* insertActivity({ interestCode: "chess", inHours: 30 })
            const draft = yield* insertActivity({ status: "draft" })
            const cancelled = yield* insertActivity({ status: "cancelled" })
            const past = yield* insertActivity({ inHours: -1 })
            const mine = new Set([later, sooner, chess, draft, cancelled, past])
            const upcoming = (yield* repo.upcomingActivities(id, { limit: 1000 })).filter((a) =>
              mine.has(a.id),
            )
            expect(upcoming.map((a) => a.id)).toEqual([chess, sooner, later])
            expect(upcoming.map((a) => a.matchesInterests)).toEqual([true, false, false])

            yield* repo.join(sooner, id)
            const joined = (yield* repo.upcomingActivities(id, { limit: 1000 })).find(
              (a) => a.id === sooner,
            )
            expect(joined).toMatchObject({ joined: true, participantCount: 1 })
          }),
      )

      it.effect("join, join again, leave, leave again: clear outcomes", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const activity = yield* insertActivity({ maxParticipants: 3 })
          const id = yield* insertEmployee({ fullName: "Иван Иванов" })
          expect(yield* repo.join(activity, id)).toMatchObject({
            _tag: "Joined",
            participantCount: 1,
          })
          expect(yield* repo.join(activity, id)).toMatchObject({
            _tag: "AlreadyJoined",
            participantCount: 1,
          })
          const participants = yield* repo.participants(activity)
          expect(participants.map((p) => [p.fullName, p.status])).toEqual([
            ["Иван Иванов", "confirmed"],
          ])
          expect((yield* repo.getActivity(activity)).participantCount).toBe(1)
          expect(yield* repo.leave(activity, id)).toMatchObject({
            _tag: "Left",
            participantCount: 0,
          })
          expect((yield* repo.leave(activity, id))._tag).toBe("NotJoined")
          expect(yield* repo.participants(activity)).toEqual([])
          expect(yield* repo.join(activity, id)).toMatchObject({
            _tag: "Joined",
            participantCount: 1,
          })
        }),
      )

      it.effect("a full activity says so; a closed one is not open", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const activity = yield* insertActivity({ maxParticipants: 1 })
          const first = yield* insertEmployee({})
          const second = yield* insertEmployee({})
          yield* repo.join(activity, first)
          expect(yield* repo.join(activity, second)).toMatchObject({
            _tag: "Full",
            maxParticipants: 1,
          })
          const cancelled = yield* insertActivity({ status: "cancelled" })
          expect(yield* repo.join(cancelled, second)).toMatchObject({
            _tag: "NotOpen",
            status: "cancelled",
          })
          const started = yield* insertActivity({ inHours: -1 })
          expect((yield* repo.join(started, second))._tag).toBe("NotOpen")
          expect((yield* repo.leave(cancelled, second))._tag).toBe("NotOpen")
          const unlimited = yield* insertActivity({ maxParticipants: null })
          expect((yield* repo.join(unlimited, second))._tag).toBe("Joined")
        }),
      )

      it.effect("ahead and still open are the app's clock, not the database's", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const id = yield* insertEmployee({})
          const soon = yield* insertActivity({ inHours: 2 })
          const later = yield* insertActivity({ inHours: 5 })
          yield* repo.join(soon, id)
          yield* repo.join(later, id)
          const listed = (activities: ReadonlyArray<{ readonly id: ActivityId }>) =>
            activities.map((a) => a.id).filter((a) => a === soon || a === later)

          // Three hours on by the app's clock (the database's own clock has not moved): the
          // first has begun, the second is still ahead.
          const threeHoursOn = new Date(Date.now() + 3 * 3_600_000)
          const moved = yield* Effect.gen(function* () {
            const newcomer = yield* insertEmployee({})
            return {
              upcoming: listed(yield* repo.upcomingActivities(id, { limit: 1000 })),
              counts: yield* repo.activityCounts(id),
              joinSoon: (yield* repo.join(soon, newcomer))._tag,
              leaveSoon: (yield* repo.leave(soon, id))._tag,
              joinLater: (yield* repo.join(later, newcomer))._tag,
            }
          }).pipe(Effect.withClock(fixedClock(threeHoursOn)))
          expect(moved).toEqual({
            upcoming: [later],
            counts: expect.objectContaining({ upcoming: 1, joined: 2 }),
            joinSoon: "NotOpen",
            leaveSoon: "NotOpen",
            joinLater: "Joined",
          })
          // By the real clock both are still ahead.
          expect(listed(yield* repo.upcomingActivities(id, { limit: 1000 }))).toEqual([soon, later])
        }),
      )

      it.effect("an unknown activity or employee is a typed error", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const id = yield* insertEmployee({})
          const nowhere = ActivityId.make(2_000_000_000)
          expect((yield* Effect.flip(repo.join(nowhere, id)))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(repo.leave(nowhere, id)))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(repo.getActivity(nowhere)))._tag).toBe("ActivityNotFound")
          const activity = yield* insertActivity({})
          const ghost = EmployeeId.make(2_000_000_000)
          expect((yield* Effect.flip(repo.join(activity, ghost)))._tag).toBe("EmployeeNotFound")
          const inactive = yield* insertEmployee({ isActive: false })
          expect((yield* Effect.flip(repo.join(activity, inactive)))._tag).toBe("EmployeeNotFound")
          expect((yield* repo.getActivity(activity)).participantCount).toBe(0)
        }),
      )

      it.effect("getActivity has the participant count", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const activityId = yield* insertActivity({ title: "Шахматы в обед", maxParticipants: 4 })
          yield* repo.join(activityId, yield* insertEmployee({}))
          yield* repo.join(activityId, yield* insertEmployee({}))
          const activity = yield* repo.getActivity(activityId)
          expect(activity).toMatchObject({
            title: "Шахматы в обед",
            maxParticipants: 4,
            participantCount: 2,
            status: "scheduled",
            location: "Room 1",
          })
          expect(activity.scheduledAt).toBeInstanceOf(Date)
        }),
      )

      it.effect("a waitlist offer not yet expired holds its place; one expired does not", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const sql = yield* SqlClient.SqlClient
          const activity = yield* insertActivity({ maxParticipants: 1 })
          const offered = yield* insertEmployee({})
          const stranger = yield* insertEmployee({})
          yield* sql`
            INSERT INTO activity_waitlist (activity_id, employee_id, offered_at, offer_expires_at)
            VALUES (${activity}, ${offered}, now(), now() + interval '1 hour')`
          expect((yield* repo.join(activity, stranger))._tag).toBe("Full")
          yield* sql`
            UPDATE activity_waitlist SET offer_expires_at = now() - interval '1 second'
            WHERE activity_id = ${activity}`
          expect((yield* repo.join(activity, stranger))._tag).toBe("Joined")
        }),
      )

      it.effect("50 concurrent joins on 5 places leave exactly 5 confirmed participants", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const sql = yield* SqlClient.SqlClient
          const activity = yield* insertActivity({ maxParticipants: 5 })
          const people = yield* Effect.all(Array.from({ length: 50 }, () => insertEmployee({})))
          const outcomes = yield* Effect.all(
            people.map((id) => repo.join(activity, id)),
            { concurrency: "unbounded" },
          )
          expect(outcomes.filter((o) => o._tag === "Joined")).toHaveLength(5)
          expect(outcomes.filter((o) => o._tag === "Full")).toHaveLength(45)
          const [row] = yield* sql<{ count: number }>`
            SELECT count(*)::int AS count FROM activity_participants
            WHERE activity_id = ${activity} AND status = 'confirmed'`
          expect(row?.count).toBe(5)
        }),
      )
    })

    describe("profile", () => {
      it.effect("counts upcoming, attended and joined activities", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const sql = yield* SqlClient.SqlClient
          const id = yield* insertEmployee({})
          expect(yield* repo.activityCounts(id)).toMatchObject({
            upcoming: 0,
            attended: 0,
            joined: 0,
          })
          const soon = yield* insertActivity({})
          const later = yield* insertActivity({ inHours: 48 })
          const past = yield* insertActivity({ inHours: -48, status: "completed" })
          yield* repo.join(soon, id)
          yield* repo.join(later, id)
          yield* repo.leave(later, id)
          yield* sql`
            INSERT INTO activity_participants (activity_id, employee_id, status, attended_at)
            VALUES (${past}, ${id}, 'attended', now())`
          expect(yield* repo.activityCounts(id)).toMatchObject({
            upcoming: 1,
            attended: 1,
            joined: 2,
          })
        }),
      )
    })

    describe("warm-up feeds", () => {
      it.effect("participants of many activities in one call", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const busy = yield* insertActivity({})
          const quiet = yield* insertActivity({})
          const first = yield* insertEmployee({ fullName: "Первый" })
          const second = yield* insertEmployee({ fullName: "Второй" })
          const gone = yield* insertEmployee({ fullName: "Ушедший" })
          yield* repo.join(busy, first)
          yield* repo.join(busy, gone)
          yield* repo.join(busy, second)
          yield* repo.leave(busy, gone)
          const byActivity = yield* repo.participantsOf([busy, quiet])
          expect(byActivity.get(busy)?.map((p) => p.fullName)).toEqual(["Первый", "Второй"])
          expect(byActivity.get(quiet)).toEqual([])
          expect((yield* repo.participantsOf([])).size).toBe(0)
        }),
      )

      it.effect("scheduled and active activities", () =>
        Effect.gen(function* () {
          const repo = yield* ActivityRepo
          const scheduled = yield* insertActivity({})
          const active = yield* insertActivity({ status: "active", inHours: -1 })
          const completed = yield* insertActivity({ status: "completed", inHours: -30 })
          const draft = yield* insertActivity({ status: "draft" })
          const ids = (yield* repo.openActivities).map((a) => a.id)
          expect(ids).toEqual(expect.arrayContaining([scheduled, active]))
          expect(ids).not.toContain(completed)
          expect(ids).not.toContain(draft)
        }),
      )
    })
  })
})
