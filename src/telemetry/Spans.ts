/**
 * A span around every method of a service (`Service.method`): what the traces show of the
 * database work behind an update. Effect makes a span even when tracing is off (about 7 µs here),
 * so this is for services whose methods do I/O, not for the in-memory hot path.
 */
import { Effect } from "effect"

export const traced = <S extends object>(service: string, methods: S): S =>
  Object.fromEntries(
    Object.entries(methods).map(([name, member]) => {
      const span = `${service}.${name}`
      const options = { captureStackTrace: false } as const
      if (Effect.isEffect(member)) return [name, Effect.withSpan(member, span, options)]
      if (typeof member === "function") {
        return [
          name,
          (...args: ReadonlyArray<unknown>) => {
            const result: unknown = member(...args)
            return Effect.isEffect(result) ? Effect.withSpan(result, span, options) : result
          },
        ]
      }
      return [name, member]
    }),
  ) as S
