/** `tsx scripts/redis.ts test`: the checks, under throwaway keys, one report line each. */
import { randomBytes } from "node:crypto"
import { Cause, Console, Duration, Effect, Exit, Layer, Option, Schema } from "effect"
import { Cache } from "../../cache/Cache"
import * as CacheLive from "../../cache/CacheLive"
import { CacheConfig } from "../../config"
import { Sessions } from "../../sessions/Sessions"
import { describeFailure } from "../Cli"
import { CheckFailed, checks } from "./Checks"
import { RedisRequired } from "./Shared"

/** Some checks of `test` failed; each was reported on its own line. */
export class SelfTestFailed extends Schema.TaggedError<SelfTestFailed>()("SelfTestFailed", {
  failed: Schema.Number,
  total: Schema.Number,
}) {
  override get message(): string {
    return `${this.failed} of ${this.total} checks failed`
  }
}

const describeCheckFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    return describeFailure(failure.value)?.replaceAll("\n", "; ") ?? "failed"
  }
  return Cause.isInterruptedOnly(cause) ? "interrupted" : `defect: ${Cause.pretty(cause)}`
}

/** The given cache settings, with a prefix of the run's own under `selftest:`. */
const throwawayPrefix = Layer.effect(
  CacheConfig,
  Effect.gen(function* () {
    const settings = yield* CacheConfig
    const run = yield* Effect.sync(() => randomBytes(4).toString("hex"))
    return { ...settings, prefix: `${settings.prefix}selftest:${run}:` }
  }),
)

/**
 * What `selfTest` runs on: the cache of the given settings and the sessions over it, under a
 * throwaway prefix. Always this layer: the self-test deletes every key under its prefix.
 */
export const layer = Sessions.Default.pipe(
  Layer.provideMerge(CacheLive.layer),
  Layer.provideMerge(throwawayPrefix),
)

const checkTimeout = Duration.seconds(5)

/**
 * Runs every check on the configured backend under `<CACHE_PREFIX>selftest:<random>:`, one
 * report line each, and deletes everything under that prefix afterwards, even on failure or
 * Ctrl-C. Refuses to run when REDIS_URL is set but Redis does not answer: it would only test this
 * process's memory fallback.
 */
export const selfTest = Effect.gen(function* () {
  const settings = yield* CacheConfig
  const cache = yield* Cache
  if (Option.isSome(settings.redisUrl) && cache.backend._tag === "Memory") {
    return yield* new RedisRequired({
      reason: `${cache.backend.reason}. The self-test would only exercise this process's memory fallback, not the configured Redis.`,
    })
  }
  const sessions = yield* Sessions
  yield* Console.log(
    cache.backend._tag === "Redis"
      ? `Testing Redis at ${cache.backend.location} under ${cache.prefix} (throwaway keys)`
      : `Testing the in-process memory cache (${cache.backend.reason}) under ${cache.prefix} (throwaway keys). This shows that the code works, not that a shared cache does.`,
  )
  const all = checks(cache, sessions)
  const passed = yield* Effect.forEach(all, (check) =>
    check.run.pipe(
      Effect.timeoutFail({
        duration: checkTimeout,
        onTimeout: () =>
          new CheckFailed({ message: `no answer within ${Duration.format(checkTimeout)}` }),
      }),
      Effect.exit,
      Effect.tap((exit) =>
        Console.log(
          Exit.match(exit, {
            onSuccess: () => `✓ ${check.name}`,
            onFailure: (cause) => `✗ ${check.name}: ${describeCheckFailure(cause)}`,
          }),
        ),
      ),
      Effect.map(Exit.isSuccess),
    ),
  ).pipe(Effect.ensuring(Effect.ignore(cache.ops.deleteMatching("*"))))
  const failed = passed.filter((ok) => !ok).length
  if (failed > 0) return yield* new SelfTestFailed({ failed, total: all.length })
  yield* Console.log(`All ${all.length} checks passed; no keys left behind.`)
})
