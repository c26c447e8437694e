import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber } from "effect"
import * as PlaygroundClock from "../../src/playground/Clock"

/** A wall clock that stands still: only `advance` moves the playground's clock. */
const standing = () => PlaygroundClock.make(() => Date.UTC(2026, 10, 27, 9, 0))

/** Lets every fiber that can run, run (no time passes on either clock). */
const settle = Effect.yieldNow().pipe(Effect.repeatN(20))

describe("the playground's clock", () => {
  it.live("reads the wall clock plus how far it was moved", () =>
    Effect.gen(function* () {
      const playground = standing()
      expect(playground.clock.unsafeCurrentTimeMillis()).toBe(Date.UTC(2026, 10, 27, 9, 0))
      yield* playground.advance(Duration.days(1))
      expect(yield* playground.clock.currentTimeMillis).toBe(Date.UTC(2026, 10, 28, 9, 0))
      expect(Duration.toHours(yield* playground.ahead)).toBe(24)
    }),
  )

  it.live("ends a sleep when the clock is moved past its end, and not before", () =>
    Effect.gen(function* () {
      const playground = standing()
      // A scheduler waiting for its next run, three days away, on the playground's clock.
      const waiting = yield* Effect.fork(
        Effect.withClock(Effect.sleep(Duration.days(3)), playground.clock),
      )
      yield* settle
      yield* playground.advance(Duration.days(2))
      yield* settle
      expect(yield* Fiber.poll(waiting)).toEqual(expect.objectContaining({ _tag: "None" }))
      yield* playground.advance(Duration.days(1))
      yield* Fiber.join(waiting)
    }),
  )

  it.live("is the clock of everything built after its layer", () =>
    Effect.gen(function* () {
      const before = Date.now()
      const ahead = yield* Effect.gen(function* () {
        const playground = yield* PlaygroundClock.PlaygroundClock
        yield* playground.advance(Duration.days(1))
        return yield* Clock.currentTimeMillis
      }).pipe(Effect.provide(PlaygroundClock.layer))
      expect(ahead - before).toBeGreaterThanOrEqual(Duration.toMillis(Duration.days(1)))
      expect(ahead - before).toBeLessThan(Duration.toMillis(Duration.days(1)) + 60_000)
    }),
  )
})
