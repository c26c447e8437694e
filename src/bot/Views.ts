/**
 * What each screen shows: text and buttons, from data already read. Pure, so the flows decide
 * and these only draw.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types"
import type { Achievement } from "../domain/Achievements"
import type { InterestId } from "../domain/Ids"
import type {
  Activity,
  ActivityCounts,
  EmployeeProfile,
  Interest,
  Locale,
  NotificationSetting,
  UpcomingActivity,
} from "../domain/Models"
import { roundTexts } from "../rounds/RoundTexts"
import { type PendingInterests, wouldBeActive } from "../sessions/Sessions"
import {
  Action,
  AdminAction,
  encodeAction,
  type FrequencyChoice,
  frequencyChoices,
} from "./CallbackData"
import { type Catalogue, type HelpTopic, helpTopics } from "./Messages"

export interface View {
  readonly text: string
  readonly keyboard: InlineKeyboardMarkup
}

const button = (text: string, action: Action): InlineKeyboardButton.CallbackButton => ({
  text,
  callback_data: encodeAction(action),
})

/** The first `length` UTF-16 units of `text`, never half an emoji (a lone surrogate). */
export const cutAt = (text: string, length: number): string => {
  if (text.length <= length) return text
  const cut = text.slice(0, length)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

const rowsOf = <A>(items: ReadonlyArray<A>, size: number): Array<Array<A>> => {
  const rows: Array<Array<A>> = []
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size))
  return rows
}

const keyboard = (rows: ReadonlyArray<ReadonlyArray<InlineKeyboardButton>>) => ({
  inline_keyboard: rows.map((row) => [...row]),
})

/** An inline keyboard of buttons that ask for actions, row by row: `[label, action]`. */
export const actionKeyboard = (
  rows: ReadonlyArray<ReadonlyArray<readonly [string, Action]>>,
): InlineKeyboardMarkup =>
  keyboard(rows.map((row) => row.map(([text, action]) => button(text, action))))

export const interestName = (
  interest: Pick<Interest, "emoji" | "name" | "nameEn">,
  locale: Locale,
): string =>
  `${interest.emoji} ${locale === "en" ? (interest.nameEn ?? interest.name) : interest.name}`

const backToMenu = (t: Catalogue) => button(t.back, Action.Open({ screen: "menu" }))

/** Dates as people at the office read them, in the company's time zone. */
export const formatWhen = (date: Date, locale: Locale, timeZone: string): string =>
  new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(date)

export const onboarding = (t: Catalogue, firstName: string): View => ({
  text: t.welcome(firstName),
  keyboard: keyboard([
    [button(t.setUpInterests, Action.Open({ screen: "interests" }))],
    [button(t.skip, Action.Open({ screen: "menu" }))],
  ]),
})

/** The main menu; `adminLabel` only for admins (their roles read when the menu is drawn). */
export const mainMenu = (
  t: Catalogue,
  firstName: string,
  unsaved: number,
  adminLabel?: string,
): View => ({
  text: [t.menuGreeting(firstName), ...(unsaved > 0 ? [t.unsavedReminder(unsaved)] : [])].join(
    "\n\n",
  ),
  keyboard: keyboard([
    [
      button(t.menu.profile, Action.Open({ screen: "profile" })),
      button(t.menu.interests, Action.Open({ screen: "interests" })),
    ],
    [
      button(t.menu.activities, Action.Open({ screen: "activities" })),
      button(t.menu.achievements, Action.Open({ screen: "achievements" })),
    ],
    [
      button(t.menu.help, Action.HelpIndex()),
      button(t.menu.settings, Action.Open({ screen: "settings" })),
    ],
    ...(adminLabel === undefined
      ? []
      : [[button(adminLabel, Action.Admin({ action: AdminAction.Menu() }))]]),
  ]),
})

export const profile = (
  t: Catalogue,
  locale: Locale,
  person: EmployeeProfile,
  interests: ReadonlyArray<Interest>,
  counts: ActivityCounts,
  matches: ReadonlyArray<{
    readonly interest: Pick<Interest, "emoji" | "name" | "nameEn">
    readonly partners: ReadonlyArray<string>
  }> = [],
): View => ({
  text: [
    t.profile.title(person.fullName),
    `${t.profile.position}: ${person.position ?? t.profile.notSet}`,
    `${t.profile.department}: ${person.departmentName ?? t.profile.notSet}`,
    `${t.profile.office}: ${person.businessCenterName ?? t.profile.notSet}`,
    `${t.profile.interests}: ${
      interests.length === 0
        ? t.profile.none
        : interests.map((interest) => interestName(interest, locale)).join(", ")
    }`,
    t.profile.activities(counts.upcoming, counts.attended, counts.joined),
    ...(matches.length === 0
      ? []
      : [
          "",
          `${roundTexts(locale).currentMatchesTitle}:`,
          ...matches.map((match) =>
            roundTexts(locale).currentMatch(
              interestName(match.interest, locale),
              match.partners.join(", "),
            ),
          ),
        ]),
  ].join("\n"),
  keyboard: keyboard([[backToMenu(t)]]),
})

export const interests = (
  t: Catalogue,
  locale: Locale,
  catalogue: ReadonlyArray<Interest>,
  active: ReadonlySet<InterestId>,
  pending: PendingInterests,
  notice?: string,
): View => {
  const unsaved = pending.enable.length + pending.disable.length
  return {
    text: [
      ...(notice === undefined ? [] : [notice]),
      t.interests.title,
      ...(unsaved > 0 ? [t.interests.pending(unsaved)] : []),
    ].join("\n\n"),
    keyboard: keyboard([
      ...rowsOf(
        catalogue.map((interest) =>
          button(
            `${wouldBeActive(pending, interest.id, active.has(interest.id)) ? "✅" : "❌"} ${interestName(interest, locale)}`,
            Action.ToggleInterest({ interestId: interest.id }),
          ),
        ),
        2,
      ),
      [
        button(t.interests.save, Action.SaveInterests()),
        button(t.interests.unsubscribeAll, Action.AskUnsubscribeAll()),
      ],
      [backToMenu(t)],
    ]),
  }
}

export const confirmUnsubscribe = (t: Catalogue, count: number): View => ({
  text: t.interests.confirmUnsubscribe(count),
  keyboard: keyboard([
    [
      button(t.interests.confirmYes, Action.ConfirmUnsubscribeAll()),
      button(t.interests.confirmNo, Action.Open({ screen: "interests" })),
    ],
  ]),
})

const emojiOf = (catalogue: ReadonlyArray<Interest>, activity: Pick<Activity, "interestId">) =>
  catalogue.find((interest) => interest.id === activity.interestId)?.emoji ?? "📌"

export const activityList = (
  t: Catalogue,
  locale: Locale,
  timeZone: string,
  catalogue: ReadonlyArray<Interest>,
  upcoming: ReadonlyArray<UpcomingActivity>,
): View =>
  upcoming.length === 0
    ? { text: t.activities.empty, keyboard: keyboard([[backToMenu(t)]]) }
    : {
        text: [
          t.activities.title,
          ...upcoming.map(
            (activity, index) =>
              `${index + 1}. ${t.activities.line({
                emoji: emojiOf(catalogue, activity),
                title: activity.title,
                when: formatWhen(activity.scheduledAt, locale, timeZone),
                place: activity.location,
                taken: activity.participantCount,
                max: activity.maxParticipants,
                joined: activity.joined,
              })}`,
          ),
        ].join("\n"),
        keyboard: keyboard([
          ...upcoming.map((activity, index) => [
            button(
              cutAt(`${index + 1}. ${emojiOf(catalogue, activity)} ${activity.title}`, 60),
              Action.ActivityDetails({ activityId: activity.id }),
            ),
          ]),
          [backToMenu(t)],
        ]),
      }

/**
 * Joining is offered while the activity is open and has a place; leaving while it is open; a
 * place in line (🔔) while it is open and full.
 */
export const activityDetails = (
  t: Catalogue,
  locale: Locale,
  timeZone: string,
  catalogue: ReadonlyArray<Interest>,
  activity: Activity,
  joined: boolean,
  now: Date,
  notice?: string,
  /** Known full although the participants leave room: places are held for the waitlist. */
  knownFull = false,
): View => {
  const open = activity.status === "scheduled" && activity.scheduledAt > now
  const full =
    knownFull ||
    (activity.maxParticipants !== null && activity.participantCount >= activity.maxParticipants)
  const details = t.activities.details({
    emoji: emojiOf(catalogue, activity),
    title: activity.title,
    description: activity.description,
    when: formatWhen(activity.scheduledAt, locale, timeZone),
    durationMinutes: activity.durationMinutes,
    place: activity.location,
    taken: activity.participantCount,
    max: activity.maxParticipants,
    joined,
  })
  return {
    text: [
      ...(notice === undefined ? [] : [notice]),
      details,
      ...(open ? [] : [t.activities.notOpen]),
    ].join("\n\n"),
    keyboard: keyboard([
      ...(open && joined
        ? [[button(t.activities.leave, Action.Leave({ activityId: activity.id }))]]
        : []),
      ...(open && !joined && !full
        ? [[button(t.activities.join, Action.Join({ activityId: activity.id }))]]
        : []),
      ...(open && !joined && full
        ? [[button(t.activities.notifyMe, Action.NotifyMe({ activityId: activity.id }))]]
        : []),
      [button(t.activities.backToList, Action.Open({ screen: "activities" }))],
    ]),
  }
}

export const achievements = (
  t: Catalogue,
  earned: ReadonlyArray<Achievement>,
  streakWeeks: number,
): View => ({
  text: [
    t.achievements.title,
    "",
    ...earned.map(
      (achievement) =>
        `${achievement.earned ? "🏆" : "▫️"} ${t.achievements.names[achievement.code]} — ${
          t.achievements.descriptions[achievement.code]
        } (${t.achievements.progress(achievement.progress, achievement.goal)})`,
    ),
    "",
    t.achievements.streak(streakWeeks),
    ...(earned.some((achievement) => achievement.earned) ? [] : ["", t.achievements.none]),
  ].join("\n"),
  keyboard: keyboard([[backToMenu(t)]]),
})

/** A matching interest's pause, as Settings shows it. */
export interface PauseView {
  readonly interest: Pick<Interest, "id" | "emoji" | "name" | "nameEn">
  /** YYYY-MM-DD; `null`: not paused. */
  readonly pausedUntil: string | null
}

/** A local date (YYYY-MM-DD) as people read it: "26 Dec", "26 дек.". */
export const formatDay = (date: string, locale: Locale): string =>
  new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-GB", {
    timeZone: "UTC",
    day: "numeric",
    month: "short",
  }).format(new Date(`${date}T00:00:00Z`))

/** What the user hears of an interest now: nothing, or how often. */
export const frequencyOf = (setting: NotificationSetting): FrequencyChoice =>
  setting.receiveNotifications ? setting.notificationFrequency : "off"

const nextFrequency = (current: FrequencyChoice): FrequencyChoice =>
  frequencyChoices[(frequencyChoices.indexOf(current) + 1) % frequencyChoices.length] ?? "off"

export const settings = (
  t: Catalogue,
  locale: Locale,
  notifications: ReadonlyArray<NotificationSetting>,
  pauses: ReadonlyArray<PauseView> = [],
): View =>
  notifications.length === 0
    ? {
        text: t.settings.noInterests,
        keyboard: keyboard([
          [button(t.menu.interests, Action.Open({ screen: "interests" }))],
          [backToMenu(t)],
        ]),
      }
    : {
        text: t.settings.title,
        keyboard: keyboard([
          // One tap per change: the button moves the interest to the next choice, named in its data.
          ...notifications.map((setting) => {
            const current = frequencyOf(setting)
            return [
              button(
                t.settings.frequency(interestName(setting, locale), current),
                Action.SetFrequency({
                  interestId: setting.interestId,
                  frequency: nextFrequency(current),
                }),
              ),
            ]
          }),
          ...pauses.map(({ interest, pausedUntil }) => {
            const rt = roundTexts(locale)
            const name = interestName(interest, locale)
            return [
              button(
                pausedUntil === null
                  ? rt.pause(name)
                  : rt.resume(name, formatDay(pausedUntil, locale)),
                Action.TogglePause({ interestId: interest.id }),
              ),
            ]
          }),
          [backToMenu(t)],
        ]),
      }

export const helpIndex = (t: Catalogue): View => ({
  text: t.help.title,
  keyboard: keyboard([
    ...rowsOf(
      helpTopics.map((topic) => button(t.help.topics[topic], Action.Help({ topic }))),
      2,
    ),
    [backToMenu(t)],
  ]),
})

export const helpTopic = (t: Catalogue, topic: HelpTopic, contact: string): View => ({
  text: t.help.texts(contact)[topic],
  keyboard: keyboard([
    [
      button(t.help.backToHelp, Action.HelpIndex()),
      button(t.toMenu, Action.Open({ screen: "menu" })),
    ],
  ]),
})
