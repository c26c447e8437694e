import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { Action, decodeAction, encodeAction } from "../../src/bot/CallbackData"
import { ActivityId, InterestId } from "../../src/domain/Ids"

describe("button data", () => {
  it("decodes what the bot encodes", () => {
    const actions: ReadonlyArray<Action> = [
      Action.Open({ screen: "menu" }),
      Action.Open({ screen: "activities" }),
      Action.ToggleInterest({ interestId: InterestId.make(7) }),
      Action.SaveInterests(),
      Action.AskUnsubscribeAll(),
      Action.ConfirmUnsubscribeAll(),
      Action.HelpIndex(),
      Action.Help({ topic: "contact" }),
      Action.ActivityDetails({ activityId: ActivityId.make(42) }),
      Action.Join({ activityId: ActivityId.make(42) }),
      Action.Leave({ activityId: ActivityId.make(2147483647) }),
      Action.ToggleNotifications({ interestId: InterestId.make(3) }),
    ]
    for (const action of actions) {
      const data = encodeAction(action)
      expect(new TextEncoder().encode(data).length).toBeLessThanOrEqual(64)
      expect(decodeAction(data)).toEqual(Option.some(action))
    }
  })

  it("refuses anything the bot could not have sent", () => {
    const forged = [
      "",
      "menu ",
      "MENU",
      "admin",
      "int:t:",
      "int:t:0",
      "int:t:-1",
      "int:t:1e3",
      "int:t:007",
      "int:t:12345678901",
      // Past Postgres integer ids: it would reach SQL and fail as out of range.
      "act:j:2147483648",
      "act:9999999999",
      "int:t:7:8",
      "int:save:now",
      "int:unsub:no",
      "act:",
      "act:x",
      "act:j:",
      "act:j:1.5",
      "act:k:1",
      "set:t:abc",
      "help:secrets",
      "help:contact:1",
      "__proto__",
      "constructor",
      "x".repeat(64),
    ]
    for (const data of forged) expect(decodeAction(data), data).toEqual(Option.none())
  })
})
