/**
 * `tsx scripts/rounds.ts` as ops run it: the commands' Effects in-process over the layers the
 * script gives them (settings from the run's own), on one fresh database, with the clock set; the
 * help from the script's own command line (src/cli/rounds/Commands.ts), in-process too: a child
 * process would spend seconds of tsx start-up to show the same text (the scripts' processes are
 * test/scripts/db.test.ts's and redis.test.ts's).
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, TestClock } from "effect"
import { cli } from "../../src/cli/rounds/Commands"
import { withRounds } from "../../src/cli/rounds/Live"
import * as Preview from "../../src/cli/rounds/Preview"
import * as Run from "../../src/cli/rounds/Run"
import * as Simulate from "../../src/cli/rounds/Simulate"
import * as Stats from "../../src/cli/rounds/Stats"
import * as Status from "../../src/cli/rounds/Status"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import type { RoundId } from "../../src/domain/Ids"
import { Rounds } from "../../src/rounds/Rounds"
import { insertEmployee, interestId, newTelegramId } from "../support/Fixtures"
import { databaseAt, roundsOver } from "../support/Rounds"
import { runCliInProcess, runInProcess, type ScriptRun } from "../support/Scripts"
import { migratedDatabase } from "../support/TestDatabase"

const errorLines = (run: ScriptRun) =>
  run.stderr.split("\n").filter((line) => line.startsWith("Error:"))

/** Tuesday 1 December 2026, 12:00 Moscow: the next invitation is Friday's, for Monday 7 December. */
const tuesday = new Date("2026-12-01T09:00:00Z")

describe("tsx scripts/rounds.ts", () => {
  it.effect("--help lists the five commands", () =>
    Effect.gen(function* () {
      const run = yield* runCliInProcess(cli, "rounds.ts", ["--help"], {})
      expect(run.code).toBe(0)
      for (const command of ["status", "preview", "run", "stats", "simulate"]) {
        expect(run.stdout).toContain(command)
      }
    }),
  )

  it.scoped(
    "status, run, preview and stats on a database: what ops see at each step, and a clear line for an unknown interest",
    () =>
      Effect.gen(function* () {
        const { url } = yield* migratedDatabase
        const settings = { DATABASE_URL: url, TIME_ZONE: "Europe/Moscow", BOT_DEFAULT_LOCALE: "en" }
        const cli = <A, E>(program: Effect.Effect<A, E, Rounds>) =>
          runInProcess(withRounds(program), settings)
        yield* TestClock.setTime(tuesday.getTime())
        // The database as `tsx scripts/db.ts migrate` and `seed` leave it, with three people for coffee.
        const db = yield* Layer.build(databaseAt(url))
        const rounds = Context.get(yield* Layer.build(roundsOver(db)), Rounds)
        const sql = rounds.repo.sql
        const people = yield* Effect.gen(function* () {
          yield* Database.migrate
          yield* seed({ demo: false })
          const coffee = yield* interestId("coffee")
          return yield* Effect.forEach(["Anna Aalto", "Boris Berg", "Vera Volkova"], (fullName) =>
            Effect.gen(function* () {
              const id = yield* insertEmployee({ fullName, telegramId: newTelegramId() })
              yield* sql`INSERT INTO employee_interests (employee_id, interest_id) VALUES (${id}, ${coffee})`
              return id
            }),
          )
        }).pipe(Effect.provideService(SqlClient.SqlClient, sql))

        const fresh = yield* cli(Status.status({ json: false }))
        expect(fresh.code).toBe(0)
        for (const interest of ["coffee", "lunch", "walk"]) {
          expect(fresh.stdout).toContain(`${interest} (`)
        }
        expect(fresh.stdout).toContain("no round yet")
        expect(fresh.stdout).toContain(
          "next: invite of the round of 2026-12-07 at 2026-12-04T09:00:00.000Z",
        )
        const freshJson = JSON.parse((yield* cli(Status.status({ json: true }))).stdout)
        expect(freshJson.map((entry: { interest: string }) => entry.interest)).toEqual([
          "coffee",
          "lunch",
          "walk",
        ])
        expect(freshJson[0]).toMatchObject({
          matching: "anywhere",
          frequency: "weekly",
          round: null,
          next: { step: "invite", at: "2026-12-04T09:00:00.000Z", startsOn: "2026-12-07" },
        })

        const invited = yield* cli(Run.run({ interest: "coffee", step: Option.some("invite") }))
        expect(invited.code).toBe(0)
        expect(invited.stdout).toContain(
          "Done: invite of the coffee round of 2026-12-07; 3 message(s) queued.",
        )
        const again = yield* cli(Run.run({ interest: "coffee", step: Option.some("invite") }))
        expect(again.stdout).toContain("Nothing to do")
        const afterInvite = yield* cli(Status.status({ json: false }))
        expect(afterInvite.stdout).toMatch(/round 2026-12-07: inviting; invited 3, joined 0/)
        expect(afterInvite.stdout).toContain(
          "next: match of the round of 2026-12-07 at 2026-12-07T07:00:00.000Z",
        )

        // Two say yes; preview shows where they go and changes nothing.
        const [round] = yield* sql<{ id: RoundId }>`SELECT id FROM match_rounds`
        for (const id of people.slice(0, 2)) yield* rounds.answer(round?.id as RoundId, id, "in")
        const preview = yield* cli(
          Preview.preview({ interest: "coffee", seed: Option.none(), json: true }),
        )
        expect(preview.code).toBe(0)
        const placement = JSON.parse(preview.stdout)
        expect(placement).toMatchObject({ interest: "coffee", round: "2026-12-07", joined: 2 })
        expect(
          [...placement.groups.flat(), ...placement.alone].map((p: { id: number }) => p.id).sort(),
        ).toEqual([...people.slice(0, 2)].sort())
        expect(
          placement.groups
            .flat()
            .map((p: { fullName: string }) => p.fullName)
            .sort(),
        ).toEqual(["Anna Aalto", "Boris Berg"])
        const stats = yield* cli(Stats.stats({ interest: Option.some("coffee"), json: true }))
        expect(stats.code).toBe(0)
        expect(JSON.parse(stats.stdout)).toEqual([
          expect.objectContaining({
            interest: "coffee",
            startsOn: "2026-12-07",
            status: "inviting",
            invited: 3,
            joined: 2,
            placed: 0,
            matches: 0,
          }),
        ])

        const unknown = yield* cli(Run.run({ interest: "nosuch", step: Option.none() }))
        expect(unknown.code).toBe(1)
        expect(errorLines(unknown)).toEqual(["Error: nosuch is not an interest that pairs people"])
        const unknownStats = yield* cli(
          Stats.stats({ interest: Option.some("nosuch"), json: true }),
        )
        expect(unknownStats.code).toBe(1)
      }),
  )

  it.effect("simulate: our pairing places everyone; the figures are there", () =>
    Effect.gen(function* () {
      const run = yield* runInProcess(
        Simulate.simulateCommand({ employees: 200, rounds: 3, seed: 1, json: true }),
        {},
      )
      expect(run.code).toBe(0)
      const report = JSON.parse(run.stdout)
      expect(report).toMatchObject({ employees: 200, rounds: 3 })
      const blossom = report.algorithms.find(
        (a: { algorithm: string }) => a.algorithm === "blossom",
      )
      expect(blossom.interests.length).toBeGreaterThan(0)
      for (const interest of blossom.interests) {
        expect(interest.placedShare).toBe(1)
        expect(interest.joiners).toBeGreaterThan(0)
        expect(typeof interest.crossDepartmentShare).toBe("number")
        expect(interest.repeats).toBe(0)
      }
      expect(typeof blossom.timeFor2000Ms).toBe("number")
    }),
  )

  it.effect("simulate with one employee: exit 1 and a line saying what it needs", () =>
    Effect.gen(function* () {
      const run = yield* runInProcess(
        Simulate.simulateCommand({ employees: 1, rounds: 3, seed: 1, json: false }),
        {},
      )
      expect(run.code).toBe(1)
      expect(errorLines(run)).toEqual([
        "Error: simulate needs --employees 2 or more and --rounds 1 or more",
      ])
    }),
  )
})
