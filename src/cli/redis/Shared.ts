/**
 * What the cache ops commands of `tsx scripts/redis.ts` share (DESIGN.md "Ops commands"): the
 * refusal of the commands that need Redis, and the formatting of numbers. Each command is an
 * Effect over the services it uses; `scripts/redis.ts` provides the layers.
 *
 * `clear` and `warmup` act on Redis only: without it every bot process caches in its own memory,
 * which a command running in another process cannot reach.
 */
import { Context, Duration, Effect, Layer, Schema } from "effect"
import { Cache, type CacheService } from "../../cache/Cache"

/** A command that only makes sense on a Redis shared by the bot processes was run without one. */
export class RedisRequired extends Schema.TaggedError<RedisRequired>()("RedisRequired", {
  reason: Schema.String,
}) {
  override get message(): string {
    return this.reason
  }
}

/** The cache, known to be the Redis the bot processes share: what `clear` and `warmup` act on. */
export class SharedCache extends Context.Tag("connectbot/cli/SharedCache")<
  SharedCache,
  CacheService
>() {
  /**
   * The cache, if it is Redis; on the memory fallback, `refuse` says why the command stops. A
   * layer, so that the refusal comes before the layers provided inside it (the database) open.
   */
  static readonly layer = (refuse: (reason: string) => string) =>
    Layer.effect(
      SharedCache,
      Effect.flatMap(Cache, (cache) =>
        cache.backend._tag === "Redis"
          ? Effect.succeed(cache)
          : Effect.fail(new RedisRequired({ reason: refuse(cache.backend.reason) })),
      ),
    )
}

export const plural = (count: number, noun: string, nouns = `${noun}s`) =>
  `${count} ${count === 1 ? noun : nouns}`

export const formatMillis = (duration: Duration.Duration) => {
  const millis = Duration.toMillis(duration)
  return millis < 10 ? `${millis.toFixed(2)} ms` : `${Math.round(millis)} ms`
}

export const formatSeconds = (duration: Duration.Duration) =>
  `${(Duration.toMillis(duration) / 1000).toFixed(1)} s`
