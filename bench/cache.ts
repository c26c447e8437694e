/**
 * `npm run bench`: the bot's recognition + interests read path uncached (Postgres), as a Redis
 * hit and as a memory hit, beside raw ioredis GETs as the floor, all in one run; prints a table
 * and writes bench/RESULTS.md.
 *
 * Settings: DATABASE_URL (an admin connection: the bench makes a database of its own on that
 * server and drops it afterwards), REDIS_URL (keys under a prefix of its own, deleted afterwards),
 * BENCH_ITERATIONS (measured reads per variant, split over the rounds), BENCH_ROUNDS, BENCH_WARMUP,
 * BENCH_EMPLOYEES, BENCH_SEED.
 */
import * as Os from "node:os"
import { fileURLToPath } from "node:url"
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import {
  Clock,
  Config,
  Console,
  Context,
  Effect,
  Layer,
  Metric,
  MetricState,
  Redacted,
} from "effect"
import type IORedis from "ioredis"
import { Cache, type CacheService } from "../src/cache/Cache"
import { EmployeeEntry, InterestsEntry } from "../src/cache/Keys"
import * as MemoryCache from "../src/cache/MemoryCache"
import * as RedisCache from "../src/cache/RedisCache"
import type { DatabaseError } from "../src/domain/Errors"
import type { EmployeeId, TelegramId } from "../src/domain/Ids"
import type { Interest } from "../src/domain/Models"
import type { Recognition } from "../src/domain/Outcomes"
import { EmployeeRepo } from "../src/employees/EmployeeRepo"
import { InterestRepo } from "../src/interests/InterestRepo"
import { type Measured, machine, render, seededRandom, type VariantId } from "./Report"
import * as Resources from "./Resources"

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "expected a positive whole number", validation: (n) => n > 0 }),
    Config.withDefault(fallback),
  )

const benchSettings = Config.all({
  adminUrl: Config.string("DATABASE_URL").pipe(
    Config.withDefault("postgres://postgres@127.0.0.1:5432/test"),
  ),
  redisUrl: Config.string("REDIS_URL").pipe(Config.withDefault("redis://127.0.0.1:6379")),
  iterations: positive("BENCH_ITERATIONS", 3000),
  rounds: positive("BENCH_ROUNDS", 3),
  warmup: positive("BENCH_WARMUP", 200),
  employees: positive("BENCH_EMPLOYEES", 1000),
  seed: Config.integer("BENCH_SEED").pipe(Config.withDefault(42)),
})
type BenchSettings = Config.Config.Success<typeof benchSettings>

/** The command as run, with the bench's own settings (never a URL: it may hold a password). */
const command = (): string =>
  [
    ...["BENCH_ITERATIONS", "BENCH_ROUNDS", "BENCH_WARMUP", "BENCH_EMPLOYEES", "BENCH_SEED"]
      .filter((name) => process.env[name] !== undefined)
      .map((name) => `${name}=${process.env[name]}`),
    "npm run bench",
  ].join(" ")

/** What the read path needs of the repositories, plain or cached. */
interface EmployeeReads {
  readonly recognize: (user: {
    readonly telegramId: TelegramId
  }) => Effect.Effect<Recognition, DatabaseError>
  readonly activeInterests: (
    employeeId: EmployeeId,
  ) => Effect.Effect<ReadonlyArray<Interest>, DatabaseError>
}

/** What the bot reads for an update: who is writing, and what they are interested in. */
const readPath = (repo: EmployeeReads) => (reader: Resources.Reader) =>
  Effect.flatMap(repo.recognize({ telegramId: reader.telegramId }), (recognition) =>
    recognition._tag === "Recognized"
      ? repo.activeInterests(recognition.employee.id)
      : Effect.dieMessage(`Telegram user ${reader.telegramId} was not recognised`),
  )

interface Variant {
  readonly id: VariantId
  readonly label: string
  readonly read: (reader: Resources.Reader) => Effect.Effect<unknown, DatabaseError>
}

/** Measured reads are timed in blocks this long, the variants taking turns block by block. */
const blockSize = 50

/** One read after another; latencies in microseconds. */
const timeReads = (variant: Variant, readers: ReadonlyArray<Resources.Reader>) =>
  Effect.gen(function* () {
    const latencies = new Float64Array(readers.length)
    for (const [index, reader] of readers.entries()) {
      const start = process.hrtime.bigint()
      yield* variant.read(reader)
      latencies[index] = Number(process.hrtime.bigint() - start) / 1000
    }
    return latencies
  })

const rotate = <A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> => {
  const start = by % items.length
  return [...items.slice(start), ...items.slice(0, start)]
}

/**
 * One round: every variant's warm-up reads (discarded), then the measured reads in blocks, the
 * variants taking turns in an order that rotates from block to block, so that a burst of load
 * from elsewhere on the machine hits every variant alike.
 */
const measureRound = (
  variants: ReadonlyArray<Variant>,
  warmupReaders: ReadonlyArray<Resources.Reader>,
  measuredReaders: ReadonlyArray<Resources.Reader>,
  round: number,
) =>
  Effect.gen(function* () {
    for (const variant of rotate(variants, round)) yield* timeReads(variant, warmupReaders)
    const latencies = new Map(
      variants.map(({ id }) => [id, new Float64Array(measuredReaders.length)]),
    )
    for (let start = 0; start < measuredReaders.length; start += blockSize) {
      const block = measuredReaders.slice(start, start + blockSize)
      for (const variant of rotate(variants, round + start / blockSize)) {
        latencies.get(variant.id)?.set(yield* timeReads(variant, block), start)
      }
    }
    return latencies
  })

/** The cache misses counted so far by the app's own metric (every namespace, every backend). */
const cacheMisses = Effect.map(Metric.snapshot, (pairs) =>
  pairs
    .filter((pair) => pair.metricKey.name === "connectbot_cache_misses_total")
    .reduce(
      (total, pair) =>
        total + (MetricState.isCounterState(pair.metricState) ? Number(pair.metricState.count) : 0),
      0,
    ),
)

const readsOf = (context: Context.Context<EmployeeRepo | InterestRepo>): EmployeeReads => ({
  recognize: Context.get(context, EmployeeRepo).recognize,
  activeInterests: Context.get(context, InterestRepo).activeInterests,
})

/** The repositories as the bot has them: the same services, their `cached` layers. */
const cachedRepoOver = (cache: CacheService) =>
  Effect.map(
    Layer.build(
      InterestRepo.cached.pipe(
        Layer.provideMerge(EmployeeRepo.cached),
        Layer.provide(Layer.succeed(Cache, cache)),
      ),
    ),
    readsOf,
  )

/** The average size in bytes of the values stored under `keys`. */
const averageBytes = (client: IORedis, keys: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    const lengths = await Promise.all(keys.map((key) => client.strlen(key)))
    return Math.round(lengths.reduce((total, length) => total + length, 0) / lengths.length)
  })

/** The 1-minute load average: how busy the machine was besides the bench. */
const loadNow = (): number => Os.loadavg()[0] ?? Number.NaN

const bench = (settings: BenchSettings) =>
  Effect.gen(function* () {
    const startedAt = yield* Clock.currentTimeMillis
    const loads = [loadNow()]
    yield* Console.log(`Inserting ${settings.employees} employees into a throwaway database…`)
    const employees = yield* Resources.insertEmployees(settings.employees)
    const random = seededRandom(settings.seed)
    const draw = (count: number) =>
      Array.from({ length: count }, () => {
        const reader = employees[Math.floor(random() * employees.length)]
        if (reader === undefined) throw new Error("no employees to read")
        return reader
      })
    const warmupReaders = draw(settings.warmup)
    const measuredReaders = draw(Math.ceil(settings.iterations / settings.rounds))

    const redis = yield* Resources.plainRedis(settings.redisUrl)
    const prefix = yield* Resources.throwawayPrefix(redis)
    const redisCache = yield* RedisCache.make({ url: Redacted.make(settings.redisUrl), prefix })
    const memoryCache = yield* MemoryCache.make({ prefix, reason: "benchmark" })
    const uncachedRepo = readsOf(
      yield* Layer.build(Layer.mergeAll(EmployeeRepo.layer, InterestRepo.layer)),
    )
    const redisRepo = yield* cachedRepoOver(redisCache)
    const memoryRepo = yield* cachedRepoOver(memoryCache)

    const keysOf = (reader: Resources.Reader) =>
      [
        `${prefix}${EmployeeEntry.key(reader.telegramId)}`,
        `${prefix}${InterestsEntry.key(reader.employeeId)}`,
      ] as const
    const variants: ReadonlyArray<Variant> = [
      { id: "uncached", label: "uncached (Postgres)", read: readPath(uncachedRepo) },
      { id: "redis", label: "Redis hit", read: readPath(redisRepo) },
      { id: "memory", label: "memory hit", read: readPath(memoryRepo) },
      {
        id: "get1",
        label: "floor: 1 raw GET",
        read: (reader) => Effect.promise(() => redis.get(keysOf(reader)[0])),
      },
      {
        id: "get2",
        label: "floor: 2 raw GETs",
        read: (reader) =>
          Effect.promise(async () => {
            const [employeeKey, interestsKey] = keysOf(reader)
            await redis.get(employeeKey)
            await redis.get(interestsKey)
          }),
      },
    ]

    yield* Console.log("Warming both caches with every employee…")
    for (const reader of employees) {
      yield* readPath(redisRepo)(reader)
      yield* readPath(memoryRepo)(reader)
    }
    const expected = employees.length * 2
    const inRedis = yield* Effect.promise(() => redis.exists(...employees.flatMap(keysOf)))
    const inMemory = (yield* memoryCache.ops.keys("*")).length
    if (inRedis !== expected || inMemory !== expected) {
      return yield* new Resources.BenchSetupError({
        message: `warm-up left ${inRedis} keys in Redis and ${inMemory} in memory, not ${expected}`,
      })
    }

    const samples = new Map<VariantId, Array<Float64Array>>(variants.map(({ id }) => [id, []]))
    const missesBefore = yield* cacheMisses
    for (let round = 0; round < settings.rounds; round++) {
      yield* Console.log(`Round ${round + 1} of ${settings.rounds}…`)
      const latencies = yield* measureRound(variants, warmupReaders, measuredReaders, round)
      for (const [id, roundLatencies] of latencies) samples.get(id)?.push(roundLatencies)
      loads.push(loadNow())
    }
    const missesWhileMeasuring = (yield* cacheMisses) - missesBefore

    const measured: ReadonlyArray<Measured> = variants.map(({ id, label }) => ({
      id,
      label,
      rounds: samples.get(id) ?? [],
    }))
    const report = render({
      command: command(),
      environment: {
        ...machine(startedAt),
        load: loads,
        postgres: yield* Resources.postgresVersion,
        redis: yield* Resources.redisVersion(redis),
      },
      employees: employees.length,
      readsPerRound: measuredReaders.length,
      rounds: settings.rounds,
      warmup: settings.warmup,
      blockSize,
      seed: settings.seed,
      valueBytes: {
        employee: yield* averageBytes(
          redis,
          employees.map((reader) => keysOf(reader)[0]),
        ),
        interests: yield* averageBytes(
          redis,
          employees.map((reader) => keysOf(reader)[1]),
        ),
      },
      missesWhileMeasuring,
      seconds: ((yield* Clock.currentTimeMillis) - startedAt) / 1000,
      measured,
    })

    const fs = yield* FileSystem.FileSystem
    const resultsPath = fileURLToPath(new URL("RESULTS.md", import.meta.url))
    yield* fs.writeFileString(resultsPath, report.markdown)
    yield* Console.log(`\n${report.stdout}\n\nWritten to ${resultsPath}`)
  })

const main = Effect.gen(function* () {
  const settings = yield* benchSettings
  yield* bench(settings).pipe(Effect.scoped, Effect.provide(Resources.database(settings.adminUrl)))
})

NodeRuntime.runMain(
  main.pipe(
    // What could not be set up is said in one line; anything else is a bug, with its trace.
    Effect.catchTag("BenchSetupError", (error) =>
      Effect.zipRight(
        Console.error(`bench: ${error.message}`),
        Effect.sync(() => {
          process.exitCode = 1
        }),
      ),
    ),
    Effect.provide(NodeContext.layer),
  ),
)
