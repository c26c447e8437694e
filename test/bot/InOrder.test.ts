import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber } from "effect"
import { makeInOrder } from "../../src/bot/InOrder"

describe("per-user ordering", () => {
  it.live("one key's work runs one at a time, in the order it arrived", () =>
    Effect.gen(function* () {
      const inOrder = yield* makeInOrder<number>()
      const log: Array<string> = []
      // Earlier work sleeps longer: without ordering, later work would finish first.
      yield* Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        (i) =>
          inOrder.run(1)(
            Effect.gen(function* () {
              log.push(`start ${i}`)
              yield* Effect.sleep(Duration.millis(30 - i))
              log.push(`end ${i}`)
            }),
          ),
        { concurrency: "unbounded" },
      )
      expect(log).toEqual(Array.from({ length: 30 }, (_, i) => [`start ${i}`, `end ${i}`]).flat())
      expect(yield* inOrder.busyKeys).toBe(0)
    }),
  )

  it.live("different keys run concurrently", () =>
    Effect.gen(function* () {
      const inOrder = yield* makeInOrder<number>()
      const release = yield* Deferred.make<void>()
      const slow = yield* Effect.fork(inOrder.run(1)(Deferred.await(release)))
      // User 2 is served while user 1's work is still waiting.
      expect(yield* inOrder.run(2)(Effect.succeed("served"))).toBe("served")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(slow)
    }),
  )

  it.live("work for a key may run more work for the same key without waiting for itself", () =>
    Effect.gen(function* () {
      const inOrder = yield* makeInOrder<number>()
      const result = yield* inOrder
        .run(7)(inOrder.run(7)(Effect.succeed("nested")))
        .pipe(Effect.timeout(Duration.seconds(2)))
      expect(result).toBe("nested")
    }),
  )

  it.live("work interrupted while waiting does not let its successor overtake", () =>
    Effect.gen(function* () {
      const inOrder = yield* makeInOrder<number>()
      const log: Array<string> = []
      const release = yield* Deferred.make<void>()
      const first = yield* Effect.fork(
        inOrder.run(1)(
          Effect.zipRight(
            Deferred.await(release),
            Effect.sync(() => log.push("first")),
          ),
        ),
      )
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(inOrder.run(1)(Effect.sync(() => log.push("second"))))
      yield* Effect.yieldNow()
      const third = yield* Effect.fork(inOrder.run(1)(Effect.sync(() => log.push("third"))))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(second)
      yield* Effect.sleep(Duration.millis(50))
      expect(log).toEqual([])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(third)
      expect(log).toEqual(["first", "third"])
    }),
  )

  it.live("a failure releases the key for the next work", () =>
    Effect.gen(function* () {
      const inOrder = yield* makeInOrder<number>()
      const failed = yield* Effect.either(inOrder.run(1)(Effect.fail("boom")))
      expect(failed._tag).toBe("Left")
      expect(yield* inOrder.run(1)(Effect.succeed("next"))).toBe("next")
      expect(yield* inOrder.busyKeys).toBe(0)
    }),
  )
})
