/**
 * Pairing rounds: `tsx scripts/rounds.ts status | preview | run | stats | simulate` (docs/rounds.md).
 * They work on the database of DATABASE_URL (or the embedded one) with the round settings the bot
 * uses; `run` puts messages into the outbox, which the running bot sends. `simulate` needs nothing.
 */
import { Command, Options } from "@effect/cli"
import { steps } from "../../rounds/Cycle"
import { commandLine } from "../CommandLine"
import { withRounds } from "./Live"
import * as Preview from "./Preview"
import * as Run from "./Run"
import * as Simulate from "./Simulate"
import * as Stats from "./Stats"
import * as Status from "./Status"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON for machines."))
const interest = Options.text("interest").pipe(
  Options.withDescription("The code of a matching interest: coffee, lunch, walk, …"),
)

const status = Command.make("status", { json }, ({ json }) =>
  withRounds(Status.status({ json })),
).pipe(
  Command.withDescription(
    "Per matching interest: the current round, its step, its counts, and the next step with its time.",
  ),
)

const preview = Command.make(
  "preview",
  {
    interest,
    seed: Options.integer("seed").pipe(
      Options.optional,
      Options.withDescription("Place with this seed instead of the round's own."),
    ),
    json,
  },
  ({ interest, seed, json }) => withRounds(Preview.preview({ interest, seed, json })),
).pipe(
  Command.withDescription(
    "The placement the next match step would make now for the interest's open round, changing nothing.",
  ),
)

const run = Command.make(
  "run",
  {
    interest,
    step: Options.choice("step", steps).pipe(
      Options.optional,
      Options.withDescription("The step to run; without it, the one that comes next."),
    ),
  },
  ({ interest, step }) => withRounds(Run.run({ interest, step })),
).pipe(
  Command.withDescription(
    "Run the next (or the named) step of the interest's current round now. Idempotent: a step done already is not done again.",
  ),
)

const stats = Command.make(
  "stats",
  {
    interest: interest.pipe(Options.optional),
    json,
  },
  ({ interest, json }) => withRounds(Stats.stats({ interest, json })),
).pipe(
  Command.withDescription(
    "Per round: invited, joined, placed, trios, repeats, cross-department share, met, average rating.",
  ),
)

const simulate = Command.make(
  "simulate",
  {
    employees: Options.integer("employees").pipe(
      Options.withDefault(2000),
      Options.withDescription("How many employees the synthetic company has."),
    ),
    rounds: Options.integer("rounds").pipe(
      Options.withDefault(20),
      Options.withDescription("How many rounds to run."),
    ),
    seed: Options.integer("seed").pipe(
      Options.withDefault(1),
      Options.withDescription("The seed of the synthetic company and its answers."),
    ),
    json,
  },
  (options) => Simulate.simulateCommand(options),
).pipe(
  Command.withDescription(
    "A synthetic company in memory (7 departments, 4 offices, 60% opt-in): our matching against the old shuffle. No database.",
  ),
)

const rounds = Command.make("rounds").pipe(
  Command.withDescription("ConnectBot pairing rounds (Secret coffee, blind lunch, blind walk)."),
  Command.withSubcommands([status, preview, run, stats, simulate]),
)

/**
 * The command line, parsed from `argv` as Node gives it (the first two are the runtime and the
 * script). Kept apart from the script so that tests run the very same parsing and help in-process.
 */
export const cli = commandLine(rounds, { name: "tsx scripts/rounds.ts", version: "0.1.0" })
