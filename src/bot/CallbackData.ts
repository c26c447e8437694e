/**
 * What a button asks for. Button data comes back from Telegram and is untrusted: it is decoded
 * by `decodeAction` (ids through their Schemas), and anything that does not decode (unknown,
 * forged, malformed ids) is answered as an unknown button without touching any state.
 *
 * The encoded form is short (Telegram allows 64 bytes): `menu`, `int:t:7`, `act:j:42`, …
 */
import { Data, Option, Schema } from "effect"
import { ActivityId, InterestId, MatchId, RoundId } from "../domain/Ids"
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
    TogglePause: ({ interestId }) => `set:p:${interestId}`,
    RoundAnswer: ({ roundId, answer }) => `rnd:${answer}:${roundId}`,
    MatchResponse: ({ matchId, response }) =>
      `mt:${response === "confirmed" ? "ok" : "no"}:${matchId}`,
    MatchMet: ({ matchId, met }) => `mt:${met ? "met" : "miss"}:${matchId}`,
    MatchRate: ({ matchId, rating }) => `rate:${rating}:${matchId}`,
    NotifyMe: ({ activityId }) => `wl:add:${activityId}`,
    TakePlace: ({ activityId }) => `wl:take:${activityId}`,
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
