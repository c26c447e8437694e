/** `tsx scripts/rounds.ts run --interest CODE [--step STEP]`: runs the due (or named) step now; idempotent. */
import { Console, Effect, type Option } from "effect"
import type { Step } from "../../rounds/Cycle"
import { Rounds } from "../../rounds/Rounds"

export const run = (options: { readonly interest: string; readonly step: Option.Option<Step> }) =>
  Effect.gen(function* () {
    const rounds = yield* Rounds
    const result = yield* rounds.runNow(options.interest, options.step)
    const what = `${result.step} of the ${options.interest} round of ${result.startsOn}`
    switch (result.outcome) {
      case "done":
        return yield* Console.log(
          `Done: ${what}; ${result.messages} message(s) queued${
            result.placed === undefined
              ? ""
              : `; ${result.placed} placed in ${result.groups} group(s), ${result.alone} alone, ${result.repeats} repeat pair(s)`
          }.`,
        )
      case "done-before":
        return yield* Console.log(`Nothing to do: ${what} was done already.`)
      case "busy":
        return yield* Console.log(
          `Another process is running ${what} right now; try again in a moment.`,
        )
      case "not-yet":
        return yield* Console.log(
          `Not yet: an earlier step of the ${options.interest} round of ${result.startsOn} has not run; run it first (or run without --step).`,
        )
      case "cancelled":
        return yield* Console.log(
          `The ${options.interest} round of ${result.startsOn} was called off.`,
        )
    }
  })
