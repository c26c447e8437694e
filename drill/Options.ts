/**
 * The drill's command line: how big a run, how repeatable, how it reports, and how long it may
 * take at most. `--quick` is a smoke run of the same phases with fewer users and shorter outages.
 */
import { parseArgs } from "node:util"
import { Data, Effect } from "effect"

export interface DrillOptions {
  readonly users: number
  readonly seed: number
  readonly quick: boolean
  readonly json: boolean
  /** Hard limit for the whole run, cleanup included; past it everything is stopped, exit 1. */
  readonly deadlineSeconds: number
  /** Updates each simulated user sends (the load, not counting scenarios and hostile input). */
  readonly updatesPerUser: number
  /** Times Redis is killed with SIGKILL and started again, empty. */
  readonly redisKills: number
  /** How long Postgres stays stopped. */
  readonly postgresDownSeconds: number
  /** How long Redis stays dead each time. */
  readonly redisDownSeconds: number
  /** Runs of the out-of-order-commit deactivation. */
  readonly outOfOrderRuns: number
  /** Users left idle with an unsaved change across each Redis restart. */
  readonly idleUsersPerRestart: number
  /** Users in each stale-screen probe. */
  readonly probeUsers: number
  /** A user's pause between two actions, at least and at most (people read the screen). */
  readonly thinkMillis: readonly [number, number]
}

export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

export const helpText = `npm run drill -- [options]

A bounded fault drill on loopback: a private Postgres and a private redis-server (started and
removed by the drill, never the machine's own on 5432/6379), the real bot (src/main.ts) in webhook
mode against a local Telegram Bot API server, simulated users, and faults: Redis killed (kill -9)
and restarted, Postgres stopped, an out-of-order-commit deactivation, idle sessions across a Redis
restart, redelivered updates and hostile webhook bodies. Measured from the database and the chat
state the fake Telegram holds, not from the bot's logs.

Options:
  --users N       simulated users (default 200; --quick: 20)
  --seed S        seed of the users' choices and the data (default 1)
  --quick         a small run (~30-60 s) of every phase: 1 Redis kill, Postgres down 2 s
  --json          print the report as one JSON object on stdout (progress stays on stderr)
  --deadline SEC  stop everything and exit 1 after SEC seconds (default 600; --quick: 180)
  -h, --help      this text

Exit code: 0 when every measure holds; 1 when any of acknowledged saves lost, stale screens after
recovery, capacity violations, crashes, sessions lost, double-applied redeliveries, 5xx answers,
unanswered updates, a deactivation not refused within 2 s of its COMMIT, or the deadline is hit;
2 for a bad option.`

const positiveInt = (name: string, raw: string | undefined, fallback: number) =>
  Effect.suspend(() => {
    if (raw === undefined) return Effect.succeed(fallback)
    const value = Number(raw)
    return /^\d+$/.test(raw.trim()) && Number.isSafeInteger(value) && value > 0
      ? Effect.succeed(value)
      : Effect.fail(
          new UsageError({ message: `--${name} takes a positive whole number, not '${raw}'` }),
        )
  })

/** The options, or `"help"` when asked for the help text. */
export const parseOptions = (
  argv: ReadonlyArray<string>,
): Effect.Effect<DrillOptions | "help", UsageError> =>
  Effect.gen(function* () {
    const parsed = yield* Effect.try({
      try: () =>
        parseArgs({
          args: [...argv],
          strict: true,
          allowPositionals: false,
          options: {
            users: { type: "string" },
            seed: { type: "string" },
            quick: { type: "boolean", default: false },
            json: { type: "boolean", default: false },
            deadline: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
          },
        }),
      catch: (error) =>
        new UsageError({ message: error instanceof Error ? error.message : String(error) }),
    })
    const { values } = parsed
    if (values.help === true) return "help" as const
    const quick = values.quick === true
    const users = yield* positiveInt("users", values.users, quick ? 20 : 200)
    const rawSeed = values.seed
    const seed =
      rawSeed === undefined
        ? 1
        : /^-?\d+$/.test(rawSeed.trim())
          ? Number(rawSeed)
          : yield* new UsageError({ message: `--seed takes a whole number, not '${rawSeed}'` })
    const deadlineSeconds = yield* positiveInt("deadline", values.deadline, quick ? 180 : 600)
    if (users < 4) {
      return yield* new UsageError({ message: "--users must be at least 4" })
    }
    const options: DrillOptions = {
      users,
      seed,
      quick,
      json: values.json === true,
      deadlineSeconds,
      updatesPerUser: quick ? 15 : 50,
      redisKills: quick ? 1 : 3,
      postgresDownSeconds: quick ? 2 : 5,
      redisDownSeconds: quick ? 1 : 2,
      outOfOrderRuns: quick ? 1 : 2,
      idleUsersPerRestart: quick ? 2 : 3,
      probeUsers: Math.min(users, quick ? 10 : 40),
      thinkMillis: quick ? [100, 700] : [1000, 4000],
    }
    return options
  })
