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
  Effect,
  Either,
  Layer,
  LogLevel,
  Option,
  Redacted,
} from "effect"

/**
 * `parse` checks a raw value and says what was expected; the failure names the setting. Messages
 * never echo the value: several settings are secrets or URLs that carry passwords.
 */
type Parse<A> = (raw: string) => Either.Either<A, string>

/** The raw value of a setting, if present. */
const rawSetting = (name: string): Config.Config<Option.Option<string>> =>
  Config.option(Config.string(name))

/** Checks a raw value; an empty value counts as absent (as `.env` files write it). */
const check =
  <A>(name: string, parse: Parse<A>) =>
  (raw: Option.Option<string>): Either.Either<Option.Option<A>, ConfigError.ConfigError> =>
    Option.isNone(raw) || raw.value.trim() === ""
      ? Either.right(Option.none<A>())
      : Either.map(
          Either.mapLeft(parse(raw.value.trim()), (expected) =>
            ConfigError.InvalidData([name], expected),
          ),
          Option.some,
        )

/** A setting that may be absent. */
const optional = <A>(name: string, parse: Parse<A>): Config.Config<Option.Option<A>> =>
  rawSetting(name).pipe(Config.mapOrFail(check(name, parse)))

/** A setting that must be present and well-formed; an empty value counts as missing. */
const required = <A>(name: string, parse: Parse<A>): Config.Config<A> =>
  optional(name, parse).pipe(
    Config.mapOrFail(
      Either.fromOption(() => ConfigError.MissingData([name], `missing setting ${name}`)),
    ),
  )

const withDefault = <A>(name: string, fallback: A, parse: Parse<A>): Config.Config<A> =>
  Config.map(
    optional(name, parse),
    Option.getOrElse(() => fallback),
  )

const url =
  (protocols: ReadonlyArray<string>, expected: string): Parse<URL> =>
  (raw) => {
    try {
      const parsed = new URL(raw)
      return protocols.includes(parsed.protocol) ? Either.right(parsed) : Either.left(expected)
    } catch {
      return Either.left(expected)
    }
  }

/** A URL that may hold a password: validated, then kept Redacted. */
const secretUrl =
  (protocols: ReadonlyArray<string>, expected: string): Parse<Redacted.Redacted<string>> =>
  (raw) =>
    Either.map(url(protocols, expected)(raw), () => Redacted.make(raw))

const matching =
  (pattern: RegExp, expected: string): Parse<string> =>
  (raw) =>
    pattern.test(raw) ? Either.right(raw) : Either.left(expected)

const oneOf =
  <const L extends string>(...literals: ReadonlyArray<L>): Parse<L> =>
  (raw) =>
    (literals as ReadonlyArray<string>).includes(raw)
      ? Either.right(raw as L)
      : Either.left(`expected ${literals.join(" or ")}`)

// ---------------------------------------------------------------------------------------------
// Database

export interface DatabaseSettings {
  /** `None` → the embedded PGlite database under `embeddedDir`. */
  readonly url: Option.Option<Redacted.Redacted<string>>
  readonly embeddedDir: string
}

export const databaseSettingsConfig: Config.Config<DatabaseSettings> = Config.all({
  url: optional(
    "DATABASE_URL",
    secretUrl(["postgres:", "postgresql:"], "expected a postgres:// or postgresql:// URL"),
  ),
  embeddedDir: withDefault("EMBEDDED_DATABASE_DIR", "./.data/pg", Either.right),
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
  redisUrl: optional(
    "REDIS_URL",
    secretUrl(["redis:", "rediss:"], "expected a redis:// or rediss:// URL"),
  ),
  // The prefix becomes a SCAN pattern: a glob character would let `clear` reach other keys, and
  // without a closing `:` the pattern `cb*` would also match another app's `cb2:…` keys.
  prefix: withDefault(
    "CACHE_PREFIX",
    "connectbot:",
    matching(
      /^[A-Za-z0-9_.-][A-Za-z0-9:_.-]*:$/,
      "expected letters, digits and : _ . - ending with : (it is used in key patterns)",
    ),
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

const checkMode = check("BOT_MODE", oneOf("polling", "webhook"))

const checkWebhookUrl = check(
  "WEBHOOK_URL",
  url(
    ["https:", "http:"],
    // Telegram's own servers post only to https; a local Bot API server may use http.
    "expected the https:// URL that Telegram posts updates to",
  ),
)

// Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
const checkWebhookSecret = check("WEBHOOK_SECRET", (raw) =>
  Either.map(
    matching(/^[A-Za-z0-9_-]{1,256}$/, "expected 1-256 characters: letters, digits, _ and -")(raw),
    Redacted.make,
  ),
)

/**
 * Read together so that one line names every setting at fault: a malformed WEBHOOK_URL and a
 * missing WEBHOOK_SECRET alike. The webhook settings are required only in webhook mode.
 */
const transport: Config.Config<Transport> = Config.all([
  rawSetting("BOT_MODE"),
  rawSetting("WEBHOOK_URL"),
  rawSetting("WEBHOOK_SECRET"),
]).pipe(
  Config.mapOrFail(([rawMode, rawUrl, rawSecret]) => {
    const mode = Either.map(
      checkMode(rawMode),
      Option.getOrElse(() => "polling"),
    )
    const webhook = Either.isRight(mode) && mode.right === "webhook"
    const neededInWebhookMode =
      <A>(name: string) =>
      (checked: Either.Either<Option.Option<A>, ConfigError.ConfigError>) =>
        Either.flatMap(checked, (value) =>
          webhook && Option.isNone(value)
            ? Either.left(ConfigError.MissingData([name], `missing setting ${name}`))
            : Either.right(value),
        )
    const url = neededInWebhookMode<URL>("WEBHOOK_URL")(checkWebhookUrl(rawUrl))
    const secret = neededInWebhookMode<Redacted.Redacted<string>>("WEBHOOK_SECRET")(
      checkWebhookSecret(rawSecret),
    )
    return Either.all([mode, url, secret]).pipe(
      Either.map(
        ([, url, secret]): Transport =>
          Option.isSome(url) && Option.isSome(secret) && webhook
            ? { _tag: "Webhook", url: url.value, secret: secret.value }
            : { _tag: "Polling" },
      ),
      Either.orElse(() =>
        Either.left(
          Arr.getSomes([Either.getLeft(mode), Either.getLeft(url), Either.getLeft(secret)]).reduce(
            (left, right) => ConfigError.And(left, right),
          ),
        ),
      ),
    )
  }),
)

export const botSettingsConfig: Config.Config<BotSettings> = Config.all({
  token: required("BOT_TOKEN", (raw) =>
    Either.map(
      matching(
        /^\d+:[A-Za-z0-9_-]{20,}$/,
        "expected a token from @BotFather, like 123456789:AA…",
      )(raw),
      Redacted.make,
    ),
  ),
  apiRoot: withDefault("TELEGRAM_API_ROOT", "https://api.telegram.org", (raw) =>
    Either.map(url(["https:", "http:"], "expected an http(s):// URL")(raw), () =>
      raw.replace(/\/+$/, ""),
    ),
  ),
  transport,
  port: withDefault("PORT", 8080, (raw) => {
    const port = Number(raw)
    return /^\d+$/.test(raw) && port >= 1 && port <= 65535
      ? Either.right(port)
      : Either.left("expected a port number 1-65535")
  }),
  defaultLocale: withDefault<Locale>("BOT_DEFAULT_LOCALE", "ru", oneOf("ru", "en")),
  adminContact: withDefault("ADMIN_CONTACT", "HR", Either.right),
  timeZone: withDefault("TIME_ZONE", "Europe/Moscow", (raw) => {
    try {
      // Throws a RangeError for a zone the runtime does not know.
      new Intl.DateTimeFormat("en", { timeZone: raw })
      return Either.right(raw)
    } catch {
      return Either.left("expected an IANA time zone, like Europe/Moscow")
    }
  }),
})

export class BotConfig extends Context.Tag("connectbot/BotConfig")<BotConfig, BotSettings>() {
  static readonly layer = Layer.effect(BotConfig, botSettingsConfig)
}

// ---------------------------------------------------------------------------------------------
// Logging

const logLevels = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None,
} as const

export const logLevelConfig: Config.Config<LogLevel.LogLevel> = withDefault(
  "LOG_LEVEL",
  LogLevel.Info,
  (raw) => {
    const name = raw.toLowerCase()
    // Own keys only: "constructor" or "__proto__" must not pass for a level.
    return Object.hasOwn(logLevels, name)
      ? Either.right(logLevels[name as keyof typeof logLevels])
      : Either.left(`expected one of ${Object.keys(logLevels).join(", ")}`)
  },
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
