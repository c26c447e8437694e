/** `tsx scripts/rounds.ts run --interest CODE [--step STEP]`: runs the due (or named) step now; idempotent. */
import { Console, Effect, type Option } from "effect"
import type { Step } from "../../rounds/Cycle"
import { Rounds } from "../../rounds/Rounds"
import type { StepRun } from "../../rounds/Steps"

/** What a run of a step did, in one sentence (the script's output, the playground's panel). */
export const describeRun = (interest: string, result: StepRun): string => {
  const what = `${result.step} of the ${interest} round of ${result.startsOn}`
  switch (result.outcome) {
    case "done":
      return `Done: ${what}; ${result.messages} message(s) queued${
        result.placed === undefined
          ? ""
          : `; ${result.placed} placed in ${result.groups} group(s), ${result.alone} alone, ${result.repeats} repeat pair(s)`
      }.`
    case "done-before":
      return `Nothing to do: ${what} was done already.`
    case "busy":
      return `Another process is running ${what} right now; try again in a moment.`
    case "not-yet":
      return `Not yet: an earlier step of the ${interest} round of ${result.startsOn} has not run; run it first (or run without --step).`
    case "cancelled":
      return `The ${interest} round of ${result.startsOn} was called off.`
  }
}

export const run = (options: { readonly interest: string; readonly step: Option.Option<Step> }) =>
  Effect.gen(function* () {
    const rounds = yield* Rounds
    const result = yield* rounds.runNow(options.interest, options.step)
    return yield* Console.log(describeRun(options.interest, result))
  })
