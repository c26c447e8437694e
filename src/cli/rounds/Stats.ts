/** `tsx scripts/rounds.ts stats [--interest CODE] [--json]`: per round, who was invited, placed, met. */
import { Console, Effect, Option } from "effect"
import type { RoundFigures } from "../../rounds/RoundStats"
import { Rounds } from "../../rounds/Rounds"

const percent = (share: number | null) => (share === null ? "—" : `${Math.round(share * 100)}%`)

export const formatFigures = (f: RoundFigures): string =>
  [
    `invited ${f.invited}`,
    `joined ${f.joined}`,
    `placed ${f.placed}`,
    `trios ${f.trios}`,
    `alone ${f.alone}`,
    `repeats ${f.repeats}`,
    `cross-department ${percent(f.crossDepartment)}`,
    `met ${f.met}`,
    `rating ${f.averageRating === null ? "—" : f.averageRating.toFixed(1)}`,
  ].join(", ")

export const stats = (options: {
  readonly interest: Option.Option<string>
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    const rounds = yield* Rounds
    const interests = Option.isSome(options.interest)
      ? [yield* rounds.interestByCode(options.interest.value)]
      : yield* rounds.repo.matchingInterests
    const figures = yield* rounds.stats(interests)
    if (options.json) return yield* Console.log(JSON.stringify(figures, null, 2))
    if (figures.length === 0) return yield* Console.log("No rounds yet.")
    for (const f of figures) {
      yield* Console.log(`${f.interest} ${f.startsOn} (${f.status}): ${formatFigures(f)}`)
    }
  })
