/**
 * Runs the due notices (`Notices.runDue`) in the bot's process: at start (catching up on digests,
 * reminders and offers that fell due while no process ran), at the digest crons' times, at the
 * next reminder window or offer expiry the database holds, and at least every minute. The minute
 * is for what other processes write meanwhile — a join opens a reminder window at once, a leave
 * makes an offer that runs out in `WAITLIST_HOLD` — which this process cannot know when it goes
 * to sleep; a run with nothing due is three small indexed queries. With several processes each
 * runs the loop; the outbox's dedupe keys, the digests' locks and the activities' row locks make
 * each notice go out once. Off when `NOTIFICATIONS_ENABLED=false`. All waiting is on Effect's
 * `Clock`, so tests drive it with the `TestClock`.
 */
import { Clock, Cron, Duration, Effect, Layer, Option } from "effect"
import { Notices, NoticeTimes } from "./Notices"
import { NotificationsConfig, type NotificationsSettings } from "./NotificationsSettings"

/** Looked at least this often, whatever is known to be due. */
const maxWait = Duration.minutes(1)

const emptyRun = { digests: 0, reminders: 0, offersExpired: 0, offersMade: 0 }

/** Runs what is due; a failure (the database away) is logged and tried again at the next tick. */
export const tick = Effect.gen(function* () {
  const notices = yield* Notices
  return yield* notices.runDue.pipe(
    Effect.catchAll((error) =>
      Effect.logWarning(
        `Notifications: could not send what is due (${error.message}); trying again later`,
      ).pipe(Effect.as(emptyRun)),
    ),
  )
})

/** The next digest time after `after` by either cron. */
const nextDigest = (settings: NotificationsSettings, after: Date): Date =>
  new Date(
    Math.min(
      Cron.next(settings.digestDailyAt, after).getTime(),
      Cron.next(settings.digestWeeklyAt, after).getTime(),
    ),
  )

const loop = Effect.gen(function* () {
  const settings = yield* NotificationsConfig
  const times = yield* NoticeTimes
  while (true) {
    const started = new Date(yield* Clock.currentTimeMillis)
    yield* tick
    // Times after the tick's start, not its end: what fell due while the tick ran is run now.
    const known = yield* times
      .nextDueAfter(started)
      .pipe(Effect.catchAll(() => Effect.succeed(Option.none<Date>())))
    const next = Math.min(
      nextDigest(settings, started).getTime(),
      Option.match(known, { onNone: () => Number.POSITIVE_INFINITY, onSome: (d) => d.getTime() }),
      started.getTime() + Duration.toMillis(maxWait),
    )
    const now = yield* Clock.currentTimeMillis
    yield* Effect.sleep(Duration.millis(Math.max(next - now, 0)))
  }
})

export const layer: Layer.Layer<never, never, Notices | NoticeTimes | NotificationsConfig> =
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const settings = yield* NotificationsConfig
      if (!settings.enabled) {
        yield* Effect.logInfo("Notifications: scheduler off (NOTIFICATIONS_ENABLED=false)")
        return
      }
      yield* Effect.forkScoped(loop)
    }),
  )
