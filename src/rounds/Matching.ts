/**
 * Who meets whom in a round of a matching interest ("secret coffee", "blind lunch", "blind
 * walk"): a maximum-weight, maximum-cardinality matching (Edmonds' blossom algorithm) over the
 * round's joiners, instead of the shuffle of the system we replace (./Shuffle.ts).
 *
 * What a placement optimises, most important first:
 *   1. everyone is placed: pairs, and one trio where a group's count is odd;
 *   2. nobody meets someone they met within the last `noRepeat` rounds, whenever the pairs can
 *      avoid it (for the trio, see `place`);
 *   3. a priority person (left out or declined on last time) is not the one who joins a pair;
 *   4. pairs across departments, then pairs who never met; a priority person's pair counts for
 *      more, so they get the better partners when good partners are scarce.
 * Levels 2–4 are edge weights scaled so that each level outweighs everything below it (see
 * `weigh`); level 1 is the matching's maximum cardinality.
 *
 * Pure and deterministic: the same input and seed give the same placement (the seed orders the
 * vertices, which breaks ties, and picks the sampled edges of large groups).
 *
 * A little over 400 lines: the weights, the sampling of large groups and the trio are one
 * placement, and the tests read them against each other.
 */
import { maxWeightMatching } from "./Blossom"

export type MatchingMode = "anywhere" | "same_office"

export interface Candidate {
  /** The employee id. */
  readonly id: number
  readonly departmentId: number | null
  readonly businessCenterId: number | null
  /** Left out or declined on last time: gets priority now (preferred partners, never the third of a trio). */
  readonly priority: boolean
}

/** Two people who met, `roundsAgo` rounds of this interest ago (1 = the previous round). */
export interface PastPair {
  readonly a: number
  readonly b: number
  readonly roundsAgo: number
}

export interface MatchInput {
  readonly candidates: ReadonlyArray<Candidate>
  readonly mode: MatchingMode
  readonly history: ReadonlyArray<PastPair>
  /** ROUND_NO_REPEAT: pairs who met within the last `noRepeat` rounds are avoided. */
  readonly noRepeat: number
  readonly seed: number
}

export interface Placement {
  /**
   * Pairs, and at most one trio per office group (per the whole set in `anywhere` mode). A trio
   * lists the pair first and the person who joined it last.
   */
  readonly groups: ReadonlyArray<ReadonlyArray<number>>
  /** The only candidate in their office (`same_office`) or the only candidate at all. */
  readonly alone: ReadonlyArray<number>
  /**
   * Pairs inside groups (a trio holds three) who met within `noRepeat` rounds: 0 whenever the
   * pairs can avoid it (for the trio, see `place`).
   */
  readonly repeats: number
}

/**
 * The matching: our own Edmonds–Galil blossom algorithm (./Blossom.ts). The one fast library,
 * @graph-algorithm/maximum-matching, is AGPL-3.0, which our product cannot ship; the MIT one,
 * `edmonds-blossom`, took about 8× as long (2.2 s against 0.28 s on 2,000 people). Ours follows
 * networkx's implementation (BSD-3) over typed arrays and takes about half the AGPL library's
 * time on the same graphs (2,000 people, once warm: 0.06–0.15 s against 0.15–0.4 s; a first,
 * cold call 0.2–0.5 s against 0.35–0.95 s).
 * Edges are `[i, j, weight]` over vertices 0..n−1; the result is `mate[i]`, −1 for unmatched (and
 * shorter than n when the last vertices have no edge).
 */
type Edge = [number, number, number]

/** mulberry32: a small seeded generator, so that a seed fixes every choice. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** A Fisher–Yates shuffle of a copy. */
export const seededShuffle = <A>(items: ReadonlyArray<A>, random: () => number): Array<A> => {
  const result = [...items]
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const item = result[i] as A
    result[i] = result[j] as A
    result[j] = item
  }
  return result
}

/** An integer hash of a few integers (murmur3's finaliser over a running mix). */
export const hashInts = (...values: ReadonlyArray<number>): number => {
  let h = 0x9e3779b9
  for (const value of values) {
    h = Math.imul(h ^ (value | 0), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

/** Per person, the partners they met and how many rounds ago (the latest meeting). */
export type LastMet = ReadonlyMap<number, ReadonlyMap<number, number>>

export const lastMetOf = (history: ReadonlyArray<PastPair>): LastMet => {
  const lastMet = new Map<number, Map<number, number>>()
  const note = (person: number, partner: number, roundsAgo: number) => {
    const partners = lastMet.get(person) ?? new Map<number, number>()
    const known = partners.get(partner)
    if (known === undefined || roundsAgo < known) partners.set(partner, roundsAgo)
    lastMet.set(person, partners)
  }
  for (const { a, b, roundsAgo } of history) {
    if (a === b) continue
    note(a, b, roundsAgo)
    note(b, a, roundsAgo)
  }
  return lastMet
}

/** Met within the last `noRepeat` rounds. */
export const isRepeat = (roundsAgo: number | undefined, noRepeat: number): boolean =>
  roundsAgo !== undefined && roundsAgo <= noRepeat

const CROSS_DEPARTMENT = 4
const NEVER_MET = 2
/** The largest `pairQuality` times (1 + two priority people): a bound the weights rely on. */
const MAX_WEIGHTED_QUALITY = (CROSS_DEPARTMENT + NEVER_MET) * 3

/**
 * How good a pair is beyond not being a repeat: different departments first, then never having
 * met (meeting longer ago than `noRepeat` rounds is allowed but earns nothing). An unknown
 * department is not counted as a different one.
 */
export const pairQuality = (a: Candidate, b: Candidate, roundsAgo: number | undefined): number =>
  (a.departmentId !== null && b.departmentId !== null && a.departmentId !== b.departmentId
    ? CROSS_DEPARTMENT
    : 0) + (roundsAgo === undefined ? NEVER_MET : 0)

/**
 * The edge weights of one group, scaled so that the levels compare lexicographically. Among
 * maximum-cardinality matchings of n vertices (n/2 edges at most):
 *   - the weighted quality of a matching is below `priorityBonus` = 9n + 1 (≤ 18 per edge);
 *   - each matched priority person adds `priorityBonus`, so leaving one out costs more than any
 *     gain in quality; together they stay below `notRepeatBonus` = priorityBonus · (n + 1);
 *   - each pair that is not a repeat adds `notRepeatBonus`, so one repeat fewer beats everything
 *     below it.
 * Sums stay far below 2⁵³ (about 4·10¹⁰ for 2,000 people), so the arithmetic is exact.
 */
const weigher = (members: ReadonlyArray<Candidate>, noRepeat: number) => {
  const n = members.length
  const priorityBonus = (MAX_WEIGHTED_QUALITY / 2) * n + 1
  const notRepeatBonus = priorityBonus * (n + 1)
  const notRepeat = (roundsAgo: number | undefined) =>
    isRepeat(roundsAgo, noRepeat) ? 0 : notRepeatBonus
  const quality = (i: number, j: number, roundsAgo: number | undefined) =>
    pairQuality(members[i] as Candidate, members[j] as Candidate, roundsAgo)
  const priorities = (i: number, j: number) =>
    (members[i]?.priority ? 1 : 0) + (members[j]?.priority ? 1 : 0)
  return {
    /** What sampling ranks a person's partners by: not a repeat, then quality. */
    rankKey: (i: number, j: number, roundsAgo: number | undefined) =>
      notRepeat(roundsAgo) + quality(i, j, roundsAgo),
    bestRankKey: notRepeatBonus + CROSS_DEPARTMENT + NEVER_MET,
    /** An edge's weight; +1 keeps it positive, so that a repeat without priority still counts. */
    weigh: (i: number, j: number, roundsAgo: number | undefined) =>
      1 +
      notRepeat(roundsAgo) +
      priorityBonus * priorities(i, j) +
      quality(i, j, roundsAgo) * (1 + priorities(i, j)),
    /**
     * What joining member j adds for the third of a trio i: not a repeat, then quality. No
     * priority bonus: i is placed anyway, and it would send i to a priority person's pair
     * whatever the pair's quality.
     */
    joinGain: (i: number, j: number, roundsAgo: number | undefined) =>
      notRepeat(roundsAgo) + quality(i, j, roundsAgo) * (1 + priorities(i, j)),
  }
}

/**
 * For each member in turn, `roundsAgo[j]` is when they last met member j (undefined: never), over
 * the group's local indices; filled from the member's history and cleared afterwards, so a row
 * costs the member's history, not a lookup per pair.
 */
const historyRows = (members: ReadonlyArray<Candidate>, lastMet: LastMet) => {
  const indexOf = new Map(members.map((member, index) => [member.id, index]))
  const roundsAgo: Array<number | undefined> = new Array(members.length).fill(undefined)
  return <A>(i: number, use: (roundsAgo: ReadonlyArray<number | undefined>) => A): A => {
    const met = lastMet.get((members[i] as Candidate).id)
    const filled: Array<number> = []
    for (const [partner, ago] of met ?? []) {
      const j = indexOf.get(partner)
      if (j !== undefined) {
        roundsAgo[j] = ago
        filled.push(j)
      }
    }
    const result = use(roundsAgo)
    for (const j of filled) roundsAgo[j] = undefined
    return result
  }
}

/**
 * Up to this many people, every pair is an edge. Beyond it the complete graph gets slow (600
 * people: 0.4 s; 2,000 people: 2M edges, about 5 s), so each person keeps only their
 * `BEST_EDGES` best partners by repeat and quality (among equals, the first on a scan from a
 * seeded start in the seeded vertex order) plus `RANDOM_EDGES` seeded random ones.
 *
 * The trade-off: the matching is optimal on that graph, not on the complete one. With several
 * departments almost everyone's best partners are plentiful, so little is lost: on synthetic
 * companies of 300–1,000 joiners with 6–30 rounds of history, the sample's matching was as good
 * as the complete graph's, in a quarter to a ninth of the time. Priority is applied to the
 * sampled edges, not used to sample them (that would give every edge to the few priority
 * people). Should the sample not allow a matching of everyone, it is doubled until it does, up to
 * the complete graph.
 */
const COMPLETE_GRAPH_UP_TO = 100
const BEST_EDGES = 8
const RANDOM_EDGES = 2

const completeGraph = (
  n: number,
  rows: ReturnType<typeof historyRows>,
  weigh: (i: number, j: number, roundsAgo: number | undefined) => number,
): Array<Edge> => {
  const edges: Array<Edge> = []
  for (let i = 0; i < n; i++) {
    rows(i, (roundsAgo) => {
      for (let j = i + 1; j < n; j++) edges.push([i, j, weigh(i, j, roundsAgo[j])])
    })
  }
  return edges
}

const sampledGraph = (
  n: number,
  rows: ReturnType<typeof historyRows>,
  { rankKey, weigh, bestRankKey }: ReturnType<typeof weigher>,
  best: number,
  seed: number,
): Array<Edge> => {
  const chosen = new Set<number>()
  const choose = (i: number, j: number) => chosen.add(i < j ? i * n + j : j * n + i)
  const random = seededRandom(hashInts(seed, n, best))
  for (let i = 0; i < n; i++) {
    // The `best` highest-ranked partners of i, best first; among equals the first met on a scan
    // from a seeded start, which ends as soon as all of them have the best possible rank.
    const top: Array<{ readonly j: number; readonly key: number }> = []
    const start = Math.floor(random() * n)
    rows(i, (roundsAgo) => {
      for (let step = 0; step < n; step++) {
        const j = (start + step) % n
        if (j === i) continue
        const key = rankKey(i, j, roundsAgo[j])
        let at = top.length
        while (at > 0 && (top[at - 1] as (typeof top)[number]).key < key) at--
        if (at >= best) continue
        top.splice(at, 0, { j, key })
        if (top.length > best) top.pop()
        if (top.length === best && (top[best - 1] as (typeof top)[number]).key === bestRankKey)
          break
      }
    })
    for (const { j } of top) choose(i, j)
  }
  for (let i = 0; i < n; i++) {
    for (let extra = 0; extra < RANDOM_EDGES; extra++) {
      const j = Math.floor(random() * (n - 1))
      choose(i, j >= i ? j + 1 : j)
    }
  }
  const edges: Array<Edge> = []
  const byVertex = new Map<number, Array<number>>()
  for (const key of chosen) {
    const i = Math.floor(key / n)
    const partners = byVertex.get(i) ?? []
    partners.push(key % n)
    byVertex.set(i, partners)
  }
  for (const [i, partners] of byVertex) {
    rows(i, (roundsAgo) => {
      for (const j of partners) edges.push([i, j, weigh(i, j, roundsAgo[j])])
    })
  }
  return edges
}

/** A matching of every member but at most one, as `mate` (−1: unmatched). */
const matchGroup = (
  members: ReadonlyArray<Candidate>,
  rows: ReturnType<typeof historyRows>,
  weights: ReturnType<typeof weigher>,
  seed: number,
): Array<number> => {
  const n = members.length
  const run = (edges: Array<Edge>) => {
    const mate = maxWeightMatching(edges, true)
    return Array.from({ length: n }, (_, i) => mate[i] ?? -1)
  }
  for (let best = BEST_EDGES; n > COMPLETE_GRAPH_UP_TO && best < n - 1; best *= 2) {
    const mate = run(sampledGraph(n, rows, weights, best, seed))
    if (mate.filter((partner) => partner === -1).length <= n % 2) return mate
  }
  return run(completeGraph(n, rows, weights.weigh))
}

/** The groups a mode matches within: everyone, or one group per office. */
const officeGroups = (
  candidates: ReadonlyArray<Candidate>,
  mode: MatchingMode,
): ReadonlyArray<{ readonly office: number | null; readonly members: Array<Candidate> }> => {
  if (mode === "anywhere") return [{ office: null, members: [...candidates] }]
  const byOffice = new Map<number | null, Array<Candidate>>()
  for (const candidate of candidates) {
    const members = byOffice.get(candidate.businessCenterId) ?? []
    members.push(candidate)
    byOffice.set(candidate.businessCenterId, members)
  }
  // Offices in id order, the unknown office last, so output order does not depend on input order.
  return [...byOffice.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a - b))
    .map(([office, members]) => ({ office, members }))
}

/** Each candidate once (the first occurrence of an id), in id order. */
const distinctById = (candidates: ReadonlyArray<Candidate>): Array<Candidate> => {
  const byId = new Map<number, Candidate>()
  for (const candidate of candidates) if (!byId.has(candidate.id)) byId.set(candidate.id, candidate)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

/** Pairs inside the groups who met within `noRepeat` rounds. */
export const countRepeats = (
  groups: ReadonlyArray<ReadonlyArray<number>>,
  lastMet: LastMet,
  noRepeat: number,
): number => {
  let repeats = 0
  for (const group of groups) {
    for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++) {
        const roundsAgo = lastMet.get(group[x] as number)?.get(group[y] as number)
        if (isRepeat(roundsAgo, noRepeat)) repeats++
      }
    }
  }
  return repeats
}

/**
 * Places a round's candidates. In `same_office` mode people are grouped by business center only;
 * people without one form their own group (the "unknown office") rather than being left alone:
 * they would otherwise never be placed, and their invitation can ask them to pick an office.
 *
 * With an odd count, the one the matching leaves over joins the pair their two new edges add most
 * to. The matching does not look ahead to that, so a repeat can stay in the trio where another
 * choice of third would avoid it; in a group of any size some pair almost always suits.
 */
export const place = (input: MatchInput): Placement => {
  const lastMet = lastMetOf(input.history)
  const groups: Array<ReadonlyArray<number>> = []
  const alone: Array<number> = []
  for (const { office, members: unordered } of officeGroups(
    distinctById(input.candidates),
    input.mode,
  )) {
    const seed = hashInts(input.seed, office ?? -1)
    // The seeded order is the tie-breaker: the matching and the trio take the first of equals.
    const members = seededShuffle(unordered, seededRandom(seed))
    const n = members.length
    if (n === 1) alone.push((members[0] as Candidate).id)
    if (n < 2) continue
    const rows = historyRows(members, lastMet)
    const weights = weigher(members, input.noRepeat)
    const mate = matchGroup(members, rows, weights, seed)
    const pairs: Array<Array<number>> = []
    for (let i = 0; i < n; i++) {
      const j = mate[i] as number
      if (j > i) pairs.push([i, j])
    }
    const third = mate.indexOf(-1)
    if (third !== -1) {
      // Fewest repeats, then the best quality; the first of equals in the seeded order.
      const joined = rows(third, (roundsAgo) => {
        let bestPair = pairs[0] as Array<number>
        let bestGain = Number.NEGATIVE_INFINITY
        for (const pair of pairs) {
          const gain = pair.reduce((sum, k) => sum + weights.joinGain(third, k, roundsAgo[k]), 0)
          if (gain > bestGain) {
            bestGain = gain
            bestPair = pair
          }
        }
        return bestPair
      })
      joined.push(third)
    }
    for (const pair of pairs) groups.push(pair.map((i) => (members[i] as Candidate).id))
  }
  return { groups, alone, repeats: countRepeats(groups, lastMet, input.noRepeat) }
}
