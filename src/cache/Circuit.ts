/**
 * The Redis cache's circuit breaker. After `failureThreshold` failed commands in a row it opens:
 * for `coolDownMillis` no command is sent (the caller gets a `CacheError` at once: reads miss,
 * writes are skipped); then one command probes, and its success closes the circuit again. Both
 * changes are logged once and shown by `connectbot_cache_available`.
 *
 * A command refused by the open circuit is not a failure of Redis: counting it would push the
 * next probe back for as long as traffic keeps coming, and the circuit would never close.
 */
import { Duration, Effect, Ref } from "effect"
import { describeCause } from "../domain/Errors"
import { CacheError } from "./Cache"
import { recordAvailable } from "./CacheMetrics"

type Admission = "admitted" | "probe" | "refused"

type State =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly until: number; readonly probing: boolean }

export interface CircuitOptions {
  /** `host:port` of Redis, for the log lines. */
  readonly location: string
  readonly failureThreshold: number
  readonly coolDownMillis: number
  /** Run after every failed command (the near cache starts over: what Redis holds is uncertain). */
  readonly onFailure: Effect.Effect<void>
}

export const makeCircuit = (options: CircuitOptions) =>
  Effect.gen(function* () {
    const { location, failureThreshold, coolDownMillis } = options
    const circuit = yield* Ref.make<State>({ _tag: "Closed", failures: 0 })

    const coolingDown = (operation: string) =>
      new CacheError({ operation, cause: new Error("Redis is failing; cache bypassed for now") })

    /**
     * Lets a command through unless the circuit is open; an expired cool-down admits one probe.
     * Succeeds with whether the command is that probe.
     */
    const admit = (operation: string) =>
      Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (now) =>
          Ref.modify(circuit, (state): readonly [Admission, State] => {
            if (state._tag === "Closed") return ["admitted", state]
            if (state.probing || now < state.until) return ["refused", state]
            return ["probe", { ...state, probing: true }]
          }),
      ).pipe(
        Effect.flatMap((admission) =>
          admission === "refused"
            ? Effect.fail(coolingDown(operation))
            : Effect.succeed(admission === "probe"),
        ),
      )

    /** A command that was sent failed: counts towards opening; a failed probe re-arms the cool-down. */
    const onFailure = (probe: boolean) => (error: CacheError) =>
      Effect.flatMap(
        Effect.zipRight(
          options.onFailure,
          Effect.clockWith((clock) => clock.currentTimeMillis),
        ),
        (now) =>
          Ref.modify(circuit, (state): readonly [boolean, State] => {
            if (state._tag === "Open")
              return [
                false,
                probe ? { _tag: "Open", until: now + coolDownMillis, probing: false } : state,
              ]
            const failures = state.failures + 1
            return failures >= failureThreshold
              ? [true, { _tag: "Open", until: now + coolDownMillis, probing: false }]
              : [false, { _tag: "Closed", failures }]
          }),
      ).pipe(
        Effect.tap((opened) =>
          opened
            ? Effect.zipRight(
                Effect.logWarning(
                  `Cache: Redis at ${location} is failing (${describeCause(error.cause)}); reads miss and writes are skipped, probing every ${Duration.format(Duration.millis(coolDownMillis))}`,
                ),
                recordAvailable(false),
              )
            : Effect.void,
        ),
      )

    /** A probe whose caller went away before Redis answered: the next command may probe. */
    const abandonProbe = Ref.update(
      circuit,
      (state): State => (state._tag === "Open" ? { ...state, probing: false } : state),
    )

    const onSuccess = Ref.modify(circuit, (state): readonly [boolean, State] => [
      state._tag === "Open",
      { _tag: "Closed", failures: 0 },
    ]).pipe(
      Effect.tap((recovered) =>
        recovered
          ? Effect.zipRight(
              Effect.logInfo(`Cache: Redis at ${location} answers again`),
              recordAvailable(true),
            )
          : Effect.void,
      ),
    )

    /**
     * One command through the circuit. `send` gets `restore`: the command is interruptible, the
     * bookkeeping around it is not.
     */
    const guarded = <A>(
      operation: string,
      send: (
        restore: <X, E, R>(effect: Effect.Effect<X, E, R>) => Effect.Effect<X, E, R>,
      ) => Effect.Effect<A, CacheError>,
    ) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(admit(operation), (probe) =>
          send(restore).pipe(
            Effect.tapBoth({ onFailure: onFailure(probe), onSuccess: () => onSuccess }),
            Effect.onInterrupt(() => (probe ? abandonProbe : Effect.void)),
          ),
        ),
      )

    return { guarded } as const
  })
