/**
 * The notifications' settings (docs/settings.md "Who reads what"): when digests fall due, how
 * long before an activity its participants are reminded, how long a freed place is held.
 * TIME_ZONE and BOT_DEFAULT_LOCALE are read as the bot reads them (`src/config.ts`); an entry
 * point checks this section with the others (`checkSettings`).
 */
import { Config, Context, Cron, Duration, Layer, Option } from "effect"
import { defaultLocaleConfig, timeZoneConfig } from "../config"
import type { Locale } from "../domain/Models"
import { cronSetting, durationSetting, flag, parseDuration, setting } from "../settings/Readers"

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
