import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Logger, TestClock } from "effect"
import { GrammyError, HttpError } from "grammy"
import { callApi, isNotModified, isQueryTooOld } from "../../src/bot/Telegram"

const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

const refusal = (code: number, description: string, retryAfter?: number) =>
  new GrammyError(
    `Call to 'sendMessage' failed! (${code}: ${description})`,
    {
      ok: false,
      error_code: code,
      description,
      ...(retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } }),
    },
    "sendMessage",
    {},
  )

describe("Bot API calls", () => {
  it.effect("a network error says why without the token the request URL carries", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        callApi("getMe", () =>
          Promise.reject(
            new HttpError(
              "Network request for 'getMe' failed!",
              new Error(
                `request to http://127.0.0.1:9/bot${token}/getMe failed, reason: ECONNREFUSED`,
              ),
            ),
          ),
        ),
      )
      expect(error.code).toBeNull()
      expect(error.message).toContain("ECONNREFUSED")
      for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 })]) {
        expect(text).not.toContain(token.split(":")[1])
      }
    }),
  )

  it.effect("a 429 is waited out for retry_after, then the call is made again", () =>
    Effect.gen(function* () {
      let calls = 0
      const fiber = yield* Effect.fork(
        callApi("sendMessage", () => {
          calls++
          return calls === 1
            ? Promise.reject(refusal(429, "Too Many Requests: retry after 3", 3))
            : Promise.resolve("sent")
        }),
      )
      yield* TestClock.adjust("2999 millis")
      expect(calls).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toBe("sent")
      expect(calls).toBe(2)
    }),
  )

  it.effect("429s are retried at most 5 times, each wait bounded to 60 s and logged", () =>
    Effect.gen(function* () {
      const warnings: Array<string> = []
      const recordWarnings = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ logLevel, message }) => {
          if (logLevel._tag === "Warning") warnings.push(String(message))
        }),
      )
      let calls = 0
      const fiber = yield* Effect.fork(
        callApi("sendMessage", () => {
          calls++
          return Promise.reject(refusal(429, "Too Many Requests: retry after 600", 600))
        }).pipe(Effect.flip, Effect.provide(recordWarnings)),
      )
      yield* TestClock.adjust("59999 millis")
      expect(calls).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(calls).toBe(2)
      yield* TestClock.adjust("4 minutes")
      const error = yield* Fiber.join(fiber)
      expect(error.code).toBe(429)
      expect(calls).toBe(6)
      expect(warnings).toEqual(
        Array.from({ length: 5 }, () => "Telegram asks to slow down (sendMessage); retrying in 1m"),
      )
    }),
  )

  it.effect("other refusals fail at once, recognisable", () =>
    Effect.gen(function* () {
      let calls = 0
      const notModified = yield* Effect.flip(
        callApi("editMessageText", () => {
          calls++
          return Promise.reject(
            refusal(
              400,
              "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            ),
          )
        }),
      )
      expect(calls).toBe(1)
      expect(isNotModified(notModified)).toBe(true)
      expect(isQueryTooOld(notModified)).toBe(false)
      const tooOld = yield* Effect.flip(
        callApi("answerCallbackQuery", () =>
          Promise.reject(
            refusal(
              400,
              "Bad Request: query is too old and response timeout expired or query ID is invalid",
            ),
          ),
        ),
      )
      expect(isQueryTooOld(tooOld)).toBe(true)
      expect(tooOld.code).toBe(400)
    }),
  )
})
