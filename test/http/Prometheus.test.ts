import { randomBytes } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, MetricBoundaries } from "effect"
import * as Prometheus from "../../src/http/Prometheus"

/** Metric names of this test alone: the registry is global to the process. */
const prefix = `prom_test_${randomBytes(4).toString("hex")}`

/** The exposition text of the metrics whose names start with `start` only. */
const renderOwn = (start: string) =>
  Effect.map(Metric.snapshot, (pairs) =>
    Prometheus.render(pairs.filter((pair) => pair.metricKey.name.startsWith(start))),
  )

describe("Prometheus text format", () => {
  it.effect("a counter with tags: one HELP and TYPE, a series per tag set, escaped values", () =>
    Effect.gen(function* () {
      const requests = Metric.counter(`${prefix}_requests_total`, {
        description: 'Requests \\ "served"\nso far',
        incremental: true,
      })
      yield* Metric.incrementBy(Metric.tagged(requests, "path", "/healthz"), 3)
      yield* Metric.increment(Metric.tagged(requests, "path", 'a\\b"c\nd'))
      expect(yield* renderOwn(`${prefix}_requests`)).toBe(
        [
          `# HELP ${prefix}_requests_total Requests \\\\ "served"\\nso far`,
          `# TYPE ${prefix}_requests_total counter`,
          `${prefix}_requests_total{path="/healthz"} 3`,
          `${prefix}_requests_total{path="a\\\\b\\"c\\nd"} 1`,
          "",
        ].join("\n"),
      )
    }),
  )

  it.effect("a gauge", () =>
    Effect.gen(function* () {
      const gauge = Metric.gauge(`${prefix}_available`, { description: "1 when it answers" })
      yield* Metric.set(gauge, 0.5)
      expect(yield* renderOwn(`${prefix}_available`)).toBe(
        [
          `# HELP ${prefix}_available 1 when it answers`,
          `# TYPE ${prefix}_available gauge`,
          `${prefix}_available 0.5`,
          "",
        ].join("\n"),
      )
    }),
  )

  it.effect("a histogram: cumulative buckets with le and +Inf, _sum and _count", () =>
    Effect.gen(function* () {
      const duration = Metric.histogram(
        `${prefix}_duration_seconds`,
        MetricBoundaries.fromIterable([0.1, 1, 10]),
        "Time taken",
      )
      const tagged = Metric.tagged(duration, "kind", "message")
      for (const seconds of [0.05, 0.5, 0.75, 2, 20]) yield* Metric.update(tagged, seconds)
      expect(yield* renderOwn(`${prefix}_duration`)).toBe(
        [
          `# HELP ${prefix}_duration_seconds Time taken`,
          `# TYPE ${prefix}_duration_seconds histogram`,
          `${prefix}_duration_seconds_bucket{kind="message",le="0.1"} 1`,
          `${prefix}_duration_seconds_bucket{kind="message",le="1"} 3`,
          `${prefix}_duration_seconds_bucket{kind="message",le="10"} 4`,
          `${prefix}_duration_seconds_bucket{kind="message",le="+Inf"} 5`,
          `${prefix}_duration_seconds_sum{kind="message"} 23.3`,
          `${prefix}_duration_seconds_count{kind="message"} 5`,
          "",
        ].join("\n"),
      )
    }),
  )

  it.effect("families in name order; one name never carries two types", () =>
    Effect.gen(function* () {
      const name = `${prefix}_clash`
      yield* Metric.set(Metric.tagged(Metric.gauge(name), "a", "1"), 7)
      yield* Metric.increment(Metric.tagged(Metric.counter(name), "a", "2"))
      const text = yield* renderOwn(prefix)
      const types = text.split("\n").filter((line) => line.startsWith(`# TYPE ${name} `))
      expect(types).toHaveLength(1)
      const names = text
        .split("\n")
        .filter((line) => line.startsWith("# TYPE"))
        .map((line) => line.split(" ")[2] ?? "")
      expect(names).toEqual([...names].sort())
    }),
  )
})
