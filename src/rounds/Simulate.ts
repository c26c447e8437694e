/**
 * A simulator that runs rounds over a synthetic company with our placement (./Matching.ts) and
 * with the shuffle of the system we replace (./Shuffle.ts), and reports how each does. Pure and
 * seeded, except for the timings; the report is plain, JSON-serialisable data.
 */
import {
  type Candidate,
  hashInts,
  isRepeat,
  lastMetOf,
  type MatchInput,
  type MatchingMode,
  type PastPair,
  type Placement,
  place,
  seededRandom,
  seededShuffle,
} from "./Matching"
import { shufflePlace } from "./Shuffle"

export interface SimulationOptions {
  readonly employees: number
  readonly rounds: number
  readonly seed: number
  /** ROUND_NO_REPEAT; 6 by default. */
  readonly noRepeat?: number
}

export type AlgorithmName = "blossom" | "shuffle"

/** One algorithm on one interest, over all rounds. */
export interface InterestStats {
  readonly interest: "coffee" | "lunch"
  readonly mode: MatchingMode
  /** Joiners summed over rounds. */
  readonly joiners: number
  readonly placed: number
  /** placed / joiners; the goal is 1. */
  readonly placedShare: number
  /** Joiners left alone, summed over rounds. */
  readonly alone: number
  readonly roundsWithSomeoneAlone: number
  /** People who met, summed over rounds: one per pair, three per trio. */
  readonly pairs: number
  readonly trios: number
  /** Pairs who had met within `noRepeat` rounds; the goal is 0. */
  readonly repeats: number
  /** Share of `pairs` across departments. */
  readonly crossDepartmentShare: number
  /** The round with the most joiners and the time its placement took. */
  readonly largestRound: { readonly joiners: number; readonly ms: number }
}

export interface AlgorithmStats {
  readonly algorithm: AlgorithmName
  readonly interests: ReadonlyArray<InterestStats>
  /** One placement of 2,000 joiners in one group (`anywhere`), with 6 rounds of history. */
  readonly timeFor2000Ms: number
}

export interface SimulationReport {
  readonly employees: number
  readonly rounds: number
  readonly seed: number
  readonly noRepeat: number
  readonly departments: number
  readonly offices: number
  /** The share of employees who join each round of each interest. */
  readonly optIn: number
  readonly algorithms: ReadonlyArray<AlgorithmStats>
}

/** Uneven on purpose: a large department has fewer partners outside it. */
const DEPARTMENT_WEIGHTS = [30, 20, 15, 12, 10, 8, 5]
const OFFICE_WEIGHTS = [45, 30, 15, 10]
const OPT_IN = 0.6
const DEFAULT_NO_REPEAT = 6

const interests = [
  { interest: "coffee", mode: "anywhere" },
  { interest: "lunch", mode: "same_office" },
] as const

const algorithms: ReadonlyArray<{
  readonly algorithm: AlgorithmName
  readonly place: (input: MatchInput) => Placement
}> = [
  { algorithm: "blossom", place },
  { algorithm: "shuffle", place: shufflePlace },
]

const pickWeighted = (weights: ReadonlyArray<number>, random: () => number): number => {
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  let at = random() * total
  for (const [index, weight] of weights.entries()) {
    at -= weight
    if (at < 0) return index
  }
  return weights.length - 1
}

/** Employees 1..n, in 7 departments and 4 offices of uneven sizes. */
export const syntheticCompany = (employees: number, seed: number): ReadonlyArray<Candidate> => {
  const random = seededRandom(hashInts(seed, 0xc0ffee))
  return Array.from({ length: employees }, (_, index) => ({
    id: index + 1,
    departmentId: 1 + pickWeighted(DEPARTMENT_WEIGHTS, random),
    businessCenterId: 1 + pickWeighted(OFFICE_WEIGHTS, random),
    priority: false,
  }))
}

const timed = <A>(run: () => A): { readonly result: A; readonly ms: number } => {
  const start = performance.now()
  const result = run()
  return { result, ms: performance.now() - start }
}

const runInterest = (
  company: ReadonlyArray<Candidate>,
  options: Required<SimulationOptions>,
  placeRound: (input: MatchInput) => Placement,
  interestIndex: number,
): Omit<InterestStats, "interest" | "mode"> & { readonly mode: MatchingMode } => {
  const { mode } = interests[interestIndex] as (typeof interests)[number]
  const departmentOf = new Map(company.map((employee) => [employee.id, employee.departmentId]))
  const met: Array<{ readonly a: number; readonly b: number; readonly round: number }> = []
  let leftAlone = new Set<number>()
  let joiners = 0
  let alone = 0
  let roundsWithSomeoneAlone = 0
  let pairs = 0
  let trios = 0
  let repeats = 0
  let crossDepartment = 0
  let largestRound = { joiners: 0, ms: 0 }
  for (let round = 1; round <= options.rounds; round++) {
    // The same joiners for every algorithm: the choice depends on the seed, round and interest only.
    const optIn = seededRandom(hashInts(options.seed, round, interestIndex))
    const candidates = company
      .filter(() => optIn() < OPT_IN)
      .map((employee) => ({ ...employee, priority: leftAlone.has(employee.id) }))
    const history: Array<PastPair> = met.map(({ a, b, round: metIn }) => ({
      a,
      b,
      roundsAgo: round - metIn,
    }))
    const lastMet = lastMetOf(history)
    const { result: placement, ms } = timed(() =>
      placeRound({
        candidates,
        mode,
        history,
        noRepeat: options.noRepeat,
        seed: hashInts(options.seed, round, interestIndex, 1),
      }),
    )
    if (candidates.length > largestRound.joiners) largestRound = { joiners: candidates.length, ms }
    joiners += candidates.length
    alone += candidates.length - placement.groups.reduce((sum, group) => sum + group.length, 0)
    if (placement.alone.length > 0) roundsWithSomeoneAlone++
    leftAlone = new Set(placement.alone)
    for (const group of placement.groups) {
      if (group.length === 3) trios++
      for (let x = 0; x < group.length; x++) {
        for (let y = x + 1; y < group.length; y++) {
          const a = group[x] as number
          const b = group[y] as number
          pairs++
          if (isRepeat(lastMet.get(a)?.get(b), options.noRepeat)) repeats++
          if (departmentOf.get(a) !== departmentOf.get(b)) crossDepartment++
          met.push({ a, b, round })
        }
      }
    }
  }
  return {
    mode,
    joiners,
    placed: joiners - alone,
    placedShare: joiners === 0 ? 1 : (joiners - alone) / joiners,
    alone,
    roundsWithSomeoneAlone,
    pairs,
    trios,
    repeats,
    crossDepartmentShare: pairs === 0 ? 0 : crossDepartment / pairs,
    largestRound,
  }
}

/** 2,000 joiners of one group, 5% with priority, after 6 rounds in which they were paired at random. */
const twoThousandJoiners = (seed: number): MatchInput => {
  const random = seededRandom(hashInts(seed, 2000))
  const candidates = syntheticCompany(2000, seed).map((employee) => ({
    ...employee,
    priority: random() < 0.05,
  }))
  const history: Array<PastPair> = []
  for (let roundsAgo = 1; roundsAgo <= DEFAULT_NO_REPEAT; roundsAgo++) {
    const order = seededShuffle(candidates, random)
    for (let i = 0; i + 1 < order.length; i += 2) {
      history.push({ a: (order[i] as Candidate).id, b: (order[i + 1] as Candidate).id, roundsAgo })
    }
  }
  return { candidates, mode: "anywhere", history, noRepeat: DEFAULT_NO_REPEAT, seed }
}

export const simulate = (options: SimulationOptions): SimulationReport => {
  const settings = { ...options, noRepeat: options.noRepeat ?? DEFAULT_NO_REPEAT }
  const company = syntheticCompany(settings.employees, settings.seed)
  const timingInput = twoThousandJoiners(settings.seed)
  return {
    employees: settings.employees,
    rounds: settings.rounds,
    seed: settings.seed,
    noRepeat: settings.noRepeat,
    departments: DEPARTMENT_WEIGHTS.length,
    offices: OFFICE_WEIGHTS.length,
    optIn: OPT_IN,
    algorithms: algorithms.map(({ algorithm, place: placeRound }) => ({
      algorithm,
      interests: interests.map(({ interest }, index) => ({
        interest,
        ...runInterest(company, settings, placeRound, index),
      })),
      timeFor2000Ms: timed(() => placeRound(timingInput)).ms,
    })),
  }
}

const percent = (share: number) => `${(share * 100).toFixed(2)}%`

/** The report as a plain text table, one row per algorithm and interest. */
export const formatReport = (report: SimulationReport): string => {
  const header = [
    "algorithm",
    "interest",
    "joiners",
    "placed",
    "alone",
    "repeats",
    "pairs",
    "cross-dept",
    "trios",
    "largest round",
  ]
  const rows = report.algorithms.flatMap(({ algorithm, interests: stats }) =>
    stats.map((s) => [
      algorithm,
      `${s.interest} (${s.mode})`,
      String(s.joiners),
      percent(s.placedShare),
      String(s.alone),
      String(s.repeats),
      String(s.pairs),
      percent(s.crossDepartmentShare),
      String(s.trios),
      `${s.largestRound.joiners} in ${s.largestRound.ms.toFixed(0)} ms`,
    ]),
  )
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join("  ")
      .trimEnd()
  return [
    `${report.employees} employees in ${report.departments} departments and ${report.offices} offices, ` +
      `${report.rounds} rounds, ${percent(report.optIn)} join each round, ` +
      `no repeat within ${report.noRepeat} rounds, seed ${report.seed}`,
    "",
    line(header),
    ...rows.map(line),
    "",
    `2,000 joiners in one group: ${report.algorithms
      .map(({ algorithm, timeFor2000Ms }) => `${algorithm} ${timeFor2000Ms.toFixed(0)} ms`)
      .join(", ")}`,
  ].join("\n")
}
