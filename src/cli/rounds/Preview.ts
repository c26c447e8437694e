/** `tsx scripts/rounds.ts preview --interest CODE [--seed N] [--json]`: the placement the match step would make now. */
import { Console, Effect, Option } from "effect"
import { Rounds } from "../../rounds/Rounds"

export const preview = (options: {
  readonly interest: string
  readonly seed: Option.Option<number>
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    const rounds = yield* Rounds
    const found = yield* rounds.preview(options.interest, options.seed)
    if (Option.isNone(found)) {
      return yield* Console.log(
        options.json
          ? JSON.stringify({ interest: options.interest, round: null, groups: [], alone: [] })
          : `No round of ${options.interest} is taking answers now: nothing to place.`,
      )
    }
    const { round, joiners, placement } = found.value
    const byId = new Map(joiners.map((person) => [person.id as number, person]))
    const describe = (id: number) => {
      const person = byId.get(id)
      return person === undefined
        ? { id, fullName: "?", department: null, office: null }
        : { id, fullName: person.fullName, department: person.department, office: person.office }
    }
    const groups = placement.groups.map((group) => group.map(describe))
    const alone = placement.alone.map(describe)
    if (options.json) {
      return yield* Console.log(
        JSON.stringify(
          {
            interest: options.interest,
            round: round.startsOn,
            joined: joiners.length,
            repeats: placement.repeats,
            groups,
            alone,
          },
          null,
          2,
        ),
      )
    }
    yield* Console.log(
      `${options.interest}, round of ${round.startsOn}: ${joiners.length} joined, ${groups.length} groups, ${alone.length} alone, ${placement.repeats} repeats`,
    )
    const line = (person: ReturnType<typeof describe>) =>
      `${person.fullName} (${[person.department, person.office].filter((part) => part !== null).join(", ")})`
    for (const group of groups) yield* Console.log(`  ${group.map(line).join(" + ")}`)
    for (const person of alone) yield* Console.log(`  alone: ${line(person)}`)
  })
