/**
 * Taking updates by long polling (`getUpdates`), for `BOT_MODE=polling`.
 */
import { Duration, Effect, Ref, Schedule } from "effect"
import type { Api } from "grammy"
import { callApi } from "./Telegram"

/** The updates the bot asks Telegram for; everything else (edits, channel posts) is not its. */
export const allowedUpdates = ["message", "callback_query"] as const

/**
 * The getUpdates loop. Each batch is handed out in order (per-user order holds because each
 * update takes its place in its user's queue before the next is handed out); a failed poll
 * is retried with a growing pause (at most 30 s); a streak of the same failure is said once, and
 * its end once.
 */
export const pollUpdates = (
  api: Api,
  nextOffset: Ref.Ref<number>,
  hand: (update: unknown) => Effect.Effect<unknown>,
) => {
  // The failure of the current streak, said once (the loop is one fiber); its end is said too.
  let failing: string | undefined
  const poll = (offset: number) =>
    callApi("getUpdates", (signal) =>
      api.getUpdates({ offset, timeout: 25, allowed_updates: [...allowedUpdates] }, signal),
    ).pipe(
      Effect.tap(() => {
        if (failing === undefined) return Effect.void
        failing = undefined
        return Effect.logInfo("Fetching updates again")
      }),
      Effect.tapError((error) => {
        const said =
          error.code === 409
            ? "Another process takes this bot's updates (409 Conflict); retrying"
            : `Could not fetch updates: ${error.message}; retrying`
        if (said === failing) return Effect.void
        failing = said
        return Effect.logWarning(said)
      }),
      Effect.retry(
        Schedule.exponential(Duration.millis(500)).pipe(
          Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(30))),
        ),
      ),
    )
  return Ref.get(nextOffset).pipe(
    Effect.flatMap(poll),
    Effect.flatMap((updates) =>
      Effect.forEach(updates, hand, { discard: true }).pipe(
        Effect.zipRight(
          // Past every update of the batch, whatever it held (an update_id that is not a number
          // would otherwise stop the loop on the same batch for good).
          Ref.update(nextOffset, (offset) =>
            updates.reduce(
              (next, update) =>
                Number.isSafeInteger(update.update_id)
                  ? Math.max(next, update.update_id + 1)
                  : next,
              offset,
            ),
          ),
        ),
      ),
    ),
    Effect.forever,
  )
}
