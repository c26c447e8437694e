/**
 * How one setting is read: the readers every section of settings is built from (`src/config.ts`
 * for the database, the cache, the bot, start-up and logging; `src/rounds/RoundsSettings.ts`;
 * `src/notifications/NotificationsSettings.ts`). They say what a well-formed value is and never
 * name a setting's section; a section says which settings it reads and their defaults.
 */
import { Config, ConfigError, Cron, Duration, Either, Option, Redacted, Schema } from "effect"

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
export const setting = <A>(
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
export const text = (name: string) => setting(name, "any value", Option.some)

export const matching = (pattern: RegExp) =>
  Option.liftPredicate((raw: string) => pattern.test(raw))

export const urlOf = (...protocols: ReadonlyArray<string>) =>
  Schema.decodeOption(Schema.URL.pipe(Schema.filter((url) => protocols.includes(url.protocol))))

/**
 * Not `Config.redacted`: it rewrites every failure beneath it to "<redacted>", which hides what
 * was expected; ours never hold the value anyway.
 */
export const secret = (config: Config.Config<string>) => Config.map(config, Redacted.make)

/** A URL that may hold a password: validated as it is written, then kept Redacted. */
export const secretUrl = (name: string, expected: string, ...protocols: ReadonlyArray<string>) =>
  Config.option(secret(setting(name, expected, (raw) => Option.as(urlOf(...protocols)(raw), raw))))

/** A switch: `true` or `false`. */
export const flag = (name: string, fallback: boolean) =>
  Config.withDefault(
    setting(name, "expected true or false", (raw) =>
      raw === "true" ? Option.some(true) : raw === "false" ? Option.some(false) : Option.none(),
    ),
    fallback,
  )

/** A cron expression, checked here and read in the time zone once that is known. */
export const cronSetting = (name: string, fallback: string) =>
  Config.withDefault(
    setting(name, "expected a cron expression like 0 12 * * FRI", (raw) =>
      Option.as(Either.getRight(Cron.parse(raw)), raw),
    ),
    fallback,
  )

/** `30m`, `24h`, `2d`: a whole, positive number of minutes, hours or days. */
export const parseDuration = (raw: string): Option.Option<Duration.Duration> => {
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

/** One duration (`parseDuration`); the fallback is written the same way. */
export const durationSetting = (name: string, fallback: string) =>
  Config.withDefault(
    setting(name, "expected a duration like 30m, 2h or 1d", parseDuration),
    Option.getOrThrow(parseDuration(fallback)),
  )
