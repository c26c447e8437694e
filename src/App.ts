/**
 * The bot process as layers (DESIGN.md "Shape"): the services over the database and the cache,
 * the bot with its transport, and the HTTP server. `main.ts` runs `MainLive`; the end-to-end
 * tests run `AppLive` over a test database, a cache of their choice and their own settings.
 */
import type { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { ActivityRepo } from "./activities/ActivityRepo"
import { Organising } from "./activities/Organising"
import { AdminRepo } from "./admins/AdminRepo"
import { People } from "./admins/People"
import { Reports } from "./admins/Reports"
import * as BotLive from "./bot/BotLive"
import * as CacheLive from "./cache/CacheLive"
import { BotConfig, CacheConfig, DatabaseConfig } from "./config"
import * as Database from "./db/Database"
import { migrateWithReferenceData } from "./db/Seed"
import type { DatabaseError } from "./domain/Errors"
import * as ChangeFeed from "./employees/ChangeFeed"
import { EmployeeRepo } from "./employees/EmployeeRepo"
import * as Http from "./http/Http"
import { InterestRepo } from "./interests/InterestRepo"
import { Notices } from "./notifications/Notices"
import { NotificationsConfig } from "./notifications/NotificationsSettings"
import * as NoticesScheduler from "./notifications/Scheduler"
import { Dispatcher } from "./outbox/Dispatcher"
import { Outbox } from "./outbox/Outbox"
import { Rounds } from "./rounds/Rounds"
import { RoundsConfig } from "./rounds/RoundsSettings"
import * as Scheduler from "./rounds/Scheduler"
import { Sessions } from "./sessions/Sessions"
import * as Tracing from "./telemetry/Tracing"

/**
 * The repositories of employees, interests and activities behind the cache. The interests' writes
 * drop an employee's keys, which they name through the employees' repository.
 */
export const RepositoriesLive = Layer.mergeAll(InterestRepo.cached, ActivityRepo.cached).pipe(
  Layer.provideMerge(EmployeeRepo.cached),
)

/**
 * Pairing rounds on their schedule, and the notifications (announcements, digests, reminders,
 * the waitlist) on theirs; both send through the outbox, whose dispatcher delivers every
 * proactive message (docs/rounds.md).
 */
export const ProactiveLive = Layer.mergeAll(
  Scheduler.layer.pipe(Layer.provideMerge(Rounds.layer)),
  NoticesScheduler.layer.pipe(Layer.provideMerge(Notices.layer)),
).pipe(Layer.provideMerge(Layer.mergeAll(Outbox.layer, Dispatcher.layer)))

/**
 * What organisers do from the bot (docs/organisers.md): roles, activities, employees, reports.
 * Each reads the actor's roles in the transaction of the action, never from a cache.
 */
export const OrganisersLive = Layer.mergeAll(
  AdminRepo.layer,
  Organising.layer,
  People.layer,
  Reports.layer,
)

/**
 * The repositories with their cache, the sessions, the feed that keeps the cache fresh, and the
 * rounds and notifications with their outbox. The repositories are built over the rest: a leave
 * offers the freed place through the notifications' `Waitlist` in its own transaction.
 */
export const ServicesLive = Layer.mergeAll(
  RepositoriesLive,
  Sessions.Default,
  ChangeFeed.layer,
  OrganisersLive,
).pipe(Layer.provideMerge(ProactiveLive))

/** The bot over the services (the playground adds its page before the HTTP server). */
export const BotServicesLive = BotLive.layer.pipe(Layer.provideMerge(ServicesLive))

/** The bot and the HTTP server (/telegram, /healthz, /metrics) over the services. */
export const AppLive = Http.layer.pipe(Layer.provideMerge(BotServicesLive))

/**
 * Brings the database up to date on start. The interest catalogue, departments and business
 * centers come with the migrations (0004_reference_data), whoever runs them first; when this
 * start ran that migration, it says what it added. Says what it did in one line each.
 */
export const prepareDatabase: Effect.Effect<void, DatabaseError, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const { applied, referenceData } = yield* migrateWithReferenceData
    if (applied.length > 0) {
      yield* Effect.logInfo(
        `Database: applied ${applied.length} migration(s): ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`,
      )
    }
    if (Option.isSome(referenceData)) {
      const { interests, departments, businessCenters } = referenceData.value
      const added = `${interests} interests, ${departments} departments and ${businessCenters} business centers`
      if (applied.some(([id]) => id === 1)) {
        yield* Effect.logInfo(
          `Database: new, seeded ${added}; add employees with: npx tsx scripts/db.ts import-employees FILE.csv`,
        )
      } else if (interests + departments + businessCenters > 0) {
        yield* Effect.logInfo(`Database: seeded ${added} into the tables that were empty`)
      }
    }
  },
)

const DatabaseLive = Layer.effectDiscard(prepareDatabase).pipe(Layer.provideMerge(Database.layer))

/**
 * Everything, over the settings from the environment. Tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set) comes first, so that every layer after it and the fibers they fork have its tracer, and
 * closes last, so that the spans of the shutdown are sent too.
 */
export const MainLive = AppLive.pipe(
  Layer.provide(Layer.mergeAll(DatabaseLive, CacheLive.layer)),
  Layer.provide(
    Layer.mergeAll(
      DatabaseConfig.layer,
      CacheConfig.layer,
      BotConfig.layer,
      RoundsConfig.layer,
      NotificationsConfig.layer,
    ),
  ),
  Layer.provide(Tracing.layer),
)
