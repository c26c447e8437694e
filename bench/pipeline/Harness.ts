/**
 * What `bench:pipeline` and `bench:scale` share: the private Postgres and redis-server with the
 * data, the fake Telegram Bot API, bots started as child processes (one, or several behind the
 * proxy of Proxy.ts), and one measured run — reset, load, counters, checks — of a bot at a
 * concurrency. Each entry point only decides which bots run and in what order, and reports.
 */
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { Console, Data, Duration, Effect } from "effect"
import { rawRedis } from "../../test/support/CacheSettings"
import { freePort } from "../../test/support/Ports"
import { privatePostgres } from "../../test/support/PrivatePostgres"
import { privateRedis } from "../../test/support/PrivateRedis"
import { projectRoot, startNodeFlags, tempDir } from "../../test/support/Scripts"
import { machine } from "../Report"
import { type BotProcesses, type ChildProcessHandle, processGroup, startChild } from "./Child"
import {
  monitorRedis,
  postgresCpuMillis,
  postmasterPid,
  type RedisCounts,
  redisWindow,
  resetStatements,
  statementsOf,
  subtract,
} from "./Counters"
import {
  openClient,
  ours,
  peer,
  prepareWorld,
  resetState,
  urlFor,
  type Variant,
  wrongOutcomes,
} from "./Data"
import { type LoadResult, runLoad, type Target } from "./Driver"
import { makeFakeBotApi } from "./FakeBotApi"
import { makeProxy, type Routing, type UpdateProxy } from "./Proxy"
import { type Environment, figuresOf, type RunMeasure } from "./Report"

export class BenchFailed extends Data.TaggedError("BenchFailed")<{ readonly message: string }> {}

/** After a reset, before a run: ConnectBot's change feed takes the reset (NOTIFY, or its 0.5 s poll). */
const settle = Duration.seconds(1)

const git = (...args: Array<string>) => {
  try {
    return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8" }).trimEnd()
  } catch {
    return ""
  }
}

/** The commit measured (and the last one that changed src/), and whether src/ differed from it. */
export const commitNow = () => {
  const head = git("rev-parse", "--short", "HEAD")
  const src = git("log", "-1", "--format=%h", "--", "src")
  const commit =
    head === ""
      ? "an unknown commit"
      : src === "" || src === head
        ? head
        : `${head} (src/ as of ${src})`
  const dirty = git("status", "--porcelain", "--", "src")
  return dirty === ""
    ? `commit ${commit}`
    : `commit ${commit} with uncommitted changes in ${dirty
        .split("\n")
        .map((line) => line.slice(3))
        .join(", ")}`
}

/** A bot as the driver sees it: its processes, and where updates are posted. */
/**
 * A warm-up run of each of the two (at the highest concurrency, round 0), then `rounds` rounds in
 * which, for each concurrency, both run one after the other, which one first alternating: a burst
 * of load from elsewhere on the machine hits them alike.
 */
export const interleaved = <B, R, E, Req>(
  pair: readonly [B, B],
  options: { readonly rounds: number; readonly concurrencies: ReadonlyArray<number> },
  measure: (bot: B, concurrency: number, round: number) => Effect.Effect<R, E, Req>,
) =>
  Effect.gen(function* () {
    const [first, second] = pair
    const runs: Array<R> = []
    const warmup = Math.max(...options.concurrencies)
    for (const bot of pair) runs.push(yield* measure(bot, warmup, 0))
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, concurrency] of options.concurrencies.entries()) {
        const order = (round + index) % 2 === 1 ? [first, second] : [second, first]
        for (const bot of order) runs.push(yield* measure(bot, concurrency, round))
      }
    }
    return runs
  })

export interface BotUnderTest {
  readonly variant: Variant
  readonly processes: BotProcesses
  /** How many processes serve it. */
  readonly count: number
  readonly target: Target
  /** In front of the processes when there are several. */
  readonly proxy: UpdateProxy | undefined
}

export interface HarnessOptions {
  readonly users: number
  readonly seed: number
  readonly cpuProfileDir: string | undefined
  readonly botLog: string | undefined
  /** How long the fake Bot API takes to answer each call, in ms (0: at once). */
  readonly apiLatencyMs: number
}

export const setUp = (options: HarnessOptions, startedAt: number) =>
  Effect.gen(function* () {
    const progress = (line: string) =>
      Console.error(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}`)
    const loads: Array<number> = [Os.loadavg()[0] ?? Number.NaN]
    yield* Effect.acquireRelease(
      Effect.sync(() => setInterval(() => loads.push(Os.loadavg()[0] ?? Number.NaN), 2000)),
      (timer) => Effect.sync(() => clearInterval(timer)),
    )

    // ---- private servers, the data ----
    yield* progress("setup: a private Postgres and a private redis-server on 127.0.0.1")
    const postgres = yield* privatePostgres
    const redis = yield* privateRedis
    const world = yield* prepareWorld(postgres, options.users, options.seed)
    const users = world.users
    const redisClient = yield* rawRedis(redis.url)
    const redisVersion = /^redis_version:(.+)$/m.exec(
      yield* Effect.promise(() => redisClient.info("server")),
    )?.[1]
    const admin = yield* openClient(postgres.url)
    const databases = {
      ours: yield* openClient(urlFor(postgres.url, "postgres", ours.role)),
      peer: yield* openClient(urlFor(postgres.url, "postgres", peer.role)),
    }
    const postmaster = yield* Effect.promise(() => postmasterPid(admin))
    yield* progress(
      `setup: Postgres ${world.postgresVersion} (${world.statementsTracking}), Redis ${redisVersion}; ${users.length} users, ${world.interestIds.length} interests`,
    )

    // ---- the fake Telegram ----
    const fake = yield* makeFakeBotApi(options.apiLatencyMs)
    const startFlags = yield* Effect.promise(startNodeFlags)
    for (const user of users) fake.openChat({ id: user.telegramId, ...user })
    const cwd = yield* tempDir
    const secret = randomBytes(24).toString("hex")
    const profileDir =
      options.cpuProfileDir === undefined ? undefined : Path.resolve(options.cpuProfileDir)
    if (profileDir !== undefined)
      yield* Effect.promise(() => Fs.mkdir(profileDir, { recursive: true }))

    /**
     * `count` processes of a bot, each on a port of its own, with the same settings (database,
     * Redis, CACHE_PREFIX, token, secret) and the same WEBHOOK_URL: the URL Telegram would post
     * to — the proxy's when there are several. Each is paused once started.
     */
    const startProcesses = (variant: Variant, ports: ReadonlyArray<number>, webhookUrl: string) =>
      Effect.forEach(ports, (port, index) => {
        const many = ports.length > 1
        const name = `${variant.id === "ours" ? "ConnectBot" : "the peer"}${many ? ` #${index + 1}` : ""}`
        const common = {
          BOT_TOKEN: fake.token,
          TELEGRAM_API_ROOT: fake.apiRoot,
          REDIS_URL: redis.url,
          WEBHOOK_URL: webhookUrl,
          WEBHOOK_SECRET: secret,
          PORT: String(port),
          NO_COLOR: "1",
        }
        const logFile =
          options.botLog === undefined
            ? undefined
            : `${options.botLog}.${variant.id}${many ? `.${index + 1}` : ""}.log`
        return Effect.flatMap(progress(`setup: starting ${name} (port ${port})`), () =>
          variant.id === "ours"
            ? startChild({
                name,
                entry: Path.join(projectRoot, "src/main.ts"),
                // As `npm start` runs it (package.json), and under the profiler when asked.
                nodeArgs: [
                  ...startFlags,
                  ...(profileDir === undefined
                    ? []
                    : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]),
                ],
                env: {
                  ...common,
                  DATABASE_URL: urlFor(postgres.url, ours.role, ours.role),
                  CACHE_PREFIX: "connectbot:",
                  BOT_MODE: "webhook",
                  BOT_DEFAULT_LOCALE: "en",
                  ADMIN_CONTACT: "HR",
                  TIME_ZONE: "Europe/Moscow",
                  LOG_LEVEL: "info",
                  // The peer has no rounds, and their invitations would land in the users' chats
                  // mid-flow: the schedule is off; the outbox's dispatcher still runs and polls.
                  ROUNDS_ENABLED: "false",
                  NOTIFICATIONS_ENABLED: "false",
                },
                cwd,
                ready: /HTTP server listening/,
                logFile,
              })
            : startChild({
                name,
                entry: Path.join(projectRoot, "bench/peer/PlainBot.ts"),
                env: { ...common, DATABASE_URL: urlFor(postgres.url, peer.role, peer.role) },
                cwd,
                ready: /Plain peer .* listening/,
                logFile,
              }),
        ).pipe(Effect.tap((child) => child.pause))
      })

    /**
     * A bot of `count` processes: one is posted to directly; several sit behind a proxy with
     * the given routing, and every one of them registers the proxy's URL as its webhook.
     */
    const startBot = (variant: Variant, count: number, routing: Routing) =>
      Effect.gen(function* () {
        const ports = yield* Effect.forEach(Array.from({ length: count }), () => freePort)
        const proxy = count > 1 ? yield* makeProxy(ports, routing) : undefined
        const port = proxy?.port ?? (ports[0] as number)
        const members = yield* startProcesses(variant, ports, `http://127.0.0.1:${port}/telegram`)
        const bot: BotUnderTest = {
          variant,
          processes:
            members.length === 1
              ? (members[0] as ChildProcessHandle)
              : processGroup(variant.id === "ours" ? "ConnectBot" : "the peer", members),
          count,
          target: { port, secret },
          proxy,
        }
        return { bot, members, ports }
      })

    // What the benchmark's own calls add to a Redis window, with nothing else running.
    const window = redisWindow(redisClient)
    const baseline: RedisCounts = yield* Effect.promise(async () => {
      const opened = await window.open()
      return (await window.close(opened)).counts
    })

    let updateId = 0
    const nextUpdateId = () => ++updateId

    const load = (target: Target, concurrency: number) =>
      Effect.async<LoadResult>((resume) => {
        const controller = new AbortController()
        runLoad({
          fake,
          target,
          users,
          concurrency,
          nextUpdateId,
          signal: controller.signal,
        }).then(
          (result) => resume(Effect.succeed(result)),
          (error) => resume(Effect.die(error)),
        )
        return Effect.sync(() => controller.abort())
      })

    /**
     * One run of `bot` at `concurrency`: resumed, state reset, the load, every counter around
     * it, paused again; fails when a user did not get through their flow or the database holds
     * the wrong interests afterwards. `label` names the run in progress lines and failures.
     */
    const measureRun = (bot: BotUnderTest, concurrency: number, round: number, label: string) =>
      Effect.gen(function* () {
        const { variant, processes: child, proxy } = bot
        const database = databases[variant.id]
        yield* child.resume
        yield* resetState(database, redisClient, variant, users)
        yield* Effect.sleep(settle)
        yield* child.alive

        // Which keys the commands touch: watched in the warm-up only (MONITOR slows Redis down).
        const monitor =
          round === 0
            ? yield* Effect.promise(() =>
                monitorRedis(redis.url, [
                  "connectbot:",
                  variant.sessionPrefix.replace(/sess:$/, ""),
                ]),
              )
            : undefined
        fake.resetCounts()
        proxy?.resetCounts()
        const logBefore = child.logged()
        yield* Effect.promise(() => resetStatements(admin))
        const redisOpened = yield* Effect.promise(() => window.open())
        const postgresBefore = yield* Effect.promise(() => postgresCpuMillis(postmaster))
        const botBefore = yield* child.cpuMillis
        const driverBefore = process.cpuUsage()

        const result = yield* load(bot.target, concurrency)

        const botAfter = yield* child.cpuMillis
        const driver = process.cpuUsage(driverBefore)
        const postgresAfter = yield* Effect.promise(() => postgresCpuMillis(postmaster))
        const redisClosed = yield* Effect.promise(() => window.close(redisOpened))
        const redisByKey = monitor?.stop()
        const statements = yield* Effect.promise(() =>
          statementsOf(admin, variant.role, variant.role),
        )
        const api = fake.counts()
        const perProcess = proxy === undefined ? [result.updates] : [...proxy.counts()]
        const splitUsers = proxy?.splitSenders() ?? 0
        const logAfter = child.logged()
        yield* child.pause
        yield* child.alive

        if (result.failures > 0) {
          return yield* new BenchFailed({
            message: `${label}: ${result.failures} of ${users.length} users did not get through their flow:\n  ${result.firstFailures.join("\n  ")}${
              logAfter.firstErrors.length > 0
                ? `\n${child.name} logged:\n  ${logAfter.firstErrors.join("\n  ")}`
                : ""
            }`,
          })
        }
        if (proxy?.routing === "sticky" && splitUsers > 0) {
          return yield* new BenchFailed({
            message: `${label}: sticky routing handed the updates of ${splitUsers} user(s) to more than one process`,
          })
        }
        const wrong = yield* wrongOutcomes(database, users)
        if (wrong.length > 0) {
          return yield* new BenchFailed({
            message: `${label}: the database holds the wrong interests for ${wrong.length} user(s):\n  ${wrong.slice(0, 5).join("\n  ")}`,
          })
        }
        const measure: RunMeasure = {
          variant: variant.id,
          processes: bot.count,
          perProcess,
          splitUsers,
          concurrency,
          round,
          updates: result.updates,
          wallMillis: result.wallMillis,
          latencies: result.latencies,
          statements,
          redis: subtract(redisClosed.counts, baseline),
          botCpuMillis: botAfter - botBefore,
          postgresCpuMillis: postgresAfter - postgresBefore,
          redisCpuMillis: redisClosed.cpuMillis,
          driverCpuMillis: (driver.user + driver.system) / 1000,
          // Requests the bot made; a call it sent back in a webhook's response is not one.
          botApiCalls: [...api.byMethod]
            .filter(([method]) => !method.endsWith("(webhook reply)"))
            .reduce((total, [, calls]) => total + calls, 0),
          botApiErrors: api.errors,
          load: Os.loadavg()[0] ?? Number.NaN,
          logErrors: logAfter.errors - logBefore.errors,
          logWarnings: logAfter.warnings - logBefore.warnings,
          ...(redisByKey === undefined ? {} : { redisByKey }),
        }
        const figures = figuresOf(measure)
        yield* progress(
          `${label}: ${Math.round(figures.updatesPerSecond)} updates/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms; per update ${figures.sql.toFixed(2)} SQL, ${figures.redisCommands.toFixed(2)} Redis commands (${figures.redisTrips.toFixed(2)} trips), ${figures.botCpu.toFixed(2)} ms bot CPU${
            perProcess.length > 1
              ? `; updates per process ${perProcess.join(" / ")}, users split across processes ${splitUsers}`
              : ""
          }${measure.logErrors > 0 ? `; ${measure.logErrors} error line(s) in its log` : ""}`,
        )
        return measure
      })

    const environment = (): Environment => ({
      ...machine(startedAt),
      loads,
      postgres: world.postgresVersion,
      redis: redisVersion ?? "unknown",
      statementsTracking: world.statementsTracking,
      commit: commitNow(),
    })

    return { progress, world, users, startBot, measureRun, environment, profileDir }
  })
