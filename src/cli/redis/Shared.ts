/**
 * What the cache ops commands of `tsx scripts/redis.ts` share (DESIGN.md "Ops commands"): the
 * layers they open, the refusal of the commands that need Redis, and the formatting of numbers.
 *
 * `clear` and `warmup` act on Redis only: without it every bot process caches in its own memory,
 * which a command running in another process cannot reach.
 */
import { Duration, Effect, Layer, Schema } from "effect"
import { Cache } from "../../cache/Cache"
import * as CacheLive from "../../cache/CacheLive"
import { CacheConfig, DatabaseConfig } from "../../config"
import * as Database from "../../db/Database"
import { EmployeeRepo } from "../../employees/EmployeeRepo"

export const CacheLayer = CacheLive.layer.pipe(Layer.provideMerge(CacheConfig.layer))
const DatabaseLive = Database.layer.pipe(Layer.provide(DatabaseConfig.layer))
export const RepoLive = EmployeeRepo.Default.pipe(Layer.provideMerge(DatabaseLive))

/** A command that only makes sense on a Redis shared by the bot processes was run without one. */
export class RedisRequired extends Schema.TaggedError<RedisRequired>()("RedisRequired", {
  reason: Schema.String,
}) {
  override get message(): string {
    return this.reason
  }
}

/** The cache, if it is Redis; on the memory fallback, `refuse` says why the command stops. */
export const sharedCache = (refuse: (reason: string) => string) =>
  Effect.flatMap(Cache, (cache) =>
    cache.backend._tag === "Redis"
      ? Effect.succeed(cache)
      : Effect.fail(new RedisRequired({ reason: refuse(cache.backend.reason) })),
  )

export const plural = (count: number, noun: string, nouns = `${noun}s`) =>
  `${count} ${count === 1 ? noun : nouns}`

export const formatMillis = (duration: Duration.Duration) => {
  const millis = Duration.toMillis(duration)
  return millis < 10 ? `${millis.toFixed(2)} ms` : `${Math.round(millis)} ms`
}

export const formatSeconds = (duration: Duration.Duration) =>
  `${(Duration.toMillis(duration) / 1000).toFixed(1)} s`
