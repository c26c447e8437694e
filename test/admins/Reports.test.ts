import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { noneName, type ReportLine, Reports } from "../../src/admins/Reports"
import type { EmployeeId } from "../../src/domain/Ids"
import type { ActivityStatus, ParticipantStatus } from "../../src/domain/Models"
import { RoundsConfig } from "../../src/rounds/RoundsSettings"
import { insertEmployee, RepoLive, unique } from "../support/Fixtures"
import { settings } from "../support/Rounds"

/** The report's time zone is Moscow (UTC+3 all year): its January is not UTC's. */
const Live = Reports.layer.pipe(
  Layer.provide(Layer.succeed(RoundsConfig, settings({ timeZone: "Europe/Moscow" }))),
  Layer.provideMerge(RepoLive),
)

const admin = (flags: { readonly reports?: boolean } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = yield* insertEmployee({})
    yield* sql`
      INSERT INTO bot_admins (employee_id, can_view_reports, can_manage_activities)
      VALUES (${id}, ${flags.reports ?? true}, true)`
    return id
  })

const activity = (
  interest: string | null,
  at: string,
  status: ActivityStatus,
  people: ReadonlyArray<readonly [EmployeeId, ParticipantStatus]>,
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO activities (title, interest_id, scheduled_at, status)
      VALUES (${`Report ${unique()}`}, (SELECT id FROM interests WHERE code = ${interest}),
              ${new Date(at)}, ${status})
      RETURNING id`
    for (const [employeeId, participantStatus] of people) {
      yield* sql`
        INSERT INTO activity_participants (activity_id, employee_id, status)
        VALUES (${row?.id}, ${employeeId}, ${participantStatus})`
    }
  })

type Member = readonly [
  EmployeeId,
  { readonly met: boolean | null; readonly rating: number | null },
]

const round = (
  interest: string,
  startsOn: string,
  answers: ReadonlyArray<readonly [EmployeeId, "in" | "skip" | "pause"]>,
  matches: ReadonlyArray<ReadonlyArray<Member>>,
  status = "closed",
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [created] = yield* sql<{ id: number }>`
      INSERT INTO match_rounds (interest_id, starts_on, status)
      VALUES ((SELECT id FROM interests WHERE code = ${interest}), ${startsOn}, ${status})
      RETURNING id`
    const roundId = created?.id
    for (const [employeeId, answer] of answers) {
      yield* sql`
        INSERT INTO round_answers (round_id, employee_id, answer)
        VALUES (${roundId}, ${employeeId}, ${answer})`
    }
    for (const members of matches) {
      const [match] = yield* sql<{ id: number }>`
        INSERT INTO matches (round_id) VALUES (${roundId}) RETURNING id`
      for (const [employeeId, { met, rating }] of members) {
        yield* sql`
          INSERT INTO match_members (match_id, round_id, employee_id, met, rating)
          VALUES (${match?.id}, ${roundId}, ${employeeId}, ${met}, ${rating})`
      }
    }
  })

const named = (table: "interests" | "departments", code: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ name: string }>`SELECT name FROM ${sql(table)} WHERE code = ${code}`,
      ([row]) => row?.name as string,
    ),
  )

const figures = (line: ReportLine | undefined) =>
  line && [
    line.activities,
    line.placesTaken,
    line.attended,
    line.noShow,
    line.roundsJoined,
    line.roundsPlaced,
    line.roundsMet,
    line.averageRating,
  ]

describe("Reports on Postgres", () => {
  layer(Live, { excludeTestServices: true })((it) => {
    it.effect("a month's figures per interest and per department, in TIME_ZONE's calendar", () =>
      Effect.gen(function* () {
        const reports = yield* Reports
        const actor = yield* admin()
        const [e1, e3] = [
          yield* insertEmployee({ departmentCode: "IT" }),
          yield* insertEmployee({ departmentCode: "IT" }),
        ]
        const e2 = yield* insertEmployee({ departmentCode: "SALES" })
        const e4 = yield* insertEmployee({})
        const e5 = yield* insertEmployee({ departmentCode: "HR" })

        // January 2031 in Moscow.
        yield* activity("chess", "2031-01-10T15:00:00+03:00", "completed", [
          [e1, "attended"],
          [e2, "no_show"],
          [e3, "confirmed"],
          [e4, "attended"],
          [e5, "declined"],
        ])
        yield* activity("chess", "2031-01-31T23:30:00+03:00", "scheduled", [[e1, "confirmed"]])
        yield* activity("chess", "2030-12-31T23:30:00Z", "completed", []) // 1 January, 02:30 MSK
        yield* activity("lunch", "2031-01-20T13:00:00+03:00", "completed", [[e2, "attended"]])
        // Not in it: February in Moscow (though January in UTC), cancelled, a draft, December.
        yield* activity("chess", "2031-02-01T00:30:00+03:00", "completed", [[e2, "attended"]])
        yield* activity("games", "2031-01-15T18:00:00+03:00", "cancelled", [[e1, "confirmed"]])
        yield* activity("games", "2031-01-16T18:00:00+03:00", "draft", [])
        yield* activity("chess", "2030-12-31T20:30:00+03:00", "completed", [[e1, "attended"]])

        yield* round(
          "coffee",
          "2031-01-13",
          [
            [e1, "in"],
            [e2, "in"],
            [e3, "in"],
            [e4, "skip"],
            [e5, "in"],
          ],
          [
            [
              [e1, { met: true, rating: 5 }],
              [e2, { met: true, rating: 4 }],
              [e3, { met: false, rating: null }],
            ],
          ],
        )
        yield* round(
          "lunch",
          "2031-01-20",
          [
            [e1, "in"],
            [e4, "in"],
          ],
          [
            [
              [e1, { met: true, rating: 3 }],
              [e4, { met: null, rating: null }],
            ],
          ],
        )
        // Not in it: February's round, and a January round called off.
        yield* round("coffee", "2031-02-03", [[e1, "in"]], [[[e1, { met: true, rating: 1 }]]])
        yield* round("walk", "2031-01-27", [[e2, "in"]], [], "cancelled")

        const report = yield* reports.monthly(actor, { year: 2031, month: 1 })
        expect(report.month).toEqual({ year: 2031, month: 1 })
        const interest = (line: string) =>
          Effect.map(named("interests", line), (name) =>
            figures(report.byInterest.find((l) => l.name === name)),
          ).pipe(Effect.orDie)
        const department = (line: string) =>
          Effect.map(named("departments", line), (name) =>
            figures(report.byDepartment.find((l) => l.name === name)),
          ).pipe(Effect.orDie)

        //                                  acts places att noShow joined placed met rating
        expect(yield* interest("chess")).toEqual([3, 5, 2, 1, 0, 0, 0, null])
        expect(yield* interest("lunch")).toEqual([1, 1, 1, 0, 2, 2, 1, 3])
        expect(yield* interest("coffee")).toEqual([0, 0, 0, 0, 4, 3, 2, 4.5])
        expect(yield* interest("games")).toEqual([0, 0, 0, 0, 0, 0, 0, null])
        expect(yield* interest("walk")).toEqual([0, 0, 0, 0, 0, 0, 0, null])
        expect(report.byInterest.find((l) => l.name === "Шахматы")?.nameEn).toBe("Chess")
        expect(report.byInterest.some((l) => l.name === noneName)).toBe(false)

        expect(yield* department("IT")).toEqual([2, 3, 1, 0, 3, 3, 2, 4])
        expect(yield* department("SALES")).toEqual([2, 2, 1, 1, 1, 1, 1, 4])
        expect(yield* department("HR")).toEqual([0, 0, 0, 0, 1, 0, 0, null])
        expect(yield* department("MARKETING")).toEqual([0, 0, 0, 0, 0, 0, 0, null])
        expect(report.byDepartment.at(-1)?.name).toBe(noneName)
        expect(figures(report.byDepartment.at(-1))).toEqual([1, 1, 1, 0, 1, 1, 0, null])

        // Activities without an interest get a line of their own, last.
        yield* activity(null, "2031-01-05T10:00:00+03:00", "completed", [[e3, "attended"]])
        const again = yield* reports.monthly(actor, { year: 2031, month: 1 })
        expect(again.byInterest.at(-1)?.name).toBe(noneName)
        expect(figures(again.byInterest.at(-1))).toEqual([1, 1, 1, 0, 0, 0, 0, null])

        // February has its own figures: the boundary activity and round are there.
        const february = yield* reports.monthly(actor, { year: 2031, month: 2 })
        const chessName = yield* Effect.orDie(named("interests", "chess"))
        const coffeeName = yield* Effect.orDie(named("interests", "coffee"))
        expect(figures(february.byInterest.find((l) => l.name === chessName))).toEqual([
          1,
          1,
          1,
          0,
          0,
          0,
          0,
          null,
        ])
        expect(figures(february.byInterest.find((l) => l.name === coffeeName))).toEqual([
          0, 0, 0, 0, 1, 1, 1, 1,
        ])
      }),
    )

    it.effect("without the reports role, or revoked: refused", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const reports = yield* Reports
        const stranger = yield* insertEmployee({})
        const organiser = yield* admin({ reports: false })
        const revoked = yield* admin()
        yield* sql`DELETE FROM bot_admins WHERE employee_id = ${revoked}`
        for (const actor of [stranger, organiser, revoked]) {
          expect(
            yield* Effect.flip(reports.monthly(actor, { year: 2031, month: 1 })),
          ).toMatchObject({ _tag: "NotAllowed", employeeId: actor, permission: "reports" })
        }
      }),
    )
  })
})
