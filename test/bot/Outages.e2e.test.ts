/**
 * Outages, end to end (DESIGN.md "Degradation"): the bot runs on a Redis or a Postgres of the
 * test's own, which the test stops in the middle of a conversation. Without Redis nothing a user
 * does fails and nothing stale is served when it is back; without Postgres the user is told
 * "temporarily unavailable", nothing is half-written, and the same bot serves them again once
 * Postgres returns.
 */
import { expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import { messagesFor } from "../../src/bot/Messages"
import { Cache } from "../../src/cache/Cache"
import * as Harness from "../support/BotHarness"
import { rawRedis } from "../support/CacheSettings"
import { privatePostgres } from "../support/PrivatePostgres"
import { privateRedis } from "../support/PrivateRedis"
import type { ChatMessage } from "../support/TelegramServer"

const t = messagesFor("en")
const coffee = "☕️ Secret coffee"
const chess = "♟️ Chess"
const lunch = "🍝 Blind lunch"

/** The interests a screen shows as on (✅), by their English names. */
const shownOn = (screen: ChatMessage | undefined) =>
  (screen?.buttons ?? [])
    .flat()
    .filter((label) => label.startsWith("✅ "))
    .map((label) => label.slice("✅ ".length))
    .sort()

const activeCodes = Harness.activeInterestCodes

/**
 * The Redis circuit's wait before it tries a Redis again (5 s in production): the tests below wait
 * for that try once Redis is back, so a shorter one spares them seconds and changes nothing else.
 */
const redisCoolDown = Duration.seconds(1)

/** The raw value of a key in the test's Redis (a connection of its own, for this look only). */
const redisValue = (url: string, key: string) =>
  rawRedis(url).pipe(
    Effect.flatMap((client) => Effect.promise(() => client.get(key))),
    Effect.scoped,
  )

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, body: await response.text() }
  })

/** The sum of every series of a counter in a /metrics scrape. */
const counterTotal = (scrape: string, name: string) =>
  scrape
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)

/** Retries `check` every 250 ms for up to `seconds`, then fails with its last failure. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, seconds: number) =>
  Effect.retry(check, {
    schedule: Schedule.spaced(Duration.millis(250)),
    times: seconds * 4,
  })

/** A check as an effect that fails (rather than throws) while it does not hold. */
const holds = (condition: boolean, what: string) =>
  condition ? Effect.void : Effect.fail(new Error(`not yet: ${what}`))

it.live(
  "Redis killed in the middle of a conversation: the choice is saved, and all works after it is back",
  () =>
    Effect.gen(function* () {
      const redis = yield* privateRedis
      const context = yield* Layer.build(
        Harness.layer({ redisUrl: Option.some(redis.url), redisCoolDown }),
      )
      yield* Effect.gen(function* () {
        const cache = yield* Cache
        expect(cache.backend._tag).toBe("Redis")
        const { user, employeeId, telegramId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Rita Redis",
        })
        const sessionKey = `${cache.prefix}sess:${telegramId}`

        yield* user.send("/preferences")
        const first = yield* user.press(`❌ ${coffee}`)
        expect(shownOn(first.message)).toEqual([coffee])
        // The conversation so far lives in that Redis.
        expect(yield* redisValue(redis.url, sessionKey)).not.toBeNull()

        yield* redis.kill

        const second = yield* user.press(`❌ ${chess}`)
        // The earlier press was not lost with Redis.
        expect(shownOn(second.message)).toEqual([chess, coffee].sort())
        expect(second.message.text).toContain(t.interests.pending(2))
        const saved = yield* user.press(t.interests.save)
        expect(saved.answer.text).toBeUndefined()
        expect(saved.message.text).toBe([t.interests.saved(2, 0), t.interests.title].join("\n\n"))
        expect(shownOn(saved.message)).toEqual([chess, coffee].sort())
        expect(yield* activeCodes(employeeId)).toEqual(["chess", "coffee"])

        const menu = yield* user.send("/menu")
        expect(menu.text).toBe(t.menuGreeting("Rita"))
        expect(menu.buttons.flat()).toContain(t.menu.interests)

        yield* redis.start

        // Nothing stale: the screen shows what was saved, nothing pending.
        const reopened = yield* user.send("/preferences")
        expect(reopened.text).toBe(t.interests.title)
        expect(shownOn(reopened)).toEqual([chess, coffee].sort())

        yield* user.press(`❌ ${lunch}`)
        const savedAgain = yield* user.press(t.interests.save)
        expect(savedAgain.message.text).toBe(
          [t.interests.saved(1, 0), t.interests.title].join("\n\n"),
        )
        expect(yield* activeCodes(employeeId)).toEqual(["chess", "coffee", "lunch"])

        // And the bot uses the restarted Redis again (once its circuit lets it try).
        yield* eventually(
          Effect.gen(function* () {
            yield* user.send("/menu")
            const stored = yield* redisValue(redis.url, sessionKey)
            yield* holds(stored !== null, "the session is in the restarted Redis")
          }),
          15,
        )
        const back = yield* user.send("/preferences")
        expect(shownOn(back)).toEqual([chess, coffee, lunch].sort())
      }).pipe(Effect.provide(context))
    }).pipe(Effect.scoped),
)

it.live(
  "Redis frozen while a user saves: once it answers again, the old cached interests are not served",
  () =>
    Effect.gen(function* () {
      const redis = yield* privateRedis
      const context = yield* Layer.build(
        Harness.layer({ redisUrl: Option.some(redis.url), redisCoolDown }),
      )
      yield* Effect.gen(function* () {
        const cache = yield* Cache
        const { user, employeeId } = yield* Harness.employee({ languageCode: "en" })
        const interestsKey = `${cache.prefix}int:${employeeId}`

        const before = yield* user.send("/preferences")
        expect(shownOn(before)).toEqual([])
        // Cached as they are now (none); after the Save below this entry is stale.
        expect(yield* redisValue(redis.url, interestsKey)).toBe("[]")

        yield* redis.freeze
        yield* user.press(`❌ ${coffee}`)
        const saved = yield* user.press(t.interests.save)
        expect(saved.message.text).toBe([t.interests.saved(1, 0), t.interests.title].join("\n\n"))
        expect(yield* activeCodes(employeeId)).toEqual(["coffee"])
        yield* redis.thaw
        // The stale entry is there when Redis answers again: the bot must not serve it.
        expect(yield* redisValue(redis.url, interestsKey)).toBe("[]")

        // Every screen from now on shows the saved state, until the bot reads and writes that
        // Redis again: then the key holds the saved interests, not the old empty list.
        yield* eventually(
          Effect.gen(function* () {
            const screen = yield* user.send("/preferences")
            expect(shownOn(screen)).toEqual([coffee])
            const cached = yield* redisValue(redis.url, interestsKey)
            yield* holds(
              cached !== null && cached !== "[]",
              `the interests cached anew (now ${cached})`,
            )
          }),
          15,
        )
        const cached = JSON.parse((yield* redisValue(redis.url, interestsKey)) ?? "null")
        expect(cached).toEqual([expect.objectContaining({ code: "coffee" })])
      }).pipe(Effect.provide(context))
    }).pipe(Effect.scoped),
)

it.live(
  "Postgres stopped: users are told it is unavailable, nothing is half-written, and it resumes by itself",
  () =>
    Effect.gen(function* () {
      const postgres = yield* privatePostgres
      const context = yield* Layer.build(Harness.layer({ databaseUrl: postgres.url }))
      yield* Effect.gen(function* () {
        const http = yield* Harness.BotHttp
        const { user, employeeId } = yield* Harness.employee({
          languageCode: "en",
          fullName: "Paul Postgres",
        })
        // Never seen by the bot: recognising them needs the database.
        const newcomer = yield* Harness.employee({ languageCode: "en", fullName: "Nina New" })

        expect((yield* get(`${http.url}/healthz`)).status).toBe(200)
        yield* user.send("/preferences")
        const toggled = yield* user.press(`❌ ${coffee}`)
        expect(shownOn(toggled.message)).toEqual([coffee])
        const failedBefore = counterTotal(
          (yield* get(`${http.url}/metrics`)).body,
          "connectbot_updates_failed_total",
        )

        yield* postgres.stop

        // A press: the answer says so, and the screen stays as it was.
        const save = yield* user.press(t.interests.save)
        expect(save.answer.text).toBe(t.unavailable)
        expect(save.message.text).toBe(toggled.message.text)
        expect(shownOn(save.message)).toEqual([coffee])
        // A screen the cache holds needs no database: it is still shown, the choice still on it.
        // (Waits for the reply: with polling, `sendAndSettle` may settle before the bot is done.)
        const command = yield* user.send("/preferences")
        expect(command.text).toBe(toggled.message.text)
        expect(shownOn(command)).toEqual([coffee])
        // One that needs it (recognising someone new): a reply says so.
        const newcomerMenu = yield* newcomer.user.send("/menu")
        expect(newcomerMenu.text).toBe(t.unavailable)

        const health = yield* get(`${http.url}/healthz`)
        expect(health.status).toBe(503)
        expect(JSON.parse(health.body)).toMatchObject({
          status: "unavailable",
          database: { ok: false },
        })
        const failedDuring = counterTotal(
          (yield* get(`${http.url}/metrics`)).body,
          "connectbot_updates_failed_total",
        )
        expect(failedDuring - failedBefore).toBeGreaterThanOrEqual(2)

        yield* postgres.start

        // Nothing of the Save during the outage was written; each update got one reply only.
        expect(yield* activeCodes(employeeId)).toEqual([])
        expect(newcomer.user.messages.map((message) => message.text)).toEqual([t.unavailable])
        expect(user.messages.at(-1)?.text).toBe(toggled.message.text)
        expect(user.messages.at(-2)?.text).toBe(toggled.message.text)

        // The same bot, not restarted, serves them again.
        expect((yield* get(`${http.url}/healthz`)).status).toBe(200)
        const menu = yield* user.send("/menu")
        // The unsaved choice outlived the outage.
        expect(menu.text).toBe([t.menuGreeting("Paul"), t.unsavedReminder(1)].join("\n\n"))
        const interests = yield* user.press(t.menu.interests)
        expect(shownOn(interests.message)).toEqual([coffee])
        const saved = yield* user.press(t.interests.save)
        expect(saved.answer.text).toBeUndefined()
        expect(saved.message.text).toBe([t.interests.saved(1, 0), t.interests.title].join("\n\n"))
        expect(yield* activeCodes(employeeId)).toEqual(["coffee"])
        const newcomerBack = yield* newcomer.user.send("/menu")
        expect(newcomerBack.text).toBe(t.menuGreeting("Nina"))
      }).pipe(Effect.provide(context))
    }).pipe(Effect.scoped),
)
