import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Schema } from "effect"
import { Cache } from "../../src/cache/Cache"
import * as RedisCache from "../../src/cache/RedisCache"
import { cacheConfig, rawRedis, testRedisUrl } from "../support/CacheSettings"
import { cacheContract, RawKeys } from "./CacheContract"

/** Raw access to the test Redis; what a test writes there is deleted when it ends. */
const raw = Layer.scoped(
  RawKeys,
  Effect.gen(function* () {
    const client = yield* rawRedis(testRedisUrl)
    const written = new Set<string>()
    yield* Effect.addFinalizer(() =>
      written.size === 0 ? Effect.void : Effect.promise(() => client.unlink(...written)),
    )
    return {
      write: (key, value) =>
        Effect.promise(() => {
          written.add(key)
          return client.set(key, value, "EX", 60)
        }),
      read: (key) => Effect.promise(() => client.get(key)).pipe(Effect.map(Option.fromNullable)),
    }
  }),
)

// The Redis this machine runs, through the production layer, under a prefix of the test's own.
cacheContract(
  "RedisCache",
  "Redis",
  Layer.merge(RedisCache.layer, raw).pipe(Layer.provide(cacheConfig())),
)

describe("RedisCache", () => {
  it.live("deleteMatching deletes more keys than one UNLINK batch holds", () =>
    Effect.gen(function* () {
      const cache = yield* Cache
      const entries = Array.from({ length: 1201 }, (_, i) => [`emp:${i}`, "a"] as const)
      yield* cache.ops.setMany(Schema.String, entries, Duration.minutes(1))
      expect(yield* cache.ops.deleteMatching("emp:*")).toBe(1201)
      expect(yield* cache.ops.keys("*")).toEqual([])
    }).pipe(Effect.provide(RedisCache.layer.pipe(Layer.provide(cacheConfig())))),
  )
})
