/**
 * Cache metrics as Effect metrics (the bot exposes them on /metrics): hits, misses and errors per
 * key namespace, and the backend in use.
 */
import { Effect, Metric } from "effect"
import type { CacheBackend } from "./Cache"
import { type Namespace, namespaceOf, namespaces } from "./Keys"

export const hits = Metric.counter("connectbot_cache_hits_total", {
  description: "Cache reads answered from the cache",
  incremental: true,
})
export const misses = Metric.counter("connectbot_cache_misses_total", {
  description: "Cache reads that found nothing (or a value that no longer decodes)",
  incremental: true,
})
export const errors = Metric.counter("connectbot_cache_errors_total", {
  description: "Cache operations that failed or timed out",
  incremental: true,
})
/** 1 for the backend in use, 0 for the other: `connectbot_cache_backend{backend="redis"}`. */
export const backendGauge = Metric.gauge("connectbot_cache_backend", {
  description: "The cache backend in use (1) and the one not in use (0)",
})
/** 0 while Redis is failing and the cache stands aside. */
const availableGauge = Metric.gauge("connectbot_cache_available", {
  description: "1 when the cache backend answers, 0 while it is failing",
})

const allNamespaces: ReadonlyArray<Namespace> = [...namespaces, "other"]

/** One tagged counter per namespace, made once (tagging builds a new metric each time). */
const perNamespace = (counter: Metric.Metric.Counter<number>) =>
  new Map(
    allNamespaces.map((namespace) => [
      namespace,
      Metric.increment(Metric.tagged(counter, "namespace", namespace)),
    ]),
  )
const hitsBy = perNamespace(hits)
const missesBy = perNamespace(misses)
const errorsBy = perNamespace(errors)

const count = (counters: ReadonlyMap<Namespace, Effect.Effect<void>>, key: string) =>
  counters.get(namespaceOf(key)) ?? Effect.void

export const recordHit = (key: string) => count(hitsBy, key)
export const recordMiss = (key: string) => count(missesBy, key)
export const recordError = (key: string) => count(errorsBy, key)

export const recordBackend = (backend: CacheBackend) =>
  Effect.all([
    Metric.set(Metric.tagged(backendGauge, "backend", "redis"), backend._tag === "Redis" ? 1 : 0),
    Metric.set(Metric.tagged(backendGauge, "backend", "memory"), backend._tag === "Memory" ? 1 : 0),
    Metric.set(availableGauge, 1),
  ])

export const recordAvailable = (available: boolean) => Metric.set(availableGauge, available ? 1 : 0)
