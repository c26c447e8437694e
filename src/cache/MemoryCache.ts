/**
 * The in-process cache: a `Ref` over an LRU map with per-entry expiry. Used when Redis is not
 * configured or not reachable at start, and by tests. It belongs to one process: several bot
 * processes on memory caches each hold their own (the change feed keeps them all correct).
 */
import { Clock, Duration, Effect, Layer, Option, Ref } from "effect"
import { CacheConfig } from "../config"
import { Cache, CacheBackend, type CacheService } from "./Cache"
import { recordBackend } from "./CacheMetrics"
import { globToRegExp, makeCache, type Store } from "./Store"

interface Entry {
  readonly value: string
  readonly expiresAt: number
}

/** Enough for every employee, interest list and session of a large company. */
const defaultMaxEntries = 50_000

/**
 * The entries live in a JS `Map`, whose insertion order is the LRU order (a read moves an entry
 * to the end). The map is touched only inside `Ref.modify`, so every operation is atomic; it is
 * updated in place because copying the whole map on each write is what an LRU is there to avoid.
 */
export const makeMemoryStore = (options: {
  readonly reason: string
  readonly maxEntries?: number
}): Effect.Effect<Store> =>
  Effect.gen(function* () {
    const maxEntries = options.maxEntries ?? defaultMaxEntries
    const ref = yield* Ref.make(new Map<string, Entry>())

    const withEntries = <A>(f: (entries: Map<string, Entry>, now: number) => A) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.modify(ref, (entries) => [f(entries, now), entries] as const),
      )

    const live = (entries: Map<string, Entry>, key: string, now: number) => {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAt <= now) {
        entries.delete(key)
        return undefined
      }
      return entry
    }

    // Least recently used first: the map's first keys.
    const evictBeyondMax = (entries: Map<string, Entry>) => {
      for (const key of entries.keys()) {
        if (entries.size <= maxEntries) break
        entries.delete(key)
      }
    }

    const store: Store = {
      backend: CacheBackend.Memory({ reason: options.reason }),
      get: (key, renewTtlMillis) =>
        withEntries((entries, now) => {
          const entry = live(entries, key, now)
          if (entry === undefined) return Option.none()
          entries.delete(key)
          entries.set(
            key,
            renewTtlMillis === undefined ? entry : { ...entry, expiresAt: now + renewTtlMillis },
          )
          return Option.some(entry.value)
        }),
      set: (pairs, ttlMillis) =>
        withEntries((entries, now) => {
          for (const [key, value] of pairs) {
            entries.delete(key)
            entries.set(key, { value, expiresAt: now + ttlMillis })
          }
          evictBeyondMax(entries)
        }),
      add: (key, value, ttlMillis) =>
        withEntries((entries, now) => {
          if (live(entries, key, now) !== undefined) return false
          entries.set(key, { value, expiresAt: now + ttlMillis })
          evictBeyondMax(entries)
          return true
        }),
      delete: (keys) =>
        withEntries((entries, now) => {
          let deleted = 0
          for (const key of keys) {
            if (live(entries, key, now) !== undefined) deleted++
            entries.delete(key)
          }
          return deleted
        }),
      keys: (pattern) =>
        withEntries((entries, now) => {
          const matches = globToRegExp(pattern)
          return [...entries.keys()].filter(
            (key) => matches.test(key) && live(entries, key, now) !== undefined,
          )
        }),
      deleteMatching: (pattern) =>
        withEntries((entries, now) => {
          const matches = globToRegExp(pattern)
          let deleted = 0
          for (const key of [...entries.keys()]) {
            if (matches.test(key)) {
              // An expired entry is already gone for readers: like Redis, it does not count.
              if (live(entries, key, now) !== undefined) deleted++
              entries.delete(key)
            }
          }
          return deleted
        }),
      ping: Effect.succeed(Duration.zero),
      info: withEntries((entries, now) => {
        let count = 0
        for (const key of [...entries.keys()]) if (live(entries, key, now) !== undefined) count++
        return {
          available: true,
          version: "in-process",
          usedMemory: "n/a",
          entries: count,
          maxEntries,
          pendingInvalidations: 0,
        }
      }),
    }
    return store
  })

/** The memory cache as the `Cache` service; `reason` says why it is in use. */
export const make = (options: {
  readonly prefix: string
  readonly reason: string
  readonly maxEntries?: number
}) =>
  Effect.gen(function* () {
    const store = yield* makeMemoryStore(options)
    yield* recordBackend(store.backend)
    return makeCache(store, options.prefix)
  })

/**
 * A memory cache of the process's own beside the app's `Cache` (not it: the backend metrics stay
 * the app cache's), for a copy that must outlive a Redis outage.
 */
export const makeLocalCopy = (options: {
  readonly prefix: string
  readonly reason: string
  readonly maxEntries?: number
}): Effect.Effect<CacheService> =>
  Effect.map(makeMemoryStore(options), (store) => makeCache(store, options.prefix))

export const layer = (options: { readonly reason: string; readonly maxEntries?: number }) =>
  Layer.effect(
    Cache,
    Effect.flatMap(CacheConfig, (settings) => make({ ...options, prefix: settings.prefix })),
  )
