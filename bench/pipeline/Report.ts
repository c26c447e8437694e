/**
 * The pipeline benchmark's figures and its section of bench/RESULTS.md: per run what was
 * measured and counted, the medians over the rounds, the ratios, and each goal met or not with
 * its figure. Every number comes from the measurements; nothing here is hard-coded.
 */
import * as Fs from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { Console, Effect } from "effect"
import { summarize } from "../Report"
import type { RedisCounts, Statement } from "./Counters"
import { totalCommands } from "./Counters"
import type { Routing } from "./Proxy"

export type VariantId = "ours" | "peer"

/** One run of one bot at one concurrency. */
export interface RunMeasure {
  readonly variant: VariantId
  /** How many processes of the bot served the run (several: behind the proxy). */
  readonly processes: number
  /** Updates each process was handed (by the proxy), in the processes' order. */
  readonly perProcess: ReadonlyArray<number>
  /** Users whose updates the proxy handed to more than one process (0 with sticky routing). */
  readonly splitUsers: number
  readonly concurrency: number
  /** 0: the warm-up (discarded). */
  readonly round: number
  readonly updates: number
  readonly wallMillis: number
  readonly latencies: Float64Array
  readonly statements: ReadonlyArray<Statement>
  readonly redis: RedisCounts
  readonly botCpuMillis: number
  readonly postgresCpuMillis: number
  readonly redisCpuMillis: number
  /** The benchmark's own process: the load driver and the fake Bot API. */
  readonly driverCpuMillis: number
  readonly botApiCalls: number
  readonly botApiErrors: number
  /** 1-minute load average at the end of the run. */
  readonly load: number
  readonly logErrors: number
  readonly logWarnings: number
  /** Redis commands by name and key namespace (MONITOR; warm-up runs only). */
  readonly redisByKey?: ReadonlyMap<string, number>
}

export interface Figures {
  readonly updatesPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly sql: number
  readonly redisCommands: number
  readonly redisTrips: number
  readonly botCpu: number
  readonly postgresCpu: number
  readonly redisCpu: number
  readonly driverCpu: number
  readonly botApiCalls: number
}

const sumCalls = (statements: ReadonlyArray<Statement>) =>
  statements.reduce((total, statement) => total + statement.calls, 0)

export const figuresOf = (run: RunMeasure): Figures => {
  const stats = summarize([run.latencies])
  const per = (value: number) => value / run.updates
  return {
    updatesPerSecond: run.updates / (run.wallMillis / 1000),
    p50: stats.p50,
    p99: stats.p99,
    sql: per(sumCalls(run.statements)),
    redisCommands: per(totalCommands(run.redis)),
    redisTrips: per(run.redis.reads),
    botCpu: per(run.botCpuMillis),
    postgresCpu: per(run.postgresCpuMillis),
    redisCpu: per(run.redisCpuMillis),
    driverCpu: per(run.driverCpuMillis),
    botApiCalls: per(run.botApiCalls),
  }
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

/** The median of each figure over the measured rounds of one bot at one concurrency. */
export const medianFigures = (runs: ReadonlyArray<RunMeasure>): Figures => {
  const all = runs.map(figuresOf)
  const of = (field: keyof Figures) => median(all.map((figures) => figures[field]))
  return {
    updatesPerSecond: of("updatesPerSecond"),
    p50: of("p50"),
    p99: of("p99"),
    sql: of("sql"),
    redisCommands: of("redisCommands"),
    redisTrips: of("redisTrips"),
    botCpu: of("botCpu"),
    postgresCpu: of("postgresCpu"),
    redisCpu: of("redisCpu"),
    driverCpu: of("driverCpu"),
    botApiCalls: of("botApiCalls"),
  }
}

// -- rendering ----------------------------------------------------------------------------------

export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
) => {
  // At least 3 wide: a separator of fewer dashes is not a table to the markdown formatter.
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? "").length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`
  return [
    line(header),
    `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n")
}

export const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : "n/a"
export const rate = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a"
export const millis = (value: number) => fixed(value, value < 10 ? 1 : 0)
export const ratio = (value: number) => `×${fixed(value, 2)}`
export const pair = (a: string, b: string) => `${a} / ${b}`
const metOrNot = (met: boolean) => (met ? "met" : "not met")

export interface Environment {
  readonly date: string
  readonly node: string
  readonly os: string
  readonly cpu: string
  readonly cores: number
  /** 1-minute load averages sampled every few seconds during the whole run. */
  readonly loads: ReadonlyArray<number>
  readonly postgres: string
  readonly redis: string
  readonly statementsTracking: string
  readonly commit: string
}

export interface PipelineRun {
  readonly command: string
  readonly environment: Environment
  readonly users: number
  readonly interests: number
  readonly rounds: number
  readonly concurrencies: ReadonlyArray<number>
  readonly warmupConcurrency: number
  readonly seconds: number
  readonly runs: ReadonlyArray<RunMeasure>
  readonly profiled: boolean
  /** Processes of each bot; several sit behind the proxy (bench/pipeline/Proxy.ts). */
  readonly processes: number
  readonly routing: Routing
  /** How long the fake Bot API took to answer each call, in ms (0: at once). */
  readonly apiLatencyMs: number
}

/** Statements (or commands) summed over runs, per update, most frequent first. */
const breakdown = (
  runs: ReadonlyArray<RunMeasure>,
  entries: (run: RunMeasure) => Iterable<readonly [string, number]>,
) => {
  const updates = runs.reduce((total, run) => total + run.updates, 0)
  const totals = new Map<string, number>()
  for (const run of runs) {
    for (const [key, calls] of entries(run)) totals.set(key, (totals.get(key) ?? 0) + calls)
  }
  return [...totals]
    .map(([key, calls]) => ({ key, perUpdate: calls / updates }))
    .sort((a, b) => b.perUpdate - a.perUpdate || a.key.localeCompare(b.key))
}

const oneLine = (query: string, length = 110) => {
  const flat = query.replace(/\s+/g, " ").trim()
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`
}

const cell = (text: string) => `\`${text.replace(/\|/g, "\\|").replace(/`/g, "'")}\``

export const render = (run: PipelineRun) => {
  const measured = run.runs.filter((measure) => measure.round > 0)
  const of = (variant: VariantId, concurrency?: number) =>
    measured.filter(
      (measure) =>
        measure.variant === variant &&
        (concurrency === undefined || measure.concurrency === concurrency),
    )
  const byConcurrency = run.concurrencies.map((concurrency) => ({
    concurrency,
    ours: medianFigures(of("ours", concurrency)),
    peer: medianFigures(of("peer", concurrency)),
  }))
  const perUpdate = (variant: VariantId, count: (measure: RunMeasure) => number) => {
    const runs = of(variant)
    const updates = runs.reduce((total, measure) => total + measure.updates, 0)
    return runs.reduce((total, measure) => total + count(measure), 0) / updates
  }
  const overall = (variant: VariantId) => ({
    sql: perUpdate(variant, (measure) => sumCalls(measure.statements)),
    redisCommands: perUpdate(variant, (measure) => totalCommands(measure.redis)),
    botCpu: perUpdate(variant, (measure) => measure.botCpuMillis),
  })
  const ours = overall("ours")
  const peer = overall("peer")
  // Round trips are the server's reads: with several users in flight, commands of different
  // updates arriving together share a read. One user at a time, a read is one update's round trip.
  const tripsAt = Math.min(...run.concurrencies)
  const trips = byConcurrency.find(({ concurrency }) => concurrency === tripsAt)

  const throughput = table(
    [
      "users in flight",
      "ours, updates/s",
      "peer, updates/s",
      "ours ÷ peer",
      "≥ ×1.5",
      "p50 ours / peer, ms",
      "p50 below peer",
      "p99 ours / peer, ms",
    ],
    byConcurrency.map(({ concurrency, ours, peer }) => {
      const speed = ours.updatesPerSecond / peer.updatesPerSecond
      return [
        String(concurrency),
        rate(ours.updatesPerSecond),
        rate(peer.updatesPerSecond),
        ratio(speed),
        metOrNot(speed >= 1.5),
        pair(millis(ours.p50), millis(peer.p50)),
        metOrNot(ours.p50 < peer.p50),
        pair(millis(ours.p99), millis(peer.p99)),
      ]
    }),
  )

  const costs = table(
    [
      "users in flight",
      "SQL statements",
      "Redis commands",
      "Redis round trips",
      "bot CPU, ms",
      "Postgres CPU, ms",
      "Redis CPU, ms",
      "Bot API calls",
      "driver + fake CPU, ms",
    ],
    byConcurrency.map(({ concurrency, ours, peer }) => [
      String(concurrency),
      pair(fixed(ours.sql, 2), fixed(peer.sql, 2)),
      pair(fixed(ours.redisCommands, 2), fixed(peer.redisCommands, 2)),
      pair(fixed(ours.redisTrips, 2), fixed(peer.redisTrips, 2)),
      pair(fixed(ours.botCpu, 2), fixed(peer.botCpu, 2)),
      pair(fixed(ours.postgresCpu, 2), fixed(peer.postgresCpu, 2)),
      pair(fixed(ours.redisCpu, 2), fixed(peer.redisCpu, 2)),
      pair(fixed(ours.botApiCalls, 2), fixed(peer.botApiCalls, 2)),
      pair(fixed(ours.driverCpu, 2), fixed(peer.driverCpu, 2)),
    ]),
  )

  const speedLines = byConcurrency.map(
    ({ concurrency, ours, peer }) =>
      `c=${concurrency} ${ratio(ours.updatesPerSecond / peer.updatesPerSecond)} (${rate(ours.updatesPerSecond)} vs ${rate(peer.updatesPerSecond)} updates/s)`,
  )
  const latencyLines = byConcurrency.map(
    ({ concurrency, ours, peer }) =>
      `c=${concurrency} ${millis(ours.p50)} vs ${millis(peer.p50)} ms`,
  )
  const cpuLines = byConcurrency.map(
    ({ concurrency, ours, peer }) =>
      `c=${concurrency} ${fixed(ours.botCpu, 2)} vs ${fixed(peer.botCpu, 2)} ms`,
  )
  const goals = [
    [
      "updates/s ≥ 1.5× the peer's at every concurrency",
      byConcurrency.every(({ ours, peer }) => ours.updatesPerSecond >= 1.5 * peer.updatesPerSecond),
      speedLines.join("; "),
    ],
    [
      "p50 below the peer's at every concurrency",
      byConcurrency.every(({ ours, peer }) => ours.p50 < peer.p50),
      latencyLines.join("; "),
    ],
    [
      "≤ 1 Redis round trip per update on average",
      (trips?.ours.redisTrips ?? Number.NaN) <= 1,
      `${fixed(trips?.ours.redisTrips ?? Number.NaN, 2)} round trips per update at c=${tripsAt} (${fixed(ours.redisCommands, 2)} commands per update over all runs); the peer ${fixed(trips?.peer.redisTrips ?? Number.NaN, 2)} (${fixed(peer.redisCommands, 2)})`,
    ],
    [
      "fewer SQL statements per update than the peer",
      ours.sql < peer.sql,
      `${fixed(ours.sql, 2)} vs ${fixed(peer.sql, 2)}`,
    ],
    [
      "CPU per update ≤ the peer's (the bot process) at every concurrency",
      byConcurrency.every(({ ours, peer }) => ours.botCpu <= peer.botCpu),
      cpuLines.join("; "),
    ],
  ] as const
  const goalLines = goals.map(
    ([goal, met, figure]) => `- ${goal}: **${metOrNot(met)}** — ${figure}`,
  )
  const goalStdout = goals.map(
    ([goal, met, figure]) => `${met ? "MET    " : "NOT MET"}  ${goal}: ${figure}`,
  )

  const sqlBreakdown = (variant: VariantId) =>
    table(
      ["per update", "statement"],
      breakdown(of(variant), (measure) =>
        measure.statements.map((statement) => [oneLine(statement.query), statement.calls] as const),
      ).map(({ key, perUpdate }) => [fixed(perUpdate, 3), cell(key)]),
    )
  const redisBreakdown = (variant: VariantId) =>
    breakdown(of(variant), (measure) => measure.redis.commands)
      .map(({ key, perUpdate }) => `\`${key}\` ${fixed(perUpdate, 2)}`)
      .join(", ")

  const redisByKey = (variant: VariantId) => {
    const warmup = run.runs.find((measure) => measure.variant === variant && measure.round === 0)
    if (warmup?.redisByKey === undefined) return "(not observed)"
    return [...warmup.redisByKey]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([label, calls]) => `\`${label}\` ${fixed(calls / warmup.updates, 2)}`)
      .join(", ")
  }

  const everyRun = table(
    [
      "round",
      "c",
      "bot",
      "updates/s",
      "p50 ms",
      "p99 ms",
      "SQL/upd",
      "Redis cmd/upd",
      "Redis trips/upd",
      "bot CPU ms/upd",
      "load",
      "log err/warn",
    ],
    run.runs.map((measure) => {
      const figures = figuresOf(measure)
      return [
        measure.round === 0 ? "warm-up" : String(measure.round),
        String(measure.concurrency),
        measure.variant,
        rate(figures.updatesPerSecond),
        millis(figures.p50),
        millis(figures.p99),
        fixed(figures.sql, 2),
        fixed(figures.redisCommands, 2),
        fixed(figures.redisTrips, 2),
        fixed(figures.botCpu, 2),
        fixed(measure.load, 2),
        `${measure.logErrors}/${measure.logWarnings}`,
      ]
    }),
  )

  const env = run.environment
  const loads = env.loads.filter(Number.isFinite)
  const loadText =
    loads.length === 0
      ? "n/a"
      : `${fixed(Math.min(...loads), 2)}–${fixed(Math.max(...loads), 2)} (mean ${fixed(loads.reduce((a, b) => a + b, 0) / loads.length, 2)})`
  const busy = loads.length > 0 && Math.max(...loads) > env.cores
  const updatesPerRun = run.runs[0]?.updates ?? 0
  const apiErrors = run.runs.reduce((total, measure) => total + measure.botApiErrors, 0)
  const logTotals = (variant: VariantId) => {
    const runs = run.runs.filter((measure) => measure.variant === variant)
    return `${runs.reduce((t, m) => t + m.logErrors, 0)} error and ${runs.reduce((t, m) => t + m.logWarnings, 0)} warning line(s)`
  }

  const several = run.processes > 1
  const processesText = several
    ? `${run.processes} processes of each bot, each bot's behind a local proxy (${run.routing} routing)`
    : "one process of each bot"
  const latencyText =
    run.apiLatencyMs > 0 ? `; the Bot API answers after ${run.apiLatencyMs} ms` : ""
  const stdout = [
    `Pipeline benchmark: ${run.users} users × 6 updates, ${run.rounds} round(s), medians; ${processesText}${latencyText}; ${env.cores} cores, load ${loadText}; ${env.commit}`,
    "",
    throughput,
    "",
    "Per update (ours / peer):",
    costs,
    "",
    ...goalStdout,
    ...(run.profiled
      ? ["", "ConnectBot ran under --cpu-prof: its figures include the profiler's cost."]
      : []),
  ].join("\n")

  const markdown = `# Pipeline benchmark: the real bot against a plain grammY peer

Written by \`${run.command}\` (bench/pipeline.ts) on ${env.date}; measured ${env.commit}; the whole run took ${fixed(run.seconds, 0)} s.${run.profiled ? " **ConnectBot ran under `--cpu-prof`: its figures include the profiler's cost.**" : ""}

- Machine: ${env.cpu}, ${env.cores} cores, ${env.os}; Node ${env.node}; 1-minute load average ${loadText} during the run (sampled every 2 s)${busy ? " — busier than its cores: the tails mostly measure waiting for a CPU" : ""}
- Postgres ${env.postgres} and Redis ${env.redis}, private servers of the benchmark on 127.0.0.1 (Postgres with \`fsync=off\` as the tests start it, Redis without persistence); the bots, the fake Bot API and the load driver share the same cores
- ${
    run.apiLatencyMs > 0
      ? `The fake Bot API answers each call ${run.apiLatencyMs} ms after it arrives, as Telegram's own round trip from a bot's server takes: a call the bot waits for costs it that time, one it sends back in its webhook response does not`
      : "The fake Bot API answers at once (loopback): only CPU and the local round trips count, which is the peer's best case; `--api-latency MS` adds Telegram's round trip"
  }
- ${
    several
      ? `Each bot as ${run.processes} processes sharing its database and Redis, behind a local proxy in the benchmark's process (bench/pipeline/Proxy.ts) that ${run.routing === "sticky" ? "sends each update to the process picked by a stable hash of its sender's id" : "hands the updates to the processes in turn"}; bot CPU is the sum over its processes, and the proxy's CPU is in "driver + fake"`
      : "Each bot as one process, posted to directly"
  }
- Ours: \`src/main.ts\` as a child process, as \`npm start\` runs it (\`node --import tsx\` with the node flags of package.json's start script), \`BOT_MODE=webhook\`, \`DATABASE_URL\` and \`REDIS_URL\` of the private servers, \`ROUNDS_ENABLED=false\` and \`NOTIFICATIONS_ENABLED=false\` (the rounds' and notifications' schedules off; the outbox dispatcher runs). The peer: \`bench/peer/PlainBot.ts\` (\`node --import tsx\`, node's defaults), grammY \`webhookCallback\` on node:http, \`session()\` in Redis by \`@grammyjs/storage-redis\`, a \`pg\` Pool, one SELECT per update to recognise the user, one per interests screen, Save as BEGIN + one upsert + COMMIT
- Data: ${run.users} employees linked by \`telegram_id\`, each a simulated user (English), ${run.interests} interests, 30% of them on per user at the start; each bot has a database of its own with the same rows (the peer's without ConnectBot's cache-invalidation triggers)
- Flow of each user: \`/start\` → 🎯 Interests → toggle A → toggle B → toggle A → 💾 Save: 6 updates (${updatesPerRun.toLocaleString("en-US")} per run), each POSTed to \`/telegram\` only after the previous one's 200; "users in flight" = c users at a time. The driver checks every screen and that every press was answered once, and the database after every run (B flipped, A as it was)
- Runs: a warm-up run of each bot at c=${run.warmupConcurrency} (discarded), then ${run.rounds} round(s); in each, for each c, both bots one after the other, which one first alternating. Each run starts from the same state: the users' interests put back, their sessions deleted. Figures are medians over the rounds
- The bot not being measured is paused (SIGSTOP) during the other's run: the Redis counters, Redis CPU and the cores belong to the measured one
- Counted, not estimated: **SQL statements** — \`pg_stat_statements\` calls of the bot's own role in its own database during the run (${env.statementsTracking}: top-level statements; BEGIN and COMMIT count, statements inside triggers do not; ConnectBot's change-feed polls count, being its work). **Redis commands** — \`INFO commandstats\` between \`CONFIG RESETSTAT\` and the end of the run, less the benchmark's own INFO (measured with both bots paused); MULTI and EXEC count as commands. **Redis round trips** — \`total_reads_processed\` over the same window, less the benchmark's own: one per read of client requests by the server, so a pipeline or a MULTI…EXEC sent at once is one; with several users in flight, commands of different updates that reach the server together share a read too, so the goal is judged one user at a time (c=${Math.min(...run.concurrencies)}), where every read is one round trip of one update. **CPU** — the bot process's utime + stime from /proc/PID/stat; Postgres: the postmaster and all its processes; Redis: \`used_cpu_user + used_cpu_sys\`; "driver + fake": the benchmark's own process. **Bot API calls** — requests the bot made to the fake Bot API; a call a bot sends back in its webhook response (ConnectBot answers button presses that way), which the driver hands to the fake as Telegram would, is not a request. All divided by the updates of the run

## Throughput and latency (POST → 200; medians of ${run.rounds} round(s))

${throughput}

## Per update, ours / peer (medians)

${costs}

## Goals

${goalLines.join("\n")}

## Where the statements and Redis commands go (all measured runs, per update)

Ours, SQL:

${sqlBreakdown("ours")}

Ours, Redis: ${redisBreakdown("ours")}; by key namespace (seen through MONITOR in the warm-up run): ${redisByKey("ours")}

The peer, SQL:

${sqlBreakdown("peer")}

The peer, Redis: ${redisBreakdown("peer")}; by key namespace (warm-up run): ${redisByKey("peer")}

## Every run

${everyRun}

Bot logs during the runs: ours ${logTotals("ours")}, the peer ${logTotals("peer")}; Bot API calls answered with an error: ${apiErrors}.
`
  return { stdout, markdown }
}

/** Where the pipeline section of RESULTS.md starts; the cache benchmark's results come before. */
export const sectionMarker = "<!-- bench/pipeline.ts writes from here to the end of the file -->"

/**
 * Where the scale section (bench/scale.ts) starts: after the pipeline section, which ends there
 * when it is present (the pipeline benchmark keeps it as it is).
 */
export const scaleMarker =
  "<!-- bench/scale.ts writes from here to the end of the file; bench/pipeline.ts keeps it -->"

const cut = (current: string, marker: string) => {
  const at = current.indexOf(marker)
  return at === -1 ? undefined : at
}

/** RESULTS.md with the pipeline section replaced (or added after what is there). */
export const withSection = (current: string, section: string): string => {
  const scaleAt = cut(current, scaleMarker)
  const scale = scaleAt === undefined ? "" : current.slice(scaleAt).trimEnd()
  const rest = scaleAt === undefined ? current : current.slice(0, scaleAt)
  const at = cut(rest, sectionMarker)
  const before = (at === undefined ? rest : rest.slice(0, at)).trimEnd()
  return `${before === "" ? "" : `${before}\n\n`}${sectionMarker}\n\n${section.trimEnd()}\n${
    scale === "" ? "" : `\n${scale}\n`
  }`
}

/** The pipeline section of RESULTS.md as it is ("" when there is none). */
export const sectionOf = (current: string): string => {
  const at = cut(current, sectionMarker)
  if (at === undefined) return ""
  const end = cut(current, scaleMarker) ?? current.length
  return current.slice(at + sectionMarker.length, Math.max(end, at)).trim()
}

/** RESULTS.md with the scale section replaced (or added at the end). */
export const withScaleSection = (current: string, section: string): string => {
  const at = cut(current, scaleMarker)
  const before = (at === undefined ? current : current.slice(0, at)).trimEnd()
  return `${before === "" ? "" : `${before}\n\n`}${scaleMarker}\n\n${section.trimEnd()}\n`
}

/** The scale section of RESULTS.md as it is ("" when there is none). */
export const scaleSectionOf = (current: string): string => {
  const at = cut(current, scaleMarker)
  return at === undefined ? "" : current.slice(at + scaleMarker.length).trim()
}

/**
 * Prints a report, and writes its section into bench/RESULTS.md (`place` puts it where it goes)
 * unless the run was a quick one without --write.
 */
export const publish = (
  report: { readonly stdout: string; readonly markdown: string },
  write: boolean,
  place: (current: string, markdown: string) => string,
) =>
  Effect.gen(function* () {
    const resultsPath = fileURLToPath(new URL("../RESULTS.md", import.meta.url))
    yield* Console.log(`\n${report.stdout}`)
    if (!write) {
      return yield* Console.log(
        "\n(A quick run: bench/RESULTS.md left as it was; --write to write it.)",
      )
    }
    yield* Effect.promise(async () => {
      const current = await Fs.readFile(resultsPath, "utf8").catch(() => "")
      await Fs.writeFile(resultsPath, place(current, report.markdown))
    })
    yield* Console.log(`\nWritten to ${resultsPath}`)
  })
