/**
 * What a cache backend provides (raw strings under full keys), and the one `Cache` built on top
 * of any backend: prefixing, Schema decoding, dropping undecodable values, cache-aside with one
 * load per key, and metrics. Memory and Redis differ only in their `Store`, so they behave alike.
 */
import {
  Cause,
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberId,
  Option,
  ParseResult,
  Schema,
} from "effect"
import type { CacheBackend, CacheError, CacheOps, CacheService, CacheStatus } from "./Cache"
import { recordError, recordHit, recordMiss } from "./CacheMetrics"
import { namespaceOf, namespaces } from "./Keys"

export interface StoreInfo {
  readonly available: boolean
  readonly version: string
  readonly usedMemory: string
  readonly entries: number
  readonly maxEntries?: number
  readonly pendingInvalidations: number
}

/** A backend over full keys (prefix included) and raw JSON strings. */
export interface Store {
  readonly backend: CacheBackend
  readonly get: (
    key: string,
    renewTtlMillis?: number,
  ) => Effect.Effect<Option.Option<string>, CacheError>
  readonly set: (
    entries: ReadonlyArray<readonly [key: string, value: string]>,
    ttlMillis: number,
  ) => Effect.Effect<void, CacheError>
  /** Writes the value unless the key holds one, atomically; `true` when it wrote. */
  readonly add: (
    key: string,
    value: string,
    ttlMillis: number,
  ) => Effect.Effect<boolean, CacheError>
  readonly delete: (keys: ReadonlyArray<string>) => Effect.Effect<number, CacheError>
  /** Full keys matching a glob whose literal part starts with the prefix. */
  readonly keys: (pattern: string) => Effect.Effect<ReadonlyArray<string>, CacheError>
  readonly deleteMatching: (pattern: string) => Effect.Effect<number, CacheError>
  readonly ping: Effect.Effect<Duration.Duration, CacheError>
  readonly info: Effect.Effect<StoreInfo, CacheError>
}

interface InFlight {
  readonly done: Deferred.Deferred<unknown, unknown>
  /** Set when the key is deleted while its value loads: the loaded value is then not cached. */
  invalidated: boolean
}

/**
 * Each Schema's JSON codec, built once: building it per call defeats Effect's parser cache and
 * made decoding most of the cost of a cache hit (see bench/RESULTS.md).
 */
const codecs = new WeakMap<
  Schema.Schema.Any,
  {
    readonly decode: (raw: unknown) => Effect.Effect<unknown, ParseResult.ParseError>
    readonly encode: (value: unknown) => Effect.Effect<string, ParseResult.ParseError>
  }
>()

const codecOf = <A, I>(schema: Schema.Schema<A, I>) => {
  let codec = codecs.get(schema as Schema.Schema.Any)
  if (codec === undefined) {
    const json = Schema.parseJson(schema)
    codec = {
      decode: Schema.decodeUnknown(json) as (
        raw: unknown,
      ) => Effect.Effect<unknown, ParseResult.ParseError>,
      encode: Schema.encode(json) as (
        value: unknown,
      ) => Effect.Effect<string, ParseResult.ParseError>,
    }
    codecs.set(schema as Schema.Schema.Any, codec)
  }
  return codec as {
    readonly decode: (raw: unknown) => Effect.Effect<A, ParseResult.ParseError>
    readonly encode: (value: A) => Effect.Effect<string, ParseResult.ParseError>
  }
}

export const makeCache = (store: Store, prefix: string): CacheService => {
  const full = (key: string) => `${prefix}${key}`
  const relative = (key: string) => key.slice(prefix.length)
  const inFlight = new Map<string, InFlight>()
  // The last value decoded for each key, with the text it came from: a hit in a process's copy
  // (memory, or Redis's near cache) returns the same text, and decoding it again is most of what
  // a hit costs. Values are immutable, so callers may share one.
  const decoded = new Map<
    string,
    { readonly raw: string; readonly schema: unknown; readonly value: unknown }
  >()
  const maxDecoded = 20_000

  const get: CacheOps["get"] = (key, schema, options) => {
    const renew = options?.renewTtl === undefined ? undefined : Duration.toMillis(options.renewTtl)
    return store.get(full(key), renew).pipe(
      Effect.tapError(() => recordError(key)),
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.as(recordMiss(key), Option.none()),
          onSome: (raw) => {
            const memo = decoded.get(key)
            if (memo !== undefined && memo.raw === raw && memo.schema === schema) {
              return Effect.as(recordHit(key), Option.some(memo.value as typeof schema.Type))
            }
            return codecOf(schema)
              .decode(raw)
              .pipe(
                Effect.tap((value) => {
                  decoded.delete(key)
                  if (decoded.size >= maxDecoded) decoded.clear()
                  decoded.set(key, { raw, schema, value })
                  return recordHit(key)
                }),
                Effect.map(Option.some),
                // An old format or a corrupt value: a miss, and gone so it is not read again.
                Effect.catchIf(ParseResult.isParseError, () =>
                  Effect.logWarning(`Cache: dropped ${key}, its value does not decode`).pipe(
                    Effect.zipRight(Effect.ignore(store.delete([full(key)]))),
                    Effect.zipRight(recordMiss(key)),
                    Effect.as(Option.none()),
                  ),
                ),
              )
          },
        }),
      ),
    )
  }

  // A value that does not encode through its own Schema is a bug in the caller: a defect.
  const encode = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
    Effect.orDie(codecOf(schema).encode(value))

  const setMany: CacheOps["setMany"] = (schema, entries, ttl) =>
    entries.length === 0
      ? Effect.void
      : Effect.forEach(entries, ([key, value]) =>
          Effect.map(encode(schema, value), (raw) => [full(key), raw] as const),
        ).pipe(
          Effect.flatMap((raw) => Effect.as(store.set(raw, Duration.toMillis(ttl)), raw)),
          // The next read of the same text (a session read by its user's next update) returns
          // the value written, without decoding what was just encoded.
          Effect.map((raw) =>
            raw.forEach(([, text], index) => {
              const [key, value] = entries[index] as (typeof entries)[number]
              decoded.delete(key)
              if (decoded.size >= maxDecoded) decoded.clear()
              decoded.set(key, { raw: text, schema, value })
            }),
          ),
          Effect.tapError(() => recordError(entries[0]?.[0] ?? "")),
        )

  const set: CacheOps["set"] = (key, schema, value, ttl) => setMany(schema, [[key, value]], ttl)

  const add: CacheOps["add"] = (key, schema, value, ttl) =>
    Effect.flatMap(encode(schema, value), (raw) =>
      store.add(full(key), raw, Duration.toMillis(ttl)),
    ).pipe(Effect.tapError(() => recordError(key)))

  const markInvalidated = (keys: ReadonlyArray<string> | "all") => {
    for (const [key, flight] of inFlight) {
      if (keys === "all" || keys.includes(key)) flight.invalidated = true
    }
  }

  const del: CacheOps["delete"] = (keys) =>
    keys.length === 0
      ? Effect.succeed(0)
      : Effect.suspend(() => {
          markInvalidated(keys)
          return store
            .delete(keys.map(full))
            .pipe(Effect.tapError(() => recordError(keys[0] ?? "")))
        })

  const deleteMatching: CacheOps["deleteMatching"] = (pattern) =>
    Effect.suspend(() => {
      markInvalidated("all")
      return store.deleteMatching(full(pattern))
    })

  const keys: CacheOps["keys"] = (pattern) =>
    Effect.map(store.keys(full(pattern)), (found) => found.map(relative))

  const load = <A, I, E, R>(
    key: string,
    schema: Schema.Schema<A, I>,
    ttl: Duration.DurationInput,
    loader: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const running = inFlight.get(key)
      if (running !== undefined) {
        return (Deferred.await(running.done) as Effect.Effect<A, E>).pipe(
          // The loading fiber was interrupted (its user went away): load for ourselves.
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause)
              ? load(key, schema, ttl, loader)
              : Effect.failCause(cause),
          ),
        )
      }
      const flight: InFlight = { done: Deferred.unsafeMake(FiberId.none), invalidated: false }
      inFlight.set(key, flight)
      const forget = Effect.sync(() => {
        if (inFlight.get(key) === flight) inFlight.delete(key)
      })
      return Effect.exit(loader).pipe(
        Effect.tap((exit) => Deferred.done(flight.done, exit)),
        Effect.tap((exit) =>
          Exit.isSuccess(exit) && !flight.invalidated
            ? setOrSkip(key, schema, exit.value, ttl)
            : Effect.void,
        ),
        Effect.ensuring(forget),
        Effect.onInterrupt(() => Deferred.interrupt(flight.done)),
        Effect.flatten,
      )
    })

  // The user surface: a failure was counted by the operation above, and is a miss or a skip here.
  const getOrMiss: CacheService["get"] = (key, schema, options) =>
    Effect.orElseSucceed(get(key, schema, options), () =>
      Option.none<Schema.Schema.Type<typeof schema>>(),
    )

  const setOrSkip: CacheService["set"] = (key, schema, value, ttl) =>
    Effect.ignore(set(key, schema, value, ttl))

  // A deletion that fails is kept pending by the store (Redis) and applied before the next read.
  const invalidate: CacheService["invalidate"] = (keys) => Effect.ignore(del(keys))

  const getOrLoad: CacheService["getOrLoad"] = (key, schema, ttl, loader) =>
    getOrMiss(key, schema).pipe(
      Effect.flatMap(
        Option.match({
          onSome: Effect.succeed,
          onNone: () => load(key, schema, ttl, loader),
        }),
      ),
    )

  const countKeys = Effect.map(keys("*"), (found) => {
    const counts: Record<string, number> = Object.fromEntries(
      [...namespaces, "other"].map((namespace) => [namespace, 0]),
    )
    for (const key of found) {
      const namespace = namespaceOf(key)
      counts[namespace] = (counts[namespace] ?? 0) + 1
    }
    return counts
  })

  const status: Effect.Effect<CacheStatus, CacheError> = Effect.gen(function* () {
    const info = yield* store.info
    // A backend standing aside is not asked again: no latency, and no key counts to report.
    const pingLatency = info.available ? yield* store.ping : Duration.infinity
    const counts = info.available ? yield* countKeys : {}
    return {
      backend: store.backend,
      available: info.available,
      server: {
        version: info.version,
        usedMemory: info.usedMemory,
        entries: info.entries,
        ...(info.maxEntries === undefined ? {} : { maxEntries: info.maxEntries }),
      },
      pingLatency,
      keys: counts,
      pendingInvalidations: info.pendingInvalidations,
    }
  })

  return {
    backend: store.backend,
    prefix,
    get: getOrMiss,
    set: setOrSkip,
    getOrLoad,
    invalidate,
    ops: {
      get,
      set,
      setMany,
      add,
      delete: del,
      deleteMatching,
      keys,
      ping: store.ping,
      status,
    },
  }
}

/** A glob (`*`, `?`) as a regular expression over whole keys. */
export const globToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split("")
      .map((char) =>
        char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("")}$`,
  )
