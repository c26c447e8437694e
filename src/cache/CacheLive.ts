/**
 * The cache a process runs on: Redis when `REDIS_URL` answers at start, else the in-process
 * memory cache, with the reason. The choice is a typed value (`Cache.backend`), said once here.
 */
import { Context, Effect, Layer } from "effect"
import { Cache, type CacheBackend, describeBackend } from "./Cache"
import * as MemoryCache from "./MemoryCache"
import * as RedisCache from "./RedisCache"

const announce = (backend: CacheBackend) =>
  backend._tag === "Redis"
    ? Effect.logInfo(`Cache: ${describeBackend(backend)}`)
    : Effect.logWarning(`Cache: ${describeBackend(backend)}`)

export const layerWith = (options: Parameters<typeof RedisCache.layerWith>[0] = {}) =>
  RedisCache.layerWith(options).pipe(
    Layer.catchAll((error) => MemoryCache.layer({ reason: error.reason })),
    Layer.tap((context) => announce(Context.get(context, Cache).backend)),
  )

export const layer = layerWith()
