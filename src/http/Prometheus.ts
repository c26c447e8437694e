/**
 * Every Effect metric of the process in the Prometheus text format 0.0.4, for GET /metrics,
 * through OpenTelemetry: `@effect/opentelemetry` reads Effect's metric registry when the
 * exporter collects, and the OpenTelemetry Prometheus exporter writes the text. Nothing changes
 * on the hot path: the bot still updates plain Effect metrics, the work is done per scrape.
 *
 * The exporter keeps the names of our metrics: it adds `_total` only to counters without it (ours
 * all have it), takes label names and bucket boundaries as they are, and has no `otel_scope_name`
 * label here. It adds a `target_info` series naming the service. Effect's own fiber counters do
 * change: `effect_fiber_started`, `_successes` and `_failures` gain `_total`, and
 * `effect_fiber_active` (it goes down too) becomes a gauge.
 */
import * as Metrics from "@effect/opentelemetry/Metrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import type { MetricReader, ResourceMetrics } from "@opentelemetry/sdk-metrics"
import { Effect } from "effect"

export const contentType = "text/plain; version=0.0.4; charset=utf-8"

/**
 * Effect metrics carry no unit, so the producer says `1`, which the serializer would print as a
 * `# UNIT name 1` line: not part of format 0.0.4, and it says nothing.
 */
const withoutUnits = (metrics: ResourceMetrics): ResourceMetrics => ({
  ...metrics,
  scopeMetrics: metrics.scopeMetrics.map((scope) => ({
    ...scope,
    metrics: scope.metrics.map((metric) => ({
      ...metric,
      descriptor: { ...metric.descriptor, unit: "" },
    })),
  })),
})

/**
 * The exporter as a metric reader that never listens itself (`preventServerStart`): our HTTP
 * server calls `scrape` from its /metrics route. Closing the layer shuts the reader down.
 */
export class PrometheusMetrics extends Effect.Service<PrometheusMetrics>()("PrometheusMetrics", {
  scoped: Effect.gen(function* () {
    const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true })
    // The exporter 0.223.0 pins sdk-metrics 2.12.0 and gets its own copy beside our 2.12.1: the
    // same class to the code, two to the type checker (private fields). One copy again once the
    // versions line up.
    const asReader = reader as unknown as MetricReader
    yield* Metrics.registerProducer(yield* Metrics.makeProducer, () => asReader)
    const serializer = new PrometheusSerializer(undefined, false, undefined, false, true)
    /** The exposition text of every metric now. */
    const scrape = Effect.promise(() => reader.collect()).pipe(
      Effect.map(({ resourceMetrics }) => serializer.serialize(withoutUnits(resourceMetrics))),
      Effect.withSpan("Prometheus.scrape"),
    )
    return { scrape }
  }),
  dependencies: [Resource.layer({ serviceName: "connectbot" })],
}) {}
