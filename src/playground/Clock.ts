/**
 * The playground's clock: the wall clock plus an offset that the organiser's panel moves forward
 * ("+1 day"), so that a person can watch a week of rounds, digests and reminders in minutes.
 *
 * It is Effect's `Clock` for the whole playground process (`layer` sets it before anything is
 * built): every service already reads time from `Clock` and passes it into SQL, and every loop
 * waits with `Effect.sleep`. A sleep ends when the moved clock reaches its end, so a scheduler
 * waiting for Friday noon wakes when the panel moves past it. The TestClock cannot be used here:
 * it does not move by itself, and the bot on the other side of a socket runs in real time.
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"

/** Node's timers take at most 2^31-1 ms; a longer sleep looks again after that. */
const maxTimer = 2 ** 31 - 1

interface Sleeper {
  readonly wakeAt: number
  /** Looks at the clock again: wakes the sleeper or sets its timer for what is left. */
  readonly check: () => void
}

export interface PlaygroundClockService {
  readonly clock: Clock.Clock
  /** Moves the clock forward; every sleep whose end has come ends now. */
  readonly advance: (by: Duration.DurationInput) => Effect.Effect<void>
  /** How far ahead of the wall clock it is. */
  readonly ahead: Effect.Effect<Duration.Duration>
}

export const make = (wallClock: () => number = Date.now): PlaygroundClockService => {
  let offset = 0
  const sleepers = new Set<Sleeper>()
  const now = () => wallClock() + offset

  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: now,
    currentTimeMillis: Effect.sync(now),
    unsafeCurrentTimeNanos: () => BigInt(now()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
    sleep: (duration) =>
      Effect.async<void>((resume) => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const sleeper: Sleeper = {
          wakeAt: now() + Duration.toMillis(duration),
          check: () => {
            clearTimeout(timer)
            const left = sleeper.wakeAt - now()
            if (left <= 0) {
              sleepers.delete(sleeper)
              resume(Effect.void)
            } else {
              timer = setTimeout(sleeper.check, Math.min(left, maxTimer))
            }
          },
        }
        sleepers.add(sleeper)
        sleeper.check()
        return Effect.sync(() => {
          clearTimeout(timer)
          sleepers.delete(sleeper)
        })
      }),
  }

  return {
    clock,
    advance: (by) =>
      Effect.sync(() => {
        offset += Duration.toMillis(Duration.decode(by))
        for (const sleeper of [...sleepers]) sleeper.check()
      }),
    ahead: Effect.sync(() => Duration.millis(offset)),
  }
}

export class PlaygroundClock extends Context.Tag("connectbot/PlaygroundClock")<
  PlaygroundClock,
  PlaygroundClockService
>() {}

/** The clock as a service for the panel, and as `Clock` for everything built after it. */
export const layer: Layer.Layer<PlaygroundClock> = Layer.unwrapEffect(
  Effect.sync(() => {
    const service = make()
    return Layer.merge(Layer.succeed(PlaygroundClock, service), Layer.setClock(service.clock))
  }),
)
