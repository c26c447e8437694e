/** `tsx scripts/rounds.ts run --interest CODE [--step STEP]`: runs the due (or named) step now; idempotent. */
import { Console, Effect, type Option } from "effect"
import type { Step } from "../../rounds/Cycle"
import { Rounds } from "../../rounds/Rounds"
import { describeStepRun } from "../../rounds/RunSentence"
import type { StepRun } from "../../rounds/Steps"

/** What a run of a step did, in one sentence (the script's output, the playground's panel). */
export const describeRun = (interest: string, result: StepRun): string =>
  describeStepRun(result, interest, result.step, " (or run without --step)")

export const run = (options: { readonly interest: string; readonly step: Option.Option<Step> }) =>
  Effect.gen(function* () {
    const rounds = yield* Rounds
    const result = yield* rounds.runNow(options.interest, options.step)
    return yield* Console.log(describeRun(options.interest, result))
  })
