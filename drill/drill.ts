/**
 * `npm run drill`: a bounded fault drill on loopback that anyone can repeat (issue 9).
 *
 * It starts a private Postgres and a private redis-server of its own (never the machine's on
 * 5432/6379), seeds employees and activities with few places, runs the real bot (`src/main.ts`)
 * in webhook mode against the local Telegram Bot API server of the tests, and has N simulated
 * users use it while it kills Redis (kill -9) and restarts it, stops Postgres for a while, and
 * runs the targeted scenarios (out-of-order-commit deactivation, idle sessions across a Redis
 * restart, redelivered updates, hostile input). It judges by what the database and the fake
 * Telegram's chats hold, prints the report, and exits 1 when a measure fails.
 *
 * Everything it starts is stopped and removed when it ends, also on Ctrl-C and past the deadline.
 * See `npm run drill -- --help`.
 */
import { randomBytes } from "node:crypto"
import * as Os from "node:os"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Data, Duration, Effect, Exit, Fiber, Layer } from "effect"
import { seededRandom } from "../bench/Report"
import { rawRedis } from "../test/support/CacheSettings"
import { freePort } from "../test/support/Ports"
import { privatePostgres } from "../test/support/PrivatePostgres"
import { privateRedis } from "../test/support/PrivateRedis"
import { tempDir } from "../test/support/Scripts"
import { makeTelegramServer } from "../test/support/TelegramServer"
import { type BotProcess, startBot } from "./BotProcess"
import { makeChat } from "./Chat"
import { type LoadContext, makeGate, makeSim, runUser, type Sim } from "./Load"
import { Metrics } from "./Metrics"
import { type DrillOptions, helpText, parseOptions } from "./Options"
import { type Attempt, makeRelay } from "./Relay"
import { type RunFacts, render } from "./Report"
import {
  type DrillContext,
  hostile,
  outOfOrderCommit,
  postgresOutage,
  probe,
  redelivery,
  redisOutage,
} from "./Scenarios"
import * as World from "./World"

class DeadlineExceeded extends Data.TaggedError("DeadlineExceeded")<{ readonly seconds: number }> {
  override get message(): string {
    return `the deadline of ${this.seconds} s passed; everything was stopped`
  }
}

const adminContact = "HR"
const cachePrefix = "connectbot:"

/** What the report needs even when the run is cut short. */
interface Collected {
  bot: BotProcess | undefined
  attempts: ReadonlyArray<Attempt>
  rssBefore: number | undefined
  rssAfter: number | undefined
  rssPeak: number | undefined
  postgresVersion: string
  redisVersion: string
}

const redisVersion = (url: string) =>
  rawRedis(url).pipe(
    Effect.flatMap((client) => Effect.promise(() => client.info("server"))),
    Effect.map((info) => /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown"),
    Effect.scoped,
  )

const drill = (options: DrillOptions, metrics: Metrics, collected: Collected) =>
  Effect.gen(function* () {
    const progress = (line: string) =>
      Console.error(
        `[${((Date.now() - metrics.startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}`,
      )

    // ---- private servers, never the machine's own ----
    yield* progress("setup: a private Postgres and a private redis-server on 127.0.0.1")
    const postgres = yield* privatePostgres
    const redis = yield* privateRedis
    collected.redisVersion = yield* redisVersion(redis.url)
    yield* progress(
      `setup: Postgres at ${new URL(postgres.url).host}, Redis ${collected.redisVersion} at 127.0.0.1:${redis.port}`,
    )
    const database = yield* Layer.build(World.databaseLayer(postgres.url))

    return yield* Effect.gen(function* () {
      collected.postgresVersion = yield* World.serverVersion

      // ---- data: employees for every simulated user, activities with few places ----
      const roles: ReadonlyArray<readonly [World.Role, number]> = [
        ["deactivated", options.outOfOrderRuns],
        ["writer", options.outOfOrderRuns],
        ["idle", options.redisKills * options.idleUsersPerRestart],
        ["redelivery", options.quick ? 2 : 4],
        ["forger", 3],
        ["prober", 2],
      ]
      const seeded = yield* World.prepare({ seed: options.seed, load: options.users, roles })
      yield* progress(
        `setup: ${seeded.people.length} employees (${options.users} simulated users, ${seeded.people.length - options.users} for the scenarios), ${seeded.activities.length} activities of ${seeded.activities.map((a) => a.max).join("/")} places`,
      )

      // ---- the fake Telegram, the relay standing for Telegram's webhook delivery, the bot ----
      const server = yield* makeTelegramServer({
        callbackTtl: Duration.seconds(60),
        waitTimeout: Duration.seconds(30),
      })
      const relay = yield* makeRelay({
        botApi: { apiRoot: server.apiRoot, token: server.token },
      })
      collected.attempts = relay.attempts
      const port = yield* freePort
      const botUrl = `http://127.0.0.1:${port}`
      yield* relay.setTarget(`${botUrl}/telegram`)
      const secret = randomBytes(24).toString("hex")
      const cwd = yield* tempDir
      yield* progress(`setup: starting the bot (webhook mode, port ${port})`)
      const bot = yield* startBot({
        cwd,
        env: {
          BOT_TOKEN: server.token,
          TELEGRAM_API_ROOT: server.apiRoot,
          DATABASE_URL: postgres.url,
          REDIS_URL: redis.url,
          CACHE_PREFIX: cachePrefix,
          BOT_MODE: "webhook",
          WEBHOOK_URL: relay.url,
          WEBHOOK_SECRET: secret,
          PORT: String(port),
          BOT_DEFAULT_LOCALE: "en",
          ADMIN_CONTACT: adminContact,
          TIME_ZONE: "Europe/Moscow",
          LOG_LEVEL: "info",
          // The drill judges the interactive flows; round invitations would land mid-flow.
          ROUNDS_ENABLED: "false",
          NOTIFICATIONS_ENABLED: "false",
          NO_COLOR: "1",
        },
      })
      collected.bot = bot
      yield* bot.ready
      yield* server.waitForCall("setWebhook").pipe(Effect.orDie)
      collected.rssBefore = (yield* bot.rss)?.rss
      yield* progress(
        `setup: the bot is up (pid ${bot.pid()}, RSS ${((collected.rssBefore ?? 0) / 1024 / 1024).toFixed(0)} MB)`,
      )

      // ---- the users ----
      const gate = yield* makeGate
      const chat = makeChat({ server, relay, metrics, secret })
      const active = yield* World.activeInterests
      const sims: Array<Sim> = []
      for (const person of seeded.people) {
        sims.push(yield* makeSim(server, person, options.seed, active.get(person.employeeId) ?? []))
      }
      const load = sims.filter((sim) => sim.person.role === "load")
      const context: DrillContext = {
        options,
        server,
        relay,
        chat,
        metrics,
        gate,
        redis,
        postgres,
        botUrl,
        secret,
        adminContact,
        cachePrefix,
        seeded,
        load,
        byRole: (role) => sims.filter((sim) => sim.person.role === role),
        deactivated: new Set(),
        progress,
        random: seededRandom(options.seed * 7 + 3),
      }

      // ---- the load, with the faults and scenarios at set points of it ----
      const budget = options.updatesPerUser
      const total = load.length * budget
      let chaosDone = false
      let loadDone = false
      const loadContext: LoadContext = {
        chat,
        metrics,
        gate,
        redeliverShare: 0.03,
        thinkMillis: options.thinkMillis,
      }
      metrics.mark("load")
      yield* progress(`load: ${load.length} users, ~${total.toLocaleString("en-US")} updates`)
      const loadFiber = yield* Effect.forEach(
        load,
        (sim) =>
          runUser(loadContext, sim, {
            // Past their budget while faults are still to come, a quarter of the users keep
            // going, slowly: the later faults still meet some load, without inflating it.
            keepGoing: () => sim.sent < budget || (!chaosDone && sim.person.index % 4 === 0),
            overtime: () => sim.sent >= budget,
          }),
        { concurrency: "unbounded", discard: true },
      ).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            loadDone = true
          }),
        ),
        Effect.fork,
      )
      const ticker = yield* Effect.gen(function* () {
        for (;;) {
          yield* Effect.sleep("10 seconds")
          const rss = yield* bot.rss
          yield* progress(
            `load: ${metrics.updates.load.toLocaleString("en-US")} of ~${total.toLocaleString("en-US")} updates; ${relay.pending()} in flight; ${metrics.unanswered.count} unanswered; bot RSS ${((rss?.rss ?? 0) / 1024 / 1024).toFixed(0)} MB`,
          )
        }
      }).pipe(Effect.fork)

      const reached = (share: number) =>
        Effect.gen(function* () {
          while (!loadDone && metrics.updates.load < share * total)
            yield* Effect.sleep("200 millis")
        })
      const steps: Array<{
        readonly at: number
        readonly run: Effect.Effect<void, never, World.Db>
      }> = []
      steps.push({ at: 0.05, run: Effect.zipRight(hostile(context), redelivery(context)) })
      for (let run = 0; run < options.outOfOrderRuns; run++) {
        steps.push({ at: run === 0 ? 0.12 : 0.8, run: outOfOrderCommit(context, run) })
      }
      for (let kill = 1; kill <= options.redisKills; kill++) {
        const at =
          options.redisKills === 1 ? 0.3 : 0.2 + ((kill - 1) * 0.5) / (options.redisKills - 1)
        steps.push({ at, run: redisOutage(context, kill) })
      }
      steps.push({ at: options.redisKills === 1 ? 0.55 : 0.52, run: postgresOutage(context) })
      steps.sort((a, b) => a.at - b.at)
      for (const step of steps) {
        yield* reached(step.at)
        yield* step.run
      }
      chaosDone = true
      yield* progress("load: every fault done; the users finish their updates")
      yield* Fiber.join(loadFiber)
      yield* Fiber.interrupt(ticker)

      metrics.mark("final checks")
      yield* Effect.sleep("2 seconds")
      yield* probe(context, "at the end")
      const after = yield* bot.rss
      collected.rssAfter = after?.rss
      collected.rssPeak = after?.peak
      yield* progress("done: stopping the bot, Postgres and Redis")
    }).pipe(Effect.provide(database))
  })

const main = Effect.gen(function* () {
  const parsed = yield* Effect.either(parseOptions(process.argv.slice(2)))
  if (parsed._tag === "Left") {
    yield* Console.error(`drill: ${parsed.left.message}\n\n${helpText}`)
    return 2
  }
  if (parsed.right === "help") {
    yield* Console.log(helpText)
    return 0
  }
  const options = parsed.right
  const metrics = new Metrics()
  const collected: Collected = {
    bot: undefined,
    attempts: [],
    rssBefore: undefined,
    rssAfter: undefined,
    rssPeak: undefined,
    postgresVersion: "unknown",
    redisVersion: "unknown",
  }
  // The last resort if stopping overruns the deadline: the bot is killed by the exit hook.
  const guard = setTimeout(
    () => {
      process.stderr.write("drill: stopping took too long past the deadline; exiting\n")
      process.exit(1)
    },
    (options.deadlineSeconds + 60) * 1000,
  )
  guard.unref()

  const exit = yield* drill(options, metrics, collected).pipe(
    Effect.scoped,
    Effect.timeoutFail({
      duration: Duration.seconds(options.deadlineSeconds),
      onTimeout: () => new DeadlineExceeded({ seconds: options.deadlineSeconds }),
    }),
    Effect.onInterrupt(() =>
      Console.error(
        "drill: interrupted; the bot, Postgres and Redis are stopped, their files removed",
      ),
    ),
    Effect.exit,
  )
  clearTimeout(guard)

  const aborted = Exit.match(exit, {
    onSuccess: () => undefined,
    onFailure: (cause) => {
      const failure = Cause.squash(cause)
      return failure instanceof Error ? failure.message : String(failure)
    },
  })
  const bot = collected.bot
  const facts: RunFacts = {
    options,
    environment: {
      node: process.version,
      cores: Os.cpus().length,
      postgres: collected.postgresVersion,
      redis: collected.redisVersion,
    },
    attempts: collected.attempts,
    crashes: bot?.crashes ?? [],
    rss: { before: collected.rssBefore, after: collected.rssAfter, peak: collected.rssPeak },
    botLog: bot?.logged() ?? { errors: 0, warnings: 0, firstErrors: [] },
    seconds: (Date.now() - metrics.startedAt) / 1000,
    aborted,
  }
  const report = render(metrics, facts)
  yield* options.json ? Console.log(JSON.stringify(report.json)) : Console.log(`\n${report.text}`)
  return report.failures.length === 0 ? 0 : 1
})

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit)
        ? typeof exit.value === "number"
          ? exit.value
          : 0
        : Cause.isInterruptedOnly(exit.cause)
          ? 130
          : 1,
    ),
})
