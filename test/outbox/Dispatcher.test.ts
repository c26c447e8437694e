/**
 * The dispatcher against real Postgres and the local Bot API server, the clock in the test's
 * hands: the dispatcher's waits (rate, spacing, retries, lease, polls) pass only when the test
 * moves the `TestClock`. Postgres and HTTP run in real time, so between clock moves the test lets
 * them go on (`letIoRun`) or waits for what it expects (`until`); it never waits out a duration.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Context,
  Duration,
  Effect,
  ExecutionStrategy,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Redacted,
  Scope,
  TestClock,
} from "effect"
import { BotConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { type EmployeeId, TelegramId } from "../../src/domain/Ids"
import { Dispatcher, lease, OUTBOX_LOCK, pollInterval } from "../../src/outbox/Dispatcher"
import * as Outbox from "../../src/outbox/Outbox"
import { insertEmployee, unique } from "../support/Fixtures"
import { makeTelegramServer, type TelegramUser } from "../support/TelegramServer"
import { databaseAt, migratedDatabase } from "../support/TestDatabase"

const quiet = Logger.minimumLogLevel(LogLevel.Warning)

/**
 * Lets the Postgres and HTTP work in flight go on a little; the test clock stands still. A
 * millisecond: the checks between clock moves are round trips to Postgres themselves (5 ms made the
 * file a second slower, green either way).
 */
const letIoRun = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 1)))

/** Waits (in real time, at most 10 s) until `check` holds, without moving the clock. */
const until = <E>(what: string, check: Effect.Effect<boolean, E>) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (yield* check) return
      yield* letIoRun
    }
    return yield* Effect.dieMessage(`Timed out waiting for ${what}`)
  })

const now = Effect.map(TestClock.currentTimeMillis, Number)

/**
 * Moves the clock by `step` at a time, letting the I/O run between moves, until `check` holds;
 * returns the clock then. The dispatcher may see a move late, never early: "not before" holds.
 */
const advanceUntil = <E>(
  what: string,
  check: Effect.Effect<boolean, E>,
  step: Duration.DurationInput,
  limit: Duration.DurationInput = "10 minutes",
) =>
  Effect.gen(function* () {
    const end = (yield* now) + Duration.toMillis(limit)
    while (!(yield* check)) {
      if ((yield* now) > end)
        return yield* Effect.dieMessage(`${what}: not within ${Duration.format(limit)}`)
      yield* TestClock.adjust(step)
      yield* letIoRun
    }
    return yield* now
  })

interface Row {
  readonly dedupeKey: string
  readonly employeeId: number
  readonly status: string
  readonly notBefore: Date
  readonly sentAt: Date | null
  readonly error: string | null
}

/** A fresh database, a Bot API server, and dispatchers to start and stop. */
const world = Effect.gen(function* () {
  const testScope = yield* Effect.scope
  const { url } = yield* migratedDatabase
  const db = yield* Layer.build(databaseAt(url))
  yield* Database.migrate.pipe(Effect.provide(db))
  const sql = Context.get(db, SqlClient.SqlClient)
  const outbox = yield* Effect.provide(Outbox.make, db)
  const server = yield* makeTelegramServer()
  const botConfig = Layer.succeed(BotConfig, {
    token: Redacted.make(server.token),
    apiRoot: server.apiRoot,
    transport: { _tag: "Polling" },
    port: 0,
    defaultLocale: "en",
    adminContact: "HR",
    timeZone: "Europe/Moscow",
  })

  /** Another pool on the same database: another bot process, as far as Postgres can tell. */
  const pool = (user?: string) =>
    Effect.gen(function* () {
      const address = new URL(url)
      if (user !== undefined) address.username = user
      return yield* Layer.build(databaseAt(address.toString()))
    })

  /** What the dispatchers logged, level and message. */
  const logs: Array<string> = []
  const recordLogs = Logger.add(
    Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    }),
  )

  /** A dispatcher over `on` (the test's pool by default) until `stop` (or the test's end). */
  const start = (on: Context.Context<SqlClient.SqlClient> = db) =>
    Effect.gen(function* () {
      const scope = yield* Scope.fork(testScope, ExecutionStrategy.sequential)
      const context = yield* Layer.buildWithScope(
        Dispatcher.layer.pipe(Layer.provide(Layer.succeedContext(on)), Layer.provide(botConfig)),
        scope,
      ).pipe(Effect.provide(recordLogs))
      return {
        wake: Context.get(context, Dispatcher).wake,
        stop: Scope.close(scope, Exit.void),
      }
    })

  /** An active employee linked to a Telegram user the server knows. */
  const linked = Effect.gen(function* () {
    const user = yield* server.user()
    const id = yield* insertEmployee({ telegramId: TelegramId.make(user.id) }).pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
    )
    return { id, user }
  })
  const employee = (fields: Parameters<typeof insertEmployee>[0]) =>
    insertEmployee(fields).pipe(Effect.provideService(SqlClient.SqlClient, sql))

  const rows = sql<Row>`
    SELECT dedupe_key, employee_id, status, not_before, sent_at, error FROM outbox ORDER BY id`
  const row = (key: string) =>
    Effect.map(rows, (all) => {
      const found = all.find((r) => r.dedupeKey === key)
      if (found === undefined) throw new Error(`no outbox row ${key}`)
      return found
    })
  const all = (status: string) => Effect.map(rows, (all) => all.every((r) => r.status === status))
  const count = (status: string) =>
    Effect.map(rows, (all) => all.filter((r) => r.status === status).length)

  /** sendMessage calls to a chat, answered or refused. */
  const callsTo = (user: TelegramUser) =>
    server.callsOf("sendMessage").filter((call) => Number(call.params.chat_id) === user.chatId)
  const texts = (user: TelegramUser) => server.messagesIn(user.chatId).map((m) => m.text)

  /** Sessions holding the dispatch lock in this database (advisory locks are per database). */
  const lockHolders = sql<{ count: number }>`
    SELECT count(*)::int AS count FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = ${OUTBOX_LOCK}
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.pipe(
    Effect.map(([row]) => row?.count ?? 0),
  )

  return {
    sql,
    outbox,
    server,
    pool,
    start,
    linked,
    employee,
    rows,
    row,
    all,
    count,
    callsTo,
    texts,
    lockHolders,
    logs,
  }
})

/** The token's secret half: in no log line. */
const secretOf = (token: string) => token.split(":")[1] ?? token

const message = (employeeId: EmployeeId, key: string, text = key): Outbox.OutboxMessage => ({
  employeeId,
  kind: "test",
  payload: { text },
  dedupeKey: key,
})

/** The clock's time for an hour from the test's start (the TestClock starts at 0). */
const inAnHour = new Date(Duration.toMillis("1 hour"))

/** The dispatcher waits on the clock for its next poll: it found nothing due. */
const idle = Effect.gen(function* () {
  const pollAt = (yield* now) + Duration.toMillis(pollInterval)
  return Chunk.some(yield* TestClock.sleeps(), (at) => at === pollAt)
})

const dispatcherTest = (name: string, body: () => Effect.Effect<void, unknown, Scope.Scope>) =>
  it.scoped(name, () => body().pipe(Effect.provide(quiet)))

describe("Dispatcher", () => {
  dispatcherTest(
    "delivers each message once, in order per chat, a second apart, with its buttons; wake sends at once",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const [ann, bob] = [yield* w.linked, yield* w.linked]
        const dispatcher = yield* w.start()
        yield* until("the dispatcher to find nothing due", idle)

        const keyboard = {
          inline_keyboard: [
            [
              { text: "I'm in", callback_data: "round:1:in" },
              { text: "Skip", callback_data: "round:1:skip" },
            ],
          ],
        }
        yield* w.outbox.enqueue([
          message(ann.id, "a1"),
          message(ann.id, "a2"),
          {
            ...message(bob.id, "b1"),
            payload: { text: "<b>Coffee</b> this week?", replyMarkup: keyboard, parseMode: "HTML" },
          },
          message(ann.id, "a3"),
          { ...message(bob.id, "tomorrow"), notBefore: inAnHour },
        ])
        // The clock stands still: only the wake can make the dispatcher look now.
        yield* dispatcher.wake
        yield* until(
          "the first message of each chat",
          Effect.sync(() => w.server.callsOf("sendMessage").length >= 2),
        )
        yield* advanceUntil(
          "every due message sent",
          Effect.map(w.count("sent"), (n) => n === 4),
          "100 millis",
        )

        expect(w.texts(ann.user)).toEqual(["a1", "a2", "a3"])
        expect(w.callsTo(ann.user)).toHaveLength(3)
        const [invite] = w.server.messagesIn(bob.user.chatId)
        expect(invite?.text).toBe("Coffee this week?")
        expect(invite?.buttons).toEqual([["I'm in", "Skip"]])
        expect(invite?.callbackData).toEqual([["round:1:in", "round:1:skip"]])
        expect(w.callsTo(bob.user)).toHaveLength(1)

        // At most one message a second to a chat.
        const [a1, a2, a3] = yield* Effect.forEach(["a1", "a2", "a3"], (key) =>
          Effect.map(w.row(key), (row) => row.sentAt?.getTime() ?? Number.NaN),
        )
        expect(Number(a2) - Number(a1)).toBeGreaterThanOrEqual(1000)
        expect(Number(a3) - Number(a2)).toBeGreaterThanOrEqual(1000)

        expect((yield* w.row("tomorrow")).status).toBe("pending")
      }),
  )

  dispatcherTest("a 429 is sent again after retry_after, not before", () =>
    Effect.gen(function* () {
      const w = yield* world
      const ann = yield* w.linked
      yield* w.server.failNext("sendMessage", {
        error_code: 429,
        description: "Too Many Requests: retry after 3",
        retry_after: 3,
      })
      yield* w.outbox.enqueue([message(ann.id, "invite")])
      yield* w.start()
      yield* until(
        "the 429 to be recorded",
        Effect.map(w.row("invite"), (row) => row.status === "pending" && row.error !== null),
      )
      expect((yield* w.row("invite")).notBefore.getTime()).toBe(3000)

      while ((yield* now) < 2900) {
        yield* TestClock.adjust("100 millis")
        yield* letIoRun
        expect(w.callsTo(ann.user)).toHaveLength(1)
      }
      yield* advanceUntil(
        "the message sent",
        Effect.map(w.row("invite"), (row) => row.status === "sent"),
        "100 millis",
      )
      expect(w.callsTo(ann.user)).toHaveLength(2)
      expect(w.texts(ann.user)).toEqual(["invite"])
      expect((yield* w.row("invite")).sentAt?.getTime()).toBeGreaterThanOrEqual(3000)
      expect(w.logs.filter((line) => line.startsWith("WARN"))).toEqual([
        "WARN Outbox: Telegram asked to slow down on 1 message(s) (sendMessage: 429 Too Many Requests: retry after 3); sending them later",
      ])
      expect(w.logs.join("\n")).not.toContain(secretOf(w.server.token))
    }),
  )

  dispatcherTest("a 5xx is retried with a growing backoff, and failed after 8 attempts", () =>
    Effect.gen(function* () {
      const w = yield* world
      const ann = yield* w.linked
      const outage = { error_code: 502, description: "Bad Gateway" }
      yield* w.server.failNext("sendMessage", outage, 8)
      yield* w.outbox.enqueue([message(ann.id, "invite")])
      yield* w.start()
      yield* until(
        "the first attempt",
        Effect.sync(() => w.callsTo(ann.user).length === 1),
      )
      yield* until(
        "the retry planned",
        Effect.map(w.row("invite"), (r) => r.status === "pending"),
      )
      expect((yield* w.row("invite")).notBefore.getTime()).toBe(5000)

      const failedAt = yield* advanceUntil(
        "the message given up",
        Effect.map(w.row("invite"), (row) => row.status === "failed"),
        "5 seconds",
        "15 minutes",
      )
      expect(w.callsTo(ann.user)).toHaveLength(8)
      // 5 + 10 + 20 + … + 320 s between the eight attempts.
      expect(failedAt).toBeGreaterThanOrEqual(635_000)
      expect((yield* w.row("invite")).error).toContain("502")
      expect(w.texts(ann.user)).toEqual([])
    }),
  )

  dispatcherTest(
    "a 403 marks the employee unreachable and drops their messages; others are delivered",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const [ann, bob] = [yield* w.linked, yield* w.linked]
        yield* ann.user.block
        yield* w.outbox.enqueue([
          message(ann.id, "a1"),
          message(bob.id, "b1"),
          message(ann.id, "a2"),
          message(bob.id, "b2"),
        ])
        const dispatcher = yield* w.start()
        yield* advanceUntil(
          "every message settled",
          Effect.map(w.rows, (rows) =>
            rows.every((r) => r.status === "sent" || r.status === "dropped"),
          ),
          "100 millis",
        )
        expect(w.texts(bob.user)).toEqual(["b1", "b2"])
        // One refused call; the second message was dropped without one.
        expect(w.callsTo(ann.user)).toHaveLength(1)
        expect(yield* w.row("a1")).toMatchObject({ status: "dropped" })
        expect((yield* w.row("a1")).error).toContain("blocked")
        expect((yield* w.row("a2")).status).toBe("dropped")
        const unreachable = yield* w.sql<{ id: number; unreachableSince: Date | null }>`
          SELECT id, unreachable_since FROM employees WHERE id IN (${ann.id}, ${bob.id})`
        expect(unreachable.find((e) => e.id === ann.id)?.unreachableSince).toBeInstanceOf(Date)
        expect(unreachable.find((e) => e.id === bob.id)?.unreachableSince).toBeNull()

        // Enqueued later: dropped too, without asking Telegram again.
        yield* w.outbox.enqueue([message(ann.id, "a3")])
        yield* dispatcher.wake
        yield* until(
          "the later message dropped",
          Effect.map(w.row("a3"), (row) => row.status === "dropped"),
        )
        expect(w.callsTo(ann.user)).toHaveLength(1)
      }),
  )

  dispatcherTest("messages to an employee not linked to Telegram or not active are dropped", () =>
    Effect.gen(function* () {
      const w = yield* world
      const unlinked = yield* w.employee({ telegramId: null })
      const leaver = yield* w.server.user()
      const inactive = yield* w.employee({
        telegramId: TelegramId.make(leaver.id),
        isActive: false,
      })
      const ann = yield* w.linked
      yield* w.outbox.enqueue([
        message(unlinked, "unlinked"),
        message(inactive, "inactive"),
        message(ann.id, "ann"),
      ])
      yield* w.start()
      yield* until(
        "every message settled",
        Effect.map(w.count("pending"), (n) => n === 0),
      )
      yield* until(
        "ann's message sent",
        Effect.map(w.row("ann"), (r) => r.status === "sent"),
      )
      expect(yield* w.row("unlinked")).toMatchObject({ status: "dropped" })
      expect((yield* w.row("unlinked")).error).toContain("not linked")
      expect(yield* w.row("inactive")).toMatchObject({ status: "dropped" })
      expect((yield* w.row("inactive")).error).toContain("not active")
      expect(w.server.callsOf("sendMessage").map((call) => Number(call.params.chat_id))).toEqual([
        ann.user.chatId,
      ])
    }),
  )

  dispatcherTest("a row whose payload is not a message fails alone; the others are sent", () =>
    Effect.gen(function* () {
      const w = yield* world
      const [ann, bob] = [yield* w.linked, yield* w.linked]
      // Written by hand, as ops or a bug might: no text.
      yield* w.sql`
        INSERT INTO outbox (employee_id, kind, payload, dedupe_key, not_before)
        VALUES (${ann.id}, 'test', '{"txt": "typo"}', 'broken', ${new Date(0)})`
      yield* w.outbox.enqueue([message(ann.id, "a1"), message(bob.id, "b1")])
      yield* w.start()
      yield* advanceUntil(
        "every message settled",
        Effect.map(w.count("pending"), (n) => n === 0),
        "100 millis",
      )
      yield* until(
        "the last one recorded",
        Effect.map(w.count("sending"), (n) => n === 0),
      )
      expect(yield* w.row("broken")).toMatchObject({ status: "failed" })
      expect((yield* w.row("broken")).error).toContain("not a message")
      expect(w.texts(ann.user)).toEqual(["a1"])
      expect(w.texts(bob.user)).toEqual(["b1"])
    }),
  )

  dispatcherTest(
    "60 messages to 60 chats: at most 30 in the first second, then 25 a second, each once",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const people = yield* Effect.all(Array.from({ length: 60 }, () => w.linked))
        yield* w.outbox.enqueue(people.map((p, i) => message(p.id, `m${i}`)))
        yield* w.start()
        const sent = () => w.server.callsOf("sendMessage").length
        yield* until(
          "the first burst",
          Effect.sync(() => sent() >= 5),
        )
        for (let i = 0; i < 50; i++) yield* letIoRun
        // Without the clock moving, nothing more goes out.
        expect(sent()).toBe(5)

        while ((yield* now) < 1000) {
          yield* TestClock.adjust("40 millis")
          yield* letIoRun
        }
        expect(sent()).toBeLessThanOrEqual(30)

        yield* advanceUntil(
          "all 60 sent",
          Effect.map(w.count("sent"), (n) => n === 60),
          "40 millis",
        )
        expect(yield* now).toBeGreaterThanOrEqual(2200)
        for (const person of people) expect(w.callsTo(person.user)).toHaveLength(1)
      }),
  )

  dispatcherTest(
    "stopped mid-broadcast: another process takes over and sends the rest, each exactly once",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const first = yield* w.start()
        yield* until(
          "the first dispatcher to hold the lock",
          Effect.map(w.lockHolders, (n) => n === 1),
        )
        const second = yield* w.start(yield* w.pool())
        const people = yield* Effect.all(Array.from({ length: 20 }, () => w.linked))
        yield* w.outbox.enqueue(people.map((p, i) => message(p.id, `m${i}`)))
        yield* first.wake
        // The first burst is sent and recorded; the rest wait for the rate limiter.
        yield* until(
          "the first burst recorded",
          Effect.map(w.count("sent"), (n) => n === 5),
        )
        yield* first.stop

        // The rows it claimed and never sent were handed back: no lease to wait out.
        expect(yield* w.count("sending")).toBe(0)
        const done = yield* advanceUntil(
          "the rest sent by the other process",
          w.all("sent"),
          "500 millis",
        )
        expect(done).toBeLessThan(Duration.toMillis(lease))
        for (const person of people) expect(w.callsTo(person.user)).toHaveLength(1)
        yield* second.stop
      }),
  )

  dispatcherTest(
    "died mid-broadcast: its claimed messages are sent after the lease, each exactly once",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        // The dying process connects as a role of its own, so that it alone can be cut off.
        const role = `cb_outbox_${unique()}`
        yield* Effect.acquireRelease(w.sql`CREATE ROLE ${w.sql(role)} LOGIN SUPERUSER`, () =>
          Effect.orDie(w.sql`DROP ROLE IF EXISTS ${w.sql(role)}`),
        )
        const dying = yield* w.start(yield* w.pool(role))
        const people = yield* Effect.all(Array.from({ length: 20 }, () => w.linked))
        yield* w.outbox.enqueue(people.map((p, i) => message(p.id, `m${i}`)))
        yield* dying.wake
        yield* until(
          "the first burst recorded",
          Effect.map(w.count("sent"), (n) => n === 5),
        )

        // Between two sends, the process dies: its sessions end (the lock with them) and it
        // can record nothing more, hand back nothing.
        yield* w.sql`ALTER ROLE ${w.sql(role)} NOLOGIN`
        yield* w.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${role}`
        yield* dying.stop
        expect(yield* w.count("sending")).toBe(15)

        yield* w.start()
        while ((yield* now) < Duration.toMillis(lease) - 1000) {
          yield* TestClock.adjust("1 second")
          yield* letIoRun
          expect(w.server.callsOf("sendMessage")).toHaveLength(5)
        }
        yield* advanceUntil("the rest sent", w.all("sent"), "200 millis")
        for (const person of people) expect(w.callsTo(person.user)).toHaveLength(1)
        const resent = (yield* w.rows).filter(
          (row) => (row.sentAt?.getTime() ?? 0) >= Duration.toMillis(lease),
        )
        expect(resent).toHaveLength(15)
        expect(w.logs.filter((line) => line.includes("hand back"))).toHaveLength(1)
      }),
  )

  dispatcherTest("two processes dispatching at once send each message once, in order", () =>
    Effect.gen(function* () {
      const w = yield* world
      const dispatchers = yield* Effect.all([w.start(), w.start(yield* w.pool())], {
        concurrency: "unbounded",
      })
      const people = yield* Effect.all(Array.from({ length: 15 }, () => w.linked))
      yield* w.outbox.enqueue(
        people.flatMap((p, i) => [
          message(p.id, `m${i}:1`, "first"),
          message(p.id, `m${i}:2`, "second"),
        ]),
      )
      yield* Effect.forEach(dispatchers, (d) => d.wake)
      yield* advanceUntil("every message sent", w.all("sent"), "200 millis")
      for (const person of people) expect(w.texts(person.user)).toEqual(["first", "second"])
      expect(w.server.callsOf("sendMessage")).toHaveLength(30)
      expect(yield* w.lockHolders).toBe(1)
    }),
  )
})
