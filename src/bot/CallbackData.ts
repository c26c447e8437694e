/**
 * What a button asks for. Button data comes back from Telegram and is untrusted: it is decoded
 * by `decodeAction` (ids through their Schemas), and anything that does not decode (unknown,
 * forged, malformed ids) is answered as an unknown button without touching any state.
 *
 * The encoded form is short (Telegram allows 64 bytes): `menu`, `int:t:7`, `act:j:42`, …; the
 * admin screens' under `adm:` (`adm:a:42`, `adm:y:42:7`).
 */
import { Data, Option, Schema } from "effect"
import type { Month } from "../admins/Reports"
import { ActivityId, EmployeeId, InterestId, MatchId, RoundId } from "../domain/Ids"
import type { NotificationFrequency } from "../domain/Models"
import type { EditableField } from "../sessions/Sessions"
import { type HelpTopic, helpTopics } from "./Messages"

/** What Settings offers per interest: no notifications, or how often. */
export type FrequencyChoice = "off" | NotificationFrequency
/** In the order a press on Settings moves through them. */
export const frequencyChoices: ReadonlyArray<FrequencyChoice> = [
  "off",
  "immediate",
  "daily",
  "weekly",
]
const frequencyCodes: Readonly<Record<FrequencyChoice, string>> = {
  off: "off",
  immediate: "now",
  daily: "day",
  weekly: "week",
}

/**
 * What an admin button asks for. Each press is checked against the presser's roles read at that
 * moment (src/admins/AdminFlows.ts); the data only says what they asked.
 */
export type AdminAction = Data.TaggedEnum<{
  Menu: {}
  /** ➕ New activity: the conversation starts. */
  NewActivity: {}
  PickInterest: { readonly interestId: InterestId }
  /** Keeps the answer given before (after ⬅️ Back) and moves on. */
  Keep: {}
  Back: {}
  /** "No place" / "No limit": the question's answer "none". */
  NoneAnswer: {}
  PublishDraft: {}
  SaveDraft: {}
  DiscardDraft: {}
  Activities: {}
  Activity: { readonly activityId: ActivityId }
  ChooseEdit: { readonly activityId: ActivityId }
  Edit: { readonly activityId: ActivityId; readonly field: EditableField }
  Publish: { readonly activityId: ActivityId }
  AskCancel: { readonly activityId: ActivityId }
  Roster: { readonly activityId: ActivityId }
  Attendance: { readonly activityId: ActivityId }
  Mark: {
    readonly activityId: ActivityId
    readonly employeeId: EmployeeId
    readonly attended: boolean
  }
  People: {}
  Person: { readonly employeeId: EmployeeId }
  AskDeactivate: { readonly employeeId: EmployeeId }
  SetActive: { readonly employeeId: EmployeeId; readonly active: boolean }
  Reports: {}
  Report: { readonly month: Month }
}>
export const AdminAction = Data.taggedEnum<AdminAction>()

const fieldCodes: Readonly<Record<EditableField, string>> = {
  title: "t",
  when: "w",
  duration: "d",
  place: "p",
  capacity: "c",
}

export type Screen = "menu" | "profile" | "interests" | "activities" | "achievements" | "settings"
const screens: ReadonlyArray<Screen> = [
  "menu",
  "profile",
  "interests",
  "activities",
  "achievements",
  "settings",
]

export type Action = Data.TaggedEnum<{
  Open: { readonly screen: Screen }
  ToggleInterest: { readonly interestId: InterestId }
  SaveInterests: {}
  AskUnsubscribeAll: {}
  ConfirmUnsubscribeAll: {}
  HelpIndex: {}
  Help: { readonly topic: HelpTopic }
  ActivityDetails: { readonly activityId: ActivityId }
  Join: { readonly activityId: ActivityId }
  Leave: { readonly activityId: ActivityId }
  ToggleNotifications: { readonly interestId: InterestId }
  TogglePause: { readonly interestId: InterestId }
  /** An answer to a round's invitation. */
  RoundAnswer: { readonly roundId: RoundId; readonly answer: "in" | "skip" | "pause" }
  /** An answer to an intro: will they meet? */
  MatchResponse: { readonly matchId: MatchId; readonly response: "confirmed" | "declined" }
  /** An answer to "did you meet?". */
  MatchMet: { readonly matchId: MatchId; readonly met: boolean }
  MatchRate: { readonly matchId: MatchId; readonly rating: number }
  /** 🔔 Notify me: a place in the full activity, when one frees. */
  NotifyMe: { readonly activityId: ActivityId }
  /** ✅ Take the place offered from the waitlist. */
  TakePlace: { readonly activityId: ActivityId }
  /** Settings: how often to hear of an interest's new activities. */
  SetFrequency: { readonly interestId: InterestId; readonly frequency: FrequencyChoice }
  Admin: { readonly action: AdminAction }
}>
export const Action = Data.taggedEnum<Action>()

// The cases are built once, here, not per call: a button is encoded for every keyboard shown, and
// under tsx (esbuild's keepNames) each arrow function made costs an Object.defineProperty. Per
// call, the 21 + 25 of them were 1.6% of the bot's CPU in the pipeline benchmark.
export const encodeAction: (action: Action) => string = Action.$match({
  Open: ({ screen }) => screen,
  ToggleInterest: ({ interestId }) => `int:t:${interestId}`,
  SaveInterests: () => "int:save",
  AskUnsubscribeAll: () => "int:unsub",
  ConfirmUnsubscribeAll: () => "int:unsub:yes",
  HelpIndex: () => "help",
  Help: ({ topic }) => `help:${topic}`,
  ActivityDetails: ({ activityId }) => `act:${activityId}`,
  Join: ({ activityId }) => `act:j:${activityId}`,
  Leave: ({ activityId }) => `act:l:${activityId}`,
  ToggleNotifications: ({ interestId }) => `set:t:${interestId}`,
  TogglePause: ({ interestId }) => `set:p:${interestId}`,
  RoundAnswer: ({ roundId, answer }) => `rnd:${answer}:${roundId}`,
  MatchResponse: ({ matchId, response }) =>
    `mt:${response === "confirmed" ? "ok" : "no"}:${matchId}`,
  MatchMet: ({ matchId, met }) => `mt:${met ? "met" : "miss"}:${matchId}`,
  MatchRate: ({ matchId, rating }) => `rate:${rating}:${matchId}`,
  NotifyMe: ({ activityId }) => `wl:add:${activityId}`,
  TakePlace: ({ activityId }) => `wl:take:${activityId}`,
  SetFrequency: ({ interestId, frequency }) => `set:${frequencyCodes[frequency]}:${interestId}`,
  Admin: ({ action }) => (action._tag === "Menu" ? "adm" : `adm:${encodeAdmin(action)}`),
})

const encodeAdmin: (action: AdminAction) => string = AdminAction.$match({
  Menu: () => "",
  NewActivity: () => "new",
  PickInterest: ({ interestId }) => `di:${interestId}`,
  Keep: () => "keep",
  Back: () => "back",
  NoneAnswer: () => "none",
  PublishDraft: () => "pub",
  SaveDraft: () => "save",
  DiscardDraft: () => "drop",
  Activities: () => "acts",
  Activity: ({ activityId }) => `a:${activityId}`,
  ChooseEdit: ({ activityId }) => `e:${activityId}`,
  Edit: ({ activityId, field }) => `e:${fieldCodes[field]}:${activityId}`,
  Publish: ({ activityId }) => `p:${activityId}`,
  AskCancel: ({ activityId }) => `x:${activityId}`,
  Roster: ({ activityId }) => `r:${activityId}`,
  Attendance: ({ activityId }) => `at:${activityId}`,
  Mark: ({ activityId, employeeId, attended }) =>
    `${attended ? "y" : "n"}:${activityId}:${employeeId}`,
  People: () => "ppl",
  Person: ({ employeeId }) => `u:${employeeId}`,
  AskDeactivate: ({ employeeId }) => `ud:${employeeId}`,
  SetActive: ({ employeeId, active }) => `${active ? "on" : "off"}:${employeeId}`,
  Reports: () => "rep",
  Report: ({ month }) => `rm:${month.year}${String(month.month).padStart(2, "0")}`,
})

/** Decimal ids only: no signs, exponents, leading zeros or spaces that `Number` would accept. */
const idPattern = /^[1-9]\d{0,9}$/
const decodeId = <A>(
  schema: Schema.Schema<A, number>,
  raw: string | undefined,
): Option.Option<A> =>
  raw !== undefined && idPattern.test(raw)
    ? Schema.decodeUnknownOption(schema)(Number(raw))
    : Option.none()

/** The action a button's data asks for; `None` for anything the bot did not (or could not) send. */
export const decodeAction = (data: string): Option.Option<Action> => {
  if ((screens as ReadonlyArray<string>).includes(data)) {
    return Option.some(Action.Open({ screen: data as Screen }))
  }
  const parts = data.split(":")
  if (parts[0] === "adm") {
    return Option.map(decodeAdmin(parts.slice(1)), (action) => Action.Admin({ action }))
  }
  const [head, second, third, ...rest] = parts
  if (rest.length > 0) return Option.none()
  switch (head) {
    case "int":
      if (second === "save" && third === undefined) return Option.some(Action.SaveInterests())
      if (second === "unsub" && third === undefined) return Option.some(Action.AskUnsubscribeAll())
      if (second === "unsub" && third === "yes") return Option.some(Action.ConfirmUnsubscribeAll())
      if (second === "t") {
        return Option.map(decodeId(InterestId, third), (interestId) =>
          Action.ToggleInterest({ interestId }),
        )
      }
      return Option.none()
    case "act":
      if (third === undefined) {
        return Option.map(decodeId(ActivityId, second), (activityId) =>
          Action.ActivityDetails({ activityId }),
        )
      }
      if (second === "j") {
        return Option.map(decodeId(ActivityId, third), (activityId) => Action.Join({ activityId }))
      }
      if (second === "l") {
        return Option.map(decodeId(ActivityId, third), (activityId) => Action.Leave({ activityId }))
      }
      return Option.none()
    case "set": {
      const frequency = frequencyChoices.find((choice) => frequencyCodes[choice] === second)
      if (frequency !== undefined) {
        return Option.map(decodeId(InterestId, third), (interestId) =>
          Action.SetFrequency({ interestId, frequency }),
        )
      }
      // Settings messages drawn before the frequencies still carry the on/off switch.
      if (second === "t") {
        return Option.map(decodeId(InterestId, third), (interestId) =>
          Action.ToggleNotifications({ interestId }),
        )
      }
      return second === "p"
        ? Option.map(decodeId(InterestId, third), (interestId) =>
            Action.TogglePause({ interestId }),
          )
        : Option.none()
    }
    case "rnd":
      return second === "in" || second === "skip" || second === "pause"
        ? Option.map(decodeId(RoundId, third), (roundId) =>
            Action.RoundAnswer({ roundId, answer: second }),
          )
        : Option.none()
    case "mt":
      switch (second) {
        case "ok":
        case "no":
          return Option.map(decodeId(MatchId, third), (matchId) =>
            Action.MatchResponse({ matchId, response: second === "ok" ? "confirmed" : "declined" }),
          )
        case "met":
        case "miss":
          return Option.map(decodeId(MatchId, third), (matchId) =>
            Action.MatchMet({ matchId, met: second === "met" }),
          )
        default:
          return Option.none()
      }
    case "rate":
      return second !== undefined && /^[1-5]$/.test(second)
        ? Option.map(decodeId(MatchId, third), (matchId) =>
            Action.MatchRate({ matchId, rating: Number(second) }),
          )
        : Option.none()
    case "wl":
      return second === "add" || second === "take"
        ? Option.map(decodeId(ActivityId, third), (activityId) =>
            second === "add" ? Action.NotifyMe({ activityId }) : Action.TakePlace({ activityId }),
          )
        : Option.none()
    case "help":
      if (second === undefined) return Option.some(Action.HelpIndex())
      return third === undefined && (helpTopics as ReadonlyArray<string>).includes(second)
        ? Option.some(Action.Help({ topic: second as HelpTopic }))
        : Option.none()
    default:
      return Option.none()
  }
}

const simpleAdmin: Readonly<Record<string, AdminAction>> = {
  new: AdminAction.NewActivity(),
  keep: AdminAction.Keep(),
  back: AdminAction.Back(),
  none: AdminAction.NoneAnswer(),
  pub: AdminAction.PublishDraft(),
  save: AdminAction.SaveDraft(),
  drop: AdminAction.DiscardDraft(),
  acts: AdminAction.Activities(),
  ppl: AdminAction.People(),
  rep: AdminAction.Reports(),
}

/** `YYYYMM`, a real month of this century. */
const decodeMonth = (raw: string | undefined): Option.Option<Month> => {
  const match = raw === undefined ? null : /^(20\d{2})(0[1-9]|1[0-2])$/.exec(raw)
  return match === null
    ? Option.none()
    : Option.some({ year: Number(match[1]), month: Number(match[2]) })
}

/** The parts after `adm:`; at most three, as the bot writes them. */
const decodeAdmin = (parts: ReadonlyArray<string>): Option.Option<AdminAction> => {
  const [first, second, third, ...rest] = parts
  if (first === undefined) return Option.some(AdminAction.Menu())
  if (rest.length > 0) return Option.none()
  if (second === undefined) {
    return Object.hasOwn(simpleAdmin, first)
      ? Option.fromNullable(simpleAdmin[first])
      : Option.none()
  }
  const activity = <A>(make: (activityId: ActivityId) => A) =>
    third === undefined ? Option.map(decodeId(ActivityId, second), make) : Option.none()
  const employee = <A>(make: (employeeId: EmployeeId) => A) =>
    third === undefined ? Option.map(decodeId(EmployeeId, second), make) : Option.none()
  switch (first) {
    case "di":
      return third === undefined
        ? Option.map(decodeId(InterestId, second), (interestId) =>
            AdminAction.PickInterest({ interestId }),
          )
        : Option.none()
    case "a":
      return activity((activityId) => AdminAction.Activity({ activityId }))
    case "e": {
      if (third === undefined)
        return activity((activityId) => AdminAction.ChooseEdit({ activityId }))
      const field = (Object.keys(fieldCodes) as Array<EditableField>).find(
        (candidate) => fieldCodes[candidate] === second,
      )
      return field === undefined
        ? Option.none()
        : Option.map(decodeId(ActivityId, third), (activityId) =>
            AdminAction.Edit({ activityId, field }),
          )
    }
    case "p":
      return activity((activityId) => AdminAction.Publish({ activityId }))
    case "x":
      return activity((activityId) => AdminAction.AskCancel({ activityId }))
    case "r":
      return activity((activityId) => AdminAction.Roster({ activityId }))
    case "at":
      return activity((activityId) => AdminAction.Attendance({ activityId }))
    case "y":
    case "n":
      return Option.flatMap(decodeId(ActivityId, second), (activityId) =>
        Option.map(decodeId(EmployeeId, third), (employeeId) =>
          AdminAction.Mark({ activityId, employeeId, attended: first === "y" }),
        ),
      )
    case "u":
      return employee((employeeId) => AdminAction.Person({ employeeId }))
    case "ud":
      return employee((employeeId) => AdminAction.AskDeactivate({ employeeId }))
    case "on":
    case "off":
      return employee((employeeId) => AdminAction.SetActive({ employeeId, active: first === "on" }))
    case "rm":
      return third === undefined
        ? Option.map(decodeMonth(second), (month) => AdminAction.Report({ month }))
        : Option.none()
    default:
      return Option.none()
  }
}
