/**
 * The Redis cache (ioredis). Built only when Redis answers at start (`make` fails with
 * `RedisUnavailable` otherwise, and `CacheLive` falls back to memory).
 *
 * At run time every command has a timeout and there is no offline queue, so a dead or frozen
 * Redis is a `CacheError` within `commandTimeout`, never a hang. After `failureThreshold`
 * failures in a row the circuit opens: for `coolDown` no command is sent (reads miss, writes are
 * skipped at once); then one command probes. Deletions that could not reach Redis are kept and
 * applied before Redis is read again, so no entry invalidated during an outage is served after it.
 *
 * A little over 400 lines: it is one store (its commands, the pending deletions, the near cache's
 * wiring); the circuit breaker is in `Circuit.ts`.
 */
import {
  Array as Arr,
  Duration,
  Effect,
  HashSet,
  Layer,
  Option,
  Redacted,
  Ref,
  Schema,
} from "effect"
import IORedis from "ioredis"
import { CacheConfig } from "../config"
import { describeCause } from "../domain/Errors"
import { Cache, CacheBackend, CacheError } from "./Cache"
import { recordBackend } from "./CacheMetrics"
import { makeCircuit } from "./Circuit"
import { NearCache } from "./NearCache"
import { globToRegExp, makeCache, type Store } from "./Store"

/** Redis did not answer at start; `reason` says why, without any secret. */
export class RedisUnavailable extends Schema.TaggedError<RedisUnavailable>()("RedisUnavailable", {
  reason: Schema.String,
}) {
  override get message(): string {
    return this.reason
  }
}

export interface RedisCacheOptions {
  readonly url: Redacted.Redacted<string>
  readonly prefix: string
  readonly connectTimeout?: Duration.DurationInput
  readonly commandTimeout?: Duration.DurationInput
  readonly failureThreshold?: number
  readonly coolDown?: Duration.DurationInput
  /** The in-process copy of hot keys (see NearCache); `false` turns it off. */
  readonly near?: { readonly maxEntries?: number; readonly maxAge?: Duration.DurationInput } | false
}

/** Namespaces whose values the near cache keeps: read on every update, small, tracked. */
const nearNamespaces = ["emp:", "int:", "cat:", "act:", "sess:"] as const

export const defaults = {
  connectTimeout: Duration.seconds(2),
  commandTimeout: Duration.millis(500),
  failureThreshold: 3,
  coolDown: Duration.seconds(5),
  nearMaxEntries: 20_000,
  nearMaxAge: Duration.minutes(5),
} as const

/** `host:port/db` of a Redis URL: what logs and `status` may show (never the password). */
export const locationOf = (url: Redacted.Redacted<string>): string => {
  const parsed = new URL(Redacted.value(url))
  const db = parsed.pathname.replace(/^\//, "")
  return `${parsed.hostname}:${parsed.port || "6379"}${db === "" || db === "0" ? "" : `/${db}`}`
}

/** Deletions that have not reached Redis yet (full keys, and glob patterns). */
interface Pending {
  readonly keys: HashSet.HashSet<string>
  readonly patterns: HashSet.HashSet<string>
}
const pendingCount = (state: Pending) => HashSet.size(state.keys) + HashSet.size(state.patterns)

const SCAN_COUNT = 1000
const DELETE_BATCH = 500

const parseInfo = (text: string, field: string): string | undefined =>
  text
    .split(/\r?\n/)
    .find((line) => line.startsWith(`${field}:`))
    ?.slice(field.length + 1)
    .trim()

export const make = (options: RedisCacheOptions) =>
  Effect.gen(function* () {
    const location = locationOf(options.url)
    const connectTimeout = Duration.decode(options.connectTimeout ?? defaults.connectTimeout)
    const commandTimeout = Duration.decode(options.commandTimeout ?? defaults.commandTimeout)
    const failureThreshold = options.failureThreshold ?? defaults.failureThreshold
    const coolDown = Duration.toMillis(options.coolDown ?? defaults.coolDown)
    const backend = CacheBackend.Redis({ location })

    const client = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new IORedis(Redacted.value(options.url), {
            lazyConnect: true,
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            connectTimeout: Duration.toMillis(connectTimeout),
            commandTimeout: Duration.toMillis(commandTimeout),
            // Reconnects in the background after a loss; the circuit decides when to use it.
            retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
            // Commands issued in the same tick (concurrent updates) share one write and one read.
            enableAutoPipelining: true,
          }),
      ),
      // QUIT only over a working connection (bounded by `commandTimeout`, like every command):
      // sent to a server that never answered, it would hold up the fallback to memory.
      (client) =>
        client.status === "ready"
          ? Effect.tryPromise(() => client.quit()).pipe(
              Effect.ignore,
              Effect.ensuring(Effect.sync(() => client.disconnect())),
            )
          : Effect.sync(() => client.disconnect()),
    )
    // ioredis reports every failed reconnect attempt as an "error" event; the circuit below logs
    // the state changes instead (without a listener ioredis would print each one).
    let lastConnectionError: unknown
    client.on("error", (error) => {
      lastConnectionError = error
    })

    yield* Effect.tryPromise(() => client.connect().then(() => client.ping())).pipe(
      Effect.timeoutFail({
        duration: connectTimeout,
        onTimeout: () => new Error(`no answer within ${Duration.format(connectTimeout)}`),
      }),
      Effect.mapError(
        (error) =>
          new RedisUnavailable({
            // ioredis rejects with "Connection is closed"; the socket's error says why.
            reason: `Redis at ${location} is not reachable: ${describeCause(
              lastConnectionError ??
                (error instanceof Error && error.name === "UnknownException" ? error.cause : error),
            )}`,
          }),
      ),
    )

    const near = new NearCache(client, {
      prefixes: nearNamespaces.map((namespace) => `${options.prefix}${namespace}`),
      maxEntries: (options.near !== false && options.near?.maxEntries) || defaults.nearMaxEntries,
      maxAgeMillis: Duration.toMillis(
        (options.near !== false && options.near?.maxAge) || defaults.nearMaxAge,
      ),
      now: Date.now,
    })
    if (options.near !== false) {
      yield* Effect.acquireRelease(
        Effect.tryPromise(() => near.start()).pipe(
          Effect.timeout(connectTimeout),
          // Without tracking (a Redis before 6, or a proxy that refuses it) every read goes to
          // Redis, as it did before.
          Effect.catchAll((error) =>
            Effect.logInfo(
              `Cache: no in-process copy of Redis values (${describeCause(error)}); every read asks Redis`,
            ),
          ),
        ),
        () => Effect.sync(() => near.close()),
      )
    }

    const pending = yield* Ref.make<Pending>({
      keys: HashSet.empty(),
      patterns: HashSet.empty(),
    })

    /**
     * One Redis command. ioredis times single commands out itself (`commandTimeout`); a pipeline
     * passes `timeout` to bound it as a whole.
     */
    const attempt = <A>(
      operation: string,
      command: () => Promise<A>,
      timeout?: Duration.Duration,
    ) => {
      const sent = Effect.tryPromise({
        try: command,
        catch: (cause) => new CacheError({ operation, cause }),
      })
      return timeout === undefined
        ? sent
        : Effect.timeoutFail(sent, {
            duration: timeout,
            onTimeout: () =>
              new CacheError({ operation, cause: new Error("Redis did not answer in time") }),
          })
    }

    // Commands go through the circuit: a failure counts towards opening it; what Redis holds is
    // uncertain until it answers again, so the near cache starts over on every failure.
    const circuit = yield* makeCircuit({
      location,
      failureThreshold,
      coolDownMillis: coolDown,
      onFailure: Effect.sync(() => near.clear()),
    })
    const guarded = <A>(
      operation: string,
      command: () => Promise<A>,
      timeout?: Duration.Duration,
    ) => circuit.guarded(operation, (restore) => restore(attempt(operation, command, timeout)))

    const scanKeys = (pattern: string) =>
      Effect.gen(function* () {
        const found = new Set<string>()
        let cursor = "0"
        do {
          const [next, batch] = yield* guarded("scan", () =>
            client.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT),
          )
          for (const key of batch) found.add(key)
          cursor = next
        } while (cursor !== "0")
        return [...found]
      })

    const unlink = (keys: ReadonlyArray<string>) =>
      Effect.reduce(Arr.chunksOf(keys, DELETE_BATCH), 0, (total, batch) =>
        Effect.map(
          guarded("delete", () => client.unlink(...batch)),
          (deleted) => total + deleted,
        ),
      )

    const unlinkMatching = (pattern: string) =>
      Effect.flatMap(scanKeys(pattern), (keys) =>
        keys.length === 0 ? Effect.succeed(0) : unlink(keys),
      )

    /** Applies the deletions that failed earlier; what fails again stays pending. */
    const flushPending = Effect.gen(function* () {
      const { keys, patterns } = yield* Ref.get(pending)
      if (HashSet.size(keys) > 0) {
        yield* unlink([...keys])
        yield* Ref.update(pending, (state) => ({
          ...state,
          keys: HashSet.difference(state.keys, keys),
        }))
      }
      for (const pattern of patterns) {
        yield* unlinkMatching(pattern)
        yield* Ref.update(pending, (state) => ({
          ...state,
          patterns: HashSet.remove(state.patterns, pattern),
        }))
      }
    })

    const flushIfPending = Effect.flatMap(Ref.get(pending), (state) =>
      pendingCount(state) === 0 ? Effect.void : Effect.ignore(flushPending),
    )

    /**
     * Before a read: outstanding deletions go first (after an outage, all at once). A key whose
     * deletion still has not reached Redis must not be read: `true` then.
     */
    const mustNotRead = (key: string) =>
      Effect.zipRight(
        flushIfPending,
        Effect.map(
          Ref.get(pending),
          ({ keys, patterns }) =>
            HashSet.has(keys, key) ||
            HashSet.some(patterns, (pattern) => globToRegExp(pattern).test(key)),
        ),
      )

    /** Reads Redis, or the near cache when it holds the key (not for a read that renews a TTL). */
    const read = (key: string, renewTtlMillis: number | undefined) =>
      Effect.suspend(() => {
        const kept = renewTtlMillis === undefined ? near.get(key) : undefined
        if (kept !== undefined) return Effect.succeed(Option.some(kept))
        const ticket = near.reserve(key)
        return guarded("get", () =>
          renewTtlMillis === undefined
            ? client.get(key)
            : client.getex(key, "PX", Math.max(1, Math.round(renewTtlMillis))),
        ).pipe(
          Effect.map((raw) => {
            near.settle(key, ticket, raw ?? undefined, renewTtlMillis)
            return Option.fromNullable(raw)
          }),
        )
      })

    const store: Store = {
      backend,
      // With no deletion pending (nearly always) a read goes straight on: a near-cache hit is then
      // two Effect steps, not a dozen (counted with the pipeline benchmark).
      get: (key, renewTtlMillis) =>
        Effect.flatMap(Ref.get(pending), (state) =>
          pendingCount(state) === 0
            ? read(key, renewTtlMillis)
            : Effect.flatMap(mustNotRead(key), (forbidden) =>
                forbidden ? Effect.succeed(Option.none()) : read(key, renewTtlMillis),
              ),
        ),
      add: (key, value, ttlMillis) =>
        Effect.gen(function* () {
          yield* flushIfPending
          const ttl = Math.max(1, Math.round(ttlMillis))
          near.drop([key])
          const written = yield* guarded("add", () => client.set(key, value, "PX", ttl, "NX"))
          if (written === null) return false
          yield* Ref.update(pending, (state) => ({
            ...state,
            keys: HashSet.remove(state.keys, key),
          }))
          return true
        }),
      set: (entries, ttlMillis) =>
        Effect.gen(function* () {
          yield* flushIfPending
          const ttl = Math.max(1, Math.round(ttlMillis))
          const tickets = entries.map(([key]) => near.reserve(key))
          if (entries.length === 1) {
            const [key, value] = entries[0] as readonly [string, string]
            yield* guarded("set", () => client.set(key, value, "PX", ttl))
          } else {
            const results = yield* guarded(
              "set",
              () => {
                const pipeline = client.pipeline()
                for (const [key, value] of entries) pipeline.set(key, value, "PX", ttl)
                return pipeline.exec()
              },
              Duration.times(commandTimeout, 4),
            )
            const failed = results?.find(([error]) => error !== null)
            if (failed !== undefined) {
              return yield* Effect.fail(new CacheError({ operation: "set", cause: failed[0] }))
            }
          }
          entries.forEach(([key, value], index) => {
            near.settle(key, tickets[index], value, ttl)
          })
          // A fresh value replaces whatever deletion was pending for these keys.
          const written = HashSet.fromIterable(entries.map(([key]) => key))
          yield* Ref.update(pending, (state) => ({
            ...state,
            keys: HashSet.difference(state.keys, written),
          }))
        }),
      // The copy is dropped before the command and again once Redis has done it: a read sent just
      // before the deletion may have brought the old value back into the copy meanwhile, and
      // Redis does not tell this process about its own deletions (NOLOOP).
      delete: (keys) =>
        Effect.suspend(() => {
          near.drop(keys)
          return Effect.ensuring(
            unlink(keys),
            Effect.sync(() => near.drop(keys)),
          )
        }).pipe(
          Effect.tapError(() =>
            Ref.update(pending, (state) => ({
              ...state,
              keys: HashSet.union(state.keys, HashSet.fromIterable(keys)),
            })),
          ),
        ),
      keys: scanKeys,
      deleteMatching: (pattern) =>
        Effect.suspend(() => {
          const matches = globToRegExp(pattern)
          const drop = () => near.dropMatching((key) => matches.test(key))
          drop()
          return Effect.ensuring(unlinkMatching(pattern), Effect.sync(drop))
        }).pipe(
          Effect.tapError(() =>
            Ref.update(pending, (state) => ({
              ...state,
              patterns: HashSet.add(state.patterns, pattern),
            })),
          ),
        ),
      ping: Effect.gen(function* () {
        const start = yield* Effect.clockWith((clock) => clock.currentTimeNanos)
        yield* guarded("ping", () => client.ping())
        const end = yield* Effect.clockWith((clock) => clock.currentTimeNanos)
        return Duration.nanos(end - start)
      }),
      // While Redis fails, `status` still answers (`available: false`): that is what ops look for.
      info: Effect.gen(function* () {
        const pendingInvalidations = pendingCount(yield* Ref.get(pending))
        return yield* Effect.all([
          guarded("info", () => client.info("server")),
          guarded("info", () => client.info("memory")),
          guarded("info", () => client.dbsize()),
        ]).pipe(
          Effect.map(([server, memory, entries]) => ({
            available: true,
            version: parseInfo(server, "redis_version") ?? "unknown",
            usedMemory: parseInfo(memory, "used_memory_human") ?? "unknown",
            entries,
            pendingInvalidations,
          })),
          Effect.orElseSucceed(() => ({
            available: false,
            version: "unknown",
            usedMemory: "unknown",
            entries: 0,
            pendingInvalidations,
          })),
        )
      }),
    }
    yield* recordBackend(backend)
    return makeCache(store, options.prefix)
  })

/** The Redis cache from `REDIS_URL`; fails with `RedisUnavailable` when unset or unreachable. */
export const layerWith = (options: Omit<RedisCacheOptions, "url" | "prefix"> = {}) =>
  Layer.scoped(
    Cache,
    Effect.gen(function* () {
      const settings = yield* CacheConfig
      if (Option.isNone(settings.redisUrl)) {
        return yield* new RedisUnavailable({ reason: "REDIS_URL is not set" })
      }
      return yield* make({ ...options, url: settings.redisUrl.value, prefix: settings.prefix })
    }),
  )

export const layer = layerWith()
