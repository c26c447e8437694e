import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { Action, AdminAction, decodeAction, encodeAction } from "../../src/bot/CallbackData"
import { ActivityId, EmployeeId, InterestId } from "../../src/domain/Ids"

const activityId = ActivityId.make(2147483647)
const employeeId = EmployeeId.make(2147483647)
const admin: ReadonlyArray<AdminAction> = [
  AdminAction.Menu(),
  AdminAction.NewActivity(),
  AdminAction.PickInterest({ interestId: InterestId.make(9) }),
  AdminAction.Keep(),
  AdminAction.Back(),
  AdminAction.NoneAnswer(),
  AdminAction.PublishDraft(),
  AdminAction.SaveDraft(),
  AdminAction.DiscardDraft(),
  AdminAction.Activities(),
  AdminAction.Activity({ activityId }),
  AdminAction.ChooseEdit({ activityId }),
  ...(["title", "when", "duration", "place", "capacity"] as const).map((field) =>
    AdminAction.Edit({ activityId, field }),
  ),
  AdminAction.Publish({ activityId }),
  AdminAction.AskCancel({ activityId }),
  AdminAction.Roster({ activityId }),
  AdminAction.Attendance({ activityId }),
  AdminAction.Mark({ activityId, employeeId, attended: true }),
  AdminAction.Mark({ activityId, employeeId: EmployeeId.make(7), attended: false }),
  AdminAction.People(),
  AdminAction.Person({ employeeId }),
  AdminAction.AskDeactivate({ employeeId }),
  AdminAction.SetActive({ employeeId, active: true }),
  AdminAction.SetActive({ employeeId, active: false }),
  AdminAction.Reports(),
  AdminAction.Report({ month: { year: 2026, month: 3 } }),
  AdminAction.Report({ month: { year: 2025, month: 12 } }),
]

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
      ...(["off", "immediate", "daily", "weekly"] as const).map((frequency) =>
        Action.SetFrequency({ interestId: InterestId.make(3), frequency }),
      ),
      Action.NotifyMe({ activityId }),
      Action.TakePlace({ activityId }),
      ...admin.map((action) => Action.Admin({ action })),
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
      "set:never:3",
      "set:day:",
      "set:day:0",
      "set:week:3:4",
      // Admin data: strict like the rest.
      "adm:",
      "ADM",
      "adm:nope",
      "adm:new:1",
      "adm:acts:x",
      "adm:a:",
      "adm:a:0",
      "adm:a:-4",
      "adm:a:2147483648",
      "adm:a:1:2",
      "adm:e:z:1",
      "adm:e:w:",
      "adm:e:w:1:2",
      "adm:y:1",
      "adm:y:1:0",
      "adm:y:x:2",
      "adm:m:1:2",
      "adm:y:1:2:3",
      "adm:u:007",
      "adm:off:",
      "adm:on:1e3",
      "adm:rm:2026",
      "adm:rm:202613",
      "adm:rm:202600",
      "adm:rm:199912",
      "adm:rm:2026-03",
      "adm:di:abc",
      "adm:__proto__",
      "adm:constructor",
      "adm:toString",
    ]
    for (const data of forged) expect(decodeAction(data), data).toEqual(Option.none())
  })
})
