import { Clock, Effect } from "effect"

/**
 * A clock that reads `instant` and sleeps for real: for a scheduled step run "at" a moment by an
 * end-to-end test whose bot (polling, dispatcher) keeps the real clock.
 */
export const fixedClock = (instant: Date): Clock.Clock => {
  const live = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    sleep: (duration) => live.sleep(duration),
    unsafeCurrentTimeMillis: () => instant.getTime(),
    currentTimeMillis: Effect.sync(() => instant.getTime()),
    unsafeCurrentTimeNanos: () => BigInt(instant.getTime()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(instant.getTime()) * 1_000_000n),
  }
}
