/** `tsx scripts/rounds.ts simulate --employees N --rounds R [--seed S] [--json]`: ours against the old shuffle. */
import { Console, Effect } from "effect"
import { formatReport, simulate } from "../../rounds/Simulate"

export const simulateCommand = (options: {
  readonly employees: number
  readonly rounds: number
  readonly seed: number
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    if (options.employees < 2 || options.rounds < 1) {
      return yield* Effect.fail(
        new Error("simulate needs --employees 2 or more and --rounds 1 or more"),
      )
    }
    const report = yield* Effect.sync(() =>
      simulate({ employees: options.employees, rounds: options.rounds, seed: options.seed }),
    )
    yield* Console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report))
  })
