import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { configProblems } from "../../src/config"
import * as Tracing from "../../src/telemetry/Tracing"

interface Received {
  readonly method: string
  readonly path: string
  readonly body: string
}

/** A local OTLP collector: it keeps every request and answers 200. */
const collector = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly received: Array<Received>; close: () => void }>(
    (resume) => {
      const received: Array<Received> = []
      const server = createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          received.push({
            method: request.method ?? "",
            path: request.url ?? "",
            body: Buffer.concat(chunks).toString("utf8"),
          })
          response.writeHead(200, { "content-type": "application/json" }).end("{}")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}`,
            received,
            close: () => {
              server.closeAllConnections()
              server.close()
            },
          }),
        )
      })
    },
  ),
  ({ close }) => Effect.sync(close),
)

const settings = (entries: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

/** The tracing layer over these settings, as `MainLive` has it. */
const tracingWith = (entries: Record<string, string>) =>
  Tracing.layer.pipe(Layer.provide(settings(entries)))

/** The tracer Effect has when no layer set one. */
const nativeTracer = Effect.runSync(Effect.tracer)

/** A service method as the services write them; says whether Effect's own tracer made its span. */
const work = Effect.fn("Test.work")(function* (n: number) {
  return { n, native: (yield* Effect.tracer) === nativeTracer }
})

/** Spans sent to the collector, as (name, service) pairs. */
const spansOf = (received: ReadonlyArray<Received>) =>
  received.flatMap(({ body }) => {
    const request = JSON.parse(body) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
        scopeSpans: Array<{ spans: Array<{ name: string }> }>
      }>
    }
    return request.resourceSpans.flatMap(({ resource, scopeSpans }) => {
      const service = resource.attributes.find(({ key }) => key === "service.name")?.value
        .stringValue
      return scopeSpans.flatMap(({ spans }) => spans.map(({ name }) => [name, service]))
    })
  })

describe("tracing", () => {
  it.scopedLive(
    "with OTEL_EXPORTER_OTLP_ENDPOINT: spans of connectbot are POSTed to /v1/traces",
    () =>
      Effect.gen(function* () {
        const { url, received } = yield* collector
        const result = yield* work(1).pipe(
          Effect.provide(tracingWith({ OTEL_EXPORTER_OTLP_ENDPOINT: url })),
        )
        expect(result).toEqual({ n: 1, native: false })
        // Closing the layer sent the batch.
        expect(received.map(({ method, path }) => `${method} ${path}`)).toEqual(["POST /v1/traces"])
        expect(spansOf(received)).toEqual([["Test.work", "connectbot"]])
      }),
  )

  it.scopedLive("the fibers of layers built over it (the bot, the HTTP server) are traced", () =>
    Effect.gen(function* () {
      const { url, received } = yield* collector
      const forked = Layer.scopedDiscard(Effect.forkScoped(work(2))).pipe(
        Layer.provide(tracingWith({ OTEL_EXPORTER_OTLP_ENDPOINT: `${url}/` })),
      )
      yield* Effect.scoped(Layer.build(forked).pipe(Effect.zipRight(Effect.sleep("50 millis"))))
      expect(spansOf(received)).toEqual([["Test.work", "connectbot"]])
    }),
  )

  it.scopedLive("without it (or empty): Effect's own tracer, nothing sent", () =>
    Effect.gen(function* () {
      const { received } = yield* collector
      for (const entries of [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: " " }]) {
        const result = yield* work(3).pipe(Effect.provide(tracingWith(entries)))
        expect(result).toEqual({ n: 3, native: true })
      }
      expect(received).toEqual([])
    }),
  )

  it.effect("a value that is not an http(s) URL stops start-up, naming the setting only", () =>
    Effect.gen(function* () {
      for (const value of ["collector:4318", "ftp://user:hunter2@collector"]) {
        const error = yield* Effect.flip(
          Layer.build(tracingWith({ OTEL_EXPORTER_OTLP_ENDPOINT: value })).pipe(Effect.scoped),
        )
        expect(configProblems(error)).toEqual([
          "Invalid setting OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL, e.g. http://otel-collector:4318",
        ])
      }
    }),
  )

  it("the traces URL is v1/traces under the base URL, with or without a trailing slash", () => {
    for (const base of ["http://collector:4318", "http://collector:4318/"]) {
      expect(Tracing.tracesUrl(new URL(base))).toBe("http://collector:4318/v1/traces")
    }
    expect(Tracing.tracesUrl(new URL("https://otel.example/prefix"))).toBe(
      "https://otel.example/prefix/v1/traces",
    )
  })
})
