/** `tsx scripts/redis.ts status [--json]`: what the cache is and holds. */
import { Console, Duration, Effect } from "effect"
import { Cache, type CacheStatus } from "../../cache/Cache"
import type { Namespace } from "../../cache/Keys"
import { formatMillis, plural } from "./Shared"

/** What `status --json` prints: stable field names, durations in milliseconds. */
export interface StatusJson {
  readonly backend: "redis" | "memory"
  /** `host:port[/db]` of Redis; `null` on the memory fallback. */
  readonly location: string | null
  /** The memory fallback is in use (with `reason`), or Redis is failing (`available: false`). */
  readonly degraded: boolean
  readonly reason: string | null
  readonly available: boolean
  readonly prefix: string
  readonly server: {
    readonly version: string
    readonly usedMemory: string
    /** Keys in the whole Redis database (or entries of this process's memory cache). */
    readonly entries: number
    readonly maxEntries: number | null
  }
  /** `null` while Redis is failing (it is not asked). */
  readonly pingMs: number | null
  /** Keys under the prefix per namespace, and their total. */
  readonly keys: Readonly<Record<Namespace, number>>
  readonly totalKeys: number
  readonly pendingInvalidations: number
}

export const namespaceCounts = (report: CacheStatus): Record<Namespace, number> => ({
  emp: report.keys.emp ?? 0,
  int: report.keys.int ?? 0,
  act: report.keys.act ?? 0,
  sess: report.keys.sess ?? 0,
  upd: report.keys.upd ?? 0,
  other: report.keys.other ?? 0,
})

export const statusJson = (prefix: string, report: CacheStatus): StatusJson => {
  const keys = namespaceCounts(report)
  return {
    backend: report.backend._tag === "Redis" ? "redis" : "memory",
    location: report.backend._tag === "Redis" ? report.backend.location : null,
    degraded: report.backend._tag === "Memory" || !report.available,
    reason: report.backend._tag === "Memory" ? report.backend.reason : null,
    available: report.available,
    prefix,
    server: {
      version: report.server.version,
      usedMemory: report.server.usedMemory,
      entries: report.server.entries,
      maxEntries: report.server.maxEntries ?? null,
    },
    pingMs: Duration.isFinite(report.pingLatency)
      ? Math.round(Duration.toMillis(report.pingLatency) * 1000) / 1000
      : null,
    keys,
    totalKeys: Object.values(keys).reduce((sum, count) => sum + count, 0),
    pendingInvalidations: report.pendingInvalidations,
  }
}

const statusLines = (prefix: string, report: CacheStatus): ReadonlyArray<string> => {
  const json = statusJson(prefix, report)
  const keys = Object.entries(json.keys)
    .map(([namespace, count]) => `${namespace} ${count}`)
    .join(", ")
  if (report.backend._tag === "Memory") {
    return [
      `Status:    degraded, on the memory fallback: ${report.backend.reason}`,
      "Backend:   this command's own in-process memory (each bot process then has its own)",
      `Prefix:    ${prefix}`,
      `Server:    in-process, ${plural(json.server.entries, "entry", "entries")} of at most ${json.server.maxEntries ?? "?"}`,
      `Keys:      ${keys} (${json.totalKeys} under ${prefix})`,
    ]
  }
  return [
    json.available
      ? "Status:    ok"
      : "Status:    degraded: Redis is failing; reads miss and writes are skipped",
    `Backend:   Redis at ${report.backend.location}`,
    `Prefix:    ${prefix}`,
    `Server:    Redis ${json.server.version}, ${json.server.usedMemory} used, ${plural(json.server.entries, "key")} in the database`,
    `Ping:      ${Duration.isFinite(report.pingLatency) ? formatMillis(report.pingLatency) : "no answer"}`,
    `Keys:      ${keys} (${json.totalKeys} under ${prefix})`,
    `Pending invalidations: ${json.pendingInvalidations}`,
  ]
}

/** Backend, server, latency and key counts; exit 0 whether Redis or the fallback is in use. */
export const status = (options: { readonly json: boolean }) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    const report = yield* cache.ops.status
    if (options.json) {
      yield* Console.log(JSON.stringify(statusJson(cache.prefix, report)))
    } else {
      for (const line of statusLines(cache.prefix, report)) yield* Console.log(line)
    }
  })
