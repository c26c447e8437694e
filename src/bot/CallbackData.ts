/**
 * What a button asks for. Button data comes back from Telegram and is untrusted: it is decoded
 * by `decodeAction` (ids through their Schemas), and anything that does not decode (unknown,
 * forged, malformed ids) is answered as an unknown button without touching any state.
 *
 * The encoded form is short (Telegram allows 64 bytes): `menu`, `int:t:7`, `act:j:42`, …
 */
import { Data, Option, Schema } from "effect"
import { ActivityId, InterestId } from "../domain/Ids"
import { type HelpTopic, helpTopics } from "./Messages"

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
}>
export const Action = Data.taggedEnum<Action>()

export const encodeAction = (action: Action): string =>
  Action.$match(action, {
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
  const [head, second, third, ...rest] = data.split(":")
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
    case "set":
      return second === "t"
        ? Option.map(decodeId(InterestId, third), (interestId) =>
            Action.ToggleNotifications({ interestId }),
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
