import { Effect, Layer, Option } from "effect"
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
