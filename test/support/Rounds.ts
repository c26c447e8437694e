/**
 * A world for the rounds' tests: a fresh, migrated and seeded database (coffee `anywhere`, lunch
 * and walk `same_office`), the `Rounds` service over it, people to subscribe, and what the outbox
 * holds. Times are the `TestClock`'s; Postgres runs in real time, so a test that has a fiber of
 * its own (the scheduler) waits for it with `until`, never for a duration.
 */
import { SqlClient } from "@effect/sql"
import { Context, Cron, Effect, Layer, Option, Schema } from "effect"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import { type EmployeeId, type InterestId, type MatchId, RoundId } from "../../src/domain/Ids"
import { Outbox, StoredPayload } from "../../src/outbox/Outbox"
import { Rounds } from "../../src/rounds/Rounds"
import { RoundsConfig, type RoundsSettings } from "../../src/rounds/RoundsSettings"
import { insertEmployee, interestId, newTelegramId } from "./Fixtures"
import { databaseAt, migratedDatabase } from "./TestDatabase"

export const zone = "Europe/Moscow"

/** The bot's defaults (docs/rounds.md), the scheduler on. */
export const settings = (overrides: Partial<RoundsSettings> = {}): RoundsSettings => ({
  enabled: true,
  timeZone: zone,
  locale: "en",
  inviteAt: Cron.unsafeParse("0 12 * * FRI", zone),
  matchAt: Cron.unsafeParse("0 10 * * MON", zone),
  remindAt: Cron.unsafeParse("0 11 * * WED", zone),
  feedbackAt: Cron.unsafeParse("0 16 * * FRI", zone),
  noRepeat: 6,
  ...overrides,
})

/** The UTC instant of a Moscow wall-clock time (UTC+3 all year). */
export const moscow = (local: string): Date => new Date(`${local}+03:00`)

/** Days after a date (YYYY-MM-DD). */
export const plusDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 864e5).toISOString().slice(0, 10)

/**
 * The week of a round named by its match Monday: the instants its steps fall due (default
 * crons), and a minute after each, when a test runs what is due.
 */
export const week = (monday: string) => {
  const friday = plusDays(monday, -3)
  return {
    startsOn: monday,
    invite: moscow(`${friday}T12:00:00`),
    match: moscow(`${monday}T10:00:00`),
    remind: moscow(`${plusDays(monday, 2)}T11:00:00`),
    feedback: moscow(`${plusDays(monday, 4)}T16:00:00`),
    close: moscow(`${plusDays(monday, 11)}T12:00:00`),
  }
}

export const minuteAfter = (date: Date): Date => new Date(date.getTime() + 60_000)

/** The first round of the tests: invited Friday 4 Dec 2026, matched Monday 7 Dec. */
export const firstMonday = "2026-12-07"

export { databaseAt }

/** `Rounds` with its outbox over a database context, with these settings. */
export const roundsOver = (
  db: Context.Context<SqlClient.SqlClient>,
  overrides: Partial<RoundsSettings> = {},
) =>
  Rounds.layer.pipe(
    Layer.provideMerge(Outbox.layer),
    Layer.provideMerge(Layer.succeed(RoundsConfig, settings(overrides))),
    Layer.provideMerge(Layer.succeedContext(db)),
  )

export interface OutboxRow {
  readonly id: number
  readonly employeeId: EmployeeId
  readonly kind: string
  readonly dedupeKey: string
  readonly text: string
  readonly callbackData: ReadonlyArray<string>
  readonly payload: string
}

const decodePayload = Schema.decodeUnknownSync(StoredPayload)

/** What the outbox holds (of one kind), in the order it was enqueued, with texts and buttons read. */
export const outboxOf =
  (sql: SqlClient.SqlClient) =>
  (kind?: string): Effect.Effect<ReadonlyArray<OutboxRow>, unknown> =>
    sql<{
      id: number
      employeeId: EmployeeId
      kind: string
      dedupeKey: string
      payload: string
    }>`SELECT id, employee_id, kind, dedupe_key, payload::text AS payload FROM outbox
       WHERE ${kind === undefined ? sql`true` : sql`kind = ${kind}`} ORDER BY id`.pipe(
      Effect.map((rows) =>
        rows.map((row): OutboxRow => {
          const payload = decodePayload(row.payload)
          return {
            ...row,
            text: payload.text,
            callbackData: (payload.replyMarkup?.inline_keyboard ?? []).flatMap((buttons) =>
              buttons.map((button) =>
                String((button as { callback_data?: unknown }).callback_data),
              ),
            ),
          }
        }),
      ),
    )

/**
 * A database of the test's scope, migrated and seeded, with the app's Database layer over it and a
 * way to run SQL effects on it: what the rounds' and the notices' worlds start from.
 */
export const seededDatabase = Effect.gen(function* () {
  const { url } = yield* migratedDatabase
  const db = yield* Layer.build(databaseAt(url))
  const sql = Context.get(db, SqlClient.SqlClient)
  const withSql = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
    Effect.provideService(effect, SqlClient.SqlClient, sql)
  yield* withSql(Database.migrate)
  yield* withSql(seed({ demo: false }))
  return { url, db, sql, withSql }
})

/** A fresh database of the test's scope, migrated and seeded, and the rounds over it. */
export const world = (overrides: Partial<RoundsSettings> = {}) =>
  Effect.gen(function* () {
    const { url, db, sql, withSql } = yield* seededDatabase
    const context = yield* Layer.build(roundsOver(db, overrides))
    const rounds = Context.get(context, Rounds)

    const interests = {
      coffee: yield* withSql(interestId("coffee")),
      lunch: yield* withSql(interestId("lunch")),
      walk: yield* withSql(interestId("walk")),
    }

    /** An active employee linked to Telegram, subscribed to the interests named. */
    const person = (
      fields: {
        readonly name?: string
        readonly department?: string
        readonly office?: string
        readonly linked?: boolean
        readonly active?: boolean
      } = {},
      subscribed: ReadonlyArray<"coffee" | "lunch" | "walk"> = ["coffee"],
    ) =>
      Effect.gen(function* () {
        const id = yield* withSql(
          insertEmployee({
            ...(fields.name === undefined ? {} : { fullName: fields.name }),
            telegramId: fields.linked === false ? null : newTelegramId(),
            isActive: fields.active ?? true,
            departmentCode: fields.department ?? "IT",
            businessCenter: fields.office ?? "БЦ Око",
          }),
        )
        for (const code of subscribed) yield* subscribe(id, interests[code])
        return id
      })

    const subscribe = (employeeId: EmployeeId, interest: InterestId) =>
      sql`INSERT INTO employee_interests (employee_id, interest_id) VALUES (${employeeId}, ${interest})`

    const outbox = outboxOf(sql)

    const roundOf = (code: "coffee" | "lunch" | "walk", startsOn: string) =>
      sql<{
        id: number
        status: string
        invitedAt: Date | null
        matchedAt: Date | null
        seed: string
      }>`SELECT id, status, invited_at, matched_at, seed::text AS seed FROM match_rounds
         WHERE interest_id = ${interests[code]} AND starts_on = ${startsOn}::date`.pipe(
        Effect.map(([row]) =>
          row === undefined ? Option.none() : Option.some({ ...row, id: RoundId.make(row.id) }),
        ),
      )

    const round = (code: "coffee" | "lunch" | "walk", startsOn: string) =>
      Effect.flatMap(roundOf(code, startsOn), (found) =>
        Option.isSome(found)
          ? Effect.succeed(found.value)
          : Effect.dieMessage(`no ${code} round of ${startsOn}`),
      )

    /** The groups of a round: member ids per match, sorted. */
    const groups = (roundId: RoundId) =>
      sql<{ matchId: MatchId; employeeId: EmployeeId }>`
        SELECT match_id, employee_id FROM match_members WHERE round_id = ${roundId}
        ORDER BY match_id, employee_id`.pipe(
        Effect.map((rows) => {
          const byMatch = new Map<MatchId, Array<EmployeeId>>()
          for (const row of rows)
            byMatch.set(row.matchId, [...(byMatch.get(row.matchId) ?? []), row.employeeId])
          return [...byMatch.entries()].map(([matchId, members]) => ({ matchId, members }))
        }),
      )

    const count = (table: string) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`.pipe(
        Effect.map(([row]) => row?.n ?? 0),
      )

    return {
      url,
      db,
      sql,
      withSql,
      rounds,
      interests,
      person,
      subscribe,
      outbox,
      roundOf,
      round,
      groups,
      count,
    }
  })

export type World = Effect.Effect.Success<ReturnType<typeof world>>

/** Everyone says "I'm in" to the round. */
export const allIn = (w: World, roundId: RoundId, people: ReadonlyArray<EmployeeId>) =>
  Effect.forEach(people, (id) => w.rounds.answer(roundId, id, "in"), { discard: true })
