/**
 * The bot process as layers (DESIGN.md "Shape"): the services over the database and the cache,
 * the bot with its transport, and the HTTP server. `main.ts` runs `MainLive`; the end-to-end
 * tests run `AppLive` over a test database, a cache of their choice and their own settings.
 */
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import * as BotLive from "./bot/BotLive"
import * as CacheLive from "./cache/CacheLive"
import { BotConfig, CacheConfig, DatabaseConfig } from "./config"
import * as Database from "./db/Database"
import { seed } from "./db/Seed"
import type { DatabaseError } from "./domain/Errors"
import { CachedEmployeeRepo } from "./employees/CachedEmployeeRepo"
import * as ChangeFeed from "./employees/ChangeFeed"
import * as Http from "./http/Http"
import { Sessions } from "./sessions/Sessions"

/** The repository with its cache, the sessions, and the feed that keeps the cache fresh. */
export const ServicesLive = Layer.mergeAll(
  CachedEmployeeRepo.Default,
  Sessions.Default,
  ChangeFeed.layer,
)

/** The bot and the HTTP server (/telegram, /healthz, /metrics) over the services. */
export const AppLive = Http.layer.pipe(
  Layer.provideMerge(BotLive.layer),
  Layer.provideMerge(ServicesLive),
)

/**
 * Brings the database up to date on start; a new database also gets the interest catalogue,
 * departments and business centers. Says what it did in one line each.
 */
export const prepareDatabase: Effect.Effect<void, DatabaseError, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const applied = yield* Database.migrate
    if (applied.length > 0) {
      yield* Effect.logInfo(
        `Database: applied ${applied.length} migration(s): ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`,
      )
    }
    if (applied.some(([id]) => id === 1)) {
      const report = yield* seed({ demo: false })
      yield* Effect.logInfo(
        `Database: new, seeded ${report.interests} interests, ${report.departments} departments and ${report.businessCenters} business centers; add employees with: npx tsx scripts/db.ts import-employees FILE.csv`,
      )
    }
  },
)

const DatabaseLive = Layer.effectDiscard(prepareDatabase).pipe(Layer.provideMerge(Database.layer))

/** Everything, over the settings from the environment. */
export const MainLive = AppLive.pipe(
  Layer.provide(Layer.mergeAll(DatabaseLive, CacheLive.layer)),
  Layer.provide(Layer.mergeAll(DatabaseConfig.layer, CacheConfig.layer, BotConfig.layer)),
)
