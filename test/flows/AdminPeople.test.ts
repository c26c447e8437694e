/**
 * 👥 Employees and 📊 Reports through `Flows.respond` over the in-memory services: finding people
 * by name or @username, deactivating (confirmed first; refused at once everywhere) and
 * reactivating them, and the monthly report for a chosen month.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { adminTextsFor } from "../../src/admins/AdminTexts"
import { messagesFor } from "../../src/bot/Messages"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"
import * as InMemoryAdmin from "../support/InMemoryAdmin"

const en = messagesFor("en")
const at = adminTextsFor("en")

describe("👥 employees", () => {
  it.effect("find by name or @username, deactivate (confirmed), reactivate", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId: self } = yield* h.employee({
        languageCode: "en",
        roles: { manageUsers: true },
      })
      const ivan = yield* h.employee({
        fullName: "Ivan Petrov",
        departmentName: "IT",
        languageCode: "en",
      })
      yield* InMemory.addEmployee(h.world, { fullName: "Ivana Sidorova", username: "ivana_s" })
      yield* user.send("/menu")
      yield* user.press(at.menuButton)
      const ask = yield* user.press(at.employees)
      expect(ask.text).toBe(at.people.ask)

      const short = yield* user.send("i")
      expect(short.text).toBe([at.people.tooShort, "", at.people.ask].join("\n"))
      const none = yield* user.send("Nobody")
      expect(none.text?.split("\n")[0]).toBe(at.people.noneFound("Nobody"))
      const both = yield* user.send("ivan")
      expect(both.text).toBe(at.people.found(2))
      expect(both.buttons).toEqual([
        [`Ivan Petrov @user_${ivan.telegramId}`],
        ["Ivana Sidorova @ivana_s"],
        [at.toAdmin],
      ])
      // A new text searches again; a username is compared normalised.
      const one = yield* user.send("@Ivana_S")
      expect(one.buttons).toEqual([["Ivana Sidorova @ivana_s"], [at.toAdmin]])

      yield* user.send("Petrov")
      const card = yield* user.press(`Ivan Petrov @user_${ivan.telegramId}`)
      expect(card.text).toContain("Department: IT")
      expect(card.text).toContain("✅ Active")
      expect(card.buttons).toEqual([[at.people.deactivate], [at.people.backToSearch]])

      const confirm = yield* user.press(at.people.deactivate)
      expect(confirm.text).toBe(at.people.confirmDeactivate("Ivan Petrov"))
      const unchanged = yield* user.press(at.cancel)
      expect(unchanged.text).toContain("✅ Active")
      expect(h.world.employees.get(ivan.employeeId)?.isActive).toBe(true)

      yield* user.press(at.people.deactivate)
      const off = yield* user.press(at.people.yesDeactivate)
      expect(off.notices).toEqual([])
      expect(off.text?.split("\n")[0]).toBe(at.people.deactivated("Ivan Petrov"))
      expect(off.buttons).toEqual([[at.people.reactivate], [at.people.backToSearch]])
      expect(h.world.employees.get(ivan.employeeId)?.isActive).toBe(false)
      // Refused at once: their next update.
      const refused = yield* ivan.user.send("/menu")
      expect(refused.notice?.text).toBe(en.deactivated(Harness.adminContact))

      const on = yield* user.press(at.people.reactivate)
      expect(on.text?.split("\n")[0]).toBe(at.people.reactivated("Ivan Petrov"))
      expect(h.world.employees.get(ivan.employeeId)?.isActive).toBe(true)
      expect(h.admins.audit.map((row) => row.action)).toEqual([
        "employee.deactivate",
        "employee.reactivate",
      ])

      // Not oneself, even with forged data; and a stale confirmation changes nothing twice.
      const before = InMemoryAdmin.snapshot(h.world, h.admins)
      const selfOff = yield* user.pressData(`adm:off:${self}`)
      expect(selfOff.notices).toEqual([{ text: at.people.notYourself, alert: true }])
      const twice = yield* user.pressData(`adm:on:${ivan.employeeId}`)
      expect(twice.text?.split("\n")[0]).toBe(at.people.unchanged)
      expect(InMemoryAdmin.snapshot(h.world, h.admins)).toBe(before)
      const nobody = yield* user.pressData("adm:u:999")
      expect(nobody.text?.split("\n")[0]).toBe(at.people.gone)
    }),
  )
})

describe("📊 reports", () => {
  it.effect("this month and the three before; per interest and per department", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user } = yield* h.employee({ languageCode: "en", roles: { viewReports: true } })
      const games = yield* InMemory.addActivity(h.world, {
        title: "Catan",
        interestCode: "games",
        inHours: 24,
      })
      const ann = yield* h.employee({ departmentName: "IT" })
      const bob = yield* h.employee({ departmentName: "Sales" })
      yield* InMemory.participate(h.world, games, ann.employeeId, "attended")
      yield* InMemory.participate(h.world, games, bob.employeeId, "no_show")

      yield* user.send("/menu")
      yield* user.press(at.menuButton)
      const months = yield* user.press(at.reports)
      expect(months.text).toBe(at.report.chooseMonth)
      expect(months.buttons).toEqual([
        ["March 2026"],
        ["February 2026"],
        ["January 2026"],
        ["December 2025"],
        [at.toAdmin],
      ])
      const march = yield* user.press("March 2026")
      const line = (name: string, attended: number, noShow: number) =>
        at.report.line({
          name,
          activities: 1,
          placesTaken: attended + noShow,
          attended,
          noShow,
          roundsJoined: 0,
          roundsPlaced: 0,
          roundsMet: 0,
          averageRating: null,
        })
      expect(march.text).toBe(
        [
          at.report.title("March 2026"),
          "",
          at.report.byInterest,
          line("Board games", 1, 1),
          "",
          at.report.byDepartment,
          line("IT", 1, 0),
          line("Sales", 0, 1),
        ].join("\n"),
      )
      yield* user.press(at.report.otherMonth)
      const february = yield* user.press("February 2026")
      expect(february.text).toContain(`${at.report.byInterest}\n${at.report.nothing}`)

      // A month that has not begun was never offered.
      const future = yield* user.pressData("adm:rm:202605")
      expect(future.notices).toEqual([{ text: en.unknownButton, alert: true }])
      expect(future.screens).toEqual([])
    }),
  )
})
