/**
 * The real bot (`AppLive`: grammY, the flows, sessions, the cache, the HTTP server) over a
 * database of its own, talking HTTP to the local Telegram Bot API server. End-to-end tests act
 * as users through `telegram` and look past the bot with `sql` and the services.
 */
import { SqlClient } from "@effect/sql"
import { Context, Cron, Duration, Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { AppLive } from "../../src/App"
import type { ActivityRepo } from "../../src/activities/ActivityRepo"
import type { Cache } from "../../src/cache/Cache"
import * as CacheLive from "../../src/cache/CacheLive"
import * as MemoryCache from "../../src/cache/MemoryCache"
import { BotConfig, type BotSettings } from "../../src/config"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import type { EmployeeId, TelegramId } from "../../src/domain/Ids"
import type { Locale } from "../../src/domain/Models"
import type { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import type { InterestRepo } from "../../src/interests/InterestRepo"
import type { Notices } from "../../src/notifications/Notices"
import {
  NotificationsConfig,
  type NotificationsSettings,
} from "../../src/notifications/NotificationsSettings"
import type { Rounds } from "../../src/rounds/Rounds"
import { RoundsConfig, type RoundsSettings } from "../../src/rounds/RoundsSettings"
import type { Sessions } from "../../src/sessions/Sessions"
import { cacheConfig } from "./CacheSettings"
import { insertEmployee, newTelegramId } from "./Fixtures"
import { freePort } from "./Ports"
import { makeTelegramServer, type TelegramServer, type TelegramUser } from "./TelegramServer"
import * as TestDatabase from "./TestDatabase"

export class Telegram extends Context.Tag("test/Telegram")<Telegram, TelegramServer>() {}

/** Where the bot's HTTP server listens (`/healthz`, `/metrics`, `/telegram`). */
export class BotHttp extends Context.Tag("test/BotHttp")<
  BotHttp,
  { readonly url: string; readonly secret: string }
>() {}

export const webhookSecret = "e2e-webhook-secret_0123456789"
export const adminContact = "@hr_connect"

export interface HarnessOptions {
  readonly transport?: "polling" | "webhook"
  /** `None`: no REDIS_URL, the memory cache. Default: the machine's Redis, a prefix of its own. */
  readonly redisUrl?: Option.Option<string>
  /**
   * How long the Redis cache's circuit stays open before it probes again (default: the
   * product's). A test that waits for the bot to use a Redis that is back may shorten the wait.
   */
  readonly redisCoolDown?: Duration.DurationInput
  /** A Postgres of the test's own (a private server); default: a fresh database on the shared one. */
  readonly databaseUrl?: string
  readonly defaultLocale?: Locale
  /**
   * Rounds' settings over the defaults. The scheduler is off unless a test turns it on
   * (`enabled: true`): a test drives the steps itself, with the clock it controls.
   */
  readonly rounds?: Partial<RoundsSettings>
  /**
   * Notifications' settings over the defaults. Their scheduler is off unless a test turns it on
   * (`enabled: true`), as the rounds' is.
   */
  readonly notifications?: Partial<NotificationsSettings>
}

/** The round settings of a default start (ROUND_* unset) in Europe/Moscow, scheduler off. */
export const roundSettings = (overrides: Partial<RoundsSettings> = {}): RoundsSettings => ({
  enabled: false,
  timeZone: "Europe/Moscow",
  locale: "en",
  inviteAt: Cron.unsafeParse("0 12 * * FRI", "Europe/Moscow"),
  matchAt: Cron.unsafeParse("0 10 * * MON", "Europe/Moscow"),
  remindAt: Cron.unsafeParse("0 11 * * WED", "Europe/Moscow"),
  feedbackAt: Cron.unsafeParse("0 16 * * FRI", "Europe/Moscow"),
  noRepeat: 6,
  ...overrides,
})

/** The notification settings of a default start (DIGEST_*, REMINDERS, WAITLIST_HOLD unset), scheduler off. */
export const notificationSettings = (
  overrides: Partial<NotificationsSettings> = {},
): NotificationsSettings => ({
  enabled: false,
  timeZone: "Europe/Moscow",
  locale: "en",
  digestDailyAt: Cron.unsafeParse("0 9 * * *", "Europe/Moscow"),
  digestWeeklyAt: Cron.unsafeParse("0 9 * * MON", "Europe/Moscow"),
  reminders: [Duration.hours(24), Duration.hours(1)],
  waitlistHold: Duration.hours(2),
  ...overrides,
})

type Services =
  | Telegram
  | BotHttp
  | SqlClient.SqlClient
  | EmployeeRepo
  | InterestRepo
  | ActivityRepo
  | Sessions
  | Cache
  | Rounds
  | Notices

/** The bot running against a local Telegram, for the scope of the layer. */
export const layer = (options: HarnessOptions = {}): Layer.Layer<Services, unknown> => {
  const telegram = Layer.scoped(Telegram, makeTelegramServer())
  const http = Layer.effect(
    BotHttp,
    Effect.map(freePort, (port) => ({ url: `http://127.0.0.1:${port}`, secret: webhookSecret })),
  )
  const config = Layer.effect(
    BotConfig,
    Effect.gen(function* () {
      const server = yield* Telegram
      const { url } = yield* BotHttp
      const settings: BotSettings = {
        token: Redacted.make(server.token),
        apiRoot: server.apiRoot,
        transport:
          options.transport === "webhook"
            ? {
                _tag: "Webhook",
                url: new URL(`${url}/telegram`),
                secret: Redacted.make(webhookSecret),
              }
            : { _tag: "Polling" },
        port: Number(new URL(url).port),
        defaultLocale: options.defaultLocale ?? "ru",
        adminContact,
        timeZone: "Europe/Moscow",
      }
      return settings
    }),
  )
  const database = Layer.effectDiscard(
    Effect.zipRight(Database.migrate, seed({ demo: false })),
  ).pipe(
    Layer.provideMerge(
      options.databaseUrl === undefined
        ? TestDatabase.migrated
        : TestDatabase.databaseAt(options.databaseUrl),
    ),
  )
  const redisUrl =
    options.redisUrl ?? Option.some(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379")
  const cache = Option.isSome(redisUrl)
    ? CacheLive.layerWith(
        options.redisCoolDown === undefined ? {} : { coolDown: options.redisCoolDown },
      ).pipe(Layer.provide(cacheConfig(redisUrl)))
    : MemoryCache.layer({ reason: "REDIS_URL is not set" })
  const rounds = Layer.succeed(
    RoundsConfig,
    roundSettings({ locale: options.defaultLocale ?? "ru", ...options.rounds }),
  )
  const notifications = Layer.succeed(
    NotificationsConfig,
    notificationSettings({ locale: options.defaultLocale ?? "ru", ...options.notifications }),
  )
  return AppLive.pipe(
    Layer.provideMerge(Layer.mergeAll(config, rounds, notifications)),
    Layer.provideMerge(Layer.mergeAll(database, cache)),
    Layer.provideMerge(Layer.merge(telegram, http)),
    // The bot's info lines (started, polling, …) are noise in test output; warnings stay.
    Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
  ) as Layer.Layer<Services, unknown>
}

/** A Telegram user who is an active employee (linked by Telegram id) with that language. */
export const employee = (
  options: {
    readonly languageCode?: string
    readonly fullName?: string
    readonly departmentCode?: string
    readonly businessCenter?: string
    readonly linked?: boolean
  } = {},
) =>
  Effect.gen(function* () {
    const server = yield* Telegram
    const telegramId: TelegramId = newTelegramId()
    const username = `user_${telegramId}`
    const employeeId = yield* insertEmployee({
      telegramId: options.linked === false ? null : telegramId,
      username,
      ...(options.fullName === undefined ? {} : { fullName: options.fullName }),
      ...(options.departmentCode === undefined ? {} : { departmentCode: options.departmentCode }),
      ...(options.businessCenter === undefined ? {} : { businessCenter: options.businessCenter }),
    })
    const user: TelegramUser = yield* server.user({
      id: telegramId,
      username,
      firstName: (options.fullName ?? "Test User").split(" ")[0] ?? "Test",
      ...(options.languageCode === undefined ? {} : { languageCode: options.languageCode }),
    })
    return { user, employeeId, telegramId }
  })

/** The employee's active interests in the database, by code, sorted. */
export const activeInterestCodes = (employeeId: EmployeeId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ code: string }>`
      SELECT i.code FROM employee_interests ei JOIN interests i ON i.id = ei.interest_id
      WHERE ei.employee_id = ${employeeId} AND ei.is_active
      ORDER BY i.code`
    return rows.map((row) => row.code)
  })
