import { describe, expect, it } from "@effect/vitest"
import { type AlgorithmName, formatReport, simulate } from "../../src/rounds/Simulate"

describe("simulate", () => {
  const report = simulate({ employees: 300, rounds: 8, seed: 3 })
  const statsOf = (algorithm: AlgorithmName) =>
    report.algorithms.find((stats) => stats.algorithm === algorithm)?.interests ?? []

  it("runs both interests with both algorithms over the same joiners", () => {
    expect(report.algorithms.map((stats) => stats.algorithm)).toEqual(["blossom", "shuffle"])
    for (const algorithm of ["blossom", "shuffle"] as const) {
      expect(statsOf(algorithm).map((stats) => [stats.interest, stats.mode])).toEqual([
        ["coffee", "anywhere"],
        ["lunch", "same_office"],
      ])
    }
    expect(statsOf("blossom").map((stats) => stats.joiners)).toEqual(
      statsOf("shuffle").map((stats) => stats.joiners),
    )
    // 60% of 300 over 8 rounds, give or take.
    for (const stats of statsOf("blossom")) expect(stats.joiners).toBeGreaterThan(1300)
  })

  it("ours places every joiner without a repeat, crossing departments at least as often", () => {
    const shuffle = statsOf("shuffle")
    for (const [index, ours] of statsOf("blossom").entries()) {
      expect(ours.placedShare).toBe(1)
      expect(ours.alone).toBe(0)
      expect(ours.repeats).toBe(0)
      expect(ours.crossDepartmentShare).toBeGreaterThanOrEqual(
        shuffle[index]?.crossDepartmentShare as number,
      )
    }
  })

  it("the shuffle leaves someone out on odd counts and repeats pairs", () => {
    for (const stats of statsOf("shuffle")) {
      expect(stats.roundsWithSomeoneAlone).toBeGreaterThan(0)
      expect(stats.placedShare).toBeLessThan(1)
      expect(stats.trios).toBe(0)
    }
    expect(statsOf("shuffle").reduce((sum, stats) => sum + stats.repeats, 0)).toBeGreaterThan(0)
  })

  it("is the same for the same seed, timings aside, and serialises as JSON", () => {
    const withoutTimings = (value: unknown) =>
      JSON.parse(JSON.stringify(value), (key, field) =>
        key === "ms" || key === "timeFor2000Ms" ? 0 : field,
      )
    const again = simulate({ employees: 300, rounds: 8, seed: 3 })
    expect(withoutTimings(again)).toEqual(withoutTimings(report))
  })

  it("formats a table with a row per algorithm and interest", () => {
    const lines = formatReport(report).split("\n")
    expect(lines[0]).toContain("300 employees")
    const rows = lines.filter((line) => /^(blossom|shuffle) /.test(line))
    expect(rows).toHaveLength(4)
    expect(rows[0]).toMatch(/^blossom\s+coffee \(anywhere\)\s+\d+\s+100\.00%/)
    expect(lines.at(-1)).toMatch(/^2,000 joiners in one group: blossom \d+ ms, shuffle \d+ ms$/)
  })
})
