/**
 * The cache every part of ConnectBot reads through (DESIGN.md "Cache keys", "Degradation").
 *
 * Keys given to `Cache` are relative (`emp:42`); the layer puts `CACHE_PREFIX` in front, so
 * nothing outside the prefix is ever written or deleted. Values are JSON written and read through
 * the Schema of their type: a value that fails to decode is a miss and is deleted.
 *
 * Two surfaces. What a user's action calls (`get`, `set`, `getOrLoad`, `invalidate`) cannot fail
 * it: a failing cache is a miss, a skipped write, an invalidation kept and applied later. What
 * infrastructure and ops commands call (`ops`) fails with a `CacheError`, because they act on a
 * failure: a session marked unsynced, a health check that reports it, a command that exits 1.
 */
import { Context, Data, type Duration, type Effect, type Option, Schema } from "effect"
import { describeCause } from "../domain/Errors"

/** The backend a running process uses: a typed value, shown by `status`, `/healthz` and metrics. */
export type CacheBackend = Data.TaggedEnum<{
  Redis: { readonly location: string }
  Memory: { readonly reason: string }
}>
export const CacheBackend = Data.taggedEnum<CacheBackend>()

export const describeBackend = (backend: CacheBackend): string =>
  backend._tag === "Redis"
    ? `Redis at ${backend.location}`
    : `in-process memory (${backend.reason})`

/** A cache operation failed or timed out. Never a reason for a user's action to fail. */
export class CacheError extends Schema.TaggedError<CacheError>()("CacheError", {
  operation: Schema.String,
  cause: Schema.Defect,
}) {
  override get message(): string {
    return `cache ${this.operation} failed: ${describeCause(this.cause)}`
  }
}

/** What `status` reports; `server` describes Redis, or the process's own memory store. */
export interface CacheStatus {
  readonly backend: CacheBackend
  /** `false` while Redis is failing and the cache stands aside (reads miss, writes skip). */
  readonly available: boolean
  readonly server: {
    readonly version: string
    readonly usedMemory: string
    readonly entries: number
    readonly maxEntries?: number
  }
  readonly pingLatency: Duration.Duration
  /** Keys under the prefix, per namespace (`emp`, `int`, `act`, `sess`, `other`). */
  readonly keys: Readonly<Record<string, number>>
  /** Invalidations that could not reach Redis yet; they are applied before it is read again. */
  readonly pendingInvalidations: number
}

/** The operations that report a failure, for infrastructure and ops commands. */
export interface CacheOps {
  /** A hit decodes through `schema`; `renewTtl` also resets the key's time to live (sessions). */
  readonly get: <A, I>(
    key: string,
    schema: Schema.Schema<A, I>,
    options?: { readonly renewTtl?: Duration.DurationInput },
  ) => Effect.Effect<Option.Option<A>, CacheError>
  readonly set: <A, I>(
    key: string,
    schema: Schema.Schema<A, I>,
    value: A,
    ttl: Duration.DurationInput,
  ) => Effect.Effect<void, CacheError>
  /** Many keys with one TTL in one round trip (warm-up). */
  readonly setMany: <A, I>(
    schema: Schema.Schema<A, I>,
    entries: ReadonlyArray<readonly [key: string, value: A]>,
    ttl: Duration.DurationInput,
  ) => Effect.Effect<void, CacheError>
  /**
   * Writes the value unless the key holds one, in one atomic step (Redis `SET … NX`): `true` when
   * this call wrote it. Of several processes adding the same key, exactly one gets `true`.
   */
  readonly add: <A, I>(
    key: string,
    schema: Schema.Schema<A, I>,
    value: A,
    ttl: Duration.DurationInput,
  ) => Effect.Effect<boolean, CacheError>
  /**
   * Deletes the keys; returns how many existed. A deletion that fails is still kept and applied
   * before the cache is read again.
   */
  readonly delete: (keys: ReadonlyArray<string>) => Effect.Effect<number, CacheError>
  /** Deletes every key matching a glob (`emp:*`) under the prefix; returns how many. */
  readonly deleteMatching: (pattern: string) => Effect.Effect<number, CacheError>
  /** Keys matching a glob under the prefix, relative. */
  readonly keys: (pattern: string) => Effect.Effect<ReadonlyArray<string>, CacheError>
  readonly ping: Effect.Effect<Duration.Duration, CacheError>
  readonly status: Effect.Effect<CacheStatus, CacheError>
}

export interface CacheService {
  readonly backend: CacheBackend
  /** `CACHE_PREFIX`, shown by ops commands. */
  readonly prefix: string
  /** The cached value; a cache that fails is a miss (counted as an error in the metrics). */
  readonly get: <A, I>(
    key: string,
    schema: Schema.Schema<A, I>,
    options?: { readonly renewTtl?: Duration.DurationInput },
  ) => Effect.Effect<Option.Option<A>>
  /** Caches the value; a cache that fails skips the write. */
  readonly set: <A, I>(
    key: string,
    schema: Schema.Schema<A, I>,
    value: A,
    ttl: Duration.DurationInput,
  ) => Effect.Effect<void>
  /**
   * Cache-aside: the cached value, else `load` (written back with `ttl`). Concurrent misses of one
   * key in one process run `load` once. Cache failures are misses and skipped writes: only
   * `load`'s own errors reach the caller. A value invalidated while it was loading is returned but
   * not written back, so a slow read never re-caches what a write just replaced.
   */
  readonly getOrLoad: <A, I, E, R>(
    key: string,
    schema: Schema.Schema<A, I>,
    ttl: Duration.DurationInput,
    load: Effect.Effect<A, E, R>,
  ) => Effect.Effect<A, E, R>
  /**
   * Drops the keys after a write. One the cache cannot reach now is kept and dropped before the
   * cache is read again, so it is never served stale.
   */
  readonly invalidate: (keys: ReadonlyArray<string>) => Effect.Effect<void>
  readonly ops: CacheOps
}

export class Cache extends Context.Tag("connectbot/Cache")<Cache, CacheService>() {}
