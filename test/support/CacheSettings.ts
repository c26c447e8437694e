import { randomBytes } from "node:crypto"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import IORedis from "ioredis"
import { CacheConfig } from "../../src/config"

/** The Redis this machine runs; tests share it and keep to prefixes of their own. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"

/** A prefix no other test (or run) uses. */
export const newPrefix = (): string => `cbtest:${randomBytes(6).toString("hex")}:`

/**
 * A plain ioredis client for looking past the cache: one attempt to connect, no retries, and a
 * command timeout, so that a frozen Redis fails the test instead of hanging it.
 */
export const rawRedis = (url: string = testRedisUrl) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const client = new IORedis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        commandTimeout: 2000,
      })
      // Failures reach the caller as rejected promises; the event would only be printed.
      client.on("error", () => {})
      return client
    }),
    // Not QUIT: on a frozen server that would wait for an answer.
    (client) => Effect.sync(() => client.disconnect()),
  ).pipe(Effect.tap((client) => Effect.promise(() => client.connect())))

/** SCAN + UNLINK of every key under `prefix`. */
export const deleteKeysUnder = (client: IORedis, prefix: string) =>
  Effect.promise(async () => {
    let cursor = "0"
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)
      if (keys.length > 0) await client.unlink(...keys)
      cursor = next
    } while (cursor !== "0")
  })

/**
 * The `CacheConfig` of one test: a prefix of its own, on `redisUrl` (the test Redis unless
 * said otherwise; `None` means no REDIS_URL). Its keys are deleted when the scope closes.
 */
export const cacheConfig = (redisUrl: Option.Option<string> = Option.some(testRedisUrl)) =>
  Layer.scoped(
    CacheConfig,
    Effect.acquireRelease(
      Effect.sync(() => ({ redisUrl: Option.map(redisUrl, Redacted.make), prefix: newPrefix() })),
      ({ prefix }) =>
        Option.match(redisUrl, {
          onNone: () => Effect.void,
          // A Redis that does not answer (a fault test) has nothing of ours to clean up.
          onSome: (url) =>
            rawRedis(url).pipe(
              Effect.flatMap((client) => deleteKeysUnder(client, prefix)),
              Effect.scoped,
              // A finalizer is uninterruptible: only an interruptible region can time out.
              Effect.interruptible,
              Effect.timeout(Duration.seconds(2)),
              Effect.catchAllDefect(() => Effect.void),
              Effect.ignore,
            ),
        }),
    ),
  )
