import { describe, expect, it, layer } from "@effect/vitest"
import {
  Duration,
  Effect,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schema,
  TestClock,
} from "effect"
import { makeInOrder } from "../../src/bot/InOrder"
import { Cache } from "../../src/cache/Cache"
import { sessionKey } from "../../src/cache/Keys"
import * as MemoryCache from "../../src/cache/MemoryCache"
import * as RedisCache from "../../src/cache/RedisCache"
import { CacheConfig } from "../../src/config"
import { EmployeeId, InterestId, type TelegramId } from "../../src/domain/Ids"
import {
  asChanges,
  noPendingInterests,
  recentUpdatesKept,
  Sessions,
  togglePending,
  withUpdate,
  wouldBeActive,
} from "../../src/sessions/Sessions"
import { cacheConfig, newPrefix, rawRedis } from "../support/CacheSettings"
import { newTelegramId } from "../support/Fixtures"
import { privateRedis } from "../support/PrivateRedis"

const quiet = Logger.minimumLogLevel(LogLevel.Warning)
const coffee = InterestId.make(1)
const chess = InterestId.make(4)

describe("pending interest changes", () => {
  it("a press flips what Save would do; a second press undoes it", () => {
    const once = togglePending(noPendingInterests, coffee, false)
    expect(once).toEqual({ enable: [coffee], disable: [] })
    expect(wouldBeActive(once, coffee, false)).toBe(true)
    expect(togglePending(once, coffee, false)).toEqual(noPendingInterests)
    const off = togglePending(noPendingInterests, chess, true)
    expect(wouldBeActive(off, chess, true)).toBe(false)
    expect(asChanges(togglePending(off, coffee, false))).toEqual({
      enable: [coffee],
      disable: [chess],
    })
  })
})

const backends = {
  memory: MemoryCache.layer({ reason: "test" }),
  redis: RedisCache.layer,
}

for (const [backend, cacheLayer] of Object.entries(backends)) {
  describe(`Sessions on the ${backend} cache`, () => {
    const Live = Sessions.Default.pipe(
      Layer.provideMerge(cacheLayer),
      Layer.provide(cacheConfig()),
      Layer.provide(quiet),
    )

    layer(Live, { excludeTestServices: true })((it) => {
      it.effect("a user has no session until one is written; then it is theirs alone", () =>
        Effect.gen(function* () {
          const sessions = yield* Sessions
          const anna = newTelegramId()
          const boris = newTelegramId()
          expect(Option.isNone(yield* sessions.get(anna))).toBe(true)
          yield* sessions.update(anna, (session) => ({
            ...session,
            employeeId: EmployeeId.make(1),
            step: "interests",
            pendingInterests: togglePending(session.pendingInterests, coffee, false),
          }))
          yield* sessions.update(boris, (session) => ({ ...session, lastCommand: "/help" }))
          const annas = Option.getOrThrow(yield* sessions.get(anna))
          const boriss = Option.getOrThrow(yield* sessions.get(boris))
          expect(annas.step).toBe("interests")
          expect(annas.pendingInterests.enable).toEqual([coffee])
          expect(annas.lastCommand).toBeNull()
          expect(boriss.step).toBe("idle")
          expect(boriss.pendingInterests).toEqual(noPendingInterests)
          expect(boriss.lastCommand).toBe("/help")
          expect(annas.updatedAt.getTime()).toBeGreaterThanOrEqual(annas.createdAt.getTime())
        }),
      )

      it.effect("two updates started together through the user's queue both survive", () =>
        Effect.gen(function* () {
          const sessions = yield* Sessions
          const inOrder = yield* makeInOrder<TelegramId>()
          const user = newTelegramId()
          yield* Effect.all(
            [coffee, chess].map((interest) =>
              inOrder.run(user)(
                sessions.update(user, (session) => ({
                  ...session,
                  pendingInterests: togglePending(session.pendingInterests, interest, false),
                })),
              ),
            ),
            { concurrency: "unbounded" },
          )
          const session = Option.getOrThrow(yield* sessions.get(user))
          expect([...session.pendingInterests.enable].sort()).toEqual([coffee, chess].sort())
        }),
      )

      it.effect("clear forgets the session", () =>
        Effect.gen(function* () {
          const sessions = yield* Sessions
          const user = newTelegramId()
          yield* sessions.update(user, (session) => ({ ...session, step: "settings" }))
          yield* sessions.clear(user)
          expect(Option.isNone(yield* sessions.get(user))).toBe(true)
          const fresh = yield* sessions.update(user, (session) => session)
          expect(fresh.step).toBe("idle")
        }),
      )

      it.effect("an undecodable stored session is a fresh start, not a crash", () =>
        Effect.gen(function* () {
          const sessions = yield* Sessions
          const cache = yield* Cache
          const user = newTelegramId()
          const V21 = Schema.Struct({ pending_interests: Schema.Array(Schema.Number) })
          yield* cache.set(sessionKey(user), V21, { pending_interests: [1, 2] }, "1 minute")
          expect(Option.isNone(yield* sessions.get(user))).toBe(true)
          expect((yield* sessions.update(user, (session) => session)).step).toBe("idle")
        }),
      )
    })
  })
}

describe("updates a session has seen", () => {
  it("keeps the latest ids once each, newest last, at most recentUpdatesKept", () => {
    let recent: ReadonlyArray<number> = []
    for (let id = 1; id <= recentUpdatesKept + 5; id++) recent = withUpdate(recent, id)
    expect(recent).toHaveLength(recentUpdatesKept)
    expect(recent.at(0)).toBe(6)
    expect(recent.at(-1)).toBe(recentUpdatesKept + 5)
    expect(withUpdate(recent, 10)).toBe(recent)
  })
})

describe("session lifetime", () => {
  layer(
    Sessions.Default.pipe(
      Layer.provide(MemoryCache.layer({ reason: "test" })),
      Layer.provide(cacheConfig()),
      Layer.provide(quiet),
    ),
  )((it) => {
    it.effect("memory: a session lasts two hours after its last use", () =>
      Effect.gen(function* () {
        const sessions = yield* Sessions
        const user = newTelegramId()
        yield* sessions.update(user, (session) => ({ ...session, step: "help" }))
        yield* TestClock.adjust(Duration.minutes(100))
        expect(Option.isSome(yield* sessions.get(user))).toBe(true) // renewed here
        yield* TestClock.adjust(Duration.minutes(100))
        expect(Option.isSome(yield* sessions.get(user))).toBe(true)
        yield* TestClock.adjust(Duration.minutes(121))
        expect(Option.isNone(yield* sessions.get(user))).toBe(true)
      }),
    )
  })

  it.live("redis: reading a session renews its two hours", () =>
    Effect.gen(function* () {
      const sessions = yield* Sessions
      const cache = yield* Cache
      const redis = yield* rawRedis()
      const user = newTelegramId()
      yield* sessions.update(user, (session) => ({ ...session, step: "help" }))
      const key = `${cache.prefix}${sessionKey(user)}`
      yield* Effect.promise(() => redis.pexpire(key, 5000))
      yield* sessions.get(user)
      const left = yield* Effect.promise(() => redis.pttl(key))
      expect(left).toBeGreaterThan(Duration.toMillis(Duration.minutes(119)))
    }).pipe(
      Effect.scoped,
      Effect.provide(
        Sessions.Default.pipe(
          Layer.provideMerge(RedisCache.layer),
          Layer.provide(cacheConfig()),
          Layer.provide(quiet),
        ),
      ),
    ),
  )
})

describe("sessions across a Redis outage", () => {
  const onPrivateRedis = (url: string, prefix: string) =>
    Sessions.Default.pipe(
      Layer.provideMerge(
        RedisCache.layerWith({
          commandTimeout: Duration.millis(200),
          failureThreshold: 2,
          coolDown: Duration.millis(300),
        }),
      ),
      Layer.provide(
        Layer.succeed(CacheConfig, { redisUrl: Option.some(Redacted.make(url)), prefix }),
      ),
      Layer.provide(quiet),
    )

  it.live("idle users' sessions survive Redis restarting empty, and are written back", () =>
    Effect.gen(function* () {
      const server = yield* privateRedis
      const prefix = newPrefix()
      const sessions = yield* Effect.provide(
        Sessions,
        yield* Layer.build(onPrivateRedis(server.url, prefix)),
      )
      const users = [newTelegramId(), newTelegramId(), newTelegramId()]
      for (const user of users) {
        yield* sessions.update(user, (session) => ({
          ...session,
          step: "interests",
          pendingInterests: togglePending(session.pendingInterests, coffee, false),
        }))
      }

      // While the users are idle, Redis dies and comes back without its data.
      yield* server.kill
      yield* server.start
      const redis = yield* rawRedis(server.url)
      const stored = (user: TelegramId) =>
        Effect.promise(() => redis.get(`${prefix}${sessionKey(user)}`))
      expect(yield* stored(users[0] as TelegramId)).toBeNull()

      // The first user back finds their session (the client may still be reconnecting: it is
      // there whichever way it is read)…
      const [first, ...others] = users as [TelegramId, ...Array<TelegramId>]
      let after = yield* sessions.get(first)
      for (let tries = 0; tries < 50 && !(yield* stored(first)); tries++) {
        yield* Effect.sleep(Duration.millis(100))
        after = yield* sessions.get(first)
      }
      expect(Option.getOrThrow(after).pendingInterests.enable).toEqual([coffee])
      expect(yield* stored(first)).toContain(`"enable":[${coffee}]`)
      // …and so does everyone else, in Redis already, where another process would read it.
      for (const user of others) {
        expect(yield* stored(user)).toContain(`"enable":[${coffee}]`)
        const back = Option.getOrThrow(yield* sessions.get(user))
        expect(back.step).toBe("interests")
        expect(back.pendingInterests.enable).toEqual([coffee])
      }
    }).pipe(Effect.scoped),
  )

  it.live("a session cleared in a Redis that kept its data stays cleared", () =>
    Effect.gen(function* () {
      const server = yield* privateRedis
      const prefix = newPrefix()
      const sessions = yield* Effect.provide(
        Sessions,
        yield* Layer.build(onPrivateRedis(server.url, prefix)),
      )
      const user = newTelegramId()
      yield* sessions.update(user, (session) => ({ ...session, step: "interests" }))
      // An operator's `clear --sessions`, or another process ending the session.
      const redis = yield* rawRedis(server.url)
      yield* Effect.promise(() => redis.del(`${prefix}${sessionKey(user)}`))
      expect(Option.isNone(yield* sessions.get(user))).toBe(true)
      expect(yield* Effect.promise(() => redis.get(`${prefix}${sessionKey(user)}`))).toBeNull()
    }).pipe(Effect.scoped),
  )

  it.live("a process keeps its users' sessions while Redis is down, and writes them back", () =>
    Effect.gen(function* () {
      const server = yield* privateRedis
      const prefix = newPrefix()
      const context = yield* Layer.build(onPrivateRedis(server.url, prefix))
      const sessions = yield* Effect.provide(Sessions, context)
      const user = newTelegramId()
      yield* sessions.update(user, (session) => ({ ...session, step: "interests" }))

      yield* server.freeze
      // Mid-conversation, Redis stops answering: the user's presses still land.
      yield* sessions.update(user, (session) => ({
        ...session,
        pendingInterests: togglePending(session.pendingInterests, coffee, false),
      }))
      const during = Option.getOrThrow(yield* sessions.get(user))
      expect(during.step).toBe("interests")
      expect(during.pendingInterests.enable).toEqual([coffee])

      yield* server.thaw
      // Back on Redis (after the cool-down): the session read, and written back, is the one
      // from the outage.
      const redis = yield* rawRedis(server.url)
      const stored = () => redis.get(`${prefix}${sessionKey(user)}`)
      for (let tries = 0; tries < 50; tries++) {
        const after = Option.getOrThrow(yield* sessions.get(user))
        expect(after.pendingInterests.enable).toEqual([coffee])
        if ((yield* Effect.promise(stored))?.includes(`"enable":[${coffee}]`)) break
        yield* Effect.sleep(Duration.millis(100))
      }
      expect(yield* Effect.promise(stored)).toContain(`"enable":[${coffee}]`)
    }).pipe(Effect.scoped),
  )
})
