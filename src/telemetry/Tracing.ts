/**
 * Tracing: the spans of the process (one per HTTP request, per `Effect.fn`/`Effect.withSpan`
 * service method, per SQL statement) sent over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`, as
 * service `connectbot`. Without the setting there is no tracing layer at all: Effect keeps its
 * own tracer and nothing is exported.
 *
 * The setting is read here rather than in `config.ts`: only this layer uses it; it is read as
 * every other setting is (`src/settings/Readers.ts`).
 */
import { Config, type ConfigError, Effect, Layer, Option } from "effect"
import { setting, urlOf } from "../settings/Readers"

const serviceName = "connectbot"

/**
 * The collector's base URL (e.g. `http://otel-collector:4318`); unset or empty: no tracing, as
 * the OpenTelemetry specification reads an empty value. The message never echoes the value: a
 * URL may carry a password.
 */
export const otlpEndpointConfig: Config.Config<Option.Option<URL>> = Config.option(
  setting(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "expected an http(s) URL, e.g. http://otel-collector:4318",
    urlOf("http:", "https:"),
  ),
)

/** Where spans go: `v1/traces` under the base URL, as the specification says for this setting. */
export const tracesUrl = (endpoint: URL): string =>
  new URL("v1/traces", endpoint.href.endsWith("/") ? endpoint.href : `${endpoint.href}/`).href

/**
 * Spans are batched and sent in the background; closing the layer (the process stopping) sends
 * what is left, for at most a few seconds. Headers (`OTEL_EXPORTER_OTLP_HEADERS`) and other
 * `OTEL_*` exporter settings are read by the exporter itself.
 */
export const layer: Layer.Layer<never, ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.flatMap(
    otlpEndpointConfig,
    Option.match({
      onNone: () => Effect.succeed(Layer.empty),
      // Loaded only when tracing is on: the SDK and the exporter are some 450 modules, which every
      // start of the bot and of the scripts would otherwise load for nothing.
      onSome: (endpoint) =>
        Effect.promise(async () => {
          const [NodeSdk, { OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
            import("@effect/opentelemetry/NodeSdk"),
            import("@opentelemetry/exporter-trace-otlp-http"),
            import("@opentelemetry/sdk-trace-base"),
          ])
          return NodeSdk.layer(() => ({
            resource: { serviceName },
            spanProcessor: new BatchSpanProcessor(
              new OTLPTraceExporter({ url: tracesUrl(endpoint) }),
            ),
          })).pipe(Layer.discard)
        }),
    }),
  ),
)
