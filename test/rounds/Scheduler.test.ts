/**
 * The scheduler in the bot's process (src/rounds/Scheduler.ts) on the `TestClock`: it runs each
 * step when the clock reaches its time, with no real waiting. Postgres runs in real time, so the
 * test waits (briefly, in real time) for the scheduler to finish a tick and go back to sleep
 * before it moves the clock again.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Deferred, Effect, Fiber, Layer, TestClock } from "effect"
import type { RoundsSettings } from "../../src/rounds/RoundsSettings"
import * as Scheduler from "../../src/rounds/Scheduler"
import { databaseAt, firstMonday, roundsOver, type World, week, world } from "../support/Rounds"

const letIoRun = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/** Waits (in real time, at most 10 s) until `check` holds, without moving the clock. */
const until = <E, R>(what: string, check: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2000; i++) {
      if (yield* check) return
      yield* letIoRun
    }
    return yield* Effect.dieMessage(`Timed out waiting for ${what}`)
  })

/** The scheduler has finished its tick and sleeps on the clock. */
const sleeping = Effect.map(TestClock.sleeps(), (sleeps) => Chunk.isNonEmpty(sleeps))

const first = week(firstMonday)

/** A world whose scheduler starts (in the test's scope) at `start`. */
const scheduled = (start: Date, overrides: Partial<RoundsSettings> = {}) =>
  Effect.gen(function* () {
    const w = yield* world(overrides)
    const people = [yield* w.person(), yield* w.person()]
    yield* TestClock.setTime(start.getTime())
    const db = yield* Layer.build(databaseAt(w.url))
    const launch = Scheduler.layer.pipe(Layer.provide(roundsOver(db, overrides)))
    return { w, people, launch }
  })

const status = (w: World) =>
  w.sql<{ status: string; matchedAt: Date | null }>`
    SELECT status, matched_at FROM match_rounds
    WHERE interest_id = ${w.interests.coffee} AND starts_on = ${firstMonday}::date`

describe("Scheduler", () => {
  it.scoped("invites when the clock reaches Friday 12:00 and matches on Monday 10:00", () =>
    Effect.gen(function* () {
      const { w, people, launch } = yield* scheduled(new Date(first.invite.getTime() - 60_000))
      yield* Layer.build(launch)
      yield* until("the first tick", sleeping)
      expect(yield* w.count("match_rounds")).toBe(0)

      yield* TestClock.adjust("2 minutes")
      yield* until(
        "the invitations",
        Effect.map(w.outbox("round.invite"), (rows) => rows.length === 2),
      )
      const round = yield* w.round("coffee", firstMonday)
      expect(round.status).toBe("inviting")
      expect(round.invitedAt?.getTime()).toBeGreaterThanOrEqual(first.invite.getTime())
      yield* Effect.forEach(people, (id) => w.rounds.answer(round.id, id, "in"))
      yield* until("the scheduler to sleep again", sleeping)

      yield* TestClock.setTime(first.match.getTime())
      yield* until(
        "the match",
        Effect.map(status(w), ([row]) => row?.status === "matched"),
      )
      const [row] = yield* status(w)
      expect(row?.matchedAt).toEqual(first.match)
      expect(yield* w.outbox("round.intro")).toHaveLength(2)
    }),
  )

  it.scoped(
    "a tick that is still running when a step's time comes does not make the step wait for the next tick",
    () =>
      Effect.gen(function* () {
        const { w, launch } = yield* scheduled(new Date(first.invite.getTime() - 1_000))
        // Hold the tick's first query (it reads the interests) until the clock has passed 12:00.
        const otherDb = yield* Layer.build(databaseAt(w.url))
        const other = Context.get(otherDb, SqlClient.SqlClient)
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* other
          .withTransaction(
            Effect.gen(function* () {
              yield* other`LOCK TABLE interests IN ACCESS EXCLUSIVE MODE`
              yield* Deferred.succeed(locked, undefined)
              yield* Deferred.await(release)
            }),
          )
          .pipe(Effect.fork)
        yield* Deferred.await(locked)
        yield* Layer.build(launch)
        yield* until(
          "the tick to wait on the lock",
          Effect.map(
            w.sql<{ n: number }>`
              SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            ([row]) => (row?.n ?? 0) > 0,
          ),
        )
        yield* TestClock.adjust("2 seconds")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        // No more clock moves: the invitation at 12:00 must not wait for the next tick.
        yield* until(
          "the invitations",
          Effect.map(w.outbox("round.invite"), (rows) => rows.length === 2),
        )
        yield* until("the scheduler to sleep", sleeping)
        expect((yield* w.round("coffee", firstMonday)).status).toBe("inviting")
      }),
  )

  it.scoped("ROUNDS_ENABLED=false: nothing happens, however far the clock moves", () =>
    Effect.gen(function* () {
      const { w, launch } = yield* scheduled(new Date(first.invite.getTime() - 60_000), {
        enabled: false,
      })
      yield* Layer.build(launch)
      yield* TestClock.adjust("8 days")
      for (let i = 0; i < 20; i++) yield* letIoRun
      expect(Chunk.isEmpty(yield* TestClock.sleeps())).toBe(true)
      expect(yield* w.count("match_rounds")).toBe(0)
      expect(yield* w.count("outbox")).toBe(0)
    }),
  )
})
