/**
 * The getUpdates loop against the tests' Telegram server, with the retry pauses on the TestClock:
 * a streak of failures is said once, its end once, and the updates after it are handed out.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Logger, Ref, TestClock } from "effect"
import { Api } from "grammy"
import { pollUpdates } from "../../src/bot/Polling"
import { makeTelegramServer } from "../support/TelegramServer"

/** Real time passing, for the server's HTTP answers (the test's own clock is the TestClock). */
const realPause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))

describe("polling", () => {
  it.scoped("a failing getUpdates is said once per streak, and its end once", () =>
    Effect.gen(function* () {
      const server = yield* makeTelegramServer()
      const api = new Api(server.token, { apiRoot: server.apiRoot })
      const logs: Array<string> = []
      const capture = Logger.make(({ logLevel, message }) => {
        logs.push(
          `${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`,
        )
      })
      const handed: Array<unknown> = []
      const failures = 4
      yield* server.failNext(
        "getUpdates",
        { error_code: 502, description: "Bad Gateway" },
        failures,
      )
      const alice = yield* server.user()
      yield* alice.push("after the outage")

      const loop = yield* pollUpdates(api, yield* Ref.make(0), (update) =>
        Effect.sync(() => handed.push(update)),
      ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)), Effect.fork)

      // Each failed call is followed by a pause on the TestClock (0.5 s, 1 s, 2 s, 4 s).
      for (let failed = 1; failed <= failures; failed++) {
        while (server.callsOf("getUpdates").length < failed) yield* realPause
        yield* TestClock.adjust(Duration.seconds(5))
      }
      while (handed.length === 0) yield* realPause
      yield* Fiber.interrupt(loop)

      expect(logs).toEqual([
        "WARN Could not fetch updates: getUpdates: 502 Bad Gateway; retrying",
        "INFO Fetching updates again",
      ])
      expect(handed).toHaveLength(1)
    }),
  )
})
