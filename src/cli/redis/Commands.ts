/**
 * Cache commands: `tsx scripts/redis.ts status [--json] | test | clear … | warmup [--batch-size N]`.
 * They act on the Redis of REDIS_URL under CACHE_PREFIX, as the bot does (src/cli/redis/).
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect, Layer, Schema } from "effect"
import { ActivityRepo } from "../../activities/ActivityRepo"
import * as CacheLive from "../../cache/CacheLive"
import {
  CacheConfig,
  cacheSettingsConfig,
  checkSettings,
  DatabaseConfig,
  databaseSettingsConfig,
} from "../../config"
import * as Database from "../../db/Database"
import { ActivityId, EmployeeId } from "../../domain/Ids"
import { EmployeeRepo } from "../../employees/EmployeeRepo"
import { InterestRepo } from "../../interests/InterestRepo"
import { commandLine } from "../CommandLine"
import * as Clear from "./Clear"
import * as SelfTest from "./SelfTest"
import * as Status from "./Status"
import * as Warmup from "./Warmup"

// Each command opens only what it needs, in the order given by the nesting of `Effect.provide`:
// the cache first, then (for `clear` and `warmup`) the check that it is Redis, then the database.
const CacheLayer = CacheLive.layer.pipe(Layer.provideMerge(CacheConfig.layer))
const RepoLive = Layer.mergeAll(EmployeeRepo.layer, InterestRepo.layer, ActivityRepo.layer).pipe(
  Layer.provideMerge(Database.layer.pipe(Layer.provide(DatabaseConfig.layer))),
)

/**
 * For the commands that open the database too: its settings and the cache's are read together,
 * so that one line names every setting at fault in both (the command opens one section after the
 * other, and the first bad one would hide the other's).
 */
const checkCacheAndDatabaseSettings = checkSettings([cacheSettingsConfig, databaseSettingsConfig])

const json = Options.boolean("json").pipe(
  Options.withDescription(
    "Print one JSON object for machines (stable field names, durations in milliseconds).",
  ),
)

const status = Command.make("status", { json }, ({ json }) =>
  Status.status({ json }).pipe(Effect.provide(CacheLayer)),
).pipe(
  Command.withDescription(
    "Show the cache backend (and why, when it fell back to memory), the Redis version, memory, ping latency, keys per namespace and pending invalidations. Exit 0 whether Redis or the memory fallback is in use.",
  ),
)

const test = Command.make("test", {}, () =>
  SelfTest.selfTest.pipe(Effect.provide(SelfTest.layer.pipe(Layer.provide(CacheConfig.layer)))),
).pipe(
  Command.withDescription(
    "Exercise every cache and session operation on the configured backend under throwaway keys (CACHE_PREFIX + selftest:<random>:), print a line per check, delete the keys. Exit 1 when a check fails or when REDIS_URL is set but Redis does not answer.",
  ),
)

/**
 * A positive integer id option, given once or repeated (`--employee 3 --employee 7`). Read as
 * text: @effect/cli 0.77 validates a repeated integer option given once twice, the second time
 * as a string, and refuses every number ("'3' is not a integer").
 */
const ids = <B extends number>(name: string, schema: Schema.Schema<B, number>) =>
  Options.text(name).pipe(
    Options.withPseudoName("ID"),
    Options.repeated,
    Options.mapEffect((values) => {
      const bad = values.find((value) => !/^\d+$/.test(value) || !Schema.is(schema)(Number(value)))
      return bad === undefined
        ? Effect.succeed(values.map((value) => Schema.decodeSync(schema)(Number(value))))
        : Effect.fail(
            ValidationError.invalidValue(
              HelpDoc.p(`--${name} takes a positive whole number (an id), not '${bad}'`),
            ),
          )
    }),
  )

const all = Options.boolean("all").pipe(
  Options.withDescription(
    "Delete every key under CACHE_PREFIX but feed:cursor and sessions:epoch (the change feed's position, the sessions' epoch); the other options add nothing.",
  ),
)
const sessions = Options.boolean("sessions").pipe(
  Options.withDescription("Delete every bot session (sess:*): users start from the main menu."),
)
const employee = ids("employee", EmployeeId).pipe(
  Options.withDescription(
    "Delete an employee's cached data: emp:{telegramId} (looked up in the database) and int:{ID}. Repeatable.",
  ),
)
const activity = ids("activity", ActivityId).pipe(
  Options.withDescription(
    "Delete an activity's cached participants: act:{ID}:participants. Repeatable.",
  ),
)

const clear = Command.make(
  "clear",
  { all, sessions, employee, activity },
  ({ all, sessions, employee, activity }) => {
    const targets = { all, sessions, employees: employee, activities: activity }
    const run = Effect.zipRight(
      Clear.requireTargets(targets),
      Clear.clear(targets, (ids) => Clear.keysOfEmployees(ids).pipe(Effect.provide(RepoLive))).pipe(
        Effect.provide(Clear.sharedCache),
        Effect.provide(CacheLayer),
      ),
    )
    // Only --employee (without --all) looks up the database.
    return !all && employee.length > 0 ? Effect.zipRight(checkCacheAndDatabaseSettings, run) : run
  },
).pipe(
  Command.withDescription(
    "Delete cache keys under CACHE_PREFIX only (SCAN and UNLINK, never FLUSHDB) and print what was deleted. Give at least one option. Needs Redis: without it there is no shared cache to clear (exit 1).",
  ),
)

const batchSize = Options.integer("batch-size").pipe(
  Options.withDefault(500),
  Options.mapEffect((size) =>
    Number.isInteger(size) && size >= 1 && size <= 10_000
      ? Effect.succeed(size)
      : Effect.fail(
          ValidationError.invalidValue(
            HelpDoc.p("--batch-size takes a whole number from 1 to 10000"),
          ),
        ),
  ),
  Options.withDescription("Rows read and keys written per round trip."),
)

const warmup = Command.make("warmup", { batchSize }, ({ batchSize }) =>
  Effect.zipRight(
    checkCacheAndDatabaseSettings,
    Warmup.warmup({ batchSize }).pipe(
      Effect.provide(RepoLive),
      Effect.provide(Warmup.sharedCache),
      Effect.provide(CacheLayer),
    ),
  ),
).pipe(
  Command.withDescription(
    "Fill Redis from the database: active employees with a Telegram id (emp:), their interests (int:) and the participants of scheduled and active activities (act:), in pipelined batches. Only reads the database. Needs Redis (exit 1 without it).",
  ),
)

const redis = Command.make("redis").pipe(
  Command.withDescription("ConnectBot cache commands (Redis under CACHE_PREFIX)."),
  Command.withSubcommands([status, test, clear, warmup]),
)

/**
 * The command line, parsed from `argv` as Node gives it (the first two are the runtime and the
 * script). Kept apart from the script so that tests run the very same parsing and help in-process.
 */
export const cli = commandLine(redis, { name: "tsx scripts/redis.ts", version: "0.1.0" })
