/**
 * Outbox metrics as Effect metrics (exposed on /metrics): messages sent, retried, failed and
 * dropped, and how many wait. Every tagged series is made once and registered now, so that it is
 * on /metrics at 0 from the first scrape and a rate sees the first event.
 */
import { Metric } from "effect"

export type RetryReason = "rate_limited" | "transient"
/** `rejected`: Telegram refused the message (a 4xx); `attempts_exhausted`: it never got through. */
export type FailReason = "rejected" | "attempts_exhausted"
export type DropReason = "unreachable" | "inactive" | "not_linked"

export const sent = Metric.counter("connectbot_outbox_sent_total", {
  description: "Outbox messages Telegram accepted",
  incremental: true,
}).register()

const retriedTotal = Metric.counter("connectbot_outbox_retried_total", {
  description: "Outbox sends put back for later: a 429, a network error or a 5xx",
  incremental: true,
})
const failedTotal = Metric.counter("connectbot_outbox_failed_total", {
  description: "Outbox messages given up on: refused by Telegram or never got through",
  incremental: true,
})
const droppedTotal = Metric.counter("connectbot_outbox_dropped_total", {
  description: "Outbox messages not sent: the employee blocked the bot, left, or is not linked",
  incremental: true,
})

/** Set by the process that dispatches, each time it finds nothing due. */
export const pending = Metric.gauge("connectbot_outbox_pending", {
  description: "Outbox messages waiting to be sent (due or scheduled)",
}).register()

const tagged = <const Reason extends string>(
  counter: Metric.Metric.Counter<number>,
  reasons: ReadonlyArray<Reason>,
): Record<Reason, Metric.Metric.Counter<number>> =>
  Object.fromEntries(
    reasons.map((reason) => [reason, Metric.tagged(counter, "reason", reason).register()]),
  ) as Record<Reason, Metric.Metric.Counter<number>>

export const retried = tagged<RetryReason>(retriedTotal, ["rate_limited", "transient"])
export const failed = tagged<FailReason>(failedTotal, ["rejected", "attempts_exhausted"])
export const dropped = tagged<DropReason>(droppedTotal, ["unreachable", "inactive", "not_linked"])
