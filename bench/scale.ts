/**
 * `npm run bench:scale`: does ConnectBot's throughput scale with processes? The pipeline
 * benchmark's load and checks (bench/pipeline/Harness.ts) on ConnectBot as one process and as N
 * (default 2), each behind the local proxy of bench/pipeline/Proxy.ts, over one private Postgres
 * and one private redis-server; interleaved rounds, medians, and the ratio N ÷ 1 of updates/s at
 * each concurrency. Prints the table and writes the scale section of bench/RESULTS.md.
 *
 * The N processes are started once; "one process" is the first of them alone behind a proxy of
 * its own while the others are paused, so both configurations run the same warmed-up code
 * through the same proxy code.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect } from "effect"
import { ours } from "./pipeline/Data"
import { updatesPerUser } from "./pipeline/Driver"
import { BenchFailed, type BotUnderTest, interleaved, setUp } from "./pipeline/Harness"
import { type PipelineOptions, parseOptions, scaleHelpText } from "./pipeline/Options"
import { makeProxy } from "./pipeline/Proxy"
import type { RunMeasure } from "./pipeline/Report"
import { publish, withScaleSection } from "./pipeline/Report"
import { renderScale } from "./pipeline/ScaleReport"

const command = (argv: ReadonlyArray<string>) =>
  ["npm run bench:scale", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" ")

const bench = (options: PipelineOptions, startedAt: number) =>
  Effect.gen(function* () {
    const harness = yield* setUp({ ...options, cpuProfileDir: undefined }, startedAt)
    const { progress, users } = harness

    const {
      bot: many,
      members,
      ports,
    } = yield* harness.startBot(ours, options.processes, options.routing)
    const first = members[0]
    const firstPort = ports[0]
    if (first === undefined || firstPort === undefined) {
      return yield* new BenchFailed({ message: "no ConnectBot process was started" })
    }
    const oneProxy = yield* makeProxy([firstPort], options.routing)
    const one: BotUnderTest = {
      variant: ours,
      processes: first,
      count: 1,
      target: { ...many.target, port: oneProxy.port },
      proxy: oneProxy,
    }

    const measureRun = (bot: BotUnderTest, concurrency: number, round: number) =>
      harness.measureRun(
        bot,
        concurrency,
        round,
        `${round === 0 ? "warm-up" : `round ${round}`}, c=${concurrency}, ${bot.count} process${bot.count === 1 ? "" : "es"}`,
      )

    const warmupConcurrency = Math.max(...options.concurrencies)
    const total = 2 * (1 + options.rounds * options.concurrencies.length)
    yield* progress(
      `load: ${total} runs of ${(users.length * updatesPerUser).toLocaleString("en-US")} updates (a warm-up of 1 and of ${options.processes} processes, then ${options.rounds} round(s) × ${options.concurrencies.length} concurrencies × 2)`,
    )
    const runs: ReadonlyArray<RunMeasure> = yield* interleaved([one, many], options, measureRun)

    const report = renderScale({
      command: command(process.argv.slice(2)),
      environment: harness.environment(),
      users: users.length,
      rounds: options.rounds,
      concurrencies: options.concurrencies,
      warmupConcurrency,
      seconds: (Date.now() - startedAt) / 1000,
      runs,
      processes: options.processes,
      routing: options.routing,
      apiLatencyMs: options.apiLatencyMs,
    })
    yield* publish(report, options.write, withScaleSection)
  })

const main = Effect.gen(function* () {
  const options = yield* parseOptions(process.argv.slice(2), process.env, "scale")
  if (options === "help") return yield* Console.log(scaleHelpText)
  yield* bench(options, Date.now()).pipe(
    Effect.scoped,
    Effect.timeoutFail({
      duration: Duration.seconds(options.deadlineSeconds),
      onTimeout: () =>
        new BenchFailed({
          message: `the deadline of ${options.deadlineSeconds} s passed; everything was stopped`,
        }),
    }),
  )
})

const fail = (message: string, exitCode: number) =>
  Effect.zipRight(
    Console.error(`bench:scale: ${message}`),
    Effect.sync(() => {
      process.exitCode = exitCode
    }),
  )

NodeRuntime.runMain(
  main.pipe(
    Effect.catchTags({
      UsageError: (error) => fail(`${error.message}\n\n${scaleHelpText}`, 2),
      BenchFailed: (error) => fail(`FAILED: ${error.message}`, 1),
      SetupFailed: (error) => fail(`setup failed: ${error.message}`, 1),
      ChildFailed: (error) => fail(error.message, 1),
    }),
  ),
)
