/**
 * What arrives is not always what the bot sent (DESIGN.md "Bot": button data is untrusted) nor
 * new (Telegram delivers an update again when it got no answer in time): forged data is refused
 * with nothing changed, someone else's button changes nobody's state, and a redelivered update
 * does nothing twice. Mirrors test/bot/BadInput.e2e.test.ts and test/bot/Webhook.e2e.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import type { TelegramId } from "../../src/domain/Ids"
import * as Harness from "../support/FlowHarness"
import * as InMemory from "../support/InMemory"

const en = messagesFor("en")

/** The conversation the session holds, without its bookkeeping (when stored, updates seen). */
const conversationOf = (h: Harness.FlowHarness, telegramId: TelegramId) =>
  Effect.map(
    h.sessions.get(telegramId),
    Option.map(({ updatedAt: _stored, recentUpdates: _seen, ...conversation }) => conversation),
  )

describe("untrusted and repeated updates", () => {
  it.effect("forged button data: a clear answer, no change of state", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      InMemory.subscribe(h.world, employeeId, ["coffee"])
      const activity = yield* InMemory.addActivity(h.world, { interestCode: "coffee" })
      yield* InMemory.participate(h.world, activity, employeeId, "confirmed")

      yield* user.send("/preferences")
      yield* user.press("❌ ♟️ Chess")
      const chess = InMemory.interestId(h.world, "chess")
      const pending = Option.some({ enable: [chess], disable: [] })
      const pendingNow = Effect.map(
        conversationOf(h, user.telegramId),
        Option.map((session) => session.pendingInterests),
      )
      expect(yield* pendingNow).toEqual(pending)
      const before = InMemory.rowsOf(h.world, employeeId)

      // An interest id that does not exist, on the interests screen: said so; pending kept.
      const unknownInterest = yield* user.pressData("int:t:999999")
      expect(unknownInterest.notices).toEqual([
        { text: en.interests.unknownInterest, alert: false },
      ])
      expect(unknownInterest.buttons.flat()).toContain("✅ ♟️ Chess")
      expect(yield* pendingNow).toEqual(pending)
      expect(InMemory.rowsOf(h.world, employeeId)).toEqual(before)

      // Data the bot never sends, or ids beyond Postgres's integers: not even the session moves.
      for (const data of [
        "admin:drop",
        "int:t:-1",
        "int:t:007",
        "x".repeat(64),
        "",
        "act:j:2147483648",
        "act:9999999999",
        "help:nonsense",
      ]) {
        const session = yield* conversationOf(h, user.telegramId)
        const result = yield* user.pressData(data)
        expect(result.notices, JSON.stringify(data)).toEqual([
          { text: en.unknownButton, alert: true },
        ])
        expect(result.screens).toEqual([])
        expect(yield* conversationOf(h, user.telegramId)).toEqual(session)
        expect(InMemory.rowsOf(h.world, employeeId)).toEqual(before)
      }
      expect(yield* pendingNow).toEqual(pending)
    }),
  )

  it.effect("a button on another user's message: 'not yours', nobody's state changes", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const alice = yield* h.employee({ languageCode: "en" })
      yield* alice.user.send("/preferences")
      const session = yield* conversationOf(h, alice.telegramId)
      const before = InMemory.rowsOf(h.world, alice.employeeId)
      for (const data of ["int:t:1", "int:save", "int:unsub:yes", "menu"]) {
        const forged = yield* alice.user.pressData(data, { foreign: true })
        expect(forged.notices, data).toEqual([{ text: en.foreignButton, alert: true }])
        expect(forged.screens).toEqual([])
      }
      expect(yield* conversationOf(h, alice.telegramId)).toEqual(session)
      expect(InMemory.rowsOf(h.world, alice.employeeId)).toEqual(before)
    }),
  )

  it.effect("a redelivered update does nothing: no toggle undone, no second join", () =>
    Effect.gen(function* () {
      const h = yield* Harness.make()
      const { user, employeeId } = yield* h.employee({ languageCode: "en" })
      yield* user.send("/preferences")
      const toggled = yield* user.press("❌ ♟️ Chess")
      expect(toggled.text).toContain(en.interests.pending(1))

      // Pressing twice would undo the toggle; the same update twice must not.
      const again = yield* user.redeliver()
      expect(again.result).toBe("redelivered")
      expect(again.screens).toEqual([])
      expect(again.notices).toEqual([])
      const pending = Effect.map(
        h.sessions.get(user.telegramId),
        Option.map((session) => session.pendingInterests),
      )
      expect(yield* pending).toEqual(
        Option.some({ enable: [InMemory.interestId(h.world, "chess")], disable: [] }),
      )

      const saved = yield* user.press(en.interests.save)
      expect(saved.result).toBe("handled")
      const afterSave = InMemory.rowsOf(h.world, employeeId)
      expect((yield* user.redeliver()).result).toBe("redelivered")
      expect(InMemory.rowsOf(h.world, employeeId)).toEqual(afterSave)

      const activity = yield* InMemory.addActivity(h.world, { maxParticipants: 5 })
      const joined = yield* user.pressData(`act:j:${activity}`)
      expect(joined.notices).toEqual([{ text: en.activities.joined, alert: false }])
      const repeated = yield* user.redeliver()
      expect(repeated.result).toBe("redelivered")
      expect(repeated.notices).toEqual([])
      expect(InMemory.placesTaken(h.world, activity)).toBe(1)

      // A new press with the same data is a new update: it is answered.
      const pressedAgain = yield* user.pressData(`act:j:${activity}`)
      expect(pressedAgain.notices).toEqual([{ text: en.activities.alreadyJoined, alert: false }])
    }),
  )
})
