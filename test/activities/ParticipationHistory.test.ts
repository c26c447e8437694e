import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { achievementsOf } from "../../src/domain/Achievements"
import { ActivityId, type EmployeeId } from "../../src/domain/Ids"
import type { ActivityStatus, ParticipantStatus } from "../../src/domain/Models"
import { insertEmployee, interestId, RepoLive, unique } from "../support/Fixtures"

const DAY = 86_400_000

/** An activity at an exact time, so the history can be compared value for value. */
const activityAt = (fields: {
  readonly at: Date
  readonly durationMinutes: number
  readonly interestCode: string | null
  readonly status: ActivityStatus
}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO activities (title, interest_id, scheduled_at, duration_minutes, status)
      VALUES (
        ${`History ${unique()}`},
        (SELECT id FROM interests WHERE code = ${fields.interestCode}),
        ${fields.at}, ${fields.durationMinutes}, ${fields.status}
      )
      RETURNING id`
    return ActivityId.make(row?.id as number)
  })

const participate = (activityId: ActivityId, employeeId: EmployeeId, status: ParticipantStatus) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`
      INSERT INTO activity_participants (activity_id, employee_id, status)
      VALUES (${activityId}, ${employeeId}, ${status})`,
  )

describe("ActivityRepo.participationHistory", () => {
  layer(RepoLive, { excludeTestServices: true })((it) => {
    it.effect("every participation of the employee, any status, oldest first", () =>
      Effect.gen(function* () {
        const repo = yield* ActivityRepo
        const employee = yield* insertEmployee({})
        const someoneElse = yield* insertEmployee({})
        // Whole seconds: timestamptz keeps microseconds, a JS Date milliseconds.
        const today = new Date(Math.floor(Date.now() / 1000) * 1000)
        const at = (days: number) => new Date(today.getTime() + days * DAY)

        // Inserted out of order on purpose: the history comes back by date.
        const ahead = yield* activityAt({
          at: at(3),
          durationMinutes: 90,
          interestCode: "lunch",
          status: "scheduled",
        })
        const coffee = yield* activityAt({
          at: at(-30),
          durationMinutes: 30,
          interestCode: "coffee",
          status: "completed",
        })
        const chess = yield* activityAt({
          at: at(-10),
          durationMinutes: 120,
          interestCode: "chess",
          status: "completed",
        })
        const walk = yield* activityAt({
          at: at(-5),
          durationMinutes: 60,
          interestCode: null,
          status: "completed",
        })
        const others = yield* activityAt({
          at: at(-1),
          durationMinutes: 60,
          interestCode: "games",
          status: "completed",
        })

        yield* participate(coffee, employee, "attended")
        yield* participate(chess, employee, "confirmed")
        yield* participate(walk, employee, "no_show")
        yield* participate(ahead, employee, "confirmed")
        yield* participate(others, someoneElse, "attended")
        yield* participate(chess, someoneElse, "declined")

        const history = yield* repo.participationHistory(employee)
        expect(
          history.map((p) => ({
            activityId: p.activityId,
            interestId: p.interestId,
            scheduledAt: p.scheduledAt.toISOString(),
            durationMinutes: p.durationMinutes,
            status: p.status,
            activityStatus: p.activityStatus,
          })),
        ).toEqual([
          {
            activityId: coffee,
            interestId: yield* interestId("coffee"),
            scheduledAt: at(-30).toISOString(),
            durationMinutes: 30,
            status: "attended",
            activityStatus: "completed",
          },
          {
            activityId: chess,
            interestId: yield* interestId("chess"),
            scheduledAt: at(-10).toISOString(),
            durationMinutes: 120,
            status: "confirmed",
            activityStatus: "completed",
          },
          {
            activityId: walk,
            interestId: null,
            scheduledAt: at(-5).toISOString(),
            durationMinutes: 60,
            status: "no_show",
            activityStatus: "completed",
          },
          {
            activityId: ahead,
            interestId: yield* interestId("lunch"),
            scheduledAt: at(3).toISOString(),
            durationMinutes: 90,
            status: "confirmed",
            activityStatus: "scheduled",
          },
        ])
        for (const p of history) expect(p.scheduledAt).toBeInstanceOf(Date)

        // The history as read feeds the rules: coffee and chess (20 days apart, so never in
        // consecutive weeks) are real, the rest is not.
        expect(
          achievementsOf(history, new Date()).map((a) => [a.code, a.earned, a.progress]),
        ).toEqual([
          ["first-activity", true, 1],
          ["regular", false, 1],
          ["explorer", false, 2],
          ["connector", false, 2],
        ])

        expect(yield* repo.participationHistory(yield* insertEmployee({}))).toEqual([])
      }),
    )

    it.effect(
      "a round's meeting the employee said took place counts as attending; one that did not, not",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const repo = yield* ActivityRepo
          const [met, missed, partner] = [
            yield* insertEmployee({}),
            yield* insertEmployee({}),
            yield* insertEmployee({}),
          ]
          const matchedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * DAY)
          const [round] = yield* sql<{ id: number }>`
          INSERT INTO match_rounds (interest_id, starts_on, status)
          VALUES (${yield* interestId("coffee")}, (SELECT coalesce(max(starts_on), '2001-01-01') + 7 FROM match_rounds), 'matched')
          RETURNING id`
          const [match] = yield* sql<{ id: number }>`
          INSERT INTO matches (round_id, created_at) VALUES (${round?.id}, ${matchedAt}) RETURNING id`
          yield* sql`
          INSERT INTO match_members (match_id, round_id, employee_id, met) VALUES
            (${match?.id}, ${round?.id}, ${met}, true),
            (${match?.id}, ${round?.id}, ${missed}, false),
            (${match?.id}, ${round?.id}, ${partner}, null)`

          const history = yield* repo.participationHistory(met)
          expect(history.map((p) => [p.activityId, p.status, p.scheduledAt.toISOString()])).toEqual(
            [[null, "attended", matchedAt.toISOString()]],
          )
          expect(achievementsOf(history, new Date())[0]).toMatchObject({
            code: "first-activity",
            earned: true,
          })
          expect(yield* repo.participationHistory(missed)).toEqual([])
          expect(yield* repo.participationHistory(partner)).toEqual([])
        }),
    )
  })
})
