/**
 * Runs the rounds on their schedule, in the bot's process: at start (catching up on whatever fell
 * due while no process ran), then at every time one of the step crons names, and at least hourly
 * (an interest switched to pairing by ops is picked up). With several processes each runs the
 * loop; a step's advisory lock and its state check make exactly one of them do each step.
 * Off when `ROUNDS_ENABLED=false`. All waiting is on Effect's `Clock`, so tests drive it with
 * the `TestClock`.
 */
import { Clock, Duration, Effect, Layer } from "effect"
import { nextTick } from "./Cycle"
import { Rounds } from "./Rounds"
import { RoundsConfig } from "./RoundsSettings"

/** Looked at least this often, whatever the crons say. */
const maxWait = Duration.hours(1)

/** Runs what is due; a failure (the database away) is logged and tried again at the next tick. */
export const tick = Effect.gen(function* () {
  const rounds = yield* Rounds
  return yield* rounds.runDue.pipe(
    Effect.tap((runs) => (runs.some((run) => run.messages > 0) ? rounds.wake : Effect.void)),
    Effect.catchAll((error) =>
      Effect.logWarning(
        `Rounds: could not run the due steps (${error.message}); trying again later`,
      ).pipe(Effect.as([])),
    ),
  )
})

const loop = Effect.gen(function* () {
  const settings = yield* RoundsConfig
  while (true) {
    const started = yield* Clock.currentTimeMillis
    yield* tick
    const now = yield* Clock.currentTimeMillis
    // The next cron time after the tick's start, not its end: a step whose time came while the
    // tick ran (it read the clock before) is run now, not at the next tick up to an hour later.
    const wait = Math.min(
      nextTick(settings, new Date(started)).getTime() - now,
      Duration.toMillis(maxWait),
    )
    yield* Effect.sleep(Duration.millis(Math.max(wait, 0)))
  }
})

export const layer: Layer.Layer<never, never, Rounds | RoundsConfig> = Layer.scopedDiscard(
  Effect.gen(function* () {
    const settings = yield* RoundsConfig
    if (!settings.enabled) {
      yield* Effect.logInfo("Rounds: off (ROUNDS_ENABLED=false)")
      return
    }
    yield* Effect.forkScoped(loop)
  }),
)
