/** `tsx scripts/rounds.ts status [--json]`: per matching interest, the current round, its step and counts. */
import { Console, Effect, Option } from "effect"
import type { InterestStatus } from "../../rounds/RoundStats"
import { Rounds } from "../../rounds/Rounds"
import { formatFigures } from "./Stats"

export const statusJson = (status: ReadonlyArray<InterestStatus>) =>
  status.map((entry) => ({
    interest: entry.interest,
    matching: entry.matching,
    frequency: entry.frequency,
    round: Option.getOrNull(entry.round),
    next: Option.match(entry.next, {
      onNone: () => null,
      onSome: (next) => ({ step: next.step, at: next.at.toISOString(), startsOn: next.startsOn }),
    }),
  }))

export const status = (options: { readonly json: boolean }) =>
  Effect.gen(function* () {
    const rounds = yield* Rounds
    const report = yield* rounds.status
    if (options.json) return yield* Console.log(JSON.stringify(statusJson(report), null, 2))
    if (report.length === 0) {
      return yield* Console.log("No interest pairs people (interests.matching is none everywhere).")
    }
    for (const entry of report) {
      yield* Console.log(`${entry.interest} (${entry.matching}, ${entry.frequency})`)
      yield* Option.match(entry.round, {
        onNone: () => Console.log("  no round yet"),
        onSome: (figures) =>
          Console.log(`  round ${figures.startsOn}: ${figures.status}; ${formatFigures(figures)}`),
      })
      yield* Option.match(entry.next, {
        onNone: () => Console.log("  next: nothing (the round is over)"),
        onSome: (next) =>
          Console.log(
            `  next: ${next.step} of the round of ${next.startsOn} at ${next.at.toISOString()}`,
          ),
      })
    }
  })
