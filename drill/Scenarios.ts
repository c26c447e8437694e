/**
 * The targeted scenarios of the drill, each measured on its own, and the outages with the checks
 * that follow them:
 *
 * - out-of-order commit: HR deactivates an employee in a transaction left open while a user's
 *   Save commits a later change; after HR's COMMIT the employee must be refused within 2 s;
 * - idle sessions across a Redis restart: an unsaved change made before Redis is killed must
 *   still be there (and saved by Save) when its user comes back after Redis is restarted empty;
 * - redelivered updates: the same update (same update_id) posted twice is applied once, while
 *   two distinct presses of the same button still undo each other;
 * - hostile input: bodies that are not updates, impossible senders, forged button data — 400 or
 *   200, never a 5xx, and nothing changes;
 * - a probe after each outage: with the load held, what the bot shows (interests, activity
 *   counts, recognition) against what the database holds, and every acknowledged write.
 */
import { Effect, Schedule } from "effect"
import Pg from "pg"
import { rawRedis } from "../test/support/CacheSettings"
import type { PrivatePostgres } from "../test/support/PrivatePostgres"
import type { PrivateRedis } from "../test/support/PrivateRedis"
import type { ChatMessage, TelegramServer } from "../test/support/TelegramServer"
import { type Chat, Screens } from "./Chat"
import { type Gate, historyOf, ledgerContradictions, type Sim } from "./Load"
import type { Metrics } from "./Metrics"
import type { DrillOptions } from "./Options"
import type { Relay } from "./Relay"
import * as World from "./World"

export interface DrillContext {
  readonly options: DrillOptions
  readonly server: TelegramServer
  readonly relay: Relay
  readonly chat: Chat
  readonly metrics: Metrics
  readonly gate: Gate
  readonly redis: PrivateRedis
  readonly postgres: PrivatePostgres
  readonly botUrl: string
  readonly secret: string
  readonly adminContact: string
  readonly cachePrefix: string
  readonly seeded: World.Seeded
  readonly load: ReadonlyArray<Sim>
  readonly byRole: (role: World.Role) => ReadonlyArray<Sim>
  /** Employees the drill deactivated: the bot must refuse them from then on. */
  readonly deactivated: Set<Sim>
  readonly progress: (line: string) => Effect.Effect<void>
  readonly random: () => number
}

type Db = World.Db

/** Database reads of the checks: retried a few times, the drill's own pool may be reconnecting. */
const read = <A>(effect: Effect.Effect<A, unknown, Db>) =>
  effect.pipe(
    Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 10 }),
    Effect.orDie,
  ) as Effect.Effect<A, never, Db>

const sameSet = (a: Iterable<number>, b: Iterable<number>) =>
  [...a].sort((x, y) => x - y).join(",") === [...b].sort((x, y) => x - y).join(",")

const textOf = (message: ChatMessage | undefined) =>
  JSON.stringify((message?.text ?? "(no message)").slice(0, 70))

// -- the bot's health -------------------------------------------------------------------------

interface Health {
  readonly status: number
  readonly databaseOk: boolean
  readonly cacheAvailable: boolean
}

export const health = (botUrl: string) =>
  Effect.promise(async (): Promise<Health | undefined> => {
    try {
      const response = await fetch(`${botUrl}/healthz`, { signal: AbortSignal.timeout(5000) })
      const body = (await response.json()) as {
        database?: { ok?: boolean }
        cache?: { available?: boolean }
      }
      return {
        status: response.status,
        databaseOk: body.database?.ok === true,
        cacheAvailable: body.cache?.available === true,
      }
    } catch {
      return undefined
    }
  })

/** Polls until `check` holds, at most `seconds`; says whether it did. */
const waitUntil = (check: Effect.Effect<boolean>, seconds: number) =>
  Effect.gen(function* () {
    const until = Date.now() + seconds * 1000
    while (Date.now() < until) {
      if (yield* check) return true
      yield* Effect.sleep("250 millis")
    }
    return false
  })

/** Keys under a pattern in the private Redis, looked at with a connection of the drill's own. */
const redisKeys = (context: DrillContext, pattern: string) =>
  rawRedis(context.redis.url).pipe(
    Effect.flatMap((client) =>
      Effect.promise(async () => {
        const [, keys] = await client.scan("0", "MATCH", pattern, "COUNT", 10_000)
        return keys.length
      }),
    ),
    Effect.scoped,
    Effect.catchAllDefect(() => Effect.succeed(0)),
  )

// -- the stale-screen probe -------------------------------------------------------------------

/**
 * With the load held: each sampled user's interests screen against the database, the activity
 * list and every activity's details against the participants, the deactivated employees refused,
 * every acknowledged write in the database, and capacity in the database.
 */
export const probe = (context: DrillContext, label: string) =>
  Effect.gen(function* () {
    const { chat, metrics, options } = context
    yield* context.gate.pause
    yield* context.progress(`probe (${label}): comparing screens with the database`)
    metrics.recoveries++
    const active = yield* read(World.activeInterests)
    const places = yield* read(World.participants)

    // Every acknowledged write, for every user.
    yield* checkLedgers(context, label, active, places)
    yield* checkCapacity(context, label)

    // Interests screens of a sample: the screen must show what the database holds.
    const sample = [...context.load]
      .map((sim) => ({ sim, key: context.random() }))
      .sort((a, b) => a.key - b.key)
      .slice(0, options.probeUsers)
      .map(({ sim }) => sim)
    yield* Effect.forEach(
      sample,
      (sim) =>
        Effect.gen(function* () {
          const sent = yield* chat.send(sim.user, "/preferences", "probe")
          const screen = sent.replies.at(-1)
          metrics.screensCompared++
          if (!Screens.isInterests(screen)) {
            metrics.stale.add(`${label}: ${sim.person.username} /preferences got ${textOf(screen)}`)
            return
          }
          if (Screens.pending(sim.t, screen) > 0) {
            // Unsaved changes are the session's, not the database's: not comparable.
            metrics.screensCompared--
            return
          }
          const stored = active.get(sim.person.employeeId) ?? new Set<number>()
          const shown = Screens.on(screen)
          if (!sameSet(shown, stored)) {
            metrics.stale.add(
              `${label}: ${sim.person.username} interests shown [${shown}], database [${[...stored].sort((a, b) => a - b)}]`,
            )
          }
        }),
      { concurrency: 8, discard: true },
    )

    // Activity list and details, seen by two users of the probe's own (navigating a load user
    // away would change what their next press means): counts against the participants.
    for (const sim of context.byRole("prober")) {
      const menu = (yield* chat.send(sim.user, "/menu", "probe")).replies.at(-1)
      if (!Screens.isMenu(menu) || menu === undefined) {
        metrics.screensCompared++
        metrics.stale.add(`${label}: ${sim.person.username} /menu got ${textOf(menu)}`)
        continue
      }
      const list = yield* chat.press(sim.user, menu, "activities", "probe")
      const lines = Screens.activityList(list.message)
      for (const line of lines) {
        metrics.screensCompared++
        const holders = places.get(line.activityId) ?? new Set<number>()
        const joined = holders.has(sim.person.employeeId)
        if (line.taken !== holders.size || line.joined !== joined) {
          metrics.stale.add(
            `${label}: list shows activity ${line.activityId} ${line.taken}${line.joined ? " joined" : ""}, database ${holders.size}${joined ? " joined" : ""}`,
          )
        }
      }
      let screen = list.message
      for (const line of lines) {
        const opened = yield* chat.press(sim.user, screen, `act:${line.activityId}`, "probe")
        const details = Screens.activity(sim.t, opened.message)
        const holders = places.get(line.activityId) ?? new Set<number>()
        const joined = holders.has(sim.person.employeeId)
        metrics.screensCompared++
        if (details === undefined || details.taken !== holders.size || details.joined !== joined) {
          metrics.stale.add(
            `${label}: details of activity ${line.activityId} show ${
              details === undefined
                ? textOf(opened.message)
                : `${details.taken}${details.joined ? " joined" : ""}`
            }, database ${holders.size}${joined ? " joined" : ""}`,
          )
        }
        if (!Screens.hasData(opened.message, "activities")) break
        screen = (yield* chat.press(sim.user, opened.message, "activities", "probe")).message
      }
    }

    // Recognition: whoever was deactivated is refused.
    for (const sim of context.deactivated) {
      const reply = (yield* chat.send(sim.user, "/menu", "probe")).replies.at(-1)
      metrics.screensCompared++
      if (reply?.text !== sim.t.deactivated(context.adminContact)) {
        metrics.stale.add(`${label}: deactivated ${sim.person.username} got ${textOf(reply)}`)
      }
    }
  }).pipe(Effect.ensuring(context.gate.resume))

/** Every load user's acknowledged writes, against the database. */
export const checkLedgers = (
  context: DrillContext,
  label: string,
  active: ReadonlyMap<number, ReadonlySet<number>>,
  places: ReadonlyMap<number, ReadonlySet<number>>,
) =>
  Effect.sync(() => {
    for (const sim of context.load) {
      for (const contradiction of ledgerContradictions(
        sim,
        active,
        places,
        context.seeded.interestIds,
      )) {
        const key = `${sim.person.username} ${contradiction}`
        if (context.metrics.lostKeys.has(key)) continue
        context.metrics.lostKeys.add(key)
        context.metrics.lost.add(`${label}: ${key}, the database disagrees`)
        context.metrics.keepHistory(`${label}: ${key}`, historyOf(sim))
      }
    }
  })

export const checkCapacity = (context: DrillContext, label: string) =>
  Effect.gen(function* () {
    for (const row of yield* read(World.capacity)) {
      if (row.max !== null && row.taken > row.max) {
        const key = `${row.id}:${row.taken}`
        if (context.metrics.capacityDatabaseKeys.has(key)) continue
        context.metrics.capacityDatabaseKeys.add(key)
        context.metrics.capacityDatabase.add(
          `${label}: ${row.title} holds ${row.taken} of ${row.max} places`,
        )
      }
    }
  })

// -- out-of-order commit ----------------------------------------------------------------------

const refusalWithin = 2000
const refusalWait = 10_000

/** A connection of HR's own, for a transaction the drill keeps open. */
const hrConnection = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Pg.Client({ connectionString: url })
      client.on("error", () => {})
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.end().catch(() => undefined)),
  )

export const outOfOrderCommit = (context: DrillContext, run: number) =>
  Effect.gen(function* () {
    const { chat, metrics } = context
    const x = context.byRole("deactivated")[run]
    const y = context.byRole("writer")[run]
    if (x === undefined || y === undefined) return
    yield* context.progress(
      `scenario: out-of-order commit #${run + 1} — HR deactivates ${x.person.username} in an open transaction while ${y.person.username} saves`,
    )
    const notes: Array<string> = []

    // X is recognised, so the bot holds who they are in its cache.
    let cached = false
    for (let attempt = 0; attempt < 4 && !cached; attempt++) {
      const reply = (yield* chat.send(x.user, "/menu", "scenario")).replies.at(-1)
      if (!Screens.isMenu(reply)) notes.push(`before: /menu got ${textOf(reply)}`)
      cached = (yield* redisKeys(context, `${context.cachePrefix}emp:${x.person.telegramId}`)) > 0
      if (!cached) yield* Effect.sleep("300 millis")
    }
    if (!cached) notes.push("the bot had not cached the employee (emp: key absent)")

    const hr = yield* hrConnection(context.postgres.url)
    yield* Effect.promise(() => hr.query("BEGIN"))
    yield* Effect.promise(() =>
      hr.query("UPDATE employees SET is_active = false WHERE id = $1", [x.person.employeeId]),
    )

    // Meanwhile Y saves interests: a later change-log id, committed first.
    const screen = (yield* chat.send(y.user, "/preferences", "scenario")).replies.at(-1)
    let writerSaved = false
    if (screen !== undefined && Screens.isInterests(screen)) {
      const id = [...Screens.interests(screen).keys()][run % 3] ?? 0
      const toggled = yield* chat.press(y.user, screen, `int:t:${id}`, "scenario")
      const saved = yield* chat.press(y.user, toggled.message, "int:save", "scenario")
      writerSaved = Screens.saved(y.t, saved.message)
    }
    if (!writerSaved) notes.push("the writer's Save was not acknowledged")
    // The change feed has read past the writer's change (it polls every 0.5 s at the latest).
    yield* Effect.sleep("1200 millis")

    yield* Effect.promise(() => hr.query("COMMIT"))
    const committedAt = Date.now()
    context.deactivated.add(x)

    let refusedAfterMs: number | null = null
    let lastSeen: ChatMessage | undefined
    while (Date.now() - committedAt < refusalWait) {
      const reply = (yield* chat.send(x.user, "/menu", "scenario")).replies.at(-1)
      lastSeen = reply
      if (reply?.text === x.t.deactivated(context.adminContact)) {
        refusedAfterMs = Date.now() - committedAt
        break
      }
      yield* Effect.sleep("200 millis")
    }
    if (refusedAfterMs === null) notes.push(`still served: ${textOf(lastSeen)}`)
    metrics.outOfOrder.push({
      run: run + 1,
      refusedAfterMs,
      waitedMs: refusalWait,
      note: notes.join("; "),
    })
    yield* context.progress(
      refusedAfterMs === null
        ? `scenario: out-of-order commit #${run + 1}: NOT refused within ${refusalWait / 1000} s of the COMMIT`
        : `scenario: out-of-order commit #${run + 1}: refused ${(refusedAfterMs / 1000).toFixed(2)} s after the COMMIT`,
    )
  }).pipe(Effect.scoped)

export const outOfOrderFailed = (run: { readonly refusedAfterMs: number | null }) =>
  run.refusedAfterMs === null || run.refusedAfterMs > refusalWithin

// -- idle sessions across a Redis restart -----------------------------------------------------

interface IdleUser {
  readonly sim: Sim
  readonly screen: ChatMessage
  readonly target: ReadonlyArray<number>
}

/** Each idle user turns one interest on, does not save, and goes quiet. */
export const prepareIdle = (context: DrillContext, group: number) =>
  Effect.gen(function* () {
    const { chat, options } = context
    const sims = context
      .byRole("idle")
      .slice(group * options.idleUsersPerRestart, (group + 1) * options.idleUsersPerRestart)
    const prepared: Array<IdleUser> = []
    for (const sim of sims) {
      const screen = (yield* chat.send(sim.user, "/preferences", "scenario")).replies.at(-1)
      const off = [...Screens.interests(screen)].find(([, on]) => !on)?.[0]
      if (screen === undefined || off === undefined) {
        context.metrics.idleLost.add(`${sim.person.username}: could not set up (${textOf(screen)})`)
        continue
      }
      const toggled = yield* chat.press(sim.user, screen, `int:t:${off}`, "scenario")
      if (Screens.pending(sim.t, toggled.message) !== 1) {
        context.metrics.idleLost.add(
          `${sim.person.username}: the toggle before the outage showed ${textOf(toggled.message)}`,
        )
        continue
      }
      prepared.push({ sim, screen: toggled.message, target: Screens.on(toggled.message) })
    }
    return prepared
  })

/** Back after the restart: the unsaved change must still be there, and Save must write it. */
export const checkIdle = (context: DrillContext, prepared: ReadonlyArray<IdleUser>) =>
  Effect.gen(function* () {
    const { chat, metrics } = context
    for (const { sim, screen, target } of prepared) {
      metrics.idleChecked++
      const current = chat.reread(sim.user, screen.messageId) ?? screen
      const saved = yield* chat.press(sim.user, current, "int:save", "scenario")
      const stored = (yield* read(World.activeInterests)).get(sim.person.employeeId) ?? new Set()
      if (saved.answer === sim.t.interests.expired) {
        metrics.idleLost.add(
          `${sim.person.username}: "session expired" — the unsaved change was lost`,
        )
      } else if (!Screens.saved(sim.t, saved.message)) {
        metrics.idleLost.add(
          `${sim.person.username}: Save answered ${JSON.stringify(saved.answer)}, screen ${textOf(saved.message)}`,
        )
      } else if (!sameSet(stored, target)) {
        metrics.idleLost.add(
          `${sim.person.username}: Save acknowledged, database [${[...stored]}] instead of [${target}]`,
        )
      }
    }
  })

// -- outages ----------------------------------------------------------------------------------

/** Redis killed (SIGKILL) with idle users' unsaved changes in it, restarted empty, then checked. */
export const redisOutage = (context: DrillContext, number: number) =>
  Effect.gen(function* () {
    const { options, metrics } = context
    const idle = yield* prepareIdle(context, number - 1)
    metrics.mark(`Redis kill -9 #${number}`)
    yield* context.progress(
      `chaos: Redis kill -9 #${number} (${idle.length} user(s) idle with an unsaved change)`,
    )
    yield* context.redis.kill
    yield* Effect.sleep(`${options.redisDownSeconds} seconds`)
    yield* context.redis.start
    metrics.mark(`Redis restarted #${number}`)
    // Back in use: the bot answers the health check with Redis, and writes sessions to it again.
    const back = yield* waitUntil(
      Effect.gen(function* () {
        const report = yield* health(context.botUrl)
        if (report?.cacheAvailable !== true) return false
        return (yield* redisKeys(context, `${context.cachePrefix}sess:*`)) > 0
      }),
      30,
    )
    yield* context.progress(
      `chaos: Redis restarted empty; the bot ${back ? "uses it again" : "has not written to it within 30 s"}`,
    )
    yield* Effect.sleep("1 second")
    yield* checkIdle(context, idle)
    yield* probe(context, `after Redis restart #${number}`)
  })

/** Postgres stopped for a while under load, started again, then checked. */
export const postgresOutage = (context: DrillContext) =>
  Effect.gen(function* () {
    const { options, metrics } = context
    metrics.mark("Postgres stopped")
    yield* context.progress(`chaos: Postgres stopped for ${options.postgresDownSeconds} s`)
    yield* context.postgres.stop
    yield* Effect.sleep(`${options.postgresDownSeconds} seconds`)
    yield* context.postgres.start
    metrics.mark("Postgres started")
    const back = yield* waitUntil(
      Effect.map(health(context.botUrl), (report) => report?.databaseOk === true),
      30,
    )
    yield* context.progress(
      `chaos: Postgres started; the bot ${back ? "reaches it again" : "does not reach it within 30 s"}`,
    )
    yield* Effect.sleep("2 seconds")
    yield* probe(context, "after Postgres restart")
  })

// -- redelivered updates ----------------------------------------------------------------------

export const redelivery = (context: DrillContext) =>
  Effect.gen(function* () {
    const { chat, metrics } = context
    const users = context.byRole("redelivery")
    yield* context.progress(`scenario: redelivered updates (${users.length} users)`)
    for (const [k, sim] of users.entries()) {
      const { t } = sim
      const screen = (yield* chat.send(sim.user, "/preferences", "scenario")).replies.at(-1)
      const state = Screens.interests(screen)
      const off = [...state].filter(([, on]) => !on).map(([id]) => id)
      const id = off[k % Math.max(1, off.length)]
      if (screen === undefined || id === undefined) {
        metrics.oddities.add(
          `redelivery: ${sim.person.username} /preferences got ${textOf(screen)}`,
        )
        continue
      }

      // A toggle delivered twice: on once, not back off.
      const toggled = yield* chat.press(sim.user, screen, `int:t:${id}`, "scenario")
      metrics.redeliveriesChecked++
      yield* chat.redeliver(toggled.update, "scenario")
      const again = chat.reread(sim.user, toggled.message.messageId)
      const onAfter = Screens.interests(again).get(id)
      if (onAfter !== true || Screens.pending(t, again) !== 1) {
        metrics.doubleApplied.add(
          `${sim.person.username}: a toggle (update #${toggled.update.update_id}) posted twice was applied twice: interest ${id} ${onAfter ? "on" : "off"}, ${Screens.pending(t, again)} unsaved`,
        )
      }
      const saved = yield* chat.press(sim.user, again ?? toggled.message, "int:save", "scenario")
      const stored = (yield* read(World.activeInterests)).get(sim.person.employeeId) ?? new Set()
      if (!stored.has(id)) {
        metrics.oddities.add(
          `redelivery: ${sim.person.username} Save after the redelivered toggle: ${JSON.stringify(saved.answer)} ${textOf(saved.message)}; interest ${id} not stored`,
        )
      }

      // Two distinct presses of the same button still undo each other.
      const base = saved.message
      const other = [...Screens.interests(base).keys()].find((candidate) => candidate !== id)
      if (other !== undefined) {
        const before = Screens.interests(base).get(other)
        const first = yield* chat.press(sim.user, base, `int:t:${other}`, "scenario")
        const second = yield* chat.press(sim.user, first.message, `int:t:${other}`, "scenario")
        metrics.distinctChecked++
        if (
          Screens.interests(second.message).get(other) !== before ||
          Screens.pending(t, second.message) !== 0
        ) {
          metrics.distinctMerged.add(
            `${sim.person.username}: two presses of interest ${other} did not undo each other: ${textOf(second.message)}`,
          )
        }
      }

      // A notification switch delivered twice: switched once.
      const menu = (yield* chat.send(sim.user, "/menu", "scenario")).replies.at(-1)
      if (menu !== undefined && Screens.isMenu(menu)) {
        const settings = yield* chat.press(sim.user, menu, "settings", "scenario")
        if (Screens.notifications(settings.message).has(id)) {
          const before = (yield* read(World.notifications(sim.person.employeeId))).get(id)
          const switched = yield* chat.press(sim.user, settings.message, `set:t:${id}`, "scenario")
          const once = (yield* read(World.notifications(sim.person.employeeId))).get(id)
          metrics.redeliveriesChecked++
          yield* chat.redeliver(switched.update, "scenario")
          const twice = (yield* read(World.notifications(sim.person.employeeId))).get(id)
          if (once === before) {
            metrics.oddities.add(`redelivery: ${sim.person.username} the switch did not switch`)
          } else if (twice !== once) {
            metrics.doubleApplied.add(
              `${sim.person.username}: a notification switch (update #${switched.update.update_id}) posted twice switched back`,
            )
          }
        }
      }

      // A command delivered twice: answered once.
      const command = yield* chat.send(sim.user, "/menu", "scenario")
      const count = sim.user.messages.length
      metrics.redeliveriesChecked++
      yield* chat.redeliver(command.update, "scenario")
      const extra = sim.user.messages.length - count
      if (extra > 0) {
        metrics.doubleApplied.add(
          `${sim.person.username}: /menu (update #${command.update.update_id}) posted twice was answered twice`,
        )
      }
    }
  })

// -- hostile input ----------------------------------------------------------------------------

interface HostileCase {
  readonly name: string
  readonly body: string
  /** The secret header: the right one unless said otherwise (null: none). */
  readonly secret?: string | null
  readonly contentType?: string
  readonly allowed: ReadonlyArray<number>
}

const nextHostileId = (() => {
  let id = 1_900_000_000
  return () => ++id
})()

/** Bodies that are not updates, updates no Telegram would send, and senders out of range. */
const hostileCases = (victim: ChatMessage): ReadonlyArray<HostileCase> => {
  const raw = victim.raw
  const chat = raw.chat
  const from = { id: chat.id, is_bot: false, first_name: "Victim" }
  const now = Math.floor(Date.now() / 1000)
  const message = (fields: Record<string, unknown>) => ({
    message_id: 1_000_000 + (nextHostileId() % 1000),
    date: now,
    chat,
    from,
    text: "/start",
    entities: [{ type: "bot_command", offset: 0, length: 6 }],
    ...fields,
  })
  const update = (payload: Record<string, unknown>) =>
    JSON.stringify({ update_id: nextHostileId(), ...payload })
  const press = (fields: Record<string, unknown>) => ({
    id: `hostile-${nextHostileId()}`,
    from,
    message: raw,
    chat_instance: `-${chat.id}`,
    data: "menu",
    ...fields,
  })
  const notAnUpdate = [400]
  const either = [200, 400]
  const cases: Array<HostileCase> = [
    { name: "empty body", body: "", allowed: notAnUpdate },
    { name: "not JSON", body: "not json at all", allowed: notAnUpdate },
    { name: "truncated JSON", body: '{"update_id": 5, "message": {', allowed: notAnUpdate },
    { name: "null", body: "null", allowed: notAnUpdate },
    { name: "an array", body: "[]", allowed: notAnUpdate },
    { name: "an array of numbers", body: "[1,2,3]", allowed: notAnUpdate },
    { name: "a number", body: "42", allowed: notAnUpdate },
    { name: "a string", body: '"update"', allowed: notAnUpdate },
    { name: "true", body: "true", allowed: notAnUpdate },
    { name: "an empty object", body: "{}", allowed: notAnUpdate },
    { name: "negative update_id", body: '{"update_id": -1, "message": {}}', allowed: notAnUpdate },
    { name: "update_id a string", body: '{"update_id": "7"}', allowed: notAnUpdate },
    { name: "update_id a fraction", body: '{"update_id": 1.5}', allowed: notAnUpdate },
    { name: "update_id null", body: '{"update_id": null}', allowed: notAnUpdate },
    { name: "update_id beyond a double", body: '{"update_id": 1e400}', allowed: notAnUpdate },
    {
      name: "two payloads",
      body: update({ message: message({}), callback_query: press({}) }),
      allowed: notAnUpdate,
    },
    {
      name: "JSON nested 100,000 deep",
      body: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      allowed: [400, 413],
    },
    {
      name: "a body over 1 MiB",
      body: update({ message: message({ text: "x".repeat(1_100_000) }) }),
      allowed: [413],
    },
    {
      name: "wrong secret",
      body: update({ message: message({}) }),
      secret: "wrong",
      allowed: [401],
    },
    { name: "no secret", body: update({ message: message({}) }), secret: null, allowed: [401] },
    {
      name: "text/plain content type",
      body: update({ message: message({ text: "hello" }) }),
      contentType: "text/plain",
      allowed: either,
    },
    { name: "no payload", body: update({}), allowed: either },
    {
      name: "an unknown payload",
      body: update({ poll: { id: "1", question: "?" } }),
      allowed: either,
    },
    {
      name: "__proto__ in the body",
      body: `{"update_id": ${nextHostileId()}, "__proto__": {"polluted": true}, "message": ${JSON.stringify(message({ text: "hi" }))}}`,
      allowed: either,
    },
  ]

  // Sender and chat ids no Telegram account has, in every place an id is read.
  const impossibleIds: ReadonlyArray<readonly [string, unknown]> = [
    ["-1", -1],
    ["0", 0],
    ["-2^31", -(2 ** 31)],
    ["2^53+2", 2 ** 53 + 2],
    ["2^63", 2 ** 63],
    ["1.5", 1.5],
    ['"123"', "123"],
    ['"abc"', "abc"],
    ["null", null],
    ["true", true],
    ["{}", {}],
    ["[]", []],
  ]
  for (const [label, id] of impossibleIds) {
    const sender = { ...from, id }
    cases.push(
      {
        name: `message from id ${label}`,
        body: update({ message: message({ from: sender }) }),
        allowed: either,
      },
      {
        name: `message in chat id ${label}`,
        body: update({ message: message({ chat: { ...chat, id } }) }),
        allowed: either,
      },
      {
        name: `callback_query from id ${label}`,
        body: update({ callback_query: press({ from: sender }) }),
        allowed: either,
      },
      {
        name: `callback_query on a message in chat id ${label}`,
        body: update({ callback_query: press({ message: { ...raw, chat: { ...chat, id } } }) }),
        allowed: either,
      },
      {
        name: `edited_message from id ${label}`,
        body: update({ edited_message: message({ from: sender, edit_date: now }) }),
        allowed: either,
      },
    )
  }

  const { from: _noFrom, ...withoutFrom } = press({})
  const { message: _noMessage, ...inline } = press({})
  const { from: _f, message: _m, ...bare } = press({})
  const { from: _mf, ...messageWithoutFrom } = message({})
  const { chat: _mc, ...messageWithoutChat } = message({})
  const { message_id: _mi, ...messageWithoutId } = message({})
  cases.push(
    {
      name: "callback_query without from",
      body: update({ callback_query: withoutFrom }),
      allowed: either,
    },
    {
      name: "callback_query without from and message",
      body: update({ callback_query: bare }),
      allowed: either,
    },
    {
      name: "callback_query without message",
      body: update({ callback_query: inline }),
      allowed: either,
    },
    {
      name: "callback_query data a number",
      body: update({ callback_query: press({ data: 123 }) }),
      allowed: either,
    },
    {
      name: "callback_query data an object",
      body: update({ callback_query: press({ data: { a: 1 } }) }),
      allowed: either,
    },
    {
      name: "callback_query from without a name",
      body: update({ callback_query: press({ from: { id: chat.id, is_bot: false } }) }),
      allowed: either,
    },
    { name: "callback_query null", body: update({ callback_query: null }), allowed: either },
    { name: "message null", body: update({ message: null }), allowed: either },
    { name: "message a string", body: update({ message: "hi" }), allowed: either },
    {
      name: "message without from",
      body: update({ message: messageWithoutFrom }),
      allowed: either,
    },
    {
      name: "message without chat",
      body: update({ message: messageWithoutChat }),
      allowed: either,
    },
    {
      name: "message without message_id",
      body: update({ message: messageWithoutId }),
      allowed: either,
    },
    {
      name: "message text a number",
      body: update({ message: message({ text: 12345, entities: [] }) }),
      allowed: either,
    },
    {
      name: "message with a command entity past the text",
      body: update({
        message: message({
          text: "/",
          entities: [{ type: "bot_command", offset: 50, length: 10 }],
        }),
      }),
      allowed: either,
    },
    {
      name: "message from a bot",
      body: update({ message: message({ from: { ...from, is_bot: true } }) }),
      allowed: either,
    },
    {
      name: "message with a 1000-character language code",
      body: update({ message: message({ from: { ...from, language_code: "x".repeat(1000) } }) }),
      allowed: either,
    },
    {
      name: "message with an absurd username",
      body: update({
        message: message({
          from: { ...from, username: "💥'; DROP TABLE employees; --".repeat(20) },
        }),
      }),
      allowed: either,
    },
    {
      name: "message text with NUL",
      body: update({ message: message({ text: "/start\u0000\u0000" }) }),
      allowed: either,
    },
    {
      name: "message text of 5000 characters",
      body: update({ message: message({ text: "я".repeat(5000), entities: [] }) }),
      allowed: either,
    },
    {
      name: "message date a string",
      body: update({ message: message({ date: "yesterday" }) }),
      allowed: either,
    },
    {
      name: "message in a supergroup",
      body: update({
        message: message({ chat: { id: -1001234567890, type: "supergroup", title: "Drill" } }),
      }),
      allowed: either,
    },
    {
      name: "message in a chat of unknown type",
      body: update({ message: message({ chat: { ...chat, type: "galaxy" } }) }),
      allowed: either,
    },
    {
      name: "channel_post",
      body: update({
        channel_post: message({
          chat: { id: -1009876543210, type: "channel", title: "News" },
          from: undefined,
        }),
      }),
      allowed: either,
    },
    {
      name: "my_chat_member",
      body: update({
        my_chat_member: {
          chat,
          from,
          date: now,
          old_chat_member: { status: "member", user: from },
          new_chat_member: { status: "kicked", user: from, until_date: 0 },
        },
      }),
      allowed: either,
    },
  )
  return cases
}

/** Button data no screen ever had: answered, and nothing changes. */
const forgedData: ReadonlyArray<string> = [
  "",
  "x",
  "menu:extra",
  " menu",
  "MENU",
  "int",
  "int:t",
  "int:t:",
  "int:t:0",
  "int:t:-1",
  "int:t:1.5",
  "int:t:1e3",
  "int:t:0x1",
  "int:t:007",
  "int:t:999999",
  "int:t:2147483648",
  "int:t:99999999999999999999",
  "int:t:1;DROP TABLE employees",
  "int:save:now",
  "int:unsub:no",
  "int:unsub:yes",
  "act:0",
  "act:-5",
  "act:999999",
  "act:j:999999",
  "act:l:999999",
  "act:j:abc",
  "act:j:1 OR 1=1",
  "act:x:1",
  "set:t:999999",
  "set:t:abc",
  "set:x:1",
  "help:nope",
  "help:contact:extra",
  "💥",
  "x".repeat(64),
  "__proto__",
  "constructor",
  "toString",
  "../../etc/passwd",
  "%00",
]

export const hostile = (context: DrillContext) =>
  Effect.gen(function* () {
    const { chat, metrics, relay } = context
    const [victim, forger, bystander] = context.byRole("forger")
    if (victim === undefined || forger === undefined || bystander === undefined) return
    const victimMenu = (yield* chat.send(victim.user, "/menu", "scenario")).replies.at(-1)
    const forgerMenu = (yield* chat.send(forger.user, "/menu", "scenario")).replies.at(-1)
    if (victimMenu === undefined || forgerMenu === undefined) {
      metrics.oddities.add("hostile: the forgers got no menu; skipped")
      return
    }
    const before = {
      victim: yield* read(World.footprint(victim.person.employeeId)),
      forger: yield* read(World.footprint(forger.person.employeeId)),
      bystander: yield* read(World.footprint(bystander.person.employeeId)),
    }

    // Posted straight to the bot, as anyone who learned the URL (or a broken proxy) could.
    const cases = hostileCases(victimMenu)
    yield* context.progress(
      `scenario: hostile input — ${cases.length} bad bodies and impossible updates, ${forgedData.length + 1} forged presses`,
    )
    for (const hostileCase of cases) {
      const attempt = yield* relay.post({
        body: hostileCase.body,
        secret: hostileCase.secret === null ? undefined : (hostileCase.secret ?? context.secret),
        ...(hostileCase.contentType === undefined ? {} : { contentType: hostileCase.contentType }),
        kind: "hostile",
      })
      metrics.hostileSent++
      metrics.updates.hostile++
      metrics.countHostile(attempt.status)
      metrics.hostileResults.push({ name: hostileCase.name, status: attempt.status ?? null })
      if (attempt.status === undefined) {
        metrics.hostileUnexpected.add(`${hostileCase.name}: no answer (${attempt.error})`)
      } else if (attempt.status >= 500) {
        metrics.serverErrors.add(`hostile: ${hostileCase.name}: ${attempt.status}`)
      } else if (!hostileCase.allowed.includes(attempt.status)) {
        metrics.hostileUnexpected.add(
          `${hostileCase.name}: ${attempt.status} (expected ${hostileCase.allowed.join(" or ")})`,
        )
      }
    }

    // Forged presses through Telegram, from a real employee on their own menu…
    let screen = forgerMenu
    for (const data of forgedData) {
      const pressed = yield* chat.press(forger.user, screen, data, "scenario")
      metrics.forgedSent++
      if (pressed.answer === null) {
        metrics.forgedWrongAnswer.add(`${JSON.stringify(data)}: the press was not answered`)
      }
      screen = forger.user.lastMessage ?? screen
    }
    // …and a press on the victim's message by someone else.
    const foreign = yield* chat.press(bystander.user, victimMenu, "profile", "scenario")
    metrics.forgedSent++
    if (foreign.answer !== bystander.t.foreignButton) {
      metrics.forgedWrongAnswer.add(
        `a press on another user's message: ${JSON.stringify(foreign.answer)}`,
      )
    }

    const after = {
      victim: yield* read(World.footprint(victim.person.employeeId)),
      forger: yield* read(World.footprint(forger.person.employeeId)),
      bystander: yield* read(World.footprint(bystander.person.employeeId)),
    }
    for (const who of ["victim", "forger", "bystander"] as const) {
      if (before[who] !== after[who]) {
        metrics.forgedChangedState.add(`the ${who}'s interests or places changed: ${after[who]}`)
      }
    }
    // The bot still serves people.
    const still = (yield* chat.send(forger.user, "/menu", "scenario")).replies.at(-1)
    if (!Screens.isMenu(still)) {
      metrics.oddities.add(`after the hostile input /menu got ${textOf(still)}`)
    }
  })
