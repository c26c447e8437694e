/**
 * Every setting of ConnectBot (DESIGN.md "Bot"), read through Effect `Config` in the layer of the
 * section that needs it: the database scripts need no bot token, the bot needs everything. An
 * entry point first reads all the sections it needs together (`checkSettings`), so that a
 * missing or malformed setting fails with one `ConfigError` for all of them; `configProblems`
 * turns it into the lines that start-up prints, one per setting at fault.
 */
import {
  Array as Arr,
  Config,
  ConfigError,
  Context,
  Cron,
  DateTime,
  Duration,
  Effect,
  Either,
  Layer,
  LogLevel,
  Option,
  Redacted,
  Schema,
} from "effect"

/**
 * The one helper around Effect's `Config`, for what its own readers (`Config.port`, `url`,
 * `literal`, `logLevel`, `Schema.Config`) do differently from what operators rely on:
 * - the value is trimmed, and a blank one (`PORT=` as `.env` files write it) counts as absent, so
 *   `Config.withDefault` and `Config.option` apply; theirs fail on `""` and on `" 3000"`;
 * - a malformed value fails with `expected`, never with the value: theirs end "but received
 *   <value>", and several settings are secrets or URLs that carry passwords.
 * There is no `Config.flatMap` to check the raw value before one of theirs runs, and rewording
 * their failure through `Config.orElseIf` still keeps it inside the `ConfigError.Or`; so `parse`
 * says whether the trimmed value is well-formed (`Schema.decodeOption` where a schema says it).
 */
const setting = <A>(
  name: string,
  expected: string,
  parse: (raw: string) => Option.Option<A>,
): Config.Config<A> =>
  Config.string(name).pipe(
    // The path is [] here: Effect prefixes it with the setting's name.
    Config.mapOrFail((value) => {
      const raw = value.trim()
      return raw === ""
        ? Either.left(ConfigError.MissingData([], `missing setting ${name}`))
        : Either.fromOption(parse(raw), () => ConfigError.InvalidData([], expected))
    }),
  )

/** A setting any value suits: only a blank one falls back to the default. */
const text = (name: string) => setting(name, "any value", Option.some)

const matching = (pattern: RegExp) => Option.liftPredicate((raw: string) => pattern.test(raw))

const urlOf = (...protocols: ReadonlyArray<string>) =>
  Schema.decodeOption(Schema.URL.pipe(Schema.filter((url) => protocols.includes(url.protocol))))

/**
 * Not `Config.redacted`: it rewrites every failure beneath it to "<redacted>", which hides what
 * was expected; ours never hold the value anyway.
 */
const secret = (config: Config.Config<string>) => Config.map(config, Redacted.make)

/** A URL that may hold a password: validated as it is written, then kept Redacted. */
const secretUrl = (name: string, expected: string, ...protocols: ReadonlyArray<string>) =>
  Config.option(secret(setting(name, expected, (raw) => Option.as(urlOf(...protocols)(raw), raw))))

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

export type Locale = "ru" | "en"

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

const timeZoneConfig = Config.withDefault(
  setting("TIME_ZONE", "expected an IANA time zone, like Europe/Moscow", (raw) =>
    Option.as(DateTime.zoneMakeNamed(raw), raw),
  ),
  "Europe/Moscow",
)

const defaultLocaleConfig: Config.Config<Locale> = Config.withDefault(
  setting(
    "BOT_DEFAULT_LOCALE",
    "expected ru or en",
    Schema.decodeUnknownOption(Schema.Literal("ru", "en")),
  ),
  "ru",
)

// Not `Config.port`: see `setting`.
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
// Rounds (docs/rounds.md)

export interface RoundsSettings {
  readonly enabled: boolean
  readonly timeZone: string
  /** The language of proactive messages (BOT_DEFAULT_LOCALE). */
  readonly locale: Locale
  /** Cron expressions in `timeZone`. */
  readonly inviteAt: Cron.Cron
  readonly matchAt: Cron.Cron
  readonly remindAt: Cron.Cron
  readonly feedbackAt: Cron.Cron
  /** Pairs who met within this many rounds of an interest are not paired again when avoidable. */
  readonly noRepeat: number
}

/** A switch: `true` or `false`. */
const flag = (name: string, fallback: boolean) =>
  Config.withDefault(
    setting(name, "expected true or false", (raw) =>
      raw === "true" ? Option.some(true) : raw === "false" ? Option.some(false) : Option.none(),
    ),
    fallback,
  )

/** A cron expression, checked here and read in the time zone once that is known. */
const cronSetting = (name: string, fallback: string) =>
  Config.withDefault(
    setting(name, "expected a cron expression like 0 12 * * FRI", (raw) =>
      Option.as(Either.getRight(Cron.parse(raw)), raw),
    ),
    fallback,
  )

const roundsSettingsWith = (enabledByDefault: boolean): Config.Config<RoundsSettings> =>
  Config.all({
    enabled: flag("ROUNDS_ENABLED", enabledByDefault),
    timeZone: timeZoneConfig,
    locale: defaultLocaleConfig,
    inviteAt: cronSetting("ROUND_INVITE_AT", "0 12 * * FRI"),
    matchAt: cronSetting("ROUND_MATCH_AT", "0 10 * * MON"),
    remindAt: cronSetting("ROUND_REMIND_AT", "0 11 * * WED"),
    feedbackAt: cronSetting("ROUND_FEEDBACK_AT", "0 16 * * FRI"),
    noRepeat: Config.withDefault(
      setting("ROUND_NO_REPEAT", "expected a whole number 0-100", (raw) =>
        Option.liftPredicate(Number(raw), (n) => /^\d+$/.test(raw) && n <= 100),
      ),
      6,
    ),
  }).pipe(
    Config.map(({ timeZone, inviteAt, matchAt, remindAt, feedbackAt, ...rest }) => ({
      ...rest,
      timeZone,
      inviteAt: Cron.unsafeParse(inviteAt, timeZone),
      matchAt: Cron.unsafeParse(matchAt, timeZone),
      remindAt: Cron.unsafeParse(remindAt, timeZone),
      feedbackAt: Cron.unsafeParse(feedbackAt, timeZone),
    })),
  )

export const roundsSettingsConfig = roundsSettingsWith(true)

/**
 * The playground's: the scheduler is off unless ROUNDS_ENABLED=true. A round's invitation goes to
 * people who have written to the bot, and on a new playground nobody has yet: a round the start
 * caught up on would invite no one. The panel runs the steps instead (docs/playground.md).
 */
export const playgroundRoundsSettingsConfig = roundsSettingsWith(false)

export class RoundsConfig extends Context.Tag("connectbot/RoundsConfig")<
  RoundsConfig,
  RoundsSettings
>() {
  static readonly layer = Layer.effect(RoundsConfig, roundsSettingsConfig)
}

// ---------------------------------------------------------------------------------------------
// Notifications (src/notifications)

export interface NotificationsSettings {
  /** The scheduler of digests, reminders and waitlist offers runs (the benchmark turns it off). */
  readonly enabled: boolean
  /** TIME_ZONE, shared with the rounds and the bot. */
  readonly timeZone: string
  /** The language of proactive messages (BOT_DEFAULT_LOCALE). */
  readonly locale: Locale
  /** Cron expressions in `timeZone`. */
  readonly digestDailyAt: Cron.Cron
  readonly digestWeeklyAt: Cron.Cron
  /** How long before the start participants are reminded, longest first, no two alike. */
  readonly reminders: ReadonlyArray<Duration.Duration>
  /** How long a freed place is held for the person it is offered to. */
  readonly waitlistHold: Duration.Duration
}

/** `30m`, `24h`, `2d`: a whole, positive number of minutes, hours or days. */
const parseDuration = (raw: string): Option.Option<Duration.Duration> => {
  const match = /^(\d{1,6})\s*([mhd])$/.exec(raw)
  if (match === null) return Option.none()
  const amount = Number(match[1])
  if (amount === 0) return Option.none()
  return Option.some(
    match[2] === "m"
      ? Duration.minutes(amount)
      : match[2] === "h"
        ? Duration.hours(amount)
        : Duration.days(amount),
  )
}

const durationSetting = (name: string, fallback: string) =>
  Config.withDefault(
    setting(name, "expected a duration like 30m, 2h or 1d", parseDuration),
    Option.getOrThrow(parseDuration(fallback)),
  )

const remindersConfig = Config.withDefault(
  setting(
    "REMINDERS",
    "expected durations separated by commas, like 24h,1h (also 30m, 2d)",
    (raw) =>
      Option.map(
        Option.all(raw.split(",").map((part) => parseDuration(part.trim()))),
        (durations) =>
          // Longest first; `24h,1d` is one reminder, not two at the same moment.
          [...new Map(durations.map((d) => [Duration.toMillis(d), d])).entries()]
            .sort(([a], [b]) => b - a)
            .map(([, d]) => d),
      ),
  ),
  [Duration.hours(24), Duration.hours(1)],
)

export const notificationsSettingsConfig: Config.Config<NotificationsSettings> = Config.all({
  enabled: flag("NOTIFICATIONS_ENABLED", true),
  timeZone: timeZoneConfig,
  locale: defaultLocaleConfig,
  digestDailyAt: cronSetting("DIGEST_DAILY_AT", "0 9 * * *"),
  digestWeeklyAt: cronSetting("DIGEST_WEEKLY_AT", "0 9 * * MON"),
  reminders: remindersConfig,
  waitlistHold: durationSetting("WAITLIST_HOLD", "2h"),
}).pipe(
  Config.map(({ timeZone, digestDailyAt, digestWeeklyAt, ...rest }) => ({
    ...rest,
    timeZone,
    digestDailyAt: Cron.unsafeParse(digestDailyAt, timeZone),
    digestWeeklyAt: Cron.unsafeParse(digestWeeklyAt, timeZone),
  })),
)

export class NotificationsConfig extends Context.Tag("connectbot/NotificationsConfig")<
  NotificationsConfig,
  NotificationsSettings
>() {
  static readonly layer = Layer.effect(NotificationsConfig, notificationsSettingsConfig)
}

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
