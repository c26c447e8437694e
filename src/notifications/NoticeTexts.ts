/**
 * What people read about activities they did not ask to see just now: announcements, digests,
 * reminders, waitlist offers, changes and cancellations. Like the rounds' messages
 * (`RoundTexts.ts`) they are written when they are put into the outbox, in the language the person
 * last wrote to the bot in (`employees.locale`), or the company's default (`BOT_DEFAULT_LOCALE`)
 * for someone who never has. Sent with HTML parse mode, so everything an organiser typed is
 * escaped.
 */
import { Duration } from "effect"
import { Action } from "../bot/CallbackData"
import { actionKeyboard, cutAt, formatWhen, interestName } from "../bot/Views"
import type { ActivityId } from "../domain/Ids"
import type { ActivityStatus, Locale } from "../domain/Models"
import { htmlMessage } from "../outbox/Outbox"

/** An activity as a notice describes it. */
export interface ActivityBrief {
  readonly id: ActivityId
  readonly title: string
  readonly status: ActivityStatus
  readonly scheduledAt: Date
  readonly location: string | null
  readonly maxParticipants: number | null
  readonly participantCount: number
  readonly cancelReason: string | null
  readonly interest: {
    readonly emoji: string
    readonly name: string
    readonly nameEn: string | null
  } | null
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** A digest lists at most this many; the rest are one tap away in 📅 Activities. */
export const digestLimit = 20

const en = {
  details: "ℹ️ Details",
  takePlace: "✅ Take the place",
  placeTbd: "place to be announced",
  noLimit: "no limit",
  announced: "📢 New activity",
  digest: "📬 New activities for your interests:",
  more: (n: number) => `…and ${n} more in 📅 Activities.`,
  remind: (title: string, offset: string, when: string, place: string) =>
    `⏰ Reminder: ${title} starts in ${offset} — ${when}, ${place}.`,
  offer: (title: string, when: string, until: string) =>
    `🎉 A place is free in ${title} (${when}). It is held for you until ${until}. Take it?`,
  offerExpired: (title: string, when: string) =>
    `⌛ The place held for you in ${title} (${when}) has gone to the next in line. Press 🔔 on the activity to wait again.`,
  moved: (title: string, when: string, place: string) =>
    `🕒 ${title} has moved: now ${when}, ${place}.`,
  place: (title: string, when: string, place: string) =>
    `📍 ${title} (${when}) has a new place: ${place}.`,
  cancelled: (title: string, when: string) => `❌ ${title} (${when}) is cancelled.`,
  reason: "Reason",
  minutes: (n: number) => `${n} min`,
  hours: (n: number) => `${n} h`,
  days: (n: number) => `${n} days`,
}

const ru: typeof en = {
  details: "ℹ️ Подробнее",
  takePlace: "✅ Занять место",
  placeTbd: "место уточняется",
  noLimit: "без ограничений",
  announced: "📢 Новое мероприятие",
  digest: "📬 Новые мероприятия по вашим интересам:",
  more: (n: number) => `…и ещё ${n} в 📅 Мероприятиях.`,
  remind: (title, offset, when, place) =>
    `⏰ Напоминание: ${title} начнётся через ${offset} — ${when}, ${place}.`,
  offer: (title, when, until) =>
    `🎉 Освободилось место: ${title} (${when}). Оно ваше до ${until}. Займёте?`,
  offerExpired: (title, when) =>
    `⌛ Место, которое держали для вас: ${title} (${when}), перешло следующему в очереди. Нажмите 🔔 в карточке мероприятия, чтобы снова встать в очередь.`,
  moved: (title, when, place) => `🕒 ${title} переносится: теперь ${when}, ${place}.`,
  place: (title, when, place) => `📍 ${title} (${when}): новое место — ${place}.`,
  cancelled: (title, when) => `❌ ${title} (${when}) отменяется.`,
  reason: "Причина",
  minutes: (n) => `${n} мин`,
  hours: (n) => `${n} ч`,
  days: (n) => `${n} дн.`,
}

/** The texts and messages of notices in one language and time zone. */
export const noticeTexts = (locale: Locale, timeZone: string) => {
  const t = locale === "en" ? en : ru
  const when = (date: Date) => formatWhen(date, locale, timeZone)
  const title = (activity: ActivityBrief) => `<b>${escapeHtml(activity.title)}</b>`
  const place = (activity: ActivityBrief) =>
    activity.location === null || activity.location.trim() === ""
      ? t.placeTbd
      : escapeHtml(activity.location)
  const detailsKeyboard = (activity: ActivityBrief) =>
    actionKeyboard([[[t.details, Action.ActivityDetails({ activityId: activity.id })]]])

  /** `24 h`, `30 min`, `2 days`: the reminder's offset as people say it. */
  const offset = (duration: Duration.Duration) => {
    const minutes = Math.round(Duration.toMinutes(duration))
    if (minutes % 1440 === 0 && minutes >= 2880) return t.days(minutes / 1440)
    return minutes % 60 === 0 ? t.hours(minutes / 60) : t.minutes(minutes)
  }

  return {
    message: htmlMessage,
    offset,
    announcement: (activity: ActivityBrief) => ({
      text: [
        t.announced,
        "",
        title(activity),
        ...(activity.interest === null ? [] : [interestName(activity.interest, locale)]),
        `🗓 ${when(activity.scheduledAt)}`,
        `📍 ${place(activity)}`,
        `👥 ${activity.participantCount}/${activity.maxParticipants ?? t.noLimit}`,
      ].join("\n"),
      keyboard: detailsKeyboard(activity),
    }),
    /** One line and one button per activity, soonest first. */
    digest: (activities: ReadonlyArray<ActivityBrief>) => {
      const shown = activities.slice(0, digestLimit)
      return {
        text: [
          t.digest,
          "",
          ...shown.map(
            (activity) =>
              `• ${title(activity)} — ${when(activity.scheduledAt)}, ${place(activity)}`,
          ),
          ...(activities.length > shown.length
            ? ["", t.more(activities.length - shown.length)]
            : []),
        ].join("\n"),
        keyboard: actionKeyboard(
          shown.map((activity) => [
            [`ℹ️ ${cutAt(activity.title, 40)}`, Action.ActivityDetails({ activityId: activity.id })],
          ]),
        ),
      }
    },
    reminder: (activity: ActivityBrief, before: Duration.Duration) => ({
      text: t.remind(title(activity), offset(before), when(activity.scheduledAt), place(activity)),
      keyboard: detailsKeyboard(activity),
    }),
    /** The hold ran out: the place went to the next in line. */
    offerExpired: (activity: ActivityBrief) => ({
      text: t.offerExpired(title(activity), when(activity.scheduledAt)),
      keyboard: detailsKeyboard(activity),
    }),
    offer: (activity: ActivityBrief, heldUntil: Date) => ({
      text: t.offer(title(activity), when(activity.scheduledAt), when(heldUntil)),
      keyboard: actionKeyboard([
        [[t.takePlace, Action.TakePlace({ activityId: activity.id })]],
        [[t.details, Action.ActivityDetails({ activityId: activity.id })]],
      ]),
    }),
    change: (activity: ActivityBrief, change: "moved" | "place" | "cancelled") => {
      switch (change) {
        case "moved":
          return t.moved(title(activity), when(activity.scheduledAt), place(activity))
        case "place":
          return t.place(title(activity), when(activity.scheduledAt), place(activity))
        case "cancelled":
          return [
            t.cancelled(title(activity), when(activity.scheduledAt)),
            ...(activity.cancelReason === null || activity.cancelReason.trim() === ""
              ? []
              : [`${t.reason}: ${escapeHtml(activity.cancelReason)}`]),
          ].join("\n")
      }
    },
  }
}

export type NoticeTexts = ReturnType<typeof noticeTexts>

/** The texts for one recipient, by the language they last wrote in (`null`: never told). */
export type NoticeTextsFor = (locale: Locale | null) => NoticeTexts

/** Both languages' texts, built once; a recipient who never wrote gets `fallback`'s. */
export const noticeTextsFor = (fallback: Locale, timeZone: string): NoticeTextsFor => {
  const texts = { ru: noticeTexts("ru", timeZone), en: noticeTexts("en", timeZone) }
  return (locale) => texts[locale ?? fallback]
}
