/**
 * `npm run bench:pipeline` (and the second half of `npm run bench`): the whole update pipeline
 * measured end to end (issue 10). The real bot (`src/main.ts`) in webhook mode and a plain grammY
 * peer (bench/peer/PlainBot.ts), each a child process, over one private Postgres (with
 * pg_stat_statements) and one private redis-server, against a fake Telegram Bot API; a load
 * driver POSTs each simulated user's six updates in order with 1/16/64 users in flight and waits
 * for the 200. Interleaved rounds, medians; updates/s, latency, and per update the SQL
 * statements, Redis commands and round trips (counted by the servers), CPU of each process.
 * Prints the tables and writes the pipeline section of bench/RESULTS.md. With `--processes N`
 * each bot runs as N processes behind the proxy of pipeline/Proxy.ts (bench/scale.ts compares 1
 * and N processes of ConnectBot).
 *
 * Bounded (`--deadline`), loopback only, and everything it starts — servers, bots, temporary
 * directories — is stopped and removed when it ends, on Ctrl-C too. See `--help`.
 */
import * as Path from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect } from "effect"
import { ours, peer } from "./pipeline/Data"
import { updatesPerUser } from "./pipeline/Driver"
import { BenchFailed, type BotUnderTest, interleaved, setUp } from "./pipeline/Harness"
import { helpText, type PipelineOptions, parseOptions } from "./pipeline/Options"
import { summarizeProfilesIn } from "./pipeline/Profile"
import { publish, type RunMeasure, render, withSection } from "./pipeline/Report"

const command = (argv: ReadonlyArray<string>) =>
  ["npm run bench:pipeline", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" ")

const bench = (options: PipelineOptions, startedAt: number) =>
  Effect.gen(function* () {
    const harness = yield* setUp(options, startedAt)
    const { progress, users, world } = harness

    // Both bots with the same number of processes, each set behind a proxy of its own when
    // there are several: the comparison stays one of code, not of how many cores each may use.
    const bots: Record<"ours" | "peer", BotUnderTest> = {
      ours: (yield* harness.startBot(ours, options.processes, options.routing)).bot,
      peer: (yield* harness.startBot(peer, options.processes, options.routing)).bot,
    }

    const measureRun = (variant: typeof ours, concurrency: number, round: number) =>
      harness.measureRun(
        bots[variant.id],
        concurrency,
        round,
        `${round === 0 ? "warm-up" : `round ${round}`}, c=${concurrency}, ${variant.id}`,
      )

    const warmupConcurrency = Math.max(...options.concurrencies)
    const total = 2 * (1 + options.rounds * options.concurrencies.length)
    yield* progress(
      `load: ${total} runs of ${(users.length * updatesPerUser).toLocaleString("en-US")} updates (a warm-up of each bot, then ${options.rounds} round(s) × ${options.concurrencies.length} concurrencies × 2 bots)`,
    )
    const runs: ReadonlyArray<RunMeasure> = yield* interleaved([ours, peer], options, measureRun)

    const report = render({
      command: command(process.argv.slice(2)),
      environment: harness.environment(),
      users: users.length,
      interests: world.interestIds.length,
      rounds: options.rounds,
      concurrencies: options.concurrencies,
      warmupConcurrency,
      seconds: (Date.now() - startedAt) / 1000,
      runs,
      profiled: harness.profileDir !== undefined,
      processes: options.processes,
      routing: options.routing,
      apiLatencyMs: options.apiLatencyMs,
    })
    yield* publish(report, options.write, withSection)
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
