import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { traced } from "../../src/telemetry/Spans"

/** The name of the span the effect runs in, as the traces will show it. */
const spanName = Effect.map(
  Effect.option(Effect.currentSpan),
  Option.map((span) => span.name),
)

describe("traced", () => {
  it.effect("every method and effect of a service runs in a span named Service.method", () =>
    Effect.gen(function* () {
      const repo = traced("Repo", {
        find: (id: number) => Effect.map(spanName, (span) => ({ id, span })),
        catalogue: spanName,
        limit: 10,
      })
      expect(yield* repo.find(7)).toEqual({ id: 7, span: Option.some("Repo.find") })
      expect(yield* repo.catalogue).toEqual(Option.some("Repo.catalogue"))
      expect(repo.limit).toBe(10)
      // Outside the service, no span of its.
      expect(yield* spanName).toEqual(Option.none())
    }),
  )
})
