import { describe, expect, it } from "@effect/vitest"
import { maxWeightMatching } from "../../src/rounds/Blossom"
import { seededRandom } from "../../src/rounds/Matching"

type Edge = readonly [number, number, number]

const vertexCount = (edges: ReadonlyArray<Edge>) =>
  edges.reduce((n, [i, j]) => Math.max(n, i + 1, j + 1), 0)

/** The cardinality and total weight of a matching given as `mate`, checking it is one. */
const measure = (edges: ReadonlyArray<Edge>, mate: ArrayLike<number>) => {
  const n = vertexCount(edges)
  expect(mate.length).toBe(n)
  for (let v = 0; v < n; v++) {
    const partner = mate[v] as number
    if (partner !== -1) expect(mate[partner]).toBe(v)
  }
  // The heaviest edge between each matched pair (the input may hold parallel edges).
  const heaviest = new Map<string, number>()
  for (const [i, j, w] of edges) {
    const key = `${Math.min(i, j)}-${Math.max(i, j)}`
    heaviest.set(key, Math.max(heaviest.get(key) ?? Number.NEGATIVE_INFINITY, w))
  }
  let cardinality = 0
  let weight = 0
  for (let v = 0; v < n; v++) {
    const partner = mate[v] as number
    if (partner > v) {
      const w = heaviest.get(`${v}-${partner}`)
      expect(w, `${v}-${partner} is an edge`).toBeDefined()
      cardinality++
      weight += w as number
    }
  }
  return { cardinality, weight }
}

/** The best (cardinality, weight) over every matching, by enumeration. */
const bruteForce = (edges: ReadonlyArray<Edge>, maxCardinality: boolean) => {
  const n = vertexCount(edges)
  const weightOf = new Map<number, number>()
  for (const [i, j, w] of edges) {
    const key = Math.min(i, j) * n + Math.max(i, j)
    weightOf.set(key, Math.max(weightOf.get(key) ?? Number.NEGATIVE_INFINITY, w))
  }
  const used = new Array<boolean>(n).fill(false)
  let best = { cardinality: 0, weight: 0 }
  const better = (cardinality: number, weight: number) =>
    maxCardinality
      ? cardinality > best.cardinality || (cardinality === best.cardinality && weight > best.weight)
      : weight > best.weight
  const search = (v: number, cardinality: number, weight: number) => {
    if (v === n) {
      if (better(cardinality, weight)) best = { cardinality, weight }
      return
    }
    if (used[v]) return search(v + 1, cardinality, weight)
    search(v + 1, cardinality, weight)
    used[v] = true
    for (let u = v + 1; u < n; u++) {
      const w = weightOf.get(v * n + u)
      if (!used[u] && w !== undefined) {
        used[u] = true
        search(v + 1, cardinality + 1, weight + w)
        used[u] = false
      }
    }
    used[v] = false
  }
  search(0, 0, 0)
  return best
}

/** A random simple graph: n vertices, each pair an edge with the given density. */
const randomGraph = (
  random: () => number,
  n: number,
  density: number,
  weights: () => number,
): Array<Edge> => {
  const edges: Array<Edge> = []
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (random() < density) edges.push(random() < 0.5 ? [i, j, weights()] : [j, i, weights()])
    }
  }
  return edges
}

describe("maxWeightMatching", () => {
  it("matches nothing in an empty graph, and the two ends of a single edge", () => {
    expect([...maxWeightMatching([], false)]).toEqual([])
    expect([...maxWeightMatching([[0, 1, 1]], false)]).toEqual([1, 0])
  })

  it("rejects self-loops, negative or fractional vertices, and weights that are not finite", () => {
    expect(() => maxWeightMatching([[1, 1, 1]], false)).toThrow(RangeError)
    expect(() => maxWeightMatching([[-1, 1, 1]], false)).toThrow(RangeError)
    expect(() => maxWeightMatching([[0.5, 1, 1]], false)).toThrow(RangeError)
    expect(() => maxWeightMatching([[0, 1, Number.NaN]], false)).toThrow(RangeError)
  })

  // The graphs of mwmatching.py's own test suite (Joris van Rantwijk), which exercise each way a
  // blossom is made, relabelled, nested, expanded and augmented through; vertex 0 is unused.
  // Each expected matching is also checked against enumeration.
  const literature: ReadonlyArray<{
    readonly name: string
    readonly edges: ReadonlyArray<Edge>
    readonly maxCardinality?: boolean
    readonly mate: ReadonlyArray<number>
  }> = [
    {
      name: "prefers the heavier of two adjacent edges",
      edges: [
        [1, 2, 10],
        [2, 3, 11],
      ],
      mate: [-1, -1, 3, 2],
    },
    {
      name: "takes the heavy middle edge of a path",
      edges: [
        [1, 2, 5],
        [2, 3, 11],
        [3, 4, 5],
      ],
      mate: [-1, -1, 3, 2, -1],
    },
    {
      name: "with maximum cardinality, takes both light edges of that path",
      edges: [
        [1, 2, 5],
        [2, 3, 11],
        [3, 4, 5],
      ],
      maxCardinality: true,
      mate: [-1, 2, 1, 4, 3],
    },
    {
      name: "handles floating-point weights",
      edges: [
        [1, 2, Math.PI],
        [2, 3, Math.E],
        [1, 3, 3.0],
        [1, 4, Math.SQRT2],
      ],
      mate: [-1, 4, 3, 2, 1],
    },
    {
      name: "leaves out negative edges",
      edges: [
        [1, 2, 2],
        [1, 3, -2],
        [2, 3, 1],
        [2, 4, -1],
        [3, 4, -6],
      ],
      mate: [-1, 2, 1, -1, -1],
    },
    {
      name: "takes negative edges for maximum cardinality",
      edges: [
        [1, 2, 2],
        [1, 3, -2],
        [2, 3, 1],
        [2, 4, -1],
        [3, 4, -6],
      ],
      maxCardinality: true,
      mate: [-1, 3, 4, 1, 2],
    },
    {
      name: "creates an S-blossom and augments through it",
      edges: [
        [1, 2, 8],
        [1, 3, 9],
        [2, 3, 10],
        [3, 4, 7],
      ],
      mate: [-1, 2, 1, 4, 3],
    },
    {
      name: "creates an S-blossom and augments through it, with more around it",
      edges: [
        [1, 2, 8],
        [1, 3, 9],
        [2, 3, 10],
        [3, 4, 7],
        [1, 6, 5],
        [4, 5, 6],
      ],
      mate: [-1, 6, 3, 2, 5, 4, 1],
    },
    {
      name: "creates an S-blossom, relabels it T, augments through it",
      edges: [
        [1, 2, 9],
        [1, 3, 8],
        [2, 3, 10],
        [1, 4, 5],
        [4, 5, 4],
        [1, 6, 3],
      ],
      mate: [-1, 6, 3, 2, 5, 4, 1],
    },
    {
      name: "creates an S-blossom, relabels it T, augments through it (second variant)",
      edges: [
        [1, 2, 9],
        [1, 3, 8],
        [2, 3, 10],
        [1, 4, 5],
        [4, 5, 3],
        [1, 6, 4],
      ],
      mate: [-1, 6, 3, 2, 5, 4, 1],
    },
    {
      name: "creates an S-blossom, relabels it T, augments through it (third variant)",
      edges: [
        [1, 2, 9],
        [1, 3, 8],
        [2, 3, 10],
        [1, 4, 5],
        [4, 5, 3],
        [3, 6, 4],
      ],
      mate: [-1, 2, 1, 6, 5, 4, 3],
    },
    {
      name: "creates a nested S-blossom and augments through it",
      edges: [
        [1, 2, 9],
        [1, 3, 9],
        [2, 3, 10],
        [2, 4, 8],
        [3, 5, 8],
        [4, 5, 10],
        [5, 6, 6],
      ],
      mate: [-1, 3, 4, 1, 2, 6, 5],
    },
    {
      name: "creates an S-blossom, relabels it S, includes it in a nested S-blossom",
      edges: [
        [1, 2, 10],
        [1, 7, 10],
        [2, 3, 12],
        [3, 4, 20],
        [3, 5, 20],
        [4, 5, 25],
        [5, 6, 10],
        [6, 7, 10],
        [7, 8, 8],
      ],
      mate: [-1, 2, 1, 4, 3, 6, 5, 8, 7],
    },
    {
      name: "creates a nested S-blossom, augments, expands it recursively",
      edges: [
        [1, 2, 8],
        [1, 3, 8],
        [2, 3, 10],
        [2, 4, 12],
        [3, 5, 12],
        [4, 5, 14],
        [4, 6, 12],
        [5, 7, 12],
        [6, 7, 14],
        [7, 8, 12],
      ],
      mate: [-1, 2, 1, 5, 6, 3, 4, 8, 7],
    },
    {
      name: "creates an S-blossom, relabels it T, expands it",
      edges: [
        [1, 2, 23],
        [1, 5, 22],
        [1, 6, 15],
        [2, 3, 25],
        [3, 4, 22],
        [4, 5, 25],
        [4, 8, 14],
        [5, 7, 13],
      ],
      mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4],
    },
    {
      name: "creates a nested S-blossom, relabels it T, expands it",
      edges: [
        [1, 2, 19],
        [1, 3, 20],
        [1, 8, 8],
        [2, 3, 25],
        [2, 4, 18],
        [3, 5, 18],
        [4, 5, 13],
        [4, 7, 7],
        [5, 6, 7],
      ],
      mate: [-1, 8, 3, 2, 7, 6, 5, 4, 1],
    },
    {
      name: "creates a blossom, relabels it T in more than one way, expands it, augments",
      edges: [
        [1, 2, 45],
        [1, 5, 45],
        [2, 3, 50],
        [3, 4, 45],
        [4, 5, 50],
        [1, 6, 30],
        [3, 9, 35],
        [4, 8, 35],
        [5, 7, 26],
        [9, 10, 5],
      ],
      mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9],
    },
    {
      name: "creates a blossom, relabels it T in more than one way, expands it, augments (variant)",
      edges: [
        [1, 2, 45],
        [1, 5, 45],
        [2, 3, 50],
        [3, 4, 45],
        [4, 5, 50],
        [1, 6, 30],
        [3, 9, 35],
        [4, 8, 26],
        [5, 7, 40],
        [9, 10, 5],
      ],
      mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9],
    },
    {
      name: "expands a T-blossom so that a new least-slack S-to-free edge appears, augments",
      edges: [
        [1, 2, 45],
        [1, 5, 45],
        [2, 3, 50],
        [3, 4, 45],
        [4, 5, 50],
        [1, 6, 30],
        [3, 9, 35],
        [4, 8, 28],
        [5, 7, 26],
        [9, 10, 5],
      ],
      mate: [-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9],
    },
    {
      name: "expands an outer T-blossom so that the inner blossom ends up on an augmenting path",
      edges: [
        [1, 2, 45],
        [1, 7, 45],
        [2, 3, 50],
        [3, 4, 45],
        [4, 5, 95],
        [4, 6, 94],
        [5, 6, 94],
        [6, 7, 50],
        [1, 8, 30],
        [3, 11, 35],
        [5, 9, 36],
        [7, 10, 26],
        [11, 12, 5],
      ],
      mate: [-1, 8, 3, 2, 6, 9, 4, 10, 1, 5, 7, 12, 11],
    },
    {
      name: "creates a nested S-blossom, relabels it S, expands it recursively",
      edges: [
        [1, 2, 40],
        [1, 3, 40],
        [2, 3, 60],
        [2, 4, 55],
        [3, 5, 55],
        [4, 5, 50],
        [1, 8, 15],
        [5, 7, 30],
        [7, 6, 10],
        [8, 10, 10],
        [4, 9, 30],
      ],
      mate: [-1, 2, 1, 5, 9, 3, 7, 6, 10, 4, 8],
    },
  ]
  for (const { name, edges, maxCardinality = false, mate } of literature) {
    it(name, () => {
      const result = maxWeightMatching(edges, maxCardinality)
      expect([...result]).toEqual(mate)
      expect(measure(edges, result)).toEqual(measure(edges, mate))
      const best = bruteForce(edges, maxCardinality)
      const found = measure(edges, result)
      expect(found.cardinality).toBe(best.cardinality)
      expect(found.weight).toBeCloseTo(best.weight, 9)
    })
  }

  const weightKinds: ReadonlyArray<{
    readonly kind: string
    readonly weights: (random: () => number) => () => number
  }> = [
    // Few distinct values: many ties and zero-weight edges.
    { kind: "weights 0..3", weights: (random) => () => Math.floor(random() * 4) },
    { kind: "weights 0..100", weights: (random) => () => Math.floor(random() * 101) },
    { kind: "weights -20..20", weights: (random) => () => Math.floor(random() * 41) - 20 },
    // Sums of a few large bonuses, like the edge weights of Matching.ts.
    {
      kind: "layered weights",
      weights: (random) => () =>
        1 +
        (random() < 0.8 ? 1_000_000 : 0) +
        (random() < 0.2 ? 1_000 : 0) +
        (random() < 0.5 ? 4 : 0),
    },
  ]
  for (const maxCardinality of [false, true]) {
    for (const { kind, weights } of weightKinds) {
      it(`is optimal on random graphs of up to 10 vertices, ${kind}, maxCardinality ${maxCardinality}`, () => {
        const random = seededRandom(maxCardinality ? 7 : 3)
        const weight = weights(random)
        for (let graph = 0; graph < 1500; graph++) {
          const n = 3 + Math.floor(random() * 8)
          const density = [0.2, 0.4, 0.7, 1][graph % 4] as number
          const edges = randomGraph(random, n, density, weight)
          if (edges.length === 0) continue
          const best = bruteForce(edges, maxCardinality)
          const found = measure(edges, maxWeightMatching(edges, maxCardinality))
          if (maxCardinality)
            expect(found.cardinality, JSON.stringify(edges)).toBe(best.cardinality)
          expect(found.weight, JSON.stringify(edges)).toBe(best.weight)
        }
      })
    }
  }

  it("sizes mate by the largest vertex in an edge, isolated vertices unmatched", () => {
    expect([...maxWeightMatching([[3, 5, 1]], true)]).toEqual([-1, -1, -1, 5, -1, 3])
  })

  it("takes the heaviest of parallel edges", () => {
    const edges: ReadonlyArray<Edge> = [
      [0, 1, 1],
      [1, 0, 9],
      [1, 2, 5],
    ]
    expect(measure(edges, maxWeightMatching(edges, false)).weight).toBe(9)
  })
})
