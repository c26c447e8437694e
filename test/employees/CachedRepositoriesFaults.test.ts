/**
 * A user's actions while Redis dies under the bot: they all succeed, and nothing stale is served
 * once Redis is back. The circuit's state changes are logged once each, not once per command.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Duration,
  Effect,
  FiberRef,
  HashSet,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
} from "effect"
import { RepositoriesLive } from "../../src/App"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import * as RedisCache from "../../src/cache/RedisCache"
import { CacheConfig } from "../../src/config"
import { seed } from "../../src/db/Seed"
import type { ActivityId } from "../../src/domain/Ids"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { Sessions } from "../../src/sessions/Sessions"
import { newPrefix } from "../support/CacheSettings"
import { insertActivity, insertEmployee, interestId, newTelegramId } from "../support/Fixtures"
import { privateRedis } from "../support/PrivateRedis"
import * as TestDatabase from "../support/TestDatabase"

/** How many hold a place, as the bot counts them: from the (cached) participants. */
const participantCount = (activityId: ActivityId) =>
  Effect.map(
    Effect.flatMap(ActivityRepo, (repo) => repo.participants(activityId)),
    (holders) => holders.length,
  )

describe("the bot's reads and writes while Redis fails", () => {
  it.scopedLive("every action succeeds; after recovery the cache serves fresh data", () =>
    Effect.gen(function* () {
      const redis = yield* privateRedis
      const logged: Array<string> = []
      const recorder = Logger.make(({ message, logLevel }) => {
        if (logLevel._tag === "Warning" || logLevel._tag === "Info") logged.push(String(message))
      })
      const bot = yield* Layer.build(
        Layer.mergeAll(RepositoriesLive, Sessions.Default).pipe(
          Layer.provideMerge(
            RedisCache.layerWith({
              commandTimeout: Duration.millis(200),
              failureThreshold: 2,
              coolDown: Duration.millis(300),
            }),
          ),
          Layer.provideMerge(
            Layer.provideMerge(Layer.effectDiscard(seed({ demo: false })), TestDatabase.migrated),
          ),
          Layer.provide(
            Layer.succeed(CacheConfig, {
              redisUrl: Option.some(Redacted.make(redis.url)),
              prefix: newPrefix(),
            }),
          ),
        ),
      )
      const run = <A, E>(
        effect: Effect.Effect<A, E, EmployeeRepo | InterestRepo | ActivityRepo | Sessions>,
      ) =>
        effect.pipe(
          Effect.provide(bot),
          Effect.locally(FiberRef.currentLoggers, HashSet.make(recorder)),
          // The test database quiets Info logs; the circuit's recovery is logged at Info.
          Logger.withMinimumLogLevel(LogLevel.Info),
        )

      const telegramId = newTelegramId()
      const employeeId = yield* Effect.provide(insertEmployee({ telegramId }), bot)
      const activityId = yield* Effect.provide(insertActivity({ maxParticipants: 3 }), bot)
      const chess = yield* Effect.provide(interestId("chess"), bot)
      const interests = run(
        Effect.flatMap(InterestRepo, (repo) => repo.activeInterests(employeeId)),
      ).pipe(Effect.map((list) => list.map((interest) => interest.code)))

      // Cached while Redis is up.
      yield* run(Effect.flatMap(EmployeeRepo, (repo) => repo.recognize({ telegramId })))
      expect(yield* interests).toEqual([])

      yield* redis.freeze
      // A conversation goes on: recognition, a pending change in the session, Save, a join.
      const actions = Effect.gen(function* () {
        const employeeRepo = yield* EmployeeRepo
        const interestRepo = yield* InterestRepo
        const activityRepo = yield* ActivityRepo
        const sessions = yield* Sessions
        expect((yield* employeeRepo.recognize({ telegramId }))._tag).toBe("Recognized")
        yield* sessions.update(telegramId, (session) => ({ ...session, step: "interests" }))
        yield* interestRepo.applyInterestChanges(employeeId, { enable: [chess], disable: [] })
        expect((yield* activityRepo.join(activityId, employeeId))._tag).toBe("Joined")
        expect(yield* participantCount(activityId)).toBe(1)
        expect(Option.map(yield* sessions.get(telegramId), (s) => s.step)).toEqual(
          Option.some("interests"),
        )
      })
      yield* run(actions)
      // More traffic during the outage: still one warning, not one per command.
      for (let round = 0; round < 5; round++) {
        expect(yield* interests).toEqual(["chess"])
      }
      expect(yield* interests).toEqual(["chess"])

      yield* redis.thaw
      // The interests key was cached before the outage and its invalidation failed during it:
      // once Redis answers again, the change made during the outage is what is read.
      for (
        let tries = 0;
        tries < 30 && !logged.some((line) => line.includes("answers again"));
        tries++
      ) {
        expect(yield* interests).toEqual(["chess"])
        yield* Effect.sleep(Duration.millis(100))
      }
      expect(yield* interests).toEqual(["chess"])

      console.log("LOGGED", logged)
      const failing = logged.filter((line) => line.includes("is failing"))
      const back = logged.filter((line) => line.includes("answers again"))
      expect(failing).toHaveLength(1)
      expect(back).toHaveLength(1)
    }),
  )
})
