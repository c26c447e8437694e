import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Harness from "../support/BotHarness"

layer(Harness.layer(), { excludeTestServices: true, timeout: 60_000 })("smoke", (it) => {
  it.effect("start, interests, save", () =>
    Effect.gen(function* () {
      const { user } = yield* Harness.employee({ languageCode: "en", fullName: "Anna Smith" })
      const menu = yield* user.send("/start")
      console.log(menu.text, menu.buttons)
      const interests = yield* user.press("🎯 Interests")
      console.log(interests.message.text, interests.message.buttons)
      const toggled = yield* user.press("❌ ☕️ Secret coffee")
      console.log(toggled.message.buttons)
      const saved = yield* user.press("💾 Save")
      console.log(saved.answer, saved.message.text)
      expect(saved.message.buttons[0]?.[0]).toBe("✅ ☕️ Secret coffee")
    }),
  )
})
