import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Logger, LogLevel, Option, Schema } from "effect"
import { Cache } from "../../src/cache/Cache"
import * as CacheLive from "../../src/cache/CacheLive"
import { cacheConfig, testRedisUrl } from "../support/CacheSettings"
import { freePort, privateRedis } from "../support/PrivateRedis"

const connectTimeout = Duration.millis(500)

/** The cache a process would start with on this REDIS_URL (`None`: not set). */
const startWith = (redisUrl: Option.Option<string>) =>
  Effect.gen(function* () {
    const started = Date.now()
    const context = yield* Layer.build(
      CacheLive.layerWith({ connectTimeout }).pipe(
        Layer.provide(cacheConfig(redisUrl)),
        // The fallback warning is what these tests look at, through the backend value.
        Layer.provide(Logger.minimumLogLevel(LogLevel.Error)),
      ),
    )
    return { cache: Context.get(context, Cache), took: Duration.millis(Date.now() - started) }
  })

/** Connections that arrive on `port` within `window`. */
const connectionsOn = (port: number, window: Duration.DurationInput) =>
  Effect.async<number>((resume) => {
    let count = 0
    const server = Net.createServer((socket) => {
      count++
      socket.destroy()
    })
    server.listen(port, "127.0.0.1")
    const timer = setTimeout(
      () => server.close(() => resume(Effect.succeed(count))),
      Duration.toMillis(window),
    )
    return Effect.sync(() => {
      clearTimeout(timer)
      server.close()
    })
  })

describe("CacheLive: the backend is decided at start", () => {
  it.scopedLive("no REDIS_URL: the memory cache, saying REDIS_URL is not set", () =>
    Effect.gen(function* () {
      const { cache } = yield* startWith(Option.none())
      expect(cache.backend._tag).toBe("Memory")
      expect(cache.backend._tag === "Memory" && cache.backend.reason).toMatch(/REDIS_URL/)
    }),
  )

  it.scopedLive(
    "an unreachable Redis: memory, naming host:port and why, within the connect timeout",
    () =>
      Effect.gen(function* () {
        const port = yield* freePort
        const { cache, took } = yield* startWith(Option.some(`redis://127.0.0.1:${port}`))
        expect(cache.backend._tag).toBe("Memory")
        const reason = cache.backend._tag === "Memory" ? cache.backend.reason : ""
        expect(reason).toContain(`127.0.0.1:${port}`)
        expect(reason).toMatch(/ECONNREFUSED/)
        // A margin for a loaded machine: what matters is that start-up does not hang on Redis.
        expect(Duration.toMillis(took)).toBeLessThan(Duration.toMillis(connectTimeout) + 2000)
        // The cache works, on memory.
        yield* cache.set("emp:1", Schema.String, "a", Duration.minutes(1))
        expect(yield* cache.get("emp:1", Schema.String)).toEqual(Option.some("a"))
        // And the abandoned Redis client does not keep trying in the background.
        expect(yield* connectionsOn(port, Duration.millis(700))).toBe(0)
      }),
  )

  it.scopedLive("the password of REDIS_URL never appears in the reason", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const { cache } = yield* startWith(Option.some(`redis://:s3cret@127.0.0.1:${port}`))
      expect(cache.backend._tag).toBe("Memory")
      const reason = cache.backend._tag === "Memory" ? cache.backend.reason : ""
      expect(reason).toContain(`127.0.0.1:${port}`)
      expect(reason).not.toContain("s3cret")
    }),
  )

  it.scopedLive(
    "a Redis that accepts connections but does not answer: memory, within the connect timeout",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        yield* redis.freeze
        const { cache, took } = yield* startWith(Option.some(redis.url))
        expect(cache.backend._tag).toBe("Memory")
        const reason = cache.backend._tag === "Memory" ? cache.backend.reason : ""
        expect(reason).toContain(`127.0.0.1:${redis.port}`)
        expect(reason).toMatch(/no answer/)
        // A margin for a loaded machine: what matters is that start-up does not hang on Redis.
        expect(Duration.toMillis(took)).toBeLessThan(Duration.toMillis(connectTimeout) + 2000)
        yield* redis.thaw
      }),
  )

  it.scopedLive("a reachable Redis: the Redis backend at its host:port", () =>
    Effect.gen(function* () {
      const { cache } = yield* startWith(Option.some(testRedisUrl))
      const url = new URL(testRedisUrl)
      expect(cache.backend).toEqual({
        _tag: "Redis",
        location: `${url.hostname}:${url.port || "6379"}`,
      })
      yield* cache.set("emp:1", Schema.String, "a", Duration.minutes(1))
      expect(yield* cache.get("emp:1", Schema.String)).toEqual(Option.some("a"))
    }),
  )
})
