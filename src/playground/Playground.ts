/**
 * The playground (docs/playground.md): the real bot, unchanged, against the built-in Bot API
 * server, on the embedded database and the memory cache, with the page at
 * http://127.0.0.1:PORT/playground where a person talks to it as any employee or a stranger, and
 * an organiser's panel that runs the rounds' steps and moves the clock. One process, no setting.
 */
import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Exit, Layer, Option, Redacted, Stream } from "effect"
import { BotServicesLive, prepareDatabase } from "../App"
import { AdminRepo } from "../admins/AdminRepo"
import * as MemoryCache from "../cache/MemoryCache"
import {
  BotConfig,
  CacheConfig,
  cacheSettingsConfig,
  DatabaseConfig,
  playgroundBotSettingsConfig,
  playgroundDatabaseConfig,
} from "../config"
import * as Database from "../db/Database"
import { demoEmailDomain, seed } from "../db/Seed"
import * as Http from "../http/Http"
import { NotificationsConfig } from "../notifications/NotificationsSettings"
import { playgroundRoundsSettingsConfig, RoundsConfig } from "../rounds/RoundsSettings"
import * as Tracing from "../telemetry/Tracing"
import { BotApi } from "./BotApi"
import * as PlaygroundClock from "./Clock"
import type { PageAssetsError } from "./PageAssets"
import * as Panel from "./Panel"
import { people } from "./People"
import { type PageAsset, router } from "./Routes"

/**
 * The page's routes over the running bot's services. A message the bot sends (a delivery from
 * the outbox among them) tells open pages to look at the panel again, at most every 300 ms.
 */
const pageRoutes = (assets: Effect.Effect<ReadonlyArray<PageAsset>, PageAssetsError>) =>
  Layer.scoped(
    Http.PageRoutes,
    Effect.gen(function* () {
      const botApi = yield* BotApi
      const sql = yield* SqlClient.SqlClient
      const panel = yield* Panel.make
      // A page that cannot be built stops start-up with one line saying why.
      const built = yield* assets
      const deliveries = yield* botApi.subscribe
      yield* Stream.fromQueue(deliveries).pipe(
        Stream.filter((event) => event._tag === "Message" && event.entry.from === "bot"),
        Stream.debounce("300 millis"),
        Stream.runForEach(() => Effect.ignore(panel.announce)),
        Effect.forkScoped,
      )
      const closing = yield* Deferred.make<void>()
      return {
        prefix: "/playground",
        closing: Deferred.done(closing, Exit.void).pipe(Effect.asVoid),
        router: router({
          closing,
          botApi,
          panel,
          people: Effect.provideService(people, SqlClient.SqlClient, sql),
          assets: built,
        }),
      } as const
    }),
  )

/** The demo organiser: she sees 🛠 Admin in the bot, as an organiser granted by ops would. */
export const demoOrganiser = {
  email: `elena.novikova@${demoEmailDomain}`,
  roles: { superAdmin: false, manageActivities: true, manageUsers: true, viewReports: true },
} as const

/**
 * Migrations, then the demo employees and activities, and the demo organiser's roles. Idempotent:
 * only what is missing is added, and a grant that changes nothing writes no audit row.
 */
const DatabaseLive = Layer.effectDiscard(
  Effect.gen(function* () {
    yield* prepareDatabase
    const added = yield* seed({ demo: true })
    if (added.demoEmployees + added.demoActivities > 0) {
      yield* Effect.logInfo(
        `Playground: seeded ${added.demoEmployees} demo employees and ${added.demoActivities} activities`,
      )
    }
    const admins = yield* AdminRepo
    yield* admins.grant(demoOrganiser.email, demoOrganiser.roles, Option.none()).pipe(
      // Ops may have deactivated her in this database: the playground still starts.
      Effect.catchTags({
        UnknownEmail: () => Effect.void,
        InactiveEmployee: () => Effect.void,
        NoRoleNamed: () => Effect.void,
      }),
    )
  }).pipe(Effect.provide(AdminRepo.layer)),
).pipe(Layer.provideMerge(Database.layer))

/** The bot's settings: its own token and Telegram; the rest (PORT, language…) as for the bot. */
const BotConfigLive = Layer.effect(
  BotConfig,
  Effect.gen(function* () {
    const botApi = yield* BotApi
    const settings = yield* playgroundBotSettingsConfig
    return {
      ...settings,
      token: Redacted.make(botApi.token),
      apiRoot: botApi.apiRoot,
      transport: { _tag: "Polling" } as const,
    }
  }),
)

const announce = (reason: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const { port } = yield* BotConfig
      const { embeddedDir } = yield* DatabaseConfig
      yield* Effect.logInfo(
        `Playground (${reason}): open http://127.0.0.1:${port}/playground — the bot talks to a built-in Telegram, on the database in ${embeddedDir} and the memory cache. For real Telegram, set BOT_TOKEN (docs/playground.md).`,
      )
    }),
  )

/**
 * Everything, over the playground's settings. The clock is set before anything is built, so
 * every service and loop reads and waits on it; the Bot API server before the bot's settings,
 * which name it.
 */
export const layer = (options: {
  readonly reason: string
  readonly botApi: Layer.Layer<BotApi>
  readonly assets: Effect.Effect<ReadonlyArray<PageAsset>, PageAssetsError>
}) =>
  announce(options.reason).pipe(
    Layer.provide(
      Http.layer.pipe(
        Layer.provideMerge(pageRoutes(options.assets)),
        Layer.provideMerge(BotServicesLive),
      ),
    ),
    Layer.provide(
      Layer.mergeAll(
        DatabaseLive,
        MemoryCache.layer({ reason: "the playground runs on the memory cache" }),
      ),
    ),
    Layer.provide(
      Layer.mergeAll(
        BotConfigLive,
        Layer.effect(DatabaseConfig, playgroundDatabaseConfig),
        Layer.effect(CacheConfig, cacheSettingsConfig),
        Layer.effect(RoundsConfig, playgroundRoundsSettingsConfig),
        NotificationsConfig.layer,
      ),
    ),
    Layer.provide(options.botApi),
    Layer.provide(PlaygroundClock.layer),
    Layer.provide(Tracing.layer),
  )
