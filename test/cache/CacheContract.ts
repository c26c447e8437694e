/**
 * What every `Cache` implementation promises its users (DESIGN.md "Cache keys"): the memory and
 * the Redis cache run this same suite, so they behave alike.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Context,
  Data,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Option,
  Ref,
  Schema,
} from "effect"
import { Cache, type CacheBackend } from "../../src/cache/Cache"
import { checks } from "../../src/cli/redis/Checks"
import { Sessions } from "../../src/sessions/Sessions"

/** Access past the cache to the backend's raw values, under full keys (prefix included). */
export class RawKeys extends Context.Tag("test/RawKeys")<
  RawKeys,
  {
    /** Writes `raw` as is (for a minute); the key is removed again when the test ends. */
    readonly write: (key: string, raw: string) => Effect.Effect<void>
    readonly read: (key: string) => Effect.Effect<Option.Option<string>>
  }
>() {}

/** A value of the kind the bot caches: a class, with Dates that JSON would turn into strings. */
class Member extends Schema.Class<Member>("Member")({
  id: Schema.Number,
  name: Schema.String,
  joinedAt: Schema.Date,
  lastSeen: Schema.NullOr(Schema.Date),
  tags: Schema.Array(Schema.String),
}) {}

const alice = new Member({
  id: 1,
  name: "Alice",
  joinedAt: new Date("2021-03-04T05:06:07.089Z"),
  lastSeen: new Date("2024-12-31T23:59:59.000Z"),
  tags: ["chess", "coffee"],
})
const bob = new Member({
  id: 2,
  name: "Bob",
  joinedAt: new Date("2022-01-01T00:00:00.000Z"),
  lastSeen: null,
  tags: [],
})

const hour = Duration.hours(1)
const Text = Schema.String

class LoadFailed extends Data.TaggedError("LoadFailed")<{ readonly reason: string }> {}

/** A loader that counts its calls and answers `value` after `delay`. */
const countingLoader = <A>(value: A, delay: Duration.DurationInput = Duration.zero) =>
  Effect.map(Ref.make(0), (calls) => ({
    calls,
    load: Ref.update(calls, (n) => n + 1).pipe(
      Effect.zipRight(Effect.sleep(delay)),
      Effect.as(value),
    ),
  }))

const sorted = (keys: ReadonlyArray<string>) => [...keys].sort()

/**
 * The suite, against a fresh `layer` per test (a prefix of its own, cleaned up afterwards).
 * Real time throughout: TTLs are checked with short sleeps, and Redis is real I/O.
 */
export const cacheContract = <E>(
  name: string,
  backend: CacheBackend["_tag"],
  layer: Layer.Layer<Cache | RawKeys, E>,
) =>
  describe(name, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, Cache | RawKeys>) =>
      // "dropped …, its value does not decode" is what the corrupt-value test provokes.
      it.live(title, () =>
        body.pipe(Effect.provide(layer), Effect.provide(Logger.minimumLogLevel(LogLevel.Error))),
      )

    test(
      "a value round-trips through its Schema, Dates and class included, as JSON",
      Effect.gen(function* () {
        const cache = yield* Cache
        const raw = yield* RawKeys
        yield* cache.set("emp:1", Member, alice, hour)
        const found = yield* cache.get("emp:1", Member)
        expect(Option.isSome(found)).toBe(true)
        const member = Option.getOrThrow(found)
        expect(member).toBeInstanceOf(Member)
        expect(member).toEqual(alice)
        expect(member.joinedAt.getTime()).toBe(alice.joinedAt.getTime())
        // Ops read these values: JSON in the Schema's encoded form.
        const stored = JSON.parse(Option.getOrThrow(yield* raw.read(`${cache.prefix}emp:1`)))
        expect(stored).toEqual({
          id: 1,
          name: "Alice",
          joinedAt: "2021-03-04T05:06:07.089Z",
          lastSeen: "2024-12-31T23:59:59.000Z",
          tags: ["chess", "coffee"],
        })

        yield* cache.set("int:1", Schema.Array(Member), [alice, bob], hour)
        expect(yield* cache.get("int:1", Schema.Array(Member))).toEqual(Option.some([alice, bob]))
        yield* cache.set("emp:1", Member, bob, hour)
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.some(bob))
      }),
    )

    test(
      "add writes only an absent key: of many adds at once exactly one wins, until it expires",
      Effect.gen(function* () {
        const cache = yield* Cache
        const wins = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) =>
            cache.ops.add("upd:1:7", Text, `claim ${i}`, Duration.millis(600)),
          ),
          { concurrency: "unbounded" },
        )
        expect(wins.filter((won) => won)).toHaveLength(1)
        const winner = wins.indexOf(true)
        expect(yield* cache.get("upd:1:7", Text)).toEqual(Option.some(`claim ${winner}`))
        expect(yield* cache.ops.add("upd:1:7", Text, "late", hour)).toBe(false)
        expect(yield* cache.get("upd:1:7", Text)).toEqual(Option.some(`claim ${winner}`))
        yield* Effect.sleep(Duration.millis(800))
        expect(yield* cache.ops.add("upd:1:7", Text, "after expiry", hour)).toBe(true)
        expect(yield* cache.get("upd:1:7", Text)).toEqual(Option.some("after expiry"))
      }),
    )

    test(
      "an absent key is a miss",
      Effect.gen(function* () {
        const cache = yield* Cache
        expect(yield* cache.get("emp:404", Member)).toEqual(Option.none())
      }),
    )

    test(
      "a value expires after its TTL: gone from reads, keys, delete counts and status",
      Effect.gen(function* () {
        const cache = yield* Cache
        yield* cache.set("emp:short", Text, "short-lived", Duration.millis(800))
        yield* cache.set("emp:long", Text, "long-lived", hour)
        expect(yield* cache.get("emp:short", Text)).toEqual(Option.some("short-lived"))
        yield* Effect.sleep(Duration.millis(1000))
        expect(yield* cache.get("emp:short", Text)).toEqual(Option.none())
        expect(yield* cache.get("emp:long", Text)).toEqual(Option.some("long-lived"))
        expect(yield* cache.ops.keys("emp:*")).toEqual(["emp:long"])
        expect((yield* cache.ops.status).keys.emp).toBe(1)

        yield* cache.set("int:short", Text, "short-lived", Duration.millis(100))
        yield* Effect.sleep(Duration.millis(200))
        expect(yield* cache.ops.delete(["int:short"])).toBe(0)
        yield* cache.set("act:1:participants", Text, "short-lived", Duration.millis(100))
        yield* Effect.sleep(Duration.millis(200))
        expect(yield* cache.ops.deleteMatching("act:*")).toBe(0)
      }),
    )

    test(
      "a read with renewTtl starts the time to live again (sessions)",
      Effect.gen(function* () {
        const cache = yield* Cache
        const ttl = Duration.millis(1000)
        yield* cache.set("sess:1", Text, "session", ttl)
        yield* Effect.sleep(Duration.millis(600))
        expect(yield* cache.get("sess:1", Text, { renewTtl: ttl })).toEqual(Option.some("session"))
        // 1.2 s after it was written, past its first TTL, alive through the renewal.
        yield* Effect.sleep(Duration.millis(600))
        expect(yield* cache.get("sess:1", Text)).toEqual(Option.some("session"))
      }),
    )

    test(
      "setMany writes every entry with the TTL",
      Effect.gen(function* () {
        const cache = yield* Cache
        yield* cache.ops.setMany(Member, [], hour)
        yield* cache.ops.setMany(
          Member,
          [
            ["emp:1", alice],
            ["emp:2", bob],
          ],
          Duration.millis(800),
        )
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.some(alice))
        expect(yield* cache.get("emp:2", Member)).toEqual(Option.some(bob))
        yield* Effect.sleep(Duration.millis(1000))
        expect(yield* cache.ops.keys("*")).toEqual([])
      }),
    )

    test(
      "delete removes exactly the named keys and counts the ones that existed",
      Effect.gen(function* () {
        const cache = yield* Cache
        yield* cache.ops.setMany(
          Text,
          [
            ["emp:1", "a"],
            ["emp:2", "b"],
            ["emp:3", "c"],
          ],
          hour,
        )
        expect(yield* cache.ops.delete([])).toBe(0)
        expect(yield* cache.ops.delete(["emp:1", "emp:2", "emp:404"])).toBe(2)
        expect(yield* cache.get("emp:1", Text)).toEqual(Option.none())
        expect(yield* cache.get("emp:2", Text)).toEqual(Option.none())
        expect(yield* cache.get("emp:3", Text)).toEqual(Option.some("c"))
        expect(yield* cache.ops.delete(["emp:1"])).toBe(0)
      }),
    )

    test(
      "deleteMatching deletes the matching keys under the prefix, and nothing outside it",
      Effect.gen(function* () {
        const cache = yield* Cache
        const raw = yield* RawKeys
        // Keys another app (no prefix) and another deployment (a sibling prefix) hold.
        const bare = `emp:${cache.prefix.replace(/:/g, "-")}x`
        const sibling = `${cache.prefix.slice(0, -1)}-other:emp:1`
        yield* raw.write(bare, '"theirs"')
        yield* raw.write(sibling, '"theirs"')
        yield* cache.ops.setMany(
          Text,
          [
            ["emp:1", "a"],
            ["emp:2", "b"],
            ["int:1", "c"],
            ["sess:1", "d"],
          ],
          hour,
        )
        expect(yield* cache.ops.deleteMatching("emp:*")).toBe(2)
        expect(sorted(yield* cache.ops.keys("*"))).toEqual(["int:1", "sess:1"])
        expect(yield* cache.ops.deleteMatching("*")).toBe(2)
        expect(yield* cache.ops.keys("*")).toEqual([])
        expect(yield* raw.read(bare)).toEqual(Option.some('"theirs"'))
        expect(yield* raw.read(sibling)).toEqual(Option.some('"theirs"'))
      }),
    )

    test(
      "keys lists the matching keys relative to the prefix",
      Effect.gen(function* () {
        const cache = yield* Cache
        const raw = yield* RawKeys
        yield* raw.write(`${cache.prefix.slice(0, -1)}-other:emp:9`, '"theirs"')
        yield* cache.ops.setMany(
          Text,
          [
            ["emp:1", "a"],
            ["emp:2", "b"],
            ["act:5:participants", "c"],
          ],
          hour,
        )
        expect(sorted(yield* cache.ops.keys("emp:*"))).toEqual(["emp:1", "emp:2"])
        expect(yield* cache.ops.keys("act:*:participants")).toEqual(["act:5:participants"])
        expect(sorted(yield* cache.ops.keys("*"))).toEqual(["act:5:participants", "emp:1", "emp:2"])
        expect(yield* cache.ops.keys("int:*")).toEqual([])
      }),
    )

    test(
      "getOrLoad loads a miss and caches it; a hit does not call the loader",
      Effect.gen(function* () {
        const cache = yield* Cache
        const { calls, load } = yield* countingLoader(alice)
        expect(yield* cache.getOrLoad("emp:1", Member, hour, load)).toEqual(alice)
        expect(yield* Ref.get(calls)).toBe(1)
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.some(alice))
        expect(yield* cache.getOrLoad("emp:1", Member, hour, load)).toEqual(alice)
        expect(yield* Ref.get(calls)).toBe(1)

        yield* cache.set("emp:2", Member, bob, hour)
        expect(yield* cache.getOrLoad("emp:2", Member, hour, load)).toEqual(bob)
        expect(yield* Ref.get(calls)).toBe(1)
      }),
    )

    test(
      "20 concurrent getOrLoad of one key call the loader once",
      Effect.gen(function* () {
        const cache = yield* Cache
        const { calls, load } = yield* countingLoader(alice, Duration.millis(100))
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => cache.getOrLoad("emp:1", Member, hour, load)),
          { concurrency: "unbounded" },
        )
        expect(results).toEqual(Array.from({ length: 20 }, () => alice))
        expect(yield* Ref.get(calls)).toBe(1)
      }),
    )

    test(
      "a loader's failure reaches the caller and nothing is cached",
      Effect.gen(function* () {
        const cache = yield* Cache
        const error = yield* Effect.flip(
          cache.getOrLoad("emp:1", Member, hour, new LoadFailed({ reason: "database down" })),
        )
        expect(error).toEqual(new LoadFailed({ reason: "database down" }))
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.none())
        const { calls, load } = yield* countingLoader(alice)
        expect(yield* cache.getOrLoad("emp:1", Member, hour, load)).toEqual(alice)
        expect(yield* Ref.get(calls)).toBe(1)
      }),
    )

    test(
      "a value invalidated while it loads is returned but not cached",
      Effect.gen(function* () {
        const cache = yield* Cache
        const started = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const slowRead = Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Deferred.await(release)),
          Effect.as(alice),
        )
        const reading = yield* Effect.fork(cache.getOrLoad("emp:1", Member, hour, slowRead))
        yield* Deferred.await(started)
        // A write to the employee lands while the old row is still on its way.
        yield* cache.invalidate(["emp:1"])
        yield* Deferred.succeed(release, undefined)
        expect(yield* Fiber.join(reading)).toEqual(alice)
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.none())

        const { calls, load } = yield* countingLoader(bob)
        expect(yield* cache.getOrLoad("emp:1", Member, hour, load)).toEqual(bob)
        expect(yield* Ref.get(calls)).toBe(1)
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.some(bob))
      }),
    )

    test(
      "a corrupt or old-format value is a miss and is deleted",
      Effect.gen(function* () {
        const cache = yield* Cache
        const raw = yield* RawKeys
        const notJson = `${cache.prefix}emp:1`
        const oldShape = `${cache.prefix}emp:2`
        yield* raw.write(notJson, "{not json")
        yield* raw.write(oldShape, JSON.stringify({ pk: 2, full_name: "Bob", joined: 17 }))
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.none())
        expect(yield* raw.read(notJson)).toEqual(Option.none())
        expect(yield* cache.get("emp:2", Member, { renewTtl: hour })).toEqual(Option.none())
        expect(yield* raw.read(oldShape)).toEqual(Option.none())

        // Through getOrLoad: loaded afresh and the good value replaces the bad one.
        yield* raw.write(notJson, "\u0000garbage")
        const { calls, load } = yield* countingLoader(alice)
        expect(yield* cache.getOrLoad("emp:1", Member, hour, load)).toEqual(alice)
        expect(yield* Ref.get(calls)).toBe(1)
        expect(yield* cache.get("emp:1", Member)).toEqual(Option.some(alice))
      }),
    )

    test(
      "status reports the backend and the keys under the prefix per namespace",
      Effect.gen(function* () {
        const cache = yield* Cache
        const raw = yield* RawKeys
        yield* raw.write(`${cache.prefix.slice(0, -1)}-other:emp:1`, '"theirs"')
        yield* cache.ops.setMany(
          Text,
          [
            ["emp:1", "a"],
            ["emp:2", "b"],
            ["int:1", "c"],
            ["act:1:participants", "d"],
            ["sess:1", "e"],
            ["warmup:marker", "f"],
          ],
          hour,
        )
        const status = yield* cache.ops.status
        expect(status.backend._tag).toBe(backend)
        expect(cache.backend).toEqual(status.backend)
        expect(status.available).toBe(true)
        expect(status.keys).toEqual({ emp: 2, int: 1, act: 1, sess: 1, upd: 0, other: 1 })
        expect(status.pendingInvalidations).toBe(0)
        expect(status.server.entries).toBeGreaterThanOrEqual(6)
      }),
    )

    test(
      "ping answers with its latency",
      Effect.gen(function* () {
        const cache = yield* Cache
        const latency = yield* cache.ops.ping
        expect(Duration.lessThan(latency, Duration.seconds(1))).toBe(true)
      }),
    )

    // What an operator runs against the configured backend (`tsx scripts/redis.ts test`) holds
    // for every implementation. The checks build on each other: one run, in order.
    it.live("passes the checks of the ops self-test, in order", () =>
      Effect.gen(function* () {
        const failed: Array<string> = []
        for (const check of checks(yield* Cache, yield* Sessions)) {
          const exit = yield* Effect.exit(check.run)
          if (Exit.isFailure(exit)) failed.push(`${check.name}: ${Cause.pretty(exit.cause)}`)
        }
        expect(failed).toEqual([])
      }).pipe(
        Effect.provide(Sessions.Default.pipe(Layer.provideMerge(layer))),
        Effect.provide(Logger.minimumLogLevel(LogLevel.Error)),
      ),
    )
  })
