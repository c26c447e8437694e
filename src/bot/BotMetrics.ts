/**
 * Bot metrics as Effect metrics (exposed on /metrics): updates handled and failed per kind, and
 * how long handling took. The bot wraps the handling of each update in `observeUpdate`.
 */
import { Cause, Clock, Effect, Exit, Metric, MetricBoundaries } from "effect"
import type { TelegramUpdate } from "./Bot"

export type UpdateKind = "message" | "command" | "callback_query" | "edited_message" | "other"

/** What kind of update this is, for the `kind` tag. */
export const updateKind = (update: TelegramUpdate): UpdateKind => {
  if (update.message !== undefined) {
    const first = update.message.entities?.[0]
    return first?.type === "bot_command" && first.offset === 0 ? "command" : "message"
  }
  if (update.callback_query !== undefined) return "callback_query"
  if (update.edited_message !== undefined) return "edited_message"
  return "other"
}

export const updatesHandled = Metric.counter("connectbot_updates_handled_total", {
  description: "Updates the bot finished handling, failed or not",
  incremental: true,
})
export const updatesFailed = Metric.counter("connectbot_updates_failed_total", {
  description: "Updates whose handling hit a defect or an unexpected error",
  incremental: true,
})
/** Registered now, so that it is on /metrics at 0 before the first redelivery. */
export const updatesRedelivered = Metric.counter("connectbot_updates_redelivered_total", {
  description:
    "Updates Telegram delivered again after this bot had handled them; not applied again",
  incremental: true,
}).register()
export const updateDuration = Metric.histogram(
  "connectbot_update_duration_seconds",
  // 5 ms … 10 s: a cached answer is a few ms, a slow Postgres or Bot API call seconds.
  MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  "Time the bot took to handle an update",
)

/**
 * One tagged metric per kind, made once (tagging builds a new metric each time) and registered
 * now, so that every series is on /metrics from the first scrape at 0 and a rate sees the first
 * update.
 */
const metricsOf = (kind: UpdateKind) => ({
  handled: Metric.tagged(updatesHandled, "kind", kind).register(),
  failed: Metric.tagged(updatesFailed, "kind", kind).register(),
  duration: Metric.tagged(updateDuration, "kind", kind).register(),
})
const perKind: Record<UpdateKind, ReturnType<typeof metricsOf>> = {
  message: metricsOf("message"),
  command: metricsOf("command"),
  callback_query: metricsOf("callback_query"),
  edited_message: metricsOf("edited_message"),
  other: metricsOf("other"),
}

const record = (kind: UpdateKind, seconds: number, failed: boolean): Effect.Effect<void> => {
  const metrics = perKind[kind]
  return Effect.all([
    Metric.update(metrics.duration, seconds),
    Metric.increment(metrics.handled),
    failed ? Metric.increment(metrics.failed) : Effect.void,
  ]).pipe(Effect.asVoid)
}

/**
 * Times `self` and counts it as handled, and as failed when it failed or died; its result is
 * unchanged. An update interrupted before it finished (the process stopping) is not counted.
 */
export const observeUpdate =
  (kind: UpdateKind) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Clock.currentTimeNanos, (start) =>
      Effect.onExit(self, (exit) =>
        Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
          ? Effect.void
          : Effect.flatMap(Clock.currentTimeNanos, (end) =>
              record(kind, Number(end - start) / 1e9, Exit.isFailure(exit)),
            ),
      ),
    )
