/**
 * Latency statistics and the report of a run: the table printed to stdout and `RESULTS.md`. Every
 * number and the conclusion's wording come from the measurements; nothing here is hard-coded.
 */
import * as Os from "node:os"

/** Latencies of one variant in microseconds, one array per round. */
export interface Measured {
  readonly id: VariantId
  readonly label: string
  readonly rounds: ReadonlyArray<Float64Array>
}

export type VariantId = "uncached" | "redis" | "memory" | "get1" | "get2"

export interface Summary {
  readonly samples: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
  /** One read after another: 1 s / mean. */
  readonly opsPerSecond: number
  readonly p50ByRound: ReadonlyArray<number>
}

const sorted = (samples: Float64Array): Float64Array => Float64Array.from(samples).sort()

/** Nearest-rank percentile of sorted samples. */
const percentile = (ascending: Float64Array, q: number): number =>
  ascending[Math.max(0, Math.ceil(q * ascending.length) - 1)] ?? Number.NaN

/** Statistics over the samples of every round pooled together. */
export const summarize = (rounds: ReadonlyArray<Float64Array>): Summary => {
  const pooled = new Float64Array(rounds.reduce((total, round) => total + round.length, 0))
  let offset = 0
  for (const round of rounds) {
    pooled.set(round, offset)
    offset += round.length
  }
  const ascending = pooled.sort()
  const mean = ascending.reduce((total, sample) => total + sample, 0) / ascending.length
  return {
    samples: ascending.length,
    p50: percentile(ascending, 0.5),
    p99: percentile(ascending, 0.99),
    mean,
    opsPerSecond: 1e6 / mean,
    p50ByRound: rounds.map((round) => percentile(sorted(round), 0.5)),
  }
}

/** mulberry32: a small seeded PRNG, so every variant (and every run) reads the same employees. */
export const seededRandom = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// -- rendering ----------------------------------------------------------------------------------

const micros = (value: number): string => value.toFixed(1)
const percent = (value: number): string => `${Math.round(value * 100)}%`
const speedUp = (slow: number, fast: number): string => `×${(slow / fast).toFixed(1)}`
/** "Faster" as the old claim meant it: the share of the latency a cache hit takes away. */
const reduction = (slow: number, fast: number): number => 1 - fast / slow
/** `−75%` when `fast` takes less time than `slow`, `+20%` when it takes more. */
const change = (slow: number, fast: number): string => {
  const cut = reduction(slow, fast)
  return cut >= 0 ? `−${percent(cut)}` : `+${percent(-cut)}`
}
const fasterOrSlower = (slow: number, fast: number): string => {
  const cut = reduction(slow, fast)
  return cut >= 0 ? `${percent(cut)} faster` : `${percent(-cut)} slower`
}

/** A Markdown table padded so that it also reads as a plain table on a terminal. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join(
    "\n",
  )
}

/** The machine a benchmark ran on, and when: the head of both benchmarks' reports. */
export const machine = (startedAt: number) => {
  const cpus = Os.cpus()
  return {
    date: `${new Date(startedAt).toISOString().slice(0, 16).replace("T", " ")} UTC`,
    node: process.version,
    os: `${Os.type()} ${Os.release()}`,
    cpu: cpus[0]?.model.trim() ?? "unknown CPU",
    cores: cpus.length,
  } as const
}

export interface Environment {
  readonly date: string
  readonly node: string
  readonly os: string
  readonly cpu: string
  readonly cores: number
  /** The 1-minute load average at the start and after each round. */
  readonly load: ReadonlyArray<number>
  readonly postgres: string
  readonly redis: string
}

export interface Run {
  readonly command: string
  readonly environment: Environment
  readonly employees: number
  /** Measured reads per variant in each round. */
  readonly readsPerRound: number
  readonly rounds: number
  readonly warmup: number
  readonly blockSize: number
  readonly seed: number
  /** Bytes of the values a read path fetches from the cache, as stored. */
  readonly valueBytes: { readonly employee: number; readonly interests: number }
  /** Cache misses counted while the cached variants were measured: 0 means every read hit. */
  readonly missesWhileMeasuring: number
  readonly seconds: number
  readonly measured: ReadonlyArray<Measured>
}

const verdict = (redisReduction: number): string =>
  redisReduction < 0.5 ? "overstated" : redisReduction > 0.9 ? "understated" : "true"

export const render = (run: Run) => {
  const stats = new Map(run.measured.map((variant) => [variant.id, summarize(variant.rounds)]))
  const stat = (id: VariantId): Summary => {
    const found = stats.get(id)
    if (found === undefined) throw new Error(`variant ${id} was not measured`)
    return found
  }
  const uncached = stat("uncached")
  const redis = stat("redis")
  const memory = stat("memory")
  const floor = stat("get2")

  const latencies = table(
    ["variant", "p50 µs", "p99 µs", "mean µs", "ops/s", "p50 µs by round"],
    run.measured.map(({ id, label }) => {
      const s = stat(id)
      return [
        label,
        micros(s.p50),
        micros(s.p99),
        micros(s.mean),
        Math.round(s.opsPerSecond).toLocaleString("en-US"),
        s.p50ByRound.map(micros).join(" / "),
      ]
    }),
  )

  const against = (slow: Summary, fast: Summary) =>
    (["p50", "p99", "mean"] as const).map(
      (field) => `${speedUp(slow[field], fast[field])} (${change(slow[field], fast[field])})`,
    )
  const ratios = table(
    ["comparison", "p50", "p99", "mean"],
    [
      ["Redis hit vs uncached", ...against(uncached, redis)],
      ["memory hit vs uncached", ...against(uncached, memory)],
      ["memory hit vs Redis hit", ...against(redis, memory)],
    ],
  )
  const overhead = table(
    ["Redis hit above its floor (2 raw GETs)", "p50", "p99", "mean"],
    [
      [
        "extra µs (share of the hit)",
        ...(["p50", "p99", "mean"] as const).map(
          (field) =>
            `+${micros(redis[field] - floor[field])} (${percent(reduction(redis[field], floor[field]))})`,
        ),
      ],
    ],
  )

  const redisCut = reduction(uncached.p50, redis.p50)
  const memoryCut = reduction(uncached.p50, memory.p50)
  const conclusion = [
    `Here, repeated reads (recognition + interests, median) are ${fasterOrSlower(uncached.p50, redis.p50)}`,
    `with Redis (${speedUp(uncached.p50, redis.p50)} the speed of Postgres) and`,
    `${fasterOrSlower(uncached.p50, memory.p50)} with the memory cache (${speedUp(uncached.p50, memory.p50)});`,
    `at p99 they are ${fasterOrSlower(uncached.p99, redis.p99)} with Redis and`,
    `${fasterOrSlower(uncached.p99, memory.p99)} with memory.`,
    `The old claim of 50–90% faster repeated reads is ${verdict(redisCut)} here for Redis`,
    `(${verdict(memoryCut)} for the memory cache).`,
    `Of a Redis hit's ${micros(redis.p50)} µs median, the two round trips themselves take`,
    `${micros(floor.p50)} µs; the other ${percent(reduction(redis.p50, floor.p50))} is the cache layer around them:`,
    `roughly ${micros(memory.p50)} µs that a memory hit costs too (JSON + Schema decoding of both`,
    "values, the cache's bookkeeping and metrics) and",
    `${micros(Math.max(0, redis.p50 - floor.p50 - memory.p50))} µs of the Redis store's handling of`,
    "each command (circuit breaker, pending-invalidation checks, timeouts) and of waiting on I/O.",
  ].join(" ")

  const env = run.environment
  const busiest = Math.max(...env.load)
  const contention =
    busiest > env.cores
      ? ` The machine was busy meanwhile (load average up to ${busiest.toFixed(1)} on ${env.cores} cores), so the tails (p99, and the means they pull up) mostly measure waiting for a CPU; the medians are the figures to compare.`
      : ""
  const stdout = [latencies, "", ratios, "", overhead, "", conclusion + contention].join("\n")
  const markdown = `# Cache benchmark: the recognition + interests read path

Written by \`${run.command}\` (bench/cache.ts) on ${env.date}; inserting, warming and measuring took ${run.seconds.toFixed(0)} s.

- Machine: ${env.cpu}, ${env.cores} cores, ${env.os}; Node ${env.node}; 1-minute load average ${Math.min(...env.load).toFixed(1)}–${Math.max(...env.load).toFixed(1)} during the run
- Postgres ${env.postgres} and Redis ${env.redis}, both on this machine over loopback
- Data: a throwaway database with ${run.employees.toLocaleString("en-US")} employees (2–4 interests each); cached values of ${run.valueBytes.employee} bytes (\`emp:\`) and ${run.valueBytes.interests} bytes (\`int:\`) on average
- Read path: \`recognize({ telegramId })\`, then \`activeInterests(employee.id)\`, for an employee drawn by a seeded PRNG (seed ${run.seed}); every variant reads the same sequence
- ${run.rounds} rounds; in each, every variant runs ${run.warmup} warm-up reads (discarded), then ${run.readsPerRound.toLocaleString("en-US")} measured reads one after another, each timed with \`process.hrtime.bigint()\`, in blocks of ${run.blockSize}: the variants take turns block by block, in an order that rotates, so that a burst of load from elsewhere on the machine hits them alike
- Statistics pool the samples of all rounds (${(run.rounds * run.readsPerRound).toLocaleString("en-US")} per variant); "p50 by round" shows how steady they were
- Cached variants are warmed first (every employee read once), so every measured read is a hit: cache misses while measuring: ${run.missesWhileMeasuring}

## Latency

${latencies}

Uncached is \`EmployeeRepo.layer\` with \`InterestRepo.layer\` (two Postgres queries); the hits are their \`cached\` layers over \`RedisCache\` and over \`MemoryCache\` (two cache reads, decoded through their Schemas). The floors are plain ioredis \`GET\`s of the same keys (same values) on a client of their own, awaited through \`Effect.promise\` like everything else in the timing loop: one \`GET\` is one Redis round trip, two are the least a Redis hit can cost.

## Speed-up (×) and change in latency (−% faster, +% slower)

${ratios}

${overhead}

## Conclusion

${conclusion}${contention}

Both servers share this machine's cores with the bench (and with whatever else ran meanwhile); with a network between the bot and its servers every round trip costs more, for Postgres and Redis alike.
`
  return { stdout, markdown }
}
