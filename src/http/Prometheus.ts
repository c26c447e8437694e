/**
 * Every Effect metric of the process in the Prometheus text exposition format 0.0.4, for
 * GET /metrics. Series of one name are grouped under one `# HELP` and `# TYPE`.
 *
 * Written here rather than taken from `@effect/opentelemetry` with the OpenTelemetry Prometheus
 * exporter (tried for issue 11): that exporter appends `_total` to every counter that lacks it,
 * with no way to turn it off, so Effect's own `effect_fiber_started`, `effect_fiber_successes` and
 * `effect_fiber_failures` would change names on dashboards, and `effect_fiber_active` would
 * change type. It also took twice as long per scrape. Tracing does use OpenTelemetry
 * (`src/telemetry/Tracing.ts`).
 */
import { Effect, Metric, type MetricLabel, type MetricPair, MetricState, Option } from "effect"

export const contentType = "text/plain; version=0.0.4; charset=utf-8"

type PrometheusType = "counter" | "gauge" | "histogram" | "summary"

interface Family {
  readonly name: string
  readonly type: PrometheusType
  help: string | undefined
  readonly series: Array<{ readonly labels: string; readonly lines: ReadonlyArray<string> }>
}

/** Characters Prometheus does not allow in a metric name become `_`. */
const metricName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

const labelName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, "_")
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const formatNumber = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Number.POSITIVE_INFINITY) return "+Inf"
  if (value === Number.NEGATIVE_INFINITY) return "-Inf"
  return String(value)
}

type Labels = ReadonlyArray<readonly [name: string, value: string]>

const formatLabels = (labels: Labels): string =>
  labels.length === 0
    ? ""
    : `{${labels.map(([name, value]) => `${labelName(name)}="${escapeLabelValue(value)}"`).join(",")}}`

const sample = (name: string, labels: Labels, value: number | bigint): string =>
  `${name}${formatLabels(labels)} ${formatNumber(value)}`

const typeOf = (state: MetricState.MetricState.Untyped): PrometheusType | undefined => {
  if (MetricState.isCounterState(state)) return "counter"
  if (MetricState.isGaugeState(state)) return "gauge"
  if (MetricState.isHistogramState(state)) return "histogram"
  if (MetricState.isSummaryState(state)) return "summary"
  // A frequency (occurrences per string value) has no Prometheus type of its own: each value is
  // shown as a gauge series labelled `value`. A gauge is a correct reading of a count whatever
  // the metric is called, while a counter would by convention need a `_total` name.
  if (MetricState.isFrequencyState(state)) return "gauge"
  return undefined
}

const samplesOf = (
  name: string,
  labels: Labels,
  state: MetricState.MetricState.Untyped,
): ReadonlyArray<string> => {
  if (MetricState.isCounterState(state)) return [sample(name, labels, state.count)]
  if (MetricState.isGaugeState(state)) return [sample(name, labels, state.value)]
  if (MetricState.isFrequencyState(state)) {
    return [...state.occurrences]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([value, count]) => sample(name, [...labels, ["value", value]], count))
  }
  if (MetricState.isHistogramState(state)) {
    // Effect's buckets are already cumulative; its last boundary is +Inf, written from `count`
    // so that it is there even for boundaries built without it.
    const finite = state.buckets.filter(([boundary]) => Number.isFinite(boundary))
    return [
      ...finite.map(([boundary, count]) =>
        sample(`${name}_bucket`, [...labels, ["le", formatNumber(boundary)]], count),
      ),
      sample(`${name}_bucket`, [...labels, ["le", "+Inf"]], state.count),
      sample(`${name}_sum`, labels, state.sum),
      sample(`${name}_count`, labels, state.count),
    ]
  }
  if (MetricState.isSummaryState(state)) {
    return [
      ...state.quantiles.map(([quantile, value]) =>
        sample(
          name,
          [...labels, ["quantile", formatNumber(quantile)]],
          Option.getOrElse(value, () => Number.NaN),
        ),
      ),
      sample(`${name}_sum`, labels, state.sum),
      sample(`${name}_count`, labels, state.count),
    ]
  }
  return []
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The exposition text of these metrics, families and their series in a stable order. */
export const render = (pairs: Iterable<MetricPair.MetricPair.Untyped>): string => {
  const families = new Map<string, Family>()
  for (const { metricKey, metricState } of pairs) {
    const type = typeOf(metricState)
    if (type === undefined) continue
    const name = metricName(metricKey.name)
    let family = families.get(name)
    if (family === undefined) {
      family = { name, type, help: undefined, series: [] }
      families.set(name, family)
    } else if (family.type !== type) {
      // Two types under one name would make Prometheus reject the whole scrape: the first wins.
      continue
    }
    family.help ??= Option.getOrUndefined(metricKey.description)
    const labels = metricKey.tags.map(
      (tag: MetricLabel.MetricLabel) => [tag.key, tag.value] as const,
    )
    family.series.push({
      labels: formatLabels(labels),
      lines: samplesOf(name, labels, metricState),
    })
  }
  const lines: Array<string> = []
  for (const family of [...families.values()].sort((a, b) => byText(a.name, b.name))) {
    if (family.help !== undefined) lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`)
    lines.push(`# TYPE ${family.name} ${family.type}`)
    for (const series of family.series.sort((a, b) => byText(a.labels, b.labels))) {
      lines.push(...series.lines)
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`
}

/** Every metric of the process (Effect's global registry), rendered. */
export const scrape: Effect.Effect<string> = Effect.map(Metric.snapshot, render)
