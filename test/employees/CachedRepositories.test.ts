import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Logger, LogLevel, Option, Schema } from "effect"
import { RepositoriesLive } from "../../src/App"
import { ActivityRepo } from "../../src/activities/ActivityRepo"
import { Cache } from "../../src/cache/Cache"
import {
  CatalogueEntry,
  EmployeeEntry,
  InterestsEntry,
  ParticipantsEntry,
} from "../../src/cache/Keys"
import * as MemoryCache from "../../src/cache/MemoryCache"
import * as RedisCache from "../../src/cache/RedisCache"
import { seed } from "../../src/db/Seed"
import type { ActivityId, EmployeeId, TelegramId } from "../../src/domain/Ids"
import { Employee } from "../../src/domain/Models"
import * as ChangeFeed from "../../src/employees/ChangeFeed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { cacheConfig } from "../support/CacheSettings"
import {
  insertActivity,
  insertEmployee,
  interestId,
  newTelegramId,
  setActiveAndDropKeys,
  unique,
} from "../support/Fixtures"

/** How many hold a place, as the bot counts them: from the (cached) participants. */
const participantCount = (activityId: ActivityId) =>
  Effect.map(
    Effect.flatMap(ActivityRepo, (repo) => repo.participants(activityId)),
    (holders) => holders.length,
  )

import * as TestDatabase from "../support/TestDatabase"

const Database = Layer.provideMerge(
  Layer.effectDiscard(seed({ demo: false })),
  TestDatabase.migrated,
)

const backends = {
  memory: MemoryCache.layer({ reason: "test" }),
  redis: RedisCache.layer,
}

/** Whether the cache holds `key` right now (decoding aside). */
const cached = <A, I>(key: string, schema: Schema.Schema<A, I>) =>
  Effect.flatMap(Cache, (cache) => cache.get(key, schema)).pipe(Effect.map(Option.isSome))

/**
 * Polls `check` until it holds or a second has passed: the contract is that changes made in the
 * database reach every cache within a second.
 */
const withinASecond = (
  check: Effect.Effect<boolean, unknown, EmployeeRepo | InterestRepo | ActivityRepo | Cache>,
) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 1000
    while (!(yield* check)) {
      if (Date.now() > deadline) return false
      yield* Effect.sleep(Duration.millis(20))
    }
    return true
  })

const linkedEmployee = (fields: Parameters<typeof insertEmployee>[0] = {}) =>
  Effect.gen(function* () {
    const telegramId = newTelegramId()
    const employeeId = yield* insertEmployee({ telegramId, ...fields })
    return { telegramId, employeeId }
  })

const recognizedName = (telegramId: TelegramId) =>
  Effect.flatMap(EmployeeRepo, (repo) => repo.recognize({ telegramId })).pipe(
    Effect.map((recognition) =>
      recognition._tag === "Recognized" ? recognition.employee.fullName : recognition._tag,
    ),
  )

const interestCodes = (employeeId: EmployeeId) =>
  Effect.flatMap(InterestRepo, (repo) => repo.activeInterests(employeeId)).pipe(
    Effect.map((interests) => interests.map((interest) => interest.code).sort()),
  )

for (const [backend, cacheLayer] of Object.entries(backends)) {
  describe(`the cached repositories on the ${backend} cache`, () => {
    const Live = Layer.mergeAll(
      RepositoriesLive,
      ChangeFeed.layerWith({ pollInterval: Duration.millis(100) }),
    ).pipe(
      Layer.provideMerge(cacheLayer),
      Layer.provideMerge(Database),
      Layer.provide(cacheConfig()),
      Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
    )

    layer(Live, { excludeTestServices: true })((it) => {
      it.effect("caches recognition by Telegram id, and never an unknown user", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const { telegramId, employeeId } = yield* linkedEmployee()
          const first = yield* employeeRepo.recognize({ telegramId })
          expect(first._tag).toBe("Recognized")
          expect(yield* cached(EmployeeEntry.key(telegramId), EmployeeEntry.schema)).toBe(true)
          const again = yield* employeeRepo.recognize({ telegramId })
          expect(again._tag === "Recognized" && again.employee.id).toBe(employeeId)

          const stranger = newTelegramId()
          expect((yield* employeeRepo.recognize({ telegramId: stranger }))._tag).toBe("Unknown")
          expect(yield* cached(EmployeeEntry.key(stranger), EmployeeEntry.schema)).toBe(false)
        }),
      )

      it.effect("linking by username caches the linked employee", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const username = `cached_${unique()}`
          const employeeId = yield* insertEmployee({ username })
          const telegramId = newTelegramId()
          const linked = yield* employeeRepo.recognize({ telegramId, username })
          expect(linked._tag === "Recognized" && linked.linked).toBe(true)
          const hit = yield* employeeRepo.recognize({ telegramId })
          expect(hit._tag === "Recognized" && hit.employee.id).toBe(employeeId)
          expect(hit._tag === "Recognized" && hit.employee.telegramId).toBe(telegramId)
        }),
      )

      it.effect("interest changes: the next read has them, emp: and int: are dropped", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const interestRepo = yield* InterestRepo
          const { telegramId, employeeId } = yield* linkedEmployee()
          yield* employeeRepo.recognize({ telegramId })
          expect(yield* interestCodes(employeeId)).toEqual([])
          yield* interestRepo.applyInterestChanges(employeeId, {
            enable: [yield* interestId("chess"), yield* interestId("coffee")],
            disable: [],
          })
          expect(yield* cached(EmployeeEntry.key(telegramId), EmployeeEntry.schema)).toBe(false)
          expect(yield* interestCodes(employeeId)).toEqual(["chess", "coffee"])
          yield* interestRepo.applyInterestChanges(employeeId, {
            enable: [],
            disable: [yield* interestId("chess")],
          })
          expect(yield* interestCodes(employeeId)).toEqual(["coffee"])
        }),
      )

      it.effect("notification settings drop the employee's keys", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const interestRepo = yield* InterestRepo
          const { telegramId, employeeId } = yield* linkedEmployee()
          const walk = yield* interestId("walk")
          yield* interestRepo.applyInterestChanges(employeeId, { enable: [walk], disable: [] })
          yield* employeeRepo.recognize({ telegramId })
          yield* interestRepo.activeInterests(employeeId)
          yield* interestRepo.setNotifications(employeeId, walk, { receiveNotifications: false })
          expect(yield* cached(EmployeeEntry.key(telegramId), EmployeeEntry.schema)).toBe(false)
          expect(yield* cached(InterestsEntry.key(employeeId), InterestsEntry.schema)).toBe(false)
          const settings = yield* interestRepo.notificationSettings(employeeId)
          expect(settings.map((setting) => setting.receiveNotifications)).toEqual([false])
        }),
      )

      it.effect("an employee cached before they had a language still decodes, as never told", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const cache = yield* Cache
          const { telegramId } = yield* linkedEmployee({ fullName: "Stored Name" })
          const recognized = yield* employeeRepo.recognize({ telegramId })
          if (recognized._tag !== "Recognized") return yield* Effect.dieMessage("not recognised")
          // The value as the bot cached it before `locale` existed; its name tells a hit from a
          // reload from the database.
          const { locale: _, ...before } = Schema.encodeSync(Employee)(recognized.employee)
          const OldShape = Schema.Record({ key: Schema.String, value: Schema.Unknown })
          yield* cache.set(
            EmployeeEntry.key(telegramId),
            OldShape,
            { ...before, fullName: "Cached Name" },
            EmployeeEntry.ttl,
          )
          const hit = yield* employeeRepo.recognize({ telegramId })
          expect(hit._tag === "Recognized" && [hit.employee.fullName, hit.employee.locale]).toEqual(
            ["Cached Name", null],
          )
        }),
      )

      it.effect("remembering a language stores it and drops emp:, so the next update has it", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const sql = yield* SqlClient.SqlClient
          const { telegramId, employeeId } = yield* linkedEmployee()
          const first = yield* employeeRepo.recognize({ telegramId })
          expect(first._tag === "Recognized" && first.employee.locale).toBe(null)
          yield* employeeRepo.rememberLocale({ id: employeeId, telegramId }, "en")
          expect(yield* cached(EmployeeEntry.key(telegramId), EmployeeEntry.schema)).toBe(false)
          const next = yield* employeeRepo.recognize({ telegramId })
          expect(next._tag === "Recognized" && next.employee.locale).toBe("en")
          const [row] = yield* sql<{ locale: string | null }>`
            SELECT locale FROM employees WHERE id = ${employeeId}`
          expect(row?.locale).toBe("en")
        }),
      )

      it.effect("a deactivated employee is refused at the next recognition", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const { telegramId, employeeId } = yield* linkedEmployee()
          expect((yield* employeeRepo.recognize({ telegramId }))._tag).toBe("Recognized")
          yield* setActiveAndDropKeys(employeeId, false)
          expect((yield* employeeRepo.recognize({ telegramId }))._tag).toBe("Inactive")
          yield* setActiveAndDropKeys(employeeId, true)
          expect((yield* employeeRepo.recognize({ telegramId }))._tag).toBe("Recognized")
        }),
      )

      it.effect("join and leave: participants and their count are fresh at once", () =>
        Effect.gen(function* () {
          const activityRepo = yield* ActivityRepo
          const activityId = yield* insertActivity({ maxParticipants: 5 })
          const { employeeId } = yield* linkedEmployee()
          expect(yield* participantCount(activityId)).toBe(0)
          yield* activityRepo.join(activityId, employeeId)
          expect(yield* participantCount(activityId)).toBe(1)
          const holders = yield* activityRepo.participants(activityId)
          expect(holders.map((holder) => holder.employeeId)).toEqual([employeeId])
          yield* activityRepo.leave(activityId, employeeId)
          expect(yield* participantCount(activityId)).toBe(0)
        }),
      )

      it.effect("an import drops what it changed: the new name is recognised", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const sql = yield* SqlClient.SqlClient
          const { telegramId, employeeId } = yield* linkedEmployee({ fullName: "Old Name" })
          const [row] = yield* sql<{ email: string }>`
            SELECT email FROM employees WHERE id = ${employeeId}`
          expect(yield* recognizedName(telegramId)).toBe("Old Name")
          const report = yield* employeeRepo.importEmployees(
            `full_name,email,telegram_username,phone,department_code,business_center,position,hire_date\nNew Name,${row?.email},,,,,,\n`,
          )
          expect(report.updated).toBe(1)
          expect(yield* recognizedName(telegramId)).toBe("New Name")
        }),
      )

      it.effect(
        "the interest catalogue is cached; HR's changes to it by SQL arrive within a second",
        () =>
          Effect.gen(function* () {
            const interestRepo = yield* InterestRepo
            const sql = yield* SqlClient.SqlClient
            const codes = Effect.map(interestRepo.interestCatalogue, (all) =>
              all.map((i) => i.code),
            )
            const before = yield* codes
            expect(yield* cached(CatalogueEntry.key, CatalogueEntry.schema)).toBe(true)
            const code = `knitting_${unique()}`
            yield* sql`INSERT INTO interests (code, name, emoji) VALUES (${code}, 'Вязание', '🧶')`
            expect(yield* withinASecond(Effect.map(codes, (now) => now.includes(code)))).toBe(true)
            expect(yield* codes).toEqual([...before, code])

            // A renamed interest is renamed in the lists of employees who have it, too.
            const { employeeId } = yield* linkedEmployee()
            const knitting = yield* interestId(code)
            yield* interestRepo.applyInterestChanges(employeeId, {
              enable: [knitting],
              disable: [],
            })
            const names = Effect.map(interestRepo.activeInterests(employeeId), (all) =>
              all.map((i) => i.name),
            )
            expect(yield* names).toEqual(["Вязание"])
            yield* sql`UPDATE interests SET name = 'Вязание крючком' WHERE id = ${knitting}`
            expect(
              yield* withinASecond(Effect.map(names, (now) => now[0] === "Вязание крючком")),
            ).toBe(true)
            yield* sql`UPDATE interests SET is_active = false WHERE id = ${knitting}`
            expect(yield* withinASecond(Effect.map(codes, (now) => !now.includes(code)))).toBe(true)
            expect(yield* withinASecond(Effect.map(names, (now) => now.length === 0))).toBe(true)
          }),
      )

      it.effect(
        "a change of an employee's row (a rename, their language) drops their cached employee, not their interests",
        () =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const { telegramId, employeeId } = yield* linkedEmployee({ fullName: "Before" })
            expect(yield* recognizedName(telegramId)).toBe("Before")
            expect(yield* interestCodes(employeeId)).toEqual([])
            const interestsCached = cached(InterestsEntry.key(employeeId), InterestsEntry.schema)
            expect(yield* interestsCached).toBe(true)

            yield* sql`UPDATE employees SET full_name = 'After', locale = 'en' WHERE id = ${employeeId}`
            // The feed has applied the change once the new name is read; it drops what a change
            // touched in one go, so the interests would be gone by now if it touched them.
            expect(
              yield* withinASecond(Effect.map(recognizedName(telegramId), (n) => n === "After")),
            ).toBe(true)
            expect(yield* interestsCached).toBe(true)
          }),
      )

      it.effect("changes made with plain SQL reach the cache within a second", () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { telegramId, employeeId } = yield* linkedEmployee({ fullName: "Before" })
          const activityId = yield* insertActivity({})
          expect(yield* recognizedName(telegramId)).toBe("Before")
          expect(yield* interestCodes(employeeId)).toEqual([])
          expect(yield* participantCount(activityId)).toBe(0)

          yield* sql`UPDATE employees SET full_name = 'After' WHERE id = ${employeeId}`
          expect(
            yield* withinASecond(Effect.map(recognizedName(telegramId), (n) => n === "After")),
          ).toBe(true)

          yield* sql`
            INSERT INTO employee_interests (employee_id, interest_id)
            SELECT ${employeeId}, id FROM interests WHERE code = 'games'`
          expect(
            yield* withinASecond(
              Effect.map(interestCodes(employeeId), (codes) => codes.includes("games")),
            ),
          ).toBe(true)

          yield* sql`
            INSERT INTO activity_participants (activity_id, employee_id, status)
            VALUES (${activityId}, ${employeeId}, 'confirmed')`
          expect(
            yield* withinASecond(Effect.map(participantCount(activityId), (n) => n === 1)),
          ).toBe(true)

          yield* sql`UPDATE employees SET is_active = false WHERE id = ${employeeId}`
          expect(
            yield* withinASecond(
              Effect.map(recognizedName(telegramId), (name) => name === "Inactive"),
            ),
          ).toBe(true)
        }),
      )

      it.effect("an undecodable cached employee is a miss: recognition still works", () =>
        Effect.gen(function* () {
          const employeeRepo = yield* EmployeeRepo
          const cache = yield* Cache
          const { telegramId, employeeId } = yield* linkedEmployee()
          const OldFormat = Schema.Struct({ id: Schema.Number, name: Schema.String })
          yield* cache.set(
            EmployeeEntry.key(telegramId),
            OldFormat,
            { id: employeeId, name: "v21" },
            "1 minute",
          )
          const recognition = yield* employeeRepo.recognize({ telegramId })
          expect(recognition._tag === "Recognized" && recognition.employee.id).toBe(employeeId)
          expect(yield* cached(EmployeeEntry.key(telegramId), EmployeeEntry.schema)).toBe(true)
        }),
      )

      it.effect("participants are cached under act:{id}:participants", () =>
        Effect.gen(function* () {
          const activityRepo = yield* ActivityRepo
          const activityId = yield* insertActivity({})
          yield* activityRepo.participants(activityId)
          expect(yield* cached(ParticipantsEntry.key(activityId), ParticipantsEntry.schema)).toBe(
            true,
          )
        }),
      )
    })
  })
}
