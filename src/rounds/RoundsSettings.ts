/**
 * The rounds' settings (docs/rounds.md, docs/settings.md "Who reads what"): when each step of a
 * round runs and how far back a pair is not repeated. TIME_ZONE and BOT_DEFAULT_LOCALE are read
 * as the bot reads them (`src/config.ts`); an entry point checks this section with the others
 * (`checkSettings`).
 */
import { Config, Context, Cron, Layer, Option } from "effect"
import { defaultLocaleConfig, timeZoneConfig } from "../config"
import type { Locale } from "../domain/Models"
import { cronSetting, flag, setting } from "../settings/Readers"

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
