/**
 * The settings of ConnectBot (DESIGN.md "Bot"), read through Effect `Config` in the layer of the
 * section that needs it: the database scripts need no bot token, the bot needs everything. Here
 * the database, cache, bot, start-up and logging sections; the rounds' and the notifications'
 * live with their features (`src/rounds/RoundsSettings.ts`,
 * `src/notifications/NotificationsSettings.ts`), and what reads one setting in
 * `src/settings/Readers.ts`. An entry point first reads all the sections it needs together
 * (`checkSettings`), so that a missing or malformed setting fails with one `ConfigError` for all
 * of them; `configProblems` turns it into the lines that start-up prints, one per setting at
 * fault.
 */
import {
  Array as Arr,
  Config,
  ConfigError,
  Context,
  DateTime,
  Effect,
  Either,
  Layer,
  LogLevel,
  Option,
  type Redacted,
  Schema,
} from "effect"
import type { Locale } from "./domain/Models"
import { matching, secret, secretUrl, setting, text, urlOf } from "./settings/Readers"

// ---------------------------------------------------------------------------------------------
// Database

export interface DatabaseSettings {
  /** `None` → the embedded PGlite database under `embeddedDir`. */
  readonly url: Option.Option<Redacted.Redacted<string>>
  readonly embeddedDir: string
}

export const databaseSettingsConfig: Config.Config<DatabaseSettings> = Config.all({
  url: secretUrl(
    "DATABASE_URL",
    "expected a postgres:// or postgresql:// URL",
    "postgres:",
    "postgresql:",
  ),
  embeddedDir: Config.withDefault(text("EMBEDDED_DATABASE_DIR"), "./.data/pg"),
})

export class DatabaseConfig extends Context.Tag("connectbot/DatabaseConfig")<
  DatabaseConfig,
  DatabaseSettings
>() {
  static readonly layer = Layer.effect(DatabaseConfig, databaseSettingsConfig)
}

/**
 * Whether the app runs on the embedded database (no `DATABASE_URL`): one PGlite session that one
 * process owns, with no NOTIFY between connections and no advisory lock worth taking. False where
 * no database settings are provided (tests' own layers, which are Postgres).
 */
export const onEmbeddedDatabase: Effect.Effect<boolean> = Effect.map(
  Effect.serviceOption(DatabaseConfig),
  (settings) => Option.isSome(settings) && Option.isNone(settings.value.url),
)

// ---------------------------------------------------------------------------------------------
// Cache

export interface CacheSettings {
  /** `None` → the in-process memory cache. */
  readonly redisUrl: Option.Option<Redacted.Redacted<string>>
  /** Every key the app writes or deletes starts with this. */
  readonly prefix: string
}

export const cacheSettingsConfig: Config.Config<CacheSettings> = Config.all({
  redisUrl: secretUrl("REDIS_URL", "expected a redis:// or rediss:// URL", "redis:", "rediss:"),
  // The prefix becomes a SCAN pattern: a glob character would let `clear` reach other keys, and
  // without a closing `:` the pattern `cb*` would also match another app's `cb2:…` keys.
  prefix: Config.withDefault(
    setting(
      "CACHE_PREFIX",
      "expected letters, digits and : _ . - ending with : (it is used in key patterns)",
      matching(/^[A-Za-z0-9_.-][A-Za-z0-9:_.-]*:$/),
    ),
    "connectbot:",
  ),
})

export class CacheConfig extends Context.Tag("connectbot/CacheConfig")<
  CacheConfig,
  CacheSettings
>() {
  static readonly layer = Layer.effect(CacheConfig, cacheSettingsConfig)
}

// ---------------------------------------------------------------------------------------------
// Bot

export type Transport =
  | { readonly _tag: "Polling" }
  | {
      readonly _tag: "Webhook"
      /** The public HTTPS URL Telegram posts updates to. */
      readonly url: URL
      /** Telegram echoes it in `X-Telegram-Bot-Api-Secret-Token`. */
      readonly secret: Redacted.Redacted<string>
    }

export interface BotSettings {
  readonly token: Redacted.Redacted<string>
  readonly apiRoot: string
  readonly transport: Transport
  /** The HTTP server (webhook, /healthz, /metrics) listens here in both modes. */
  readonly port: number
  readonly defaultLocale: Locale
  /** Named in the refusal an unknown user gets. */
  readonly adminContact: string
  /** The company's time zone: activity times are shown in it. */
  readonly timeZone: string
}

const botMode = Config.withDefault(
  setting(
    "BOT_MODE",
    "expected polling or webhook",
    Schema.decodeUnknownOption(Schema.Literal("polling", "webhook")),
  ),
  "polling",
)

/**
 * A setting used in webhook mode only, and required there; checked in either mode. Each reads
 * BOT_MODE again, so that a malformed WEBHOOK_URL and a missing WEBHOOK_SECRET are named
 * together; a malformed BOT_MODE then fails each of them alike, and `configProblems` prints it
 * once.
 */
const neededInWebhookMode = <A>(name: string, config: Config.Config<A>) =>
  Config.all([botMode, Config.option(config)]).pipe(
    Config.mapOrFail(([mode, value]) =>
      mode === "webhook" && Option.isNone(value)
        ? Either.left(ConfigError.MissingData([name], `missing setting ${name}`))
        : Either.right(Option.filter(value, () => mode === "webhook")),
    ),
  )

const transport: Config.Config<Transport> = Config.all([
  neededInWebhookMode(
    "WEBHOOK_URL",
    // Telegram's own servers post only to https; a local Bot API server may use http.
    setting(
      "WEBHOOK_URL",
      "expected the URL that Telegram posts updates to (https://, or http:// for a local Bot API server)",
      urlOf("https:", "http:"),
    ),
  ),
  neededInWebhookMode(
    "WEBHOOK_SECRET",
    // Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
    secret(
      setting(
        "WEBHOOK_SECRET",
        "expected 1-256 characters: letters, digits, _ and -",
        matching(/^[A-Za-z0-9_-]{1,256}$/),
      ),
    ),
  ),
]).pipe(
  Config.map(
    ([url, secret]): Transport =>
      Option.isSome(url) && Option.isSome(secret)
        ? { _tag: "Webhook", url: url.value, secret: secret.value }
        : { _tag: "Polling" },
  ),
)

/** TIME_ZONE, read by the rounds and the notifications too. */
export const timeZoneConfig = Config.withDefault(
  setting("TIME_ZONE", "expected an IANA time zone, like Europe/Moscow", (raw) =>
    Option.as(DateTime.zoneMakeNamed(raw), raw),
  ),
  "Europe/Moscow",
)

/** BOT_DEFAULT_LOCALE, read by the rounds and the notifications too. */
export const defaultLocaleConfig: Config.Config<Locale> = Config.withDefault(
  setting(
    "BOT_DEFAULT_LOCALE",
    "expected ru or en",
    Schema.decodeUnknownOption(Schema.Literal("ru", "en")),
  ),
  "ru",
)

// Not `Config.port`: see `setting` (settings/Readers.ts).
const portConfig = Config.withDefault(
  setting("PORT", "expected a port number 1-65535", (raw) =>
    Option.liftPredicate(Number(raw), (port) => /^\d+$/.test(raw) && port >= 1 && port <= 65535),
  ),
  8080,
)

const adminContactConfig = Config.withDefault(text("ADMIN_CONTACT"), "HR")

export const botSettingsConfig: Config.Config<BotSettings> = Config.all({
  token: secret(
    setting(
      "BOT_TOKEN",
      "expected a token from @BotFather, like 123456789:AA…",
      matching(/^\d+:[A-Za-z0-9_-]{20,}$/),
    ),
  ),
  apiRoot: Config.withDefault(
    setting("TELEGRAM_API_ROOT", "expected an http(s):// URL", (raw) =>
      // The bot appends `/bot<token>/<method>` to the root.
      Option.as(urlOf("https:", "http:")(raw), raw.replace(/\/+$/, "")),
    ),
    "https://api.telegram.org",
  ),
  transport,
  port: portConfig,
  defaultLocale: defaultLocaleConfig,
  adminContact: adminContactConfig,
  timeZone: timeZoneConfig,
})

export class BotConfig extends Context.Tag("connectbot/BotConfig")<BotConfig, BotSettings>() {
  static readonly layer = Layer.effect(BotConfig, botSettingsConfig)
}

// ---------------------------------------------------------------------------------------------
// Start-up: the bot, or the playground (docs/playground.md)

export type StartMode =
  | { readonly _tag: "Bot" }
  | {
      readonly _tag: "Playground"
      /** Why: `PLAYGROUND=1`, or no BOT_TOKEN outside production. */
      readonly reason: string
    }

/**
 * The playground runs when asked (`PLAYGROUND=1`), or when there is no BOT_TOKEN outside
 * production: a newcomer's `npm start` then has something to show instead of an error. In
 * production (`NODE_ENV=production`, as the Docker image sets) a missing token still stops
 * start-up naming it, and `PLAYGROUND=1` is refused: the playground has no login.
 */
export const startModeConfig: Config.Config<StartMode> = Config.all({
  asked: Config.withDefault(
    setting("PLAYGROUND", "expected 1, true, 0 or false", (raw) =>
      ["1", "true"].includes(raw)
        ? Option.some(true)
        : ["0", "false"].includes(raw)
          ? Option.some(false)
          : Option.none(),
    ),
    false,
  ),
  production: Config.map(Config.option(text("NODE_ENV")), Option.contains("production")),
  token: Config.option(text("BOT_TOKEN")),
}).pipe(
  Config.mapOrFail(
    ({ asked, production, token }): Either.Either<StartMode, ConfigError.ConfigError> => {
      if (production && asked) {
        return Either.left(
          ConfigError.InvalidData(
            ["PLAYGROUND"],
            "the playground is not allowed when NODE_ENV=production: its page has no login",
          ),
        )
      }
      if (asked) return Either.right({ _tag: "Playground", reason: "PLAYGROUND=1" })
      if (!production && Option.isNone(token)) {
        return Either.right({ _tag: "Playground", reason: "no BOT_TOKEN is set" })
      }
      return Either.right({ _tag: "Bot" })
    },
  ),
)

/** What the playground reads of the bot's settings: its token and transport are its own. */
export const playgroundBotSettingsConfig = Config.all({
  port: portConfig,
  defaultLocale: defaultLocaleConfig,
  adminContact: adminContactConfig,
  timeZone: timeZoneConfig,
})

/** The playground's own embedded database, apart from a real one under ./.data/pg. */
export const playgroundDatabaseConfig: Config.Config<DatabaseSettings> = Config.all({
  url: Config.succeed(Option.none()),
  embeddedDir: Config.withDefault(text("EMBEDDED_DATABASE_DIR"), "./.data/playground"),
})

// ---------------------------------------------------------------------------------------------
// Logging

/** Not `Config.logLevel`: see `setting`; it also knows WARN and OFF, not warning and none. */
export const logLevelConfig: Config.Config<LogLevel.LogLevel> = Config.withDefault(
  setting(
    "LOG_LEVEL",
    `expected one of ${LogLevel.allLevels.map((level) => level._tag.toLowerCase()).join(", ")}`,
    (raw) =>
      Arr.findFirst(LogLevel.allLevels, (level) => level._tag.toLowerCase() === raw.toLowerCase()),
  ),
  LogLevel.Info,
)

// ---------------------------------------------------------------------------------------------

/**
 * Reads the given sections together and keeps nothing: an entry point runs it before it builds
 * its layers. Each layer reads only its own section, so the first to fail would stop start-up
 * naming that section's settings alone; `Config.all` reads every section even past a failure and
 * joins the failures (`ConfigError.And`), so the one line names every setting at fault in all of
 * them. (LOG_LEVEL is read before this, by `runScript`.)
 */
export const checkSettings = (
  sections: ReadonlyArray<Config.Config<unknown>>,
): Effect.Effect<void, ConfigError.ConfigError> => Effect.asVoid(Config.all(sections))

/**
 * One line per setting at fault, e.g. `Invalid setting PORT: expected a port number 1-65535` and
 * `Missing setting BOT_TOKEN`.
 */
export const configProblems = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  const problems = ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left: Array<string>, right: Array<string>) => [...left, ...right],
    orCase: (_, left: Array<string>, right: Array<string>) => [...left, ...right],
    invalidDataCase: (_, path, message) => [`Invalid setting ${path.join(".")}: ${message}`],
    // The built-in messages of missing data say nothing more than the path (or "<redacted>").
    missingDataCase: (_, path) => [`Missing setting ${path.join(".")}`],
    sourceUnavailableCase: (_, path, message) => [
      `Cannot read setting ${path.join(".")}: ${message}`,
    ],
    unsupportedCase: (_, path, message) => [`Unsupported setting ${path.join(".")}: ${message}`],
  })
  return [...new Set(problems)]
}

/** The settings at fault, one per line. */
export const describeConfigError = (error: ConfigError.ConfigError): string =>
  configProblems(error).join("\n")
