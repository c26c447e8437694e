/**
 * The scale benchmark's figures and its section of bench/RESULTS.md: ConnectBot as one process
 * and as N behind the same proxy, per concurrency the medians of each and their ratio — the
 * "throughput scales" measure — with what limits it on this machine: the CPU all processes
 * together used (bots, Postgres, Redis, the driver with the fake and the proxy) against its
 * cores, and how evenly the proxy spread the users.
 */
import type { Routing } from "./Proxy"
import {
  type Environment,
  figuresOf,
  fixed,
  median,
  medianFigures,
  millis,
  pair,
  type RunMeasure,
  rate,
  ratio,
  table,
} from "./Report"

export interface ScaleRun {
  readonly command: string
  readonly environment: Environment
  readonly users: number
  readonly rounds: number
  readonly concurrencies: ReadonlyArray<number>
  readonly warmupConcurrency: number
  readonly seconds: number
  readonly runs: ReadonlyArray<RunMeasure>
  /** The processes compared with one. */
  readonly processes: number
  readonly routing: Routing
  /** How long the fake Bot API took to answer each call, in ms (0: at once). */
  readonly apiLatencyMs: number
}

/** CPU of everything on the machine that took part, as a share of all its cores. */
const machineBusy = (run: RunMeasure, cores: number) =>
  (run.botCpuMillis + run.postgresCpuMillis + run.redisCpuMillis + run.driverCpuMillis) /
  run.wallMillis /
  cores

/** The share of the updates the busiest process was handed (1 / N is an even spread). */
const busiestShare = (run: RunMeasure) =>
  Math.max(...run.perProcess) / run.perProcess.reduce((total, updates) => total + updates, 0)

const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : "n/a")

export const renderScale = (run: ScaleRun) => {
  const measured = run.runs.filter((measure) => measure.round > 0)
  const n = run.processes
  const env = run.environment
  const of = (processes: number, concurrency: number) =>
    measured.filter(
      (measure) => measure.processes === processes && measure.concurrency === concurrency,
    )
  const byConcurrency = run.concurrencies.map((concurrency) => {
    const one = of(1, concurrency)
    const many = of(n, concurrency)
    return {
      concurrency,
      one: medianFigures(one),
      many: medianFigures(many),
      busyOne: median(one.map((measure) => machineBusy(measure, env.cores))),
      busyMany: median(many.map((measure) => machineBusy(measure, env.cores))),
      share: median(many.map(busiestShare)),
      loadOne: median(one.map((measure) => measure.load)),
      loadMany: median(many.map((measure) => measure.load)),
    }
  })

  const scale = table(
    [
      "users in flight",
      "1 process, updates/s",
      `${n} processes, updates/s`,
      `${n} ÷ 1`,
      `p50 1 / ${n}, ms`,
      `p99 1 / ${n}, ms`,
      `bot CPU ms/update 1 / ${n}`,
      `machine CPU busy 1 / ${n}`,
      "busiest process's share",
      `load 1 / ${n}`,
    ],
    byConcurrency.map((row) => [
      String(row.concurrency),
      rate(row.one.updatesPerSecond),
      rate(row.many.updatesPerSecond),
      ratio(row.many.updatesPerSecond / row.one.updatesPerSecond),
      pair(millis(row.one.p50), millis(row.many.p50)),
      pair(millis(row.one.p99), millis(row.many.p99)),
      pair(fixed(row.one.botCpu, 2), fixed(row.many.botCpu, 2)),
      pair(percent(row.busyOne), percent(row.busyMany)),
      percent(row.share),
      pair(fixed(row.loadOne, 2), fixed(row.loadMany, 2)),
    ]),
  )

  const everyRun = table(
    [
      "round",
      "c",
      "processes",
      "updates/s",
      "p50 ms",
      "p99 ms",
      "SQL/upd",
      "Redis cmd/upd",
      "bot CPU ms/upd",
      "machine CPU busy",
      "updates per process",
      "users split",
      "load",
      "log err/warn",
    ],
    run.runs.map((measure) => {
      const figures = figuresOf(measure)
      return [
        measure.round === 0 ? "warm-up" : String(measure.round),
        String(measure.concurrency),
        String(measure.processes),
        rate(figures.updatesPerSecond),
        millis(figures.p50),
        millis(figures.p99),
        fixed(figures.sql, 2),
        fixed(figures.redisCommands, 2),
        fixed(figures.botCpu, 2),
        percent(machineBusy(measure, env.cores)),
        measure.perProcess.join(" / "),
        String(measure.splitUsers),
        fixed(measure.load, 2),
        `${measure.logErrors}/${measure.logWarnings}`,
      ]
    }),
  )

  const loads = env.loads.filter(Number.isFinite)
  const loadText =
    loads.length === 0
      ? "n/a"
      : `${fixed(Math.min(...loads), 2)}–${fixed(Math.max(...loads), 2)} (mean ${fixed(loads.reduce((a, b) => a + b, 0) / loads.length, 2)})`
  const updatesPerRun = run.runs[0]?.updates ?? 0
  const ratios = byConcurrency
    .map(
      (row) =>
        `c=${row.concurrency} ${ratio(row.many.updatesPerSecond / row.one.updatesPerSecond)}`,
    )
    .join("; ")
  const logTotals = `${run.runs.reduce((t, m) => t + m.logErrors, 0)} error and ${run.runs.reduce((t, m) => t + m.logWarnings, 0)} warning line(s)`
  const routingText =
    run.routing === "sticky"
      ? "sends each update to the process picked by a stable hash (FNV-1a) of its sender's id (`from.id` of the message or button press: the key of the bot's own per-user queue), so each user's updates all reach one process"
      : "hands the updates to the processes in turn (round-robin, for comparison: one user's updates land on different processes)"

  const stdout = [
    `Scale benchmark: ConnectBot as 1 and as ${n} processes behind the same proxy (${run.routing}); ${run.users} users × 6 updates, ${run.rounds} round(s), medians${run.apiLatencyMs > 0 ? `; the Bot API answers after ${run.apiLatencyMs} ms` : ""}; ${env.cores} cores, load ${loadText}; ${env.commit}`,
    "",
    scale,
    "",
    `${n} processes ÷ 1, updates/s: ${ratios}`,
  ].join("\n")

  const markdown = `# Scale benchmark: ConnectBot as 1 and as ${n} processes

Written by \`${run.command}\` (bench/scale.ts) on ${env.date}; measured ${env.commit}; the whole run took ${fixed(run.seconds, 0)} s.

- Machine: ${env.cpu}, ${env.cores} cores, ${env.os}; Node ${env.node}; 1-minute load average ${loadText} during the run (sampled every 2 s). The bot processes, Postgres, Redis, the load driver, the fake Bot API and the proxy all share these ${env.cores} cores: ${n} processes can only go faster than one where one left cores idle
- Postgres ${env.postgres} and Redis ${env.redis}, private servers of the benchmark on 127.0.0.1 (Postgres with \`fsync=off\`, Redis without persistence), shared by every process
- The fake Bot API answers each call ${run.apiLatencyMs > 0 ? `${run.apiLatencyMs} ms after it arrives (Telegram's round trip)` : "at once (loopback)"}
- ConnectBot: ${n} processes of \`src/main.ts\` (as \`npm start\` runs it: \`node\` with package.json's start flags \`--import tsx\`, \`BOT_MODE=webhook\`), each with a \`PORT\` of its own and the same \`DATABASE_URL\`, \`REDIS_URL\`, \`CACHE_PREFIX\`, bot token, \`WEBHOOK_SECRET\` and \`WEBHOOK_URL\` (the proxy's: each registers it with the fake Bot API at start, as each replica of a deployment would). "1 process" is the first of them alone behind a proxy of its own, the others paused (SIGSTOP); "${n} processes" is all of them behind another — the same proxy code either way, so both pay the same hop
- The proxy (bench/pipeline/Proxy.ts, node:http in the benchmark's process) ${routingText}; a body without a sender goes round-robin. The driver posts each user's next update only after the previous one's 200, so order holds here with any routing; sticky routing is what keeps it with real Telegram, which may deliver a user's next update while the previous one is still being handled
- Flow of each user as in the pipeline benchmark: \`/start\` → 🎯 Interests → toggle A → toggle B → toggle A → 💾 Save, 6 updates (${updatesPerRun.toLocaleString("en-US")} per run). The driver checks every screen and that every press was answered once, and the database after every run (B flipped, A as it was): sessions and caches shared through Redis and the change feed must stay coherent across processes, or the run fails
- Runs: a warm-up run of each at c=${run.warmupConcurrency} (discarded), then ${run.rounds} round(s); in each, for each c, 1 and ${n} processes one after the other, which one first alternating. Each run starts from the same state: the users' interests put back, their sessions deleted, 1 s for the change feed. Figures are medians over the rounds; the ratio is of the medians
- Counted: updates/s and POST → 200 latency at the driver (through the proxy); **bot CPU** — utime + stime of every ConnectBot process from /proc/PID/stat, summed; **machine CPU busy** — bot processes + Postgres (all its processes) + Redis (\`used_cpu_user + used_cpu_sys\`) + the benchmark's own process (driver, fake Bot API, proxy), over the run's wall time and all ${env.cores} cores; **busiest process's share** — of the updates the proxy handed out in a ${n}-process run (${percent(1 / n)} is an even spread); **users split** — users whose updates the proxy handed to more than one process (with sticky routing a run fails unless it is 0)

## Throughput, 1 process against ${n} (medians of ${run.rounds} round(s))

${scale}

${n} processes ÷ 1: ${ratios}.

## Every run

${everyRun}

Bot logs during the runs: ${logTotals}.
`
  return { stdout, markdown }
}
