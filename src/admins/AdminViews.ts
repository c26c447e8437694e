/**
 * What the admin screens show, from data already read: pure, as src/bot/Views.ts. Plain text (no
 * parse mode), so what admins and employees typed is shown as typed, never as markup.
 *
 * Here: the admin menu, the new-activity conversation and organisers' activities. Employees:
 * src/admins/PeopleViews.ts; reports: src/admins/ReportViews.ts.
 */

import type { RosterEntry } from "../activities/Organising"
import { Action, AdminAction } from "../bot/CallbackData"
import { actionKeyboard, cutAt, formatWhen, interestName, type View } from "../bot/Views"
import type { ActivityId } from "../domain/Ids"
import type { Activity, Interest, Locale } from "../domain/Models"
import type { DraftAnswers, EditableField } from "../sessions/Sessions"
import type { ActivityCard, AdminCatalogue, AdminStatus, DraftQuestion } from "./AdminTexts"
import { can, type Permission, type Roles } from "./Roles"

/** One row of buttons: `[label, action]`. */
export type Row = ReadonlyArray<readonly [string, Action]>
export const admin = (action: AdminAction): Action => Action.Admin({ action })
export const toAdmin = (at: AdminCatalogue): readonly [string, Action] => [
  at.toAdmin,
  admin(AdminAction.Menu()),
]

/** Telegram's limit for a message is 4096 characters; reports and lists stay under it. */
export const messageLimit = 4000
/** Buttons a list offers at most: a longer one would not be read, and Telegram caps at 100. */
const listLimit = 30

export const adminMenu = (at: AdminCatalogue, t: { readonly back: string }, roles: Roles): View => {
  const allows = (permission: Permission) => can(roles, permission)
  const rows: Array<Row> = [
    ...(allows("activities")
      ? [
          [
            [at.newActivity, admin(AdminAction.NewActivity())],
            [at.activities, admin(AdminAction.Activities())],
          ] as Row,
        ]
      : []),
    ...(allows("users") ? [[[at.employees, admin(AdminAction.People())]] as Row] : []),
    ...(allows("reports") ? [[[at.reports, admin(AdminAction.Reports())]] as Row] : []),
    [[t.back, Action.Open({ screen: "menu" })]],
  ]
  return { text: at.menuTitle, keyboard: actionKeyboard(rows) }
}

/** How the organiser reads a value: the kept answer of a question, a field's current value. */
export const describe = (
  at: AdminCatalogue,
  locale: Locale,
  timeZone: string,
  field: EditableField,
  value: {
    readonly title?: string | undefined
    readonly scheduledAt?: Date | undefined
    readonly durationMinutes?: number | undefined
    readonly location?: string | null | undefined
    readonly maxParticipants?: number | null | undefined
  },
): string | undefined => {
  switch (field) {
    case "title":
      return value.title
    case "when":
      return value.scheduledAt === undefined
        ? undefined
        : formatWhen(value.scheduledAt, locale, timeZone)
    case "duration":
      return value.durationMinutes === undefined
        ? undefined
        : at.activity.minutes(value.durationMinutes)
    case "place":
      return value.location === undefined ? undefined : (value.location ?? at.activity.placeNone)
    case "capacity":
      return value.maxParticipants === undefined
        ? undefined
        : value.maxParticipants === null
          ? at.activity.noLimit
          : String(value.maxParticipants)
  }
}

export const draftQuestions: ReadonlyArray<DraftQuestion> = [
  "interest",
  "title",
  "when",
  "duration",
  "place",
  "capacity",
]

export interface DraftScreen {
  readonly at: AdminCatalogue
  readonly locale: Locale
  readonly timeZone: string
  /** The interests an activity can be for. */
  readonly catalogue: ReadonlyArray<Interest>
  readonly answers: DraftAnswers
  /** What was wrong with the last answer, said above the question. */
  readonly problem?: string
}

/** A problem or notice above the screen's own text. */
export const withProblem = (problem: string | undefined, lines: ReadonlyArray<string>) =>
  [...(problem === undefined ? [] : [problem, ""]), ...lines].join("\n")

/** One question of the new-activity conversation, with the answer kept from before, if any. */
export const draftQuestion = (screen: DraftScreen, question: DraftQuestion): View => {
  const { at, locale, timeZone, catalogue, answers } = screen
  const index = draftQuestions.indexOf(question) + 1
  const keptInterest = catalogue.find((interest) => interest.id === answers.interestId)
  const kept =
    question === "interest"
      ? keptInterest && interestName(keptInterest, locale)
      : describe(at, locale, timeZone, question, answers)
  const text = withProblem(screen.problem, [
    at.draft.step(index, draftQuestions.length),
    at.draft.questions[question],
    ...(question === "when" ? [at.draft.timeZone(timeZone)] : []),
    ...(kept === undefined ? [] : [at.draft.kept(kept)]),
  ])
  const navigation: Row = [
    ...(question === "interest" ? [] : [[at.back, admin(AdminAction.Back())] as const]),
    [at.cancel, admin(AdminAction.DiscardDraft())],
  ]
  const rows: Array<Row> =
    question === "interest"
      ? catalogue.map((interest) => [
          [
            `${interest.id === answers.interestId ? "✅ " : ""}${interestName(interest, locale)}`,
            admin(AdminAction.PickInterest({ interestId: interest.id })),
          ],
        ])
      : [
          ...(question === "place"
            ? [[[at.draft.noPlace, admin(AdminAction.NoneAnswer())]] as Row]
            : []),
          ...(question === "capacity"
            ? [[[at.draft.noLimit, admin(AdminAction.NoneAnswer())]] as Row]
            : []),
          ...(kept === undefined
            ? []
            : [[[cutAt(at.draft.keep(kept), 60), admin(AdminAction.Keep())]] as Row]),
        ]
  return { text, keyboard: actionKeyboard([...rows, navigation]) }
}

/** Every answer given: what Publish or Save would create. */
export const draftPreview = (screen: DraftScreen, card: ActivityCard): View => ({
  text: withProblem(screen.problem, [screen.at.draft.preview, "", screen.at.activity.card(card)]),
  keyboard: actionKeyboard([
    [
      [screen.at.draft.publish, admin(AdminAction.PublishDraft())],
      [screen.at.draft.saveDraft, admin(AdminAction.SaveDraft())],
    ],
    [
      [screen.at.back, admin(AdminAction.Back())],
      [screen.at.cancel, admin(AdminAction.DiscardDraft())],
    ],
  ]),
})

/** Where the activity is in its life, as the admin list names it. */
export const adminStatus = (activity: Activity, now: Date): AdminStatus => {
  switch (activity.status) {
    case "draft":
    case "cancelled":
      return activity.status
    case "completed":
      return "ended"
    case "scheduled":
    case "active": {
      const end = activity.scheduledAt.getTime() + activity.durationMinutes * 60_000
      return now.getTime() >= end ? "ended" : now >= activity.scheduledAt ? "underway" : "scheduled"
    }
  }
}

export interface ActivityScreen {
  readonly at: AdminCatalogue
  readonly locale: Locale
  readonly timeZone: string
  readonly catalogue: ReadonlyArray<Interest>
  readonly now: Date
}

const interestOf = (screen: ActivityScreen, activity: Pick<Activity, "interestId">) => {
  const interest = screen.catalogue.find((candidate) => candidate.id === activity.interestId)
  return interest === undefined ? "—" : interestName(interest, screen.locale)
}

const cardOf = (screen: ActivityScreen, activity: Activity) =>
  screen.at.activity.card({
    status: adminStatus(activity, screen.now),
    title: activity.title,
    interest: interestOf(screen, activity),
    when: formatWhen(activity.scheduledAt, screen.locale, screen.timeZone),
    duration: screen.at.activity.minutes(activity.durationMinutes),
    place: activity.location,
    taken: activity.participantCount,
    max: activity.maxParticipants,
  })

export const activityList = (screen: ActivityScreen, activities: ReadonlyArray<Activity>): View => {
  const { at } = screen
  const shown = activities.slice(0, listLimit)
  return {
    text:
      shown.length === 0
        ? at.activity.listEmpty
        : cutAt(
            [
              at.activity.listTitle,
              ...shown.map(
                (activity, index) =>
                  `${index + 1}. ${at.activity.statuses[adminStatus(activity, screen.now)]} · ${activity.title} — ${formatWhen(activity.scheduledAt, screen.locale, screen.timeZone)} · ${activity.maxParticipants === null ? activity.participantCount : `${activity.participantCount}/${activity.maxParticipants}`}`,
              ),
            ].join("\n"),
            messageLimit,
          ),
    keyboard: actionKeyboard([
      ...shown.map(
        (activity, index): Row => [
          [
            cutAt(`${index + 1}. ${activity.title}`, 60),
            admin(AdminAction.Activity({ activityId: activity.id })),
          ],
        ],
      ),
      [[at.newActivity, admin(AdminAction.NewActivity())], toAdmin(at)],
    ]),
  }
}

/** What can be done with an activity depends on where it is in its life. */
export const activityCard = (screen: ActivityScreen, activity: Activity): View => {
  const { at } = screen
  const status = adminStatus(activity, screen.now)
  const activityId = activity.id
  const changeable = status === "draft" || status === "scheduled"
  return {
    text: cardOf(screen, activity),
    keyboard: actionKeyboard([
      ...(changeable
        ? [[[at.activity.edit, admin(AdminAction.ChooseEdit({ activityId }))]] as Row]
        : []),
      ...(status === "draft"
        ? [[[at.activity.publish, admin(AdminAction.Publish({ activityId }))]] as Row]
        : []),
      ...(changeable
        ? [[[at.activity.cancel, admin(AdminAction.AskCancel({ activityId }))]] as Row]
        : []),
      ...(status === "draft"
        ? []
        : [[[at.activity.participants, admin(AdminAction.Roster({ activityId }))]] as Row]),
      ...(status === "ended"
        ? [[[at.activity.attendance, admin(AdminAction.Attendance({ activityId }))]] as Row]
        : []),
      [[at.activity.backToList, admin(AdminAction.Activities())]],
    ]),
  }
}

const backToCard = (at: AdminCatalogue, activityId: ActivityId): Row => [
  [at.activity.backToCard, admin(AdminAction.Activity({ activityId }))],
]

export const chooseField = (at: AdminCatalogue, activity: Activity): View => {
  const fields: ReadonlyArray<EditableField> = ["title", "when", "duration", "place", "capacity"]
  return {
    text: at.activity.chooseField(activity.title),
    keyboard: actionKeyboard([
      ...fields.map(
        (field): Row => [
          [at.activity.fields[field], admin(AdminAction.Edit({ activityId: activity.id, field }))],
        ],
      ),
      backToCard(at, activity.id),
    ]),
  }
}

/** Asks a field's new value; place and capacity can also be "none". */
export const askValue = (
  screen: ActivityScreen,
  activity: Activity,
  field: EditableField,
  problem?: string,
): View => {
  const { at } = screen
  const current = describe(at, screen.locale, screen.timeZone, field, activity) ?? "—"
  return {
    text: withProblem(problem, [at.activity.askValue(field, current)]),
    keyboard: actionKeyboard([
      ...(field === "place" ? [[[at.draft.noPlace, admin(AdminAction.NoneAnswer())]] as Row] : []),
      ...(field === "capacity"
        ? [[[at.draft.noLimit, admin(AdminAction.NoneAnswer())]] as Row]
        : []),
      [[at.cancel, admin(AdminAction.Activity({ activityId: activity.id }))]],
    ]),
  }
}

export const askReason = (at: AdminCatalogue, activity: Activity, problem?: string): View => ({
  text: withProblem(problem, [at.activity.askReason(activity.title)]),
  keyboard: actionKeyboard([
    [[at.activity.keepIt, admin(AdminAction.Activity({ activityId: activity.id }))]],
  ]),
})

const person = (entry: RosterEntry) =>
  `${entry.fullName}${entry.telegramUsername === null ? "" : ` (@${entry.telegramUsername})`}`

export const roster = (
  at: AdminCatalogue,
  activity: Activity,
  entries: ReadonlyArray<RosterEntry>,
): View => ({
  text: cutAt(
    [
      at.activity.rosterTitle(activity.title, entries.length),
      ...(entries.length === 0
        ? [at.activity.rosterEmpty]
        : entries.map(
            (entry, index) =>
              `${index + 1}. ${person(entry)} — ${at.activity.participantStatuses[entry.status]}`,
          )),
    ].join("\n"),
    messageLimit,
  ),
  keyboard: actionKeyboard([backToCard(at, activity.id)]),
})

/** Two buttons per participant, numbered as the text lists them. */
export const attendance = (
  at: AdminCatalogue,
  activity: Activity,
  entries: ReadonlyArray<RosterEntry>,
): View => {
  const shown = entries.slice(0, listLimit)
  return {
    text: cutAt(
      [
        at.activity.attendanceTitle(activity.title),
        ...(shown.length === 0
          ? [at.activity.rosterEmpty]
          : shown.map(
              (entry, index) =>
                `${index + 1}. ${person(entry)} — ${at.activity.participantStatuses[entry.status]}`,
            )),
      ].join("\n"),
      messageLimit,
    ),
    keyboard: actionKeyboard([
      ...shown.map((entry, index): Row => {
        const mark = (attended: boolean) =>
          admin(
            AdminAction.Mark({ activityId: activity.id, employeeId: entry.employeeId, attended }),
          )
        return [
          [at.activity.attended(index + 1), mark(true)],
          [at.activity.noShow(index + 1), mark(false)],
        ]
      }),
      backToCard(at, activity.id),
    ]),
  }
}
