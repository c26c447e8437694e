import { describe, expect, it } from "@effect/vitest"
import {
  type Candidate,
  isRepeat,
  lastMetOf,
  type MatchInput,
  type MatchingMode,
  type PastPair,
  type Placement,
  pairQuality,
  place,
  seededRandom,
  seededShuffle,
} from "../../src/rounds/Matching"

const candidate = (id: number, fields: Partial<Omit<Candidate, "id">> = {}): Candidate => ({
  id,
  departmentId: fields.departmentId === undefined ? 1 : fields.departmentId,
  businessCenterId: fields.businessCenterId === undefined ? 1 : fields.businessCenterId,
  priority: fields.priority ?? false,
})

const input = (fields: Partial<MatchInput> & Pick<MatchInput, "candidates">): MatchInput => ({
  mode: "anywhere",
  history: [],
  noRepeat: 6,
  seed: 1,
  ...fields,
})

/** Every way to split `people` into pairs. */
const perfectMatchings = (
  people: ReadonlyArray<number>,
): ReadonlyArray<ReadonlyArray<readonly [number, number]>> => {
  const [first, ...rest] = people
  if (first === undefined) return [[]]
  return rest.flatMap((partner, index) =>
    perfectMatchings(rest.filter((_, other) => other !== index)).map((pairs) => [
      [first, partner] as const,
      ...pairs,
    ]),
  )
}

/**
 * A group's placements as the matching sees them: for an odd count, who is left over (the third
 * of the trio) and the pairs of the others; for an even count, the pairs of all.
 */
const matchingsOf = (people: ReadonlyArray<number>) =>
  people.length % 2 === 0
    ? perfectMatchings(people).map((pairs) => ({ third: undefined, pairs }))
    : people.flatMap((third) =>
        perfectMatchings(people.filter((person) => person !== third)).map((pairs) => ({
          third,
          pairs,
        })),
      )

/**
 * What the matching optimises, as a key compared left to right, larger is better: fewer repeats,
 * then no priority person left over, then the pairs' quality, a priority person's counting more.
 */
const matchingKey = (
  matching: {
    readonly third: number | undefined
    readonly pairs: ReadonlyArray<readonly [number, number]>
  },
  byId: ReadonlyMap<number, Candidate>,
  history: ReadonlyArray<PastPair>,
  noRepeat: number,
): readonly [number, number, number] => {
  const lastMet = lastMetOf(history)
  let repeats = 0
  let quality = 0
  for (const [a, b] of matching.pairs) {
    const roundsAgo = lastMet.get(a)?.get(b)
    if (isRepeat(roundsAgo, noRepeat)) repeats++
    const x = byId.get(a) as Candidate
    const y = byId.get(b) as Candidate
    quality += pairQuality(x, y, roundsAgo) * (1 + (x.priority ? 1 : 0) + (y.priority ? 1 : 0))
  }
  const priorityLeftOver = matching.third !== undefined && byId.get(matching.third)?.priority
  return [-repeats, priorityLeftOver ? 0 : 1, quality]
}

const compareKeys = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  for (const [index, value] of a.entries()) {
    const other = b[index] as number
    if (value !== other) return value - other
  }
  return 0
}

/** A placement's group read back as the matching: the trio's last member is the one who joined. */
const asMatching = (groups: ReadonlyArray<ReadonlyArray<number>>) => ({
  third: groups.find((group) => group.length === 3)?.[2],
  pairs: groups.map((group) => [group[0], group[1]] as readonly [number, number]),
})

const repeatsIn = (
  groups: ReadonlyArray<ReadonlyArray<number>>,
  history: ReadonlyArray<PastPair>,
  noRepeat: number,
) => {
  const lastMet = lastMetOf(history)
  return groups
    .flatMap((group) => group.flatMap((a, x) => group.slice(x + 1).map((b) => [a, b] as const)))
    .filter(([a, b]) => isRepeat(lastMet.get(a)?.get(b), noRepeat)).length
}

/** A small random round: up to 8 people, a few departments and offices, some priority, a history. */
const randomInput = (seed: number, mode: MatchingMode): MatchInput => {
  const random = seededRandom(seed)
  const pick = (values: ReadonlyArray<number | null>) =>
    values[Math.floor(random() * values.length)] as number | null
  const size = Math.floor(random() * 9)
  const candidates = Array.from({ length: size }, (_, index) =>
    candidate(index + 1, {
      departmentId: pick([1, 2, 3, null]),
      businessCenterId: pick([10, 10, 20, null]),
      priority: random() < 0.3,
    }),
  )
  const history: Array<PastPair> = []
  for (let a = 1; a <= size; a++) {
    for (let b = a + 1; b <= size; b++) {
      if (random() < 0.35) history.push({ a, b, roundsAgo: 1 + Math.floor(random() * 10) })
    }
  }
  return { candidates, mode, history, noRepeat: Math.floor(random() * 7), seed }
}

const officesOf = (round: MatchInput) => {
  const offices = new Map<number | null, Array<Candidate>>()
  for (const person of round.candidates) {
    const office = round.mode === "same_office" ? person.businessCenterId : null
    offices.set(office, [...(offices.get(office) ?? []), person])
  }
  return offices
}

describe("place against brute force (every placement of up to 8 people)", () => {
  const rounds = Array.from({ length: 300 }, (_, index) =>
    randomInput(index + 1, index % 2 === 0 ? "anywhere" : "same_office"),
  )

  it("the pairs are optimal: fewest repeats, then no priority third, then the best quality", () => {
    for (const round of rounds) {
      const placement = place(round)
      const byId = new Map(round.candidates.map((person) => [person.id, person]))
      for (const members of officesOf(round).values()) {
        const ids = new Set(members.map((person) => person.id))
        const ours = asMatching(placement.groups.filter((group) => ids.has(group[0] as number)))
        if (members.length < 2) continue
        const best = matchingsOf([...ids])
          .map((matching) => matchingKey(matching, byId, round.history, round.noRepeat))
          .reduce((a, b) => (compareKeys(a, b) >= 0 ? a : b))
        expect(matchingKey(ours, byId, round.history, round.noRepeat)).toEqual(best)
      }
    }
  })

  it("the third joins the pair with the fewest repeats, then the best quality", () => {
    for (const round of rounds) {
      const lastMet = lastMetOf(round.history)
      const byId = new Map(round.candidates.map((person) => [person.id, person]))
      const placement = place(round)
      for (const trio of placement.groups.filter((group) => group.length === 3)) {
        const third = byId.get(trio[2] as number) as Candidate
        const office = placement.groups.filter(
          (group) =>
            round.mode === "anywhere" ||
            byId.get(group[0] as number)?.businessCenterId === third.businessCenterId,
        )
        const gain = (pair: ReadonlyArray<number>) =>
          pair.slice(0, 2).reduce<readonly [number, number]>(
            ([repeats, quality], id) => {
              const partner = byId.get(id) as Candidate
              const roundsAgo = lastMet.get(third.id)?.get(id)
              return [
                repeats - (isRepeat(roundsAgo, round.noRepeat) ? 1 : 0),
                quality +
                  pairQuality(third, partner, roundsAgo) *
                    (1 + (third.priority ? 1 : 0) + (partner.priority ? 1 : 0)),
              ]
            },
            [0, 0],
          )
        const best = office.map(gain).reduce((a, b) => (compareKeys(a, b) >= 0 ? a : b))
        expect(gain(trio)).toEqual(best)
      }
    }
  })

  it("places everyone once, one trio at most per office, offices unmixed, alone only when the only one", () => {
    for (const round of rounds) {
      const placement = place(round)
      const placed = [...placement.groups.flat(), ...placement.alone].sort((a, b) => a - b)
      expect(placed).toEqual(round.candidates.map((person) => person.id))
      const offices = officesOf(round)
      const officeOf = new Map(
        [...offices].flatMap(([office, members]) => members.map((person) => [person.id, office])),
      )
      for (const group of placement.groups) {
        expect(group.length === 2 || group.length === 3).toBe(true)
        expect(new Set(group.map((id) => officeOf.get(id))).size).toBe(1)
      }
      for (const [office, members] of offices) {
        const trios = placement.groups.filter(
          (group) => group.length === 3 && officeOf.get(group[0] as number) === office,
        )
        expect(trios.length).toBe(members.length % 2 === 1 && members.length > 1 ? 1 : 0)
      }
      for (const id of placement.alone) {
        expect(offices.get(officeOf.get(id) ?? null)?.length).toBe(1)
      }
      expect(placement.repeats).toBe(repeatsIn(placement.groups, round.history, round.noRepeat))
    }
  })

  it("has no repeat when an even group can be paired without one", () => {
    for (const round of rounds) {
      const placement = place(round)
      const byId = new Map(round.candidates.map((person) => [person.id, person]))
      for (const members of officesOf(round).values()) {
        if (members.length % 2 === 1) continue
        const ids = new Set(members.map((person) => person.id))
        const feasible = matchingsOf([...ids]).some(
          (matching) => matchingKey(matching, byId, round.history, round.noRepeat)[0] === 0,
        )
        const ours = placement.groups.filter((group) => ids.has(group[0] as number))
        if (feasible) expect(repeatsIn(ours, round.history, round.noRepeat)).toBe(0)
      }
    }
  })
})

describe("place", () => {
  it("places nobody when nobody joined", () => {
    expect(place(input({ candidates: [] }))).toEqual({ groups: [], alone: [], repeats: 0 })
  })

  it("leaves a single candidate alone", () => {
    expect(place(input({ candidates: [candidate(7)] }))).toEqual({
      groups: [],
      alone: [7],
      repeats: 0,
    })
  })

  it("makes one trio of an odd count and pairs of the rest", () => {
    const placement = place(input({ candidates: [1, 2, 3, 4, 5, 6, 7].map((id) => candidate(id)) }))
    expect(placement.groups.map((group) => group.length).sort()).toEqual([2, 2, 3])
    expect(placement.alone).toEqual([])
  })

  it("in same_office mode, leaves alone the only one of an office and groups the unknown office", () => {
    const placement = place(
      input({
        mode: "same_office",
        candidates: [
          candidate(1, { businessCenterId: 10 }),
          candidate(2, { businessCenterId: 10 }),
          candidate(3, { businessCenterId: 20 }),
          candidate(4, { businessCenterId: null }),
          candidate(5, { businessCenterId: null }),
        ],
      }),
    )
    expect(placement.alone).toEqual([3])
    expect(placement.groups.map((group) => [...group].sort())).toEqual([
      [1, 2],
      [4, 5],
    ])
  })

  it("avoids a recent pair when another placement exists, and takes it when none does", () => {
    const candidates = [candidate(1), candidate(2), candidate(3), candidate(4)]
    const history = [
      { a: 1, b: 2, roundsAgo: 1 },
      { a: 3, b: 4, roundsAgo: 6 },
    ]
    for (let seed = 1; seed <= 20; seed++) {
      const placement = place(input({ candidates, history, seed }))
      expect(placement.repeats).toBe(0)
      expect(placement.groups.map((group) => [...group].sort())).not.toContainEqual([1, 2])
    }
    const onlyTwo = place(input({ candidates: [candidate(1), candidate(2)], history }))
    expect(onlyTwo).toEqual({ groups: [expect.arrayContaining([1, 2])], alone: [], repeats: 1 })
  })

  it("allows a pair who met longer ago than noRepeat rounds", () => {
    const placement = place(
      input({
        candidates: [candidate(1), candidate(2)],
        history: [{ a: 1, b: 2, roundsAgo: 7 }],
      }),
    )
    expect(placement.repeats).toBe(0)
    expect(placement.groups).toHaveLength(1)
  })

  it("prefers different departments, then people who never met", () => {
    const candidates = [
      candidate(1, { departmentId: 1 }),
      candidate(2, { departmentId: 1 }),
      candidate(3, { departmentId: 2 }),
      candidate(4, { departmentId: 2 }),
    ]
    for (let seed = 1; seed <= 20; seed++) {
      const crossed = place(input({ candidates, seed }))
      for (const [a, b] of crossed.groups) {
        expect(candidates[(a as number) - 1]?.departmentId).not.toBe(
          candidates[(b as number) - 1]?.departmentId,
        )
      }
      // 1–3 met (long ago), so 1–4 and 2–3 are the pairs who never met.
      const fresh = place(input({ candidates, seed, history: [{ a: 1, b: 3, roundsAgo: 9 }] }))
      expect(fresh.groups.map((group) => [...group].sort())).toEqual(
        expect.arrayContaining([
          [1, 4],
          [2, 3],
        ]),
      )
    }
  })

  it("gives a priority person the better partner", () => {
    // Only two of the four of department 1 can have a partner from department 2 (2 or 3).
    const candidates = [
      candidate(1, { departmentId: 1 }),
      candidate(2, { departmentId: 2 }),
      candidate(3, { departmentId: 2 }),
      candidate(4, { departmentId: 1, priority: true }),
      candidate(5, { departmentId: 1 }),
      candidate(6, { departmentId: 1 }),
    ]
    for (let seed = 1; seed <= 20; seed++) {
      const placement = place(input({ candidates, seed }))
      const partnerOf4 = placement.groups.find((group) => group.includes(4))?.find((id) => id !== 4)
      expect([2, 3]).toContain(partnerOf4)
    }
  })

  it("never makes a priority person the third of a trio when someone else can be", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const candidates = [1, 2, 3, 4, 5].map((id) => candidate(id, { priority: id !== 3 }))
      const trio = place(input({ candidates, seed })).groups.find((group) => group.length === 3)
      expect(trio?.[2]).toBe(3)
    }
  })

  it("is deterministic for a seed, whatever the input order", () => {
    const random = seededRandom(5)
    const candidates = Array.from({ length: 41 }, (_, index) =>
      candidate(index + 1, { departmentId: 1 + Math.floor(random() * 3) }),
    )
    const first = place(input({ candidates, seed: 42 }))
    expect(place(input({ candidates, seed: 42 }))).toEqual(first)
    expect(place(input({ candidates: [...candidates].reverse(), seed: 42 }))).toEqual(first)
  })

  it("may place differently for another seed", () => {
    const candidates = Array.from({ length: 20 }, (_, index) => candidate(index + 1))
    const placements = new Set(
      Array.from({ length: 10 }, (_, seed) =>
        JSON.stringify(place(input({ candidates, seed })).groups),
      ),
    )
    expect(placements.size).toBeGreaterThan(1)
  })

  it("places a large group (sampled edges) entirely, without repeats", () => {
    const random = seededRandom(11)
    const candidates = Array.from({ length: 601 }, (_, index) =>
      candidate(index + 1, {
        departmentId: 1 + Math.floor(random() * 7),
        priority: random() < 0.05,
      }),
    )
    // Six rounds in which everyone met someone at random.
    const history: Array<PastPair> = []
    for (let roundsAgo = 1; roundsAgo <= 6; roundsAgo++) {
      const ids = seededShuffle(
        candidates.map((person) => person.id),
        random,
      )
      for (let i = 0; i + 1 < ids.length; i += 2) {
        history.push({ a: ids[i] as number, b: ids[i + 1] as number, roundsAgo })
      }
    }
    const placement: Placement = place(input({ candidates, history }))
    expect(placement.groups.flat().sort((a, b) => a - b)).toEqual(
      candidates.map((person) => person.id),
    )
    expect(placement.groups.filter((group) => group.length === 3)).toHaveLength(1)
    expect(placement.repeats).toBe(0)
    const third = placement.groups.find((group) => group.length === 3)?.[2] as number
    expect(candidates[third - 1]?.priority).toBe(false)
  })
})
