import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Metric, Option, Schema } from "effect"
import { Cache } from "../../src/cache/Cache"
import * as CacheLive from "../../src/cache/CacheLive"
import * as CacheMetrics from "../../src/cache/CacheMetrics"
import { cacheConfig } from "../support/CacheSettings"

const count = (counter: typeof CacheMetrics.hits, namespace: string) =>
  Effect.map(Metric.value(Metric.tagged(counter, "namespace", namespace)), (state) => state.count)
const gauge = (metric: typeof CacheMetrics.backendGauge, backend: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, "backend", backend)), (state) => state.value)

describe("cache metrics", () => {
  layer(
    CacheLive.layer.pipe(
      Layer.provide(cacheConfig(Option.none())),
      Layer.provide(Logger.minimumLogLevel(LogLevel.None)),
    ),
  )((it) => {
    it.effect("count hits, misses and undecodable values per namespace; show the backend", () =>
      Effect.gen(function* () {
        const cache = yield* Cache
        const before = {
          hits: yield* count(CacheMetrics.hits, "int"),
          misses: yield* count(CacheMetrics.misses, "int"),
          emp: yield* count(CacheMetrics.misses, "emp"),
        }
        yield* cache.get("int:1", Schema.Number)
        yield* cache.set("int:1", Schema.Number, 1, "1 minute")
        yield* cache.get("int:1", Schema.Number)
        yield* cache.get("int:1", Schema.Number)
        yield* cache.get("int:1", Schema.String) // does not decode: a miss
        expect(yield* count(CacheMetrics.hits, "int")).toBe(before.hits + 2)
        expect(yield* count(CacheMetrics.misses, "int")).toBe(before.misses + 2)
        expect(yield* count(CacheMetrics.misses, "emp")).toBe(before.emp)
        expect(yield* gauge(CacheMetrics.backendGauge, "memory")).toBe(1)
        expect(yield* gauge(CacheMetrics.backendGauge, "redis")).toBe(0)
      }),
    )
  })
})
