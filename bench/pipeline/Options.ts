/**
 * The pipeline and scale benchmarks' command lines. Each option also reads an environment
 * variable (the option wins), so that `npm run bench`, which runs both benchmarks, can be given
 * settings.
 */
import { parseArgs } from "node:util"
import { Data, Effect } from "effect"
import { type Routing, routings } from "./Proxy"

export interface PipelineOptions {
  readonly users: number
  readonly rounds: number
  readonly concurrencies: ReadonlyArray<number>
  readonly seed: number
  readonly quick: boolean
  /** Hard limit for the whole run, cleanup included; past it everything is stopped, exit 1. */
  readonly deadlineSeconds: number
  /** Write RESULTS.md (not for a quick run unless asked). */
  readonly write: boolean
  /** Start ConnectBot under `node --cpu-prof --cpu-prof-dir=DIR`. */
  readonly cpuProfileDir: string | undefined
  /** Append the bots' log lines to FILE.ours.log and FILE.peer.log. */
  readonly botLog: string | undefined
  /**
   * bench:pipeline: processes of each bot (several: behind the proxy). bench:scale: the
   * processes of ConnectBot measured against one.
   */
  readonly processes: number
  /** How the proxy spreads updates over several processes. */
  readonly routing: Routing
  /** How long the fake Bot API takes to answer each call, in ms: Telegram's round trip. */
  readonly apiLatencyMs: number
}

export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

export const helpText = `npm run bench:pipeline -- [options]

The real bot (src/main.ts) in webhook mode and a plain grammY peer (bench/peer/PlainBot.ts), each
a child process, against one private Postgres (pg_stat_statements loaded) and one private
redis-server, a fake Telegram Bot API and a load driver that posts updates and waits for the 200.
Each simulated user: /start, Interests, toggle A, toggle B, toggle A, Save (6 updates, in order).
Interleaved rounds (ours/peer alternate), medians; writes the pipeline section of bench/RESULTS.md.

Options (environment variable in brackets):
  --users N            simulated users (default 300; --quick: 48) [BENCH_PIPELINE_USERS]
  --rounds R           measured rounds (default 3; --quick: 1) [BENCH_PIPELINE_ROUNDS]
  --concurrency LIST   users in flight, comma-separated (default 1,16,64) [BENCH_PIPELINE_CONCURRENCY]
  --seed S             seed of the users' interests (default 1) [BENCH_PIPELINE_SEED]
  --quick              a smoke run (~30-40 s); does not write RESULTS.md unless --write [BENCH_PIPELINE_QUICK=1]
  --write              write bench/RESULTS.md even with --quick
  --deadline SEC       stop everything and exit 1 after SEC s (default 1500; --quick: 240) [BENCH_PIPELINE_DEADLINE]
  --processes N        N processes of each bot, behind a local proxy that routes each update by
                       its sender (default 1: no proxy) [BENCH_PIPELINE_PROCESSES]
  --routing MODE       with N > 1: sticky (by sender, the default) or round-robin [BENCH_PIPELINE_ROUTING]
  --api-latency MS     the fake Bot API answers each call after MS ms, as the real one does from
                       a server some way from Telegram's (default 0: the loopback's own speed,
                       where only CPU counts) [BENCH_PIPELINE_API_LATENCY]
  -h, --help           this text

Environment only:
  BENCH_CPU_PROF=DIR   run ConnectBot under node --cpu-prof --cpu-prof-dir=DIR and print where
                       its CPU time went (the profile covers start-up, warm-up and every run)
  BENCH_BOT_LOG=FILE   append the bots' log lines to FILE.ours.log and FILE.peer.log
                       (with --processes N: FILE.ours.1.log … FILE.ours.N.log, and the peer's)

Needs redis-server on the PATH and the PostgreSQL server binaries (as npm run drill does). Talks to
127.0.0.1 only; removes everything it started when it ends, on Ctrl-C too.`

const positive = (name: string, raw: string | undefined, fallback: number) =>
  Effect.suspend(() => {
    if (raw === undefined || raw.trim() === "") return Effect.succeed(fallback)
    const value = Number(raw)
    return /^\d+$/.test(raw.trim()) && Number.isSafeInteger(value) && value > 0
      ? Effect.succeed(value)
      : Effect.fail(
          new UsageError({ message: `--${name} takes a positive whole number, not '${raw}'` }),
        )
  })

export const scaleHelpText = `npm run bench:scale -- [options]

Does ConnectBot's throughput scale with processes? The pipeline benchmark's load (each simulated
user: /start, Interests, toggle A, toggle B, toggle A, Save; every screen, every answer and the
database checked) on ConnectBot as 1 process and as N processes (default 2), each behind the same
local proxy, sharing one private Postgres and one private redis-server. The proxy routes each
update by a stable hash of its sender's id, so one user's updates always reach the same process.
Interleaved rounds (1 and N alternate), medians; writes the scale section of bench/RESULTS.md.

Options (environment variable in brackets):
  --processes N        the processes measured against one (default 2) [BENCH_SCALE_PROCESSES]
  --routing MODE       sticky (by sender, the default) or round-robin [BENCH_PIPELINE_ROUTING]
  --api-latency MS     the fake Bot API answers each call after MS ms (default 0) [BENCH_PIPELINE_API_LATENCY]
  --users N            simulated users (default 300; --quick: 48) [BENCH_PIPELINE_USERS]
  --rounds R           measured rounds (default 3; --quick: 1) [BENCH_PIPELINE_ROUNDS]
  --concurrency LIST   users in flight, comma-separated (default 1,16,64) [BENCH_PIPELINE_CONCURRENCY]
  --seed S             seed of the users' interests (default 1) [BENCH_PIPELINE_SEED]
  --quick              a smoke run (~40 s); does not write RESULTS.md unless --write [BENCH_PIPELINE_QUICK=1]
  --write              write bench/RESULTS.md even with --quick
  --deadline SEC       stop everything and exit 1 after SEC s (default 1500; --quick: 240) [BENCH_PIPELINE_DEADLINE]
  -h, --help           this text

Environment only: BENCH_BOT_LOG=FILE appends the processes' log lines to FILE.ours.1.log, …

Needs redis-server on the PATH and the PostgreSQL server binaries. Talks to 127.0.0.1 only;
removes everything it started when it ends, on Ctrl-C too.`

export const parseOptions = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  benchmark: "pipeline" | "scale" = "pipeline",
): Effect.Effect<PipelineOptions | "help", UsageError> =>
  Effect.gen(function* () {
    const { values } = yield* Effect.try({
      try: () =>
        parseArgs({
          args: [...argv],
          strict: true,
          allowPositionals: false,
          options: {
            users: { type: "string" },
            rounds: { type: "string" },
            concurrency: { type: "string" },
            seed: { type: "string" },
            quick: { type: "boolean" },
            write: { type: "boolean" },
            deadline: { type: "string" },
            processes: { type: "string" },
            routing: { type: "string" },
            "api-latency": { type: "string" },
            help: { type: "boolean", short: "h" },
          },
        }),
      catch: (error) =>
        new UsageError({ message: error instanceof Error ? error.message : String(error) }),
    })
    if (values.help === true) return "help" as const
    const quick = values.quick ?? ["1", "true", "yes"].includes(env.BENCH_PIPELINE_QUICK ?? "")
    const users = yield* positive(
      "users",
      values.users ?? env.BENCH_PIPELINE_USERS,
      quick ? 48 : 300,
    )
    const rounds = yield* positive(
      "rounds",
      values.rounds ?? env.BENCH_PIPELINE_ROUNDS,
      quick ? 1 : 3,
    )
    const seed = yield* positive("seed", values.seed ?? env.BENCH_PIPELINE_SEED, 1)
    const deadlineSeconds = yield* positive(
      "deadline",
      values.deadline ?? env.BENCH_PIPELINE_DEADLINE,
      quick ? 240 : 1500,
    )
    const rawList = values.concurrency ?? env.BENCH_PIPELINE_CONCURRENCY ?? "1,16,64"
    const concurrencies: Array<number> = []
    for (const part of rawList.split(",")) {
      const value = yield* positive("concurrency", part.trim(), 1)
      if (!concurrencies.includes(value)) concurrencies.push(value)
    }
    const processes = yield* positive(
      "processes",
      values.processes ??
        (benchmark === "scale" ? env.BENCH_SCALE_PROCESSES : env.BENCH_PIPELINE_PROCESSES),
      benchmark === "scale" ? 2 : 1,
    )
    if (benchmark === "scale" && processes < 2) {
      return yield* new UsageError({
        message: `--processes of bench:scale is what one process is compared with: 2 or more, not ${processes}`,
      })
    }
    const rawRouting = (values.routing ?? env.BENCH_PIPELINE_ROUTING ?? "sticky").trim()
    const routing = routings.find((mode) => mode === rawRouting)
    if (routing === undefined) {
      return yield* new UsageError({
        message: `--routing takes ${routings.join(" or ")}, not '${rawRouting}'`,
      })
    }
    const rawLatency = (values["api-latency"] ?? env.BENCH_PIPELINE_API_LATENCY ?? "0").trim()
    const apiLatencyMs = Number(rawLatency)
    if (!/^\d+$/.test(rawLatency) || !Number.isSafeInteger(apiLatencyMs) || apiLatencyMs > 10_000) {
      return yield* new UsageError({
        message: `--api-latency takes a whole number of milliseconds from 0 to 10000, not '${rawLatency}'`,
      })
    }
    const cpuProfileDir = env.BENCH_CPU_PROF?.trim()
    const botLog = env.BENCH_BOT_LOG?.trim()
    const options: PipelineOptions = {
      users,
      rounds,
      concurrencies,
      seed,
      quick,
      deadlineSeconds,
      write: values.write === true || !quick,
      cpuProfileDir: cpuProfileDir === "" ? undefined : cpuProfileDir,
      botLog: botLog === "" ? undefined : botLog,
      processes,
      routing,
      apiLatencyMs,
    }
    return options
  })
