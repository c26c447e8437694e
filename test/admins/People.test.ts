import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { RepositoriesLive } from "../../src/App"
import { People } from "../../src/admins/People"
import { Cache } from "../../src/cache/Cache"
import { EmployeeEntry } from "../../src/cache/Keys"
import * as MemoryCache from "../../src/cache/MemoryCache"
import { seed } from "../../src/db/Seed"
import type { EmployeeId, TelegramId } from "../../src/domain/Ids"
import * as ChangeFeed from "../../src/employees/ChangeFeed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { cacheConfig } from "../support/CacheSettings"
import { insertActivity, insertEmployee, newTelegramId, unique } from "../support/Fixtures"
import * as TestDatabase from "../support/TestDatabase"

const Database = Layer.provideMerge(
  Layer.effectDiscard(seed({ demo: false })),
  TestDatabase.migrated,
)

/** One bot process: the cached repositories on a memory cache of its own, and the change feed. */
const processOver = Layer.mergeAll(
  RepositoriesLive,
  ChangeFeed.layerWith({ pollInterval: Duration.millis(100) }),
).pipe(
  Layer.provideMerge(MemoryCache.layer({ reason: "test" })),
  Layer.provide(cacheConfig(Option.none())),
)

const Live = People.layer.pipe(
  Layer.provideMerge(processOver),
  Layer.provideMerge(Database),
  Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
)

const admin = (flags: { readonly users?: boolean; readonly super?: boolean } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = yield* insertEmployee({})
    yield* sql`
      INSERT INTO bot_admins (employee_id, is_super_admin, can_manage_users, can_manage_activities)
      VALUES (${id}, ${flags.super ?? false}, ${flags.users ?? true}, true)`
    return id
  })

const auditOf = (employeeId: EmployeeId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ actorEmployeeId: number; action: string; details: unknown }>`
      SELECT actor_employee_id, action, details FROM audit_log
      WHERE subject = ${`employee:${employeeId}`} ORDER BY id`,
  )

const isActive = (employeeId: EmployeeId) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ isActive: boolean }>`SELECT is_active FROM employees WHERE id = ${employeeId}`,
      ([row]) => row?.isActive,
    ),
  )

const recognition = (telegramId: TelegramId) =>
  Effect.flatMap(EmployeeRepo, (repo) => repo.recognize({ telegramId })).pipe(
    Effect.map((outcome) => outcome._tag),
  )

const cachedEmployee = (telegramId: TelegramId) =>
  Effect.flatMap(Cache, (cache) => cache.get(EmployeeEntry.key(telegramId), EmployeeEntry.schema))

describe("People on Postgres", () => {
  layer(Live, { excludeTestServices: true })((it) => {
    it.effect("finds people by part of the name or by @username, at most 10, by name", () =>
      Effect.gen(function* () {
        const people = yield* People
        const actor = yield* admin()
        const tag = unique()
        const ivan = yield* insertEmployee({
          fullName: `Ivan Petrov ${tag}`,
          username: `Ivan_P${tag}`,
          telegramId: newTelegramId(),
          departmentCode: "IT",
        })
        const maria = yield* insertEmployee({ fullName: `Maria Petrova ${tag}`, isActive: false })

        const byName = yield* people.search(actor, `petrov ${tag}`.toUpperCase())
        expect(byName.map((card) => card.id)).toEqual([ivan])
        const both = yield* people.search(actor, tag)
        expect(both).toEqual([
          {
            id: ivan,
            fullName: `Ivan Petrov ${tag}`,
            telegramUsername: `Ivan_P${tag}`,
            department: "Информационные технологии",
            position: "Tester",
            isActive: true,
            linked: true,
          },
          expect.objectContaining({ id: maria, isActive: false, linked: false, department: null }),
        ])
        expect((yield* people.search(actor, ` @ivan.p${tag} `)).map((card) => card.id)).toEqual([
          ivan,
        ])
        expect(yield* people.search(actor, " I ")).toEqual([])
        // What people type is matched as text: `%` and `_` find nobody here.
        expect(yield* people.search(actor, "%%")).toEqual([])

        for (let i = 0; i < 12; i++) yield* insertEmployee({ fullName: `Many ${tag} ${i}` })
        const many = yield* people.search(actor, `Many ${tag}`)
        expect(many).toHaveLength(10)
        expect(many.map((card) => card.fullName)).toEqual(many.map((card) => card.fullName).sort())
      }),
    )

    it.effect("get: the card, or EmployeeNotFound", () =>
      Effect.gen(function* () {
        const people = yield* People
        const actor = yield* admin({ super: true, users: false })
        const id = yield* insertEmployee({ fullName: "Olga" })
        expect((yield* people.get(actor, id)).fullName).toBe("Olga")
        expect(yield* Effect.flip(people.get(actor, 2_000_000_000 as EmployeeId))).toMatchObject({
          _tag: "EmployeeNotFound",
        })
      }),
    )

    it.effect("without the users role (or revoked, or inactive) nothing is found or changed", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const people = yield* People
        const target = yield* insertEmployee({ fullName: `Target ${unique()}` })
        const stranger = yield* insertEmployee({})
        const activitiesOnly = yield* admin({ users: false })
        const revoked = yield* admin()
        yield* sql`DELETE FROM bot_admins WHERE employee_id = ${revoked}`
        const inactive = yield* admin()
        yield* sql`UPDATE employees SET is_active = false WHERE id = ${inactive}`
        for (const actor of [stranger, activitiesOnly, revoked, inactive]) {
          const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            people.search(actor, "Target"),
            people.get(actor, target),
            people.setActive(actor, target, false),
          ]
          for (const attempt of attempts) {
            expect(yield* Effect.flip(attempt)).toMatchObject({
              _tag: "NotAllowed",
              employeeId: actor,
              permission: "users",
            })
          }
        }
        expect(yield* isActive(target)).toBe(true)
        expect(yield* auditOf(target)).toEqual([])
      }),
    )

    it.effect("each change is audited; setting the state they are in changes nothing", () =>
      Effect.gen(function* () {
        const people = yield* People
        const actor = yield* admin()
        const id = yield* insertEmployee({})
        expect((yield* people.setActive(actor, id, true)).isActive).toBe(true)
        expect((yield* people.setActive(actor, id, false)).isActive).toBe(false)
        expect(yield* isActive(id)).toBe(false)
        yield* people.setActive(actor, id, false)
        expect((yield* people.setActive(actor, id, true)).isActive).toBe(true)
        expect(
          yield* Effect.flip(people.setActive(actor, 2_000_000_000 as EmployeeId, false)),
        ).toMatchObject({ _tag: "EmployeeNotFound" })
        expect(
          (yield* auditOf(id)).map((row) => [row.actorEmployeeId, row.action, row.details]),
        ).toEqual([
          [
            actor,
            "employee.deactivate",
            { before: { isActive: true }, after: { isActive: false } },
          ],
          [
            actor,
            "employee.reactivate",
            { before: { isActive: false }, after: { isActive: true } },
          ],
        ])
      }),
    )

    it.effect(
      "deactivated: their places in activities still ahead go back and they leave every line; past ones and reactivation change nothing",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const people = yield* People
          const actor = yield* admin()
          const id = yield* insertEmployee({})
          const ahead = yield* insertActivity({ inHours: 48 })
          const past = yield* insertActivity({ inHours: -48, status: "completed" })
          const waiting = yield* insertActivity({ inHours: 72, maxParticipants: 1 })
          yield* sql`
            INSERT INTO activity_participants (activity_id, employee_id, status)
            VALUES (${ahead}, ${id}, 'confirmed'), (${past}, ${id}, 'attended')`
          yield* sql`INSERT INTO activity_waitlist (activity_id, employee_id) VALUES (${waiting}, ${id})`

          yield* people.setActive(actor, id, false)
          const places = yield* sql<{ activityId: number; status: string }>`
            SELECT activity_id, status FROM activity_participants WHERE employee_id = ${id}
            ORDER BY activity_id`
          expect(places.map((row) => [row.activityId, row.status])).toEqual([
            [ahead, "declined"],
            [past, "attended"],
          ])
          const lines = yield* sql`SELECT 1 FROM activity_waitlist WHERE employee_id = ${id}`
          expect(lines).toHaveLength(0)
          const [entry] = yield* auditOf(id)
          expect(entry?.details).toEqual({
            before: { isActive: true },
            after: { isActive: false },
            placesReleased: [ahead],
          })

          yield* people.setActive(actor, id, true)
          const after = yield* sql<{ status: string }>`
            SELECT status FROM activity_participants WHERE employee_id = ${id} AND activity_id = ${ahead}`
          expect(after[0]?.status).toBe("declined")
        }),
    )

    it.effect("deactivated: refused at the next recognition, though it was cached", () =>
      Effect.gen(function* () {
        const people = yield* People
        const actor = yield* admin()
        const telegramId = newTelegramId()
        const id = yield* insertEmployee({ telegramId })
        expect(yield* recognition(telegramId)).toBe("Recognized")
        expect(Option.isSome(yield* cachedEmployee(telegramId))).toBe(true)

        yield* people.setActive(actor, id, false)
        expect(yield* recognition(telegramId)).toBe("Inactive")
        yield* people.setActive(actor, id, true)
        expect(yield* recognition(telegramId)).toBe("Recognized")
      }),
    )

    it.scoped("the admin's own process does not wait for the change feed", () =>
      Effect.gen(function* () {
        const actor = yield* admin()
        const telegramId = newTelegramId()
        const id = yield* insertEmployee({ telegramId })
        // A process whose cache hears of nothing else: only setActive itself can drop the key.
        const alone = yield* Layer.build(
          People.layer.pipe(
            Layer.provideMerge(EmployeeRepo.cached),
            Layer.provideMerge(MemoryCache.layer({ reason: "test" })),
            Layer.provide(cacheConfig(Option.none())),
          ),
        )
        const inIt = <A, E>(effect: Effect.Effect<A, E, People | EmployeeRepo | Cache>) =>
          Effect.provide(effect, alone)
        expect(yield* inIt(recognition(telegramId))).toBe("Recognized")
        yield* inIt(Effect.flatMap(People, (people) => people.setActive(actor, id, false)))
        expect(Option.isNone(yield* inIt(cachedEmployee(telegramId)))).toBe(true)
        expect(yield* inIt(recognition(telegramId))).toBe("Inactive")
      }),
    )

    it.scoped("deactivated: another process, with its own cache, refuses within a second", () =>
      Effect.gen(function* () {
        const people = yield* People
        const actor = yield* admin()
        const telegramId = newTelegramId()
        const id = yield* insertEmployee({ telegramId })
        const other = yield* Layer.build(processOver)
        const elsewhere = <A, E>(effect: Effect.Effect<A, E, EmployeeRepo | Cache>) =>
          Effect.provide(effect, other)
        expect(yield* elsewhere(recognition(telegramId))).toBe("Recognized")
        expect(Option.isSome(yield* elsewhere(cachedEmployee(telegramId)))).toBe(true)

        yield* people.setActive(actor, id, false)
        const deadline = Date.now() + 1000
        let seen = yield* elsewhere(recognition(telegramId))
        while (seen !== "Inactive" && Date.now() < deadline) {
          yield* Effect.sleep(Duration.millis(20))
          seen = yield* elsewhere(recognition(telegramId))
        }
        expect(seen).toBe("Inactive")
      }),
    )
  })
})
