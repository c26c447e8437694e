/**
 * The notifications' settings (src/notifications/NotificationsSettings.ts `NotificationsConfig`):
 * defaults, the forms operators write, and the one line start-up prints for a bad value, naming
 * the setting.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Cron, Duration, Effect } from "effect"
import { describeConfigError } from "../../src/config"
import { notificationsSettingsConfig } from "../../src/notifications/NotificationsSettings"

const read = (settings: Record<string, string>) =>
  Effect.withConfigProvider(
    notificationsSettingsConfig,
    ConfigProvider.fromMap(new Map(Object.entries(settings))),
  )

const failureLine = (settings: Record<string, string>) =>
  Effect.map(Effect.flip(read(settings)), describeConfigError)

const hours = (durations: ReadonlyArray<Duration.Duration>) =>
  durations.map((d) => Duration.toMillis(d) / 3_600_000)

describe("NotificationsConfig", () => {
  it.effect("defaults: digests at 09:00 daily and Mondays in Moscow, 24h and 1h, a 2h hold", () =>
    Effect.gen(function* () {
      const settings = yield* read({})
      expect(settings.enabled).toBe(true)
      expect(settings.timeZone).toBe("Europe/Moscow")
      expect(settings.locale).toBe("ru")
      expect(hours(settings.reminders)).toEqual([24, 1])
      expect(Duration.toMillis(settings.waitlistHold)).toBe(2 * 3_600_000)
      // Friday 27 Nov 2026 12:00 Moscow: the next daily digest is Saturday 09:00, the weekly one
      // Monday 09:00 (06:00 UTC).
      const friday = new Date("2026-11-27T09:00:00Z")
      expect(Cron.next(settings.digestDailyAt, friday).toISOString()).toBe(
        "2026-11-28T06:00:00.000Z",
      )
      expect(Cron.next(settings.digestWeeklyAt, friday).toISOString()).toBe(
        "2026-11-30T06:00:00.000Z",
      )
    }),
  )

  it.effect("the digest times follow TIME_ZONE", () =>
    Effect.gen(function* () {
      const settings = yield* read({
        TIME_ZONE: "Asia/Yekaterinburg",
        DIGEST_DAILY_AT: "30 8 * * *",
      })
      const next = Cron.next(settings.digestDailyAt, new Date("2026-11-27T00:00:00Z"))
      // 08:30 at UTC+5.
      expect(next.toISOString()).toBe("2026-11-27T03:30:00.000Z")
    }),
  )

  it.effect("REMINDERS: minutes, hours and days, in any order, longest first, no repeats", () =>
    Effect.gen(function* () {
      const settings = yield* read({ REMINDERS: " 30m, 2d ,1h,24h,1d" })
      expect(hours(settings.reminders)).toEqual([48, 24, 1, 0.5])
      expect(hours((yield* read({ REMINDERS: "3h" })).reminders)).toEqual([3])
    }),
  )

  it.effect("WAITLIST_HOLD and NOTIFICATIONS_ENABLED", () =>
    Effect.gen(function* () {
      const settings = yield* read({ WAITLIST_HOLD: "45m", NOTIFICATIONS_ENABLED: "false" })
      expect(Duration.toMillis(settings.waitlistHold)).toBe(45 * 60_000)
      expect(settings.enabled).toBe(false)
    }),
  )

  it.effect("a bad value stops start-up with one line naming the setting", () =>
    Effect.gen(function* () {
      expect(yield* failureLine({ REMINDERS: "24h,soon" })).toBe(
        "Invalid setting REMINDERS: expected durations separated by commas, like 24h,1h (also 30m, 2d)",
      )
      expect(yield* failureLine({ REMINDERS: "0h" })).toMatch(/^Invalid setting REMINDERS: /)
      expect(yield* failureLine({ REMINDERS: "24h,,1h" })).toMatch(/^Invalid setting REMINDERS: /)
      expect(yield* failureLine({ WAITLIST_HOLD: "2 hours" })).toBe(
        "Invalid setting WAITLIST_HOLD: expected a duration like 30m, 2h or 1d",
      )
      expect(yield* failureLine({ DIGEST_DAILY_AT: "every morning" })).toMatch(
        /^Invalid setting DIGEST_DAILY_AT: expected a cron expression/,
      )
      expect(yield* failureLine({ DIGEST_WEEKLY_AT: "0 9 * * FUNDAY" })).toMatch(
        /^Invalid setting DIGEST_WEEKLY_AT: /,
      )
      expect(yield* failureLine({ NOTIFICATIONS_ENABLED: "yes" })).toBe(
        "Invalid setting NOTIFICATIONS_ENABLED: expected true or false",
      )
      // Two at fault: both named, one line each.
      expect(
        (yield* failureLine({ REMINDERS: "x", WAITLIST_HOLD: "y" })).split("\n").sort(),
      ).toEqual([
        "Invalid setting REMINDERS: expected durations separated by commas, like 24h,1h (also 30m, 2d)",
        "Invalid setting WAITLIST_HOLD: expected a duration like 30m, 2h or 1d",
      ])
    }),
  )

  it.effect("a blank value is the default, as .env files write it", () =>
    Effect.gen(function* () {
      const settings = yield* read({ REMINDERS: "", WAITLIST_HOLD: " " })
      expect(hours(settings.reminders)).toEqual([24, 1])
      expect(Duration.toMillis(settings.waitlistHold)).toBe(2 * 3_600_000)
    }),
  )
})
