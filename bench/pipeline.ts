/**
 * `npm run bench:pipeline` (and the second half of `npm run bench`): the whole update pipeline
 * measured end to end (issue 10). The real bot (`src/main.ts`) in webhook mode and a plain grammY
 * peer (bench/peer/PlainBot.ts), each a child process, over one private Postgres (with
 * pg_stat_statements) and one private redis-server, against a fake Telegram Bot API; a load
 * driver POSTs each simulated user's six updates in order with 1/16/64 users in flight and waits
 * for the 200. Interleaved rounds, medians; updates/s, latency, and per update the SQL
 * statements, Redis commands and round trips (counted by the servers), CPU of each process.
 * Prints the tables and writes the pipeline section of bench/RESULTS.md.
 *
 * Bounded (`--deadline`), loopback only, and everything it starts — servers, bots, temporary
 * directories — is stopped and removed when it ends, on Ctrl-C too. See `--help`.
 */
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Data, Duration, Effect } from "effect"
import { rawRedis } from "../test/support/CacheSettings"
import { freePort } from "../test/support/Ports"
import { privatePostgres } from "../test/support/PrivatePostgres"
import { privateRedis } from "../test/support/PrivateRedis"
import { projectRoot, tempDir } from "../test/support/Scripts"
import { type ChildProcessHandle, startChild } from "./pipeline/Child"
import {
  monitorRedis,
  postgresCpuMillis,
  postmasterPid,
  type RedisCounts,
  redisWindow,
  resetStatements,
  statementsOf,
  subtract,
} from "./pipeline/Counters"
import {
  openClient,
  ours,
  peer,
  prepareWorld,
  resetState,
  urlFor,
  type Variant,
  wrongOutcomes,
} from "./pipeline/Data"
import { type LoadResult, runLoad, type Target, updatesPerUser } from "./pipeline/Driver"
import { makeFakeBotApi } from "./pipeline/FakeBotApi"
import { helpText, type PipelineOptions, parseOptions } from "./pipeline/Options"
import { summarizeProfilesIn } from "./pipeline/Profile"
import { figuresOf, type RunMeasure, render, withSection } from "./pipeline/Report"
import { machine } from "./Report"

class BenchFailed extends Data.TaggedError("BenchFailed")<{ readonly message: string }> {}

/** After a reset, before a run: ConnectBot's change feed takes the reset (NOTIFY, or its 0.5 s poll). */
const settle = Duration.seconds(1)

const resultsPath = fileURLToPath(new URL("RESULTS.md", import.meta.url))

const git = (...args: Array<string>) => {
  try {
    return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8" }).trimEnd()
  } catch {
    return ""
  }
}

/** The commit measured (and the last one that changed src/), and whether src/ differed from it. */
const commitNow = () => {
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

const command = (argv: ReadonlyArray<string>) =>
  ["npm run bench:pipeline", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" ")

const bench = (options: PipelineOptions, startedAt: number) =>
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

    // ---- the fake Telegram, the two bots ----
    const fake = yield* makeFakeBotApi
    for (const user of users) fake.openChat({ id: user.telegramId, ...user })
    const cwd = yield* tempDir
    const secret = randomBytes(24).toString("hex")
    const common = {
      BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      REDIS_URL: redis.url,
      WEBHOOK_URL: `${fake.apiRoot}/webhook`,
      WEBHOOK_SECRET: secret,
      NO_COLOR: "1",
    }
    const oursPort = yield* freePort
    const profileDir =
      options.cpuProfileDir === undefined ? undefined : Path.resolve(options.cpuProfileDir)
    if (profileDir !== undefined)
      yield* Effect.promise(() => Fs.mkdir(profileDir, { recursive: true }))
    yield* progress(`setup: starting ConnectBot (webhook mode, port ${oursPort})`)
    const oursChild = yield* startChild({
      name: "ConnectBot",
      entry: Path.join(projectRoot, "src/main.ts"),
      nodeArgs: profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
      env: {
        ...common,
        DATABASE_URL: urlFor(postgres.url, ours.role, ours.role),
        CACHE_PREFIX: "connectbot:",
        BOT_MODE: "webhook",
        PORT: String(oursPort),
        BOT_DEFAULT_LOCALE: "en",
        ADMIN_CONTACT: "HR",
        TIME_ZONE: "Europe/Moscow",
        LOG_LEVEL: "info",
      },
      cwd,
      ready: /HTTP server listening/,
      logFile: options.botLog === undefined ? undefined : `${options.botLog}.ours.log`,
    })
    yield* oursChild.pause
    const peerPort = yield* freePort
    yield* progress(`setup: starting the peer (port ${peerPort})`)
    const peerChild = yield* startChild({
      name: "the peer",
      entry: Path.join(projectRoot, "bench/peer/PlainBot.ts"),
      env: {
        ...common,
        DATABASE_URL: urlFor(postgres.url, peer.role, peer.role),
        PORT: String(peerPort),
      },
      cwd,
      ready: /Plain peer .* listening/,
      logFile: options.botLog === undefined ? undefined : `${options.botLog}.peer.log`,
    })
    yield* peerChild.pause

    const bots: Record<Variant["id"], { child: ChildProcessHandle; target: Target }> = {
      ours: { child: oursChild, target: { port: oursPort, secret } },
      peer: { child: peerChild, target: { port: peerPort, secret } },
    }

    // What the benchmark's own calls add to a Redis window, with nothing else running.
    const window = redisWindow(redisClient)
    const baseline: RedisCounts = yield* Effect.promise(async () => {
      const opened = await window.open()
      return (await window.close(opened)).counts
    })

    let updateId = 0
    const nextUpdateId = () => ++updateId

    const load = (variant: Variant, concurrency: number) =>
      Effect.async<LoadResult>((resume) => {
        const controller = new AbortController()
        runLoad({
          fake,
          target: bots[variant.id].target,
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

    const measureRun = (variant: Variant, concurrency: number, round: number) =>
      Effect.gen(function* () {
        const { child } = bots[variant.id]
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
        const logBefore = child.logged()
        yield* Effect.promise(() => resetStatements(admin))
        const redisOpened = yield* Effect.promise(() => window.open())
        const postgresBefore = yield* Effect.promise(() => postgresCpuMillis(postmaster))
        const botBefore = yield* child.cpuMillis
        const driverBefore = process.cpuUsage()

        const result = yield* load(variant, concurrency)

        const botAfter = yield* child.cpuMillis
        const driver = process.cpuUsage(driverBefore)
        const postgresAfter = yield* Effect.promise(() => postgresCpuMillis(postmaster))
        const redisClosed = yield* Effect.promise(() => window.close(redisOpened))
        const redisByKey = monitor?.stop()
        const statements = yield* Effect.promise(() =>
          statementsOf(admin, variant.role, variant.role),
        )
        const api = fake.counts()
        const logAfter = child.logged()
        yield* child.pause
        yield* child.alive

        const label = `${round === 0 ? "warm-up" : `round ${round}`}, c=${concurrency}, ${variant.id}`
        if (result.failures > 0) {
          return yield* new BenchFailed({
            message: `${label}: ${result.failures} of ${users.length} users did not get through their flow:\n  ${result.firstFailures.join("\n  ")}${
              logAfter.firstErrors.length > 0
                ? `\n${child.name} logged:\n  ${logAfter.firstErrors.join("\n  ")}`
                : ""
            }`,
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
          botApiCalls: [...api.byMethod.values()].reduce((total, calls) => total + calls, 0),
          botApiErrors: api.errors,
          load: Os.loadavg()[0] ?? Number.NaN,
          logErrors: logAfter.errors - logBefore.errors,
          logWarnings: logAfter.warnings - logBefore.warnings,
          ...(redisByKey === undefined ? {} : { redisByKey }),
        }
        const figures = figuresOf(measure)
        yield* progress(
          `${label}: ${Math.round(figures.updatesPerSecond)} updates/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms; per update ${figures.sql.toFixed(2)} SQL, ${figures.redisCommands.toFixed(2)} Redis commands (${figures.redisTrips.toFixed(2)} trips), ${figures.botCpu.toFixed(2)} ms bot CPU${
            measure.logErrors > 0 ? `; ${measure.logErrors} error line(s) in its log` : ""
          }`,
        )
        return measure
      })

    const runs: Array<RunMeasure> = []
    const warmupConcurrency = Math.max(...options.concurrencies)
    const total = 2 * (1 + options.rounds * options.concurrencies.length)
    yield* progress(
      `load: ${total} runs of ${(users.length * updatesPerUser).toLocaleString("en-US")} updates (a warm-up of each bot, then ${options.rounds} round(s) × ${options.concurrencies.length} concurrencies × 2 bots)`,
    )
    for (const variant of [ours, peer]) runs.push(yield* measureRun(variant, warmupConcurrency, 0))
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, concurrency] of options.concurrencies.entries()) {
        const order = (round + index) % 2 === 1 ? [ours, peer] : [peer, ours]
        for (const variant of order) runs.push(yield* measureRun(variant, concurrency, round))
      }
    }

    const report = render({
      command: command(process.argv.slice(2)),
      environment: {
        ...machine(startedAt),
        loads,
        postgres: world.postgresVersion,
        redis: redisVersion ?? "unknown",
        statementsTracking: world.statementsTracking,
        commit: commitNow(),
      },
      users: users.length,
      interests: world.interestIds.length,
      rounds: options.rounds,
      concurrencies: options.concurrencies,
      warmupConcurrency,
      seconds: (Date.now() - startedAt) / 1000,
      runs,
      profiled: profileDir !== undefined,
    })
    yield* Console.log(`\n${report.stdout}`)
    if (options.write) {
      yield* Effect.promise(async () => {
        const current = await Fs.readFile(resultsPath, "utf8").catch(() => "")
        await Fs.writeFile(resultsPath, withSection(current, report.markdown))
      })
      yield* Console.log(`\nWritten to ${resultsPath}`)
    } else {
      yield* Console.log("\n(A quick run: bench/RESULTS.md left as it was; --write to write it.)")
    }
  })

const main = Effect.gen(function* () {
  const argv = process.argv.slice(2)
  const options = yield* parseOptions(argv, process.env)
  if (options === "help") return yield* Console.log(helpText)
  const startedAt = Date.now()
  yield* bench(options, startedAt).pipe(
    Effect.scoped,
    Effect.timeoutFail({
      duration: Duration.seconds(options.deadlineSeconds),
      onTimeout: () =>
        new BenchFailed({
          message: `the deadline of ${options.deadlineSeconds} s passed; everything was stopped`,
        }),
    }),
  )
  if (options.cpuProfileDir !== undefined) {
    const summary = yield* Effect.promise(() =>
      summarizeProfilesIn(Path.resolve(options.cpuProfileDir as string), startedAt),
    )
    yield* Console.log(`\nConnectBot's CPU profile:\n${summary}`)
  }
})

NodeRuntime.runMain(
  main.pipe(
    Effect.catchTags({
      UsageError: (error) =>
        Effect.zipRight(
          Console.error(`bench:pipeline: ${error.message}\n\n${helpText}`),
          Effect.sync(() => {
            process.exitCode = 2
          }),
        ),
      BenchFailed: (error) =>
        Effect.zipRight(
          Console.error(`bench:pipeline: FAILED: ${error.message}`),
          Effect.sync(() => {
            process.exitCode = 1
          }),
        ),
      SetupFailed: (error) =>
        Effect.zipRight(
          Console.error(`bench:pipeline: setup failed: ${error.message}`),
          Effect.sync(() => {
            process.exitCode = 1
          }),
        ),
      ChildFailed: (error) =>
        Effect.zipRight(
          Console.error(`bench:pipeline: ${error.message}`),
          Effect.sync(() => {
            process.exitCode = 1
          }),
        ),
    }),
  ),
)
