/**
 * The pairing of the system we replace, kept only to compare with ./Matching.ts (the simulator):
 * it shuffled the list and paired neighbours within a department, crossed departments only for
 * the people that left over, and left one person out on an odd count. It knew nothing of past
 * pairs (repeats happen) nor of priority. Offices are respected in `same_office` mode, so that
 * the comparison is of the pairing, not of the grouping.
 */
import {
  type Candidate,
  countRepeats,
  hashInts,
  lastMetOf,
  type MatchInput,
  type Placement,
  seededRandom,
  seededShuffle,
} from "./Matching"

const pairNeighbours = (people: ReadonlyArray<Candidate>) => {
  const pairs: Array<ReadonlyArray<number>> = []
  for (let i = 0; i + 1 < people.length; i += 2) {
    pairs.push([(people[i] as Candidate).id, (people[i + 1] as Candidate).id])
  }
  return { pairs, leftOver: people.length % 2 === 1 ? people[people.length - 1] : undefined }
}

const shuffleGroup = (people: ReadonlyArray<Candidate>, random: () => number) => {
  const byDepartment = new Map<number | null, Array<Candidate>>()
  for (const person of seededShuffle(people, random)) {
    const department = byDepartment.get(person.departmentId) ?? []
    department.push(person)
    byDepartment.set(person.departmentId, department)
  }
  const groups: Array<ReadonlyArray<number>> = []
  const fallback: Array<Candidate> = []
  for (const department of byDepartment.values()) {
    const { pairs, leftOver } = pairNeighbours(department)
    groups.push(...pairs)
    if (leftOver !== undefined) fallback.push(leftOver)
  }
  const { pairs, leftOver } = pairNeighbours(fallback)
  groups.push(...pairs)
  return { groups, leftOut: leftOver?.id }
}

/** The old system's placement of a round (history and priority are ignored, as it did). */
export const shufflePlace = (input: MatchInput): Placement => {
  const offices = new Map<number | null, Array<Candidate>>()
  for (const candidate of input.candidates) {
    const office = input.mode === "same_office" ? candidate.businessCenterId : null
    const members = offices.get(office) ?? []
    members.push(candidate)
    offices.set(office, members)
  }
  const groups: Array<ReadonlyArray<number>> = []
  const alone: Array<number> = []
  for (const [office, members] of offices) {
    const placed = shuffleGroup(members, seededRandom(hashInts(input.seed, office ?? -1)))
    groups.push(...placed.groups)
    if (placed.leftOut !== undefined) alone.push(placed.leftOut)
  }
  return {
    groups,
    alone,
    repeats: countRepeats(groups, lastMetOf(input.history), input.noRepeat),
  }
}
