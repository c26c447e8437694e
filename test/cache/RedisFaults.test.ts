/**
 * DESIGN.md "Degradation" at run time, against a redis-server of the test's own that it kills,
 * restarts, freezes (SIGSTOP: connections stay open, nothing answers, data is kept) and thaws.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Duration,
  Effect,
  Exit,
  Fiber,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schedule,
  Schema,
  Scope,
} from "effect"
import { CacheError } from "../../src/cache/Cache"
import * as RedisCache from "../../src/cache/RedisCache"
import { newPrefix, rawRedis } from "../support/CacheSettings"
import { type PrivateRedis, privateRedis } from "../support/PrivateRedis"

const commandTimeout = Duration.millis(200)
const coolDown = Duration.millis(300)
/** "Fails quickly": within a few command timeouts (with room for a loaded machine), never a hang. */
const quickly = 10 * Duration.toMillis(commandTimeout)

const Text = Schema.String
const hour = Duration.hours(1)

const cacheOn = (redis: PrivateRedis) =>
  RedisCache.make({
    url: Redacted.make(redis.url),
    prefix: newPrefix(),
    connectTimeout: Duration.seconds(1),
    commandTimeout,
    failureThreshold: 2,
    coolDown,
  })

/** How long `effect` took, in milliseconds, and what it ended with. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = Date.now()
    const exit = yield* Effect.exit(effect)
    return [Date.now() - started, exit] as const
  })

/** Repeats `effect` until it succeeds, for a few seconds at most (a reconnect has a back-off). */
const eventually = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.retry(effect, { schedule: Schedule.spaced(Duration.millis(100)), times: 40 })

// The circuit's warnings are what these tests provoke.
const quiet = Logger.minimumLogLevel(LogLevel.Error)

describe("Redis faults at run time", () => {
  it.scopedLive(
    "killed: reads fail at once, users still get their data, and a restart is picked up",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        const cache = yield* cacheOn(redis)
        yield* cache.ops.set("emp:1", Text, "before", hour)
        yield* redis.kill

        // (A key the process holds no copy of: a copy may answer until the connection's close
        // is seen, and nobody can change the value meanwhile.)
        const [took, read] = yield* timed(cache.ops.get("emp:9", Text))
        expect(read).toEqual(Exit.fail(expect.any(CacheError)))
        expect(took).toBeLessThan(quickly)
        expect(Exit.isFailure(yield* Effect.exit(cache.ops.set("emp:1", Text, "x", hour)))).toBe(
          true,
        )
        const [loadTook, loaded] = yield* timed(
          cache.getOrLoad("emp:1", Text, hour, Effect.succeed("from postgres")),
        )
        expect(loaded).toEqual(Exit.succeed("from postgres"))
        expect(loadTook).toBeLessThan(quickly)

        yield* redis.start
        // No restart of ours: the client reconnects and the circuit lets a probe through.
        const after = yield* eventually(
          Effect.zipRight(
            cache.ops.set("emp:2", Text, "after", hour),
            cache.ops.get("emp:2", Text),
          ),
        )
        expect(after).toEqual(Option.some("after"))
        const status = yield* cache.ops.status
        expect(status.available).toBe(true)
        // The killed server kept nothing (no persistence): only what was written since.
        expect(status.keys).toMatchObject({ emp: 1 })
      }).pipe(Effect.provide(quiet)),
  )

  it.scopedLive(
    "frozen: operations fail within about the command timeout, then the circuit opens and closes again",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        const cache = yield* cacheOn(redis)
        yield* cache.ops.set("emp:1", Text, "kept", hour)
        yield* redis.freeze

        // A value the process holds a copy of needs no Redis (nobody can change it meanwhile:
        // Redis is frozen for every client).
        expect(yield* cache.ops.get("emp:1", Text)).toEqual(Option.some("kept"))
        for (const operation of [
          cache.ops.get("emp:3", Text),
          cache.ops.set("emp:2", Text, "x", hour),
        ]) {
          const [took, exit] = yield* timed(operation)
          expect(exit).toEqual(Exit.fail(expect.any(CacheError)))
          expect(took).toBeLessThan(quickly)
        }
        // Two failures in a row: the cache stands aside instead of waiting on Redis each time.
        const bypassed = yield* Effect.flip(cache.ops.get("emp:1", Text))
        expect(bypassed.message).toMatch(/bypassed/)
        const degraded = yield* cache.ops.status
        expect(degraded.backend._tag).toBe("Redis")
        expect(degraded.available).toBe(false)
        expect(yield* cache.getOrLoad("emp:1", Text, hour, Effect.succeed("from postgres"))).toBe(
          "from postgres",
        )

        yield* redis.thaw
        yield* Effect.sleep(Duration.sum(coolDown, Duration.millis(100)))
        expect(yield* cache.ops.get("emp:1", Text)).toEqual(Option.some("kept"))
        expect((yield* cache.ops.status).available).toBe(true)
      }).pipe(Effect.provide(quiet)),
  )

  it.scopedLive(
    "an invalidation that failed during the outage takes effect before Redis is read again",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        const cache = yield* cacheOn(redis)
        const raw = yield* rawRedis(redis.url)
        yield* cache.ops.setMany(
          Text,
          [
            ["emp:1", "stale"],
            ["emp:2", "still good"],
            ["int:1", "stale"],
            ["int:2", "stale"],
          ],
          hour,
        )
        yield* redis.freeze
        // Open the circuit, so that the deletions below cannot reach Redis at all.
        yield* Effect.ignore(cache.ops.get("sess:1", Text))
        yield* Effect.ignore(cache.ops.get("sess:1", Text))
        expect(yield* Effect.flip(cache.ops.delete(["emp:1"]))).toBeInstanceOf(CacheError)
        expect(yield* Effect.flip(cache.ops.deleteMatching("int:*"))).toBeInstanceOf(CacheError)
        expect((yield* cache.ops.status).pendingInvalidations).toBe(2)

        yield* redis.thaw
        // Redis still holds the old values: only this process knows they are invalid.
        expect(yield* Effect.promise(() => raw.get(`${cache.prefix}emp:1`))).toBe('"stale"')
        expect(yield* cache.ops.get("emp:1", Text)).toEqual(Option.none())
        yield* Effect.sleep(Duration.sum(coolDown, Duration.millis(100)))
        expect(yield* cache.ops.get("emp:1", Text)).toEqual(Option.none())
        expect(yield* cache.ops.get("int:2", Text)).toEqual(Option.none())
        expect(yield* cache.ops.get("emp:2", Text)).toEqual(Option.some("still good"))
        expect(yield* Effect.promise(() => raw.get(`${cache.prefix}emp:1`))).toBeNull()
        expect(yield* Effect.promise(() => raw.keys(`${cache.prefix}int:*`))).toEqual([])
        expect((yield* cache.ops.status).pendingInvalidations).toBe(0)
      }).pipe(Effect.provide(quiet)),
  )

  it.scopedLive(
    "the user surface never fails while Redis is down: a read misses, a write is skipped, an invalidation waits for Redis",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        const cache = yield* cacheOn(redis)
        const raw = yield* rawRedis(redis.url)
        yield* cache.ops.setMany(
          Text,
          [
            ["emp:1", "stale"],
            ["emp:2", "kept"],
          ],
          hour,
        )
        yield* redis.freeze

        for (const key of ["emp:3", "emp:4"]) {
          const [took, read] = yield* timed(cache.get(key, Text))
          expect(read).toEqual(Exit.succeed(Option.none()))
          expect(took).toBeLessThan(quickly)
        }
        // The circuit is open now: the write is not even sent. (One sent to a frozen Redis may
        // still land when it thaws: a timeout cannot take back a command.)
        const [writeTook, written] = yield* timed(cache.set("emp:2", Text, "not written", hour))
        expect(written).toEqual(Exit.void)
        expect(writeTook).toBeLessThan(quickly)
        expect(yield* Effect.exit(cache.invalidate(["emp:1"]))).toEqual(Exit.void)
        expect((yield* cache.ops.status).pendingInvalidations).toBe(1)

        yield* redis.thaw
        // The invalidation is not served around: the key is a miss, then gone from Redis itself.
        expect(yield* cache.get("emp:1", Text)).toEqual(Option.none())
        yield* Effect.sleep(Duration.sum(coolDown, Duration.millis(100)))
        expect(yield* cache.get("emp:1", Text)).toEqual(Option.none())
        expect(yield* Effect.promise(() => raw.get(`${cache.prefix}emp:1`))).toBeNull()
        expect((yield* cache.ops.status).pendingInvalidations).toBe(0)
        // The skipped write left Redis's value as it was.
        expect(yield* cache.get("emp:2", Text)).toEqual(Option.some("kept"))
      }).pipe(Effect.provide(quiet)),
  )

  it.scopedLive("a probe abandoned by its caller does not keep the circuit open", () =>
    Effect.gen(function* () {
      const redis = yield* privateRedis
      const cache = yield* cacheOn(redis)
      yield* cache.ops.set("emp:1", Text, "kept", hour)
      yield* redis.freeze
      yield* Effect.ignore(cache.ops.get("sess:1", Text))
      yield* Effect.ignore(cache.ops.get("sess:1", Text))
      yield* Effect.sleep(Duration.sum(coolDown, Duration.millis(50)))
      // The first read after the cool-down probes Redis; its user gives up before an answer.
      const probe = yield* Effect.fork(cache.ops.get("emp:1", Text))
      yield* Effect.sleep(Duration.millis(50))
      yield* Fiber.interrupt(probe)
      yield* redis.thaw
      expect(yield* eventually(cache.ops.get("emp:1", Text))).toEqual(Option.some("kept"))
    }).pipe(Effect.provide(quiet)),
  )

  it.scopedLive("shutting down does not wait on a frozen Redis", () =>
    Effect.gen(function* () {
      const redis = yield* privateRedis
      const scope = yield* Scope.make()
      const cache = yield* Scope.extend(cacheOn(redis), scope)
      yield* cache.ops.set("emp:1", Text, "a", hour)
      yield* redis.freeze
      const [took] = yield* timed(Scope.close(scope, Exit.void))
      expect(took).toBeLessThan(quickly)
    }).pipe(Effect.provide(quiet)),
  )

  it.scopedLive(
    "the process's copy of hot keys follows every change another client makes, within a few ms",
    () =>
      Effect.gen(function* () {
        const redis = yield* privateRedis
        const prefix = newPrefix()
        const cache = yield* RedisCache.make({ url: Redacted.make(redis.url), prefix })
        const raw = yield* rawRedis(redis.url)
        const readSoon = (key: string, expected: Option.Option<string>) =>
          Effect.gen(function* () {
            const started = Date.now()
            let seen = yield* cache.ops.get(key, Text)
            while (!Option.getEquivalence(Schema.equivalence(Text))(seen, expected)) {
              if (Date.now() - started > 1000) break
              yield* Effect.sleep(Duration.millis(2))
              seen = yield* cache.ops.get(key, Text)
            }
            return { seen, millis: Date.now() - started }
          })

        yield* cache.ops.set("emp:1", Text, "mine", hour)
        yield* cache.ops.set("sess:1", Text, "mine", hour)
        expect(yield* cache.ops.get("emp:1", Text)).toEqual(Option.some("mine"))
        // Another process (or HR's script) changes one key and deletes the other.
        yield* Effect.promise(() => raw.set(`${prefix}emp:1`, JSON.stringify("theirs")))
        yield* Effect.promise(() => raw.del(`${prefix}sess:1`))
        const changed = yield* readSoon("emp:1", Option.some("theirs"))
        expect(changed.seen).toEqual(Option.some("theirs"))
        expect(changed.millis).toBeLessThan(100)
        expect((yield* readSoon("sess:1", Option.none())).seen).toEqual(Option.none())

        // Redis restarts empty: nothing the process held is served afterwards.
        yield* cache.ops.set("int:1", Text, "before", hour)
        expect(yield* cache.ops.get("int:1", Text)).toEqual(Option.some("before"))
        yield* redis.kill
        yield* redis.start
        const after = yield* eventually(
          Effect.flatMap(cache.ops.get("int:1", Text), (found) =>
            cache.ops.ping.pipe(Effect.as(found)),
          ),
        )
        expect(after).toEqual(Option.none())
      }).pipe(Effect.provide(quiet)),
  )
})
