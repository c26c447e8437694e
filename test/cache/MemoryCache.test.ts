import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { Cache } from "../../src/cache/Cache"
import * as MemoryCache from "../../src/cache/MemoryCache"
import { makeCache } from "../../src/cache/Store"
import { CacheConfig } from "../../src/config"
import { newPrefix } from "../support/CacheSettings"
import { cacheContract, RawKeys } from "./CacheContract"

/** A memory cache and raw access to its store (values written past the cache). */
const memory = (maxEntries?: number) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const store = yield* MemoryCache.makeMemoryStore({
        reason: "test",
        ...(maxEntries === undefined ? {} : { maxEntries }),
      })
      return Context.make(Cache, makeCache(store, newPrefix())).pipe(
        Context.add(RawKeys, {
          write: (key, raw) => Effect.orDie(store.set([[key, raw]], 60_000)),
          read: (key) => Effect.orDie(store.get(key)),
        }),
      )
    }),
  )

cacheContract("MemoryCache", "Memory", memory())

describe("MemoryCache", () => {
  it.effect("at maxEntries a write evicts the least recently used entry; a read is a use", () =>
    Effect.gen(function* () {
      const cache = yield* Cache
      const hour = Duration.hours(1)
      yield* cache.ops.setMany(
        Schema.String,
        [
          ["emp:1", "a"],
          ["emp:2", "b"],
          ["emp:3", "c"],
        ],
        hour,
      )
      expect(yield* cache.get("emp:1", Schema.String)).toEqual(Option.some("a"))
      yield* cache.set("emp:4", Schema.String, "d", hour)
      expect([...(yield* cache.ops.keys("*"))].sort()).toEqual(["emp:1", "emp:3", "emp:4"])
      yield* cache.set("emp:5", Schema.String, "e", hour)
      expect([...(yield* cache.ops.keys("*"))].sort()).toEqual(["emp:1", "emp:4", "emp:5"])
      expect((yield* cache.ops.status).server.maxEntries).toBe(3)
    }).pipe(Effect.provide(memory(3))),
  )

  it.effect("the layer reads the prefix from CacheConfig and says why memory is in use", () =>
    Effect.gen(function* () {
      const cache = yield* Cache
      expect(cache.prefix).toBe("cbtest:memory-layer:")
      expect(cache.backend).toEqual({ _tag: "Memory", reason: "REDIS_URL is not set" })
    }).pipe(
      Effect.provide(MemoryCache.layer({ reason: "REDIS_URL is not set" })),
      Effect.provide(
        Layer.succeed(CacheConfig, { redisUrl: Option.none(), prefix: "cbtest:memory-layer:" }),
      ),
    ),
  )
})
