/**
 * Round metrics as Effect metrics (exposed on /metrics): steps run, and the people at each stage
 * of a round — invited, joined, placed, met — with the ratings they gave. Counted where the step
 * or the answer commits, by the process that ran it; registered now, so that every series is on
 * /metrics at 0 from the first scrape.
 */
import { Metric, MetricBoundaries } from "effect"
import type { Step } from "./Cycle"

const stepsTotal = Metric.counter("connectbot_rounds_steps_total", {
  description: "Round steps run (each once, by whichever process ran it)",
  incremental: true,
})

export const steps: Record<Step, Metric.Metric.Counter<number>> = {
  invite: Metric.tagged(stepsTotal, "step", "invite").register(),
  match: Metric.tagged(stepsTotal, "step", "match").register(),
  remind: Metric.tagged(stepsTotal, "step", "remind").register(),
  feedback: Metric.tagged(stepsTotal, "step", "feedback").register(),
  close: Metric.tagged(stepsTotal, "step", "close").register(),
}

export const invited = Metric.counter("connectbot_rounds_invited_total", {
  description: "People invited to a round",
  incremental: true,
}).register()

export const joined = Metric.counter("connectbot_rounds_joined_total", {
  description: "People who said they are in, counted when their round was matched",
  incremental: true,
}).register()

export const placed = Metric.counter("connectbot_rounds_placed_total", {
  description: "People placed in a pair or a trio",
  incremental: true,
}).register()

export const met = Metric.counter("connectbot_rounds_met_total", {
  description: "Answers of 'yes, we met' to a round's feedback question",
  incremental: true,
}).register()

export const rating = Metric.histogram(
  "connectbot_rounds_rating",
  MetricBoundaries.linear({ start: 1, width: 1, count: 5 }),
  "Ratings (1-5) given to round meetings",
).register()
