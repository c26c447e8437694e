import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { ActivityId, EmployeeId, InterestId } from "../../src/domain/Ids"
import { normalizeUsername } from "../../src/domain/Username"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import {
  insertActivity,
  insertEmployee,
  interestId,
  newTelegramId,
  RepoLive,
  unique,
} from "../support/Fixtures"

const codes = (interests: ReadonlyArray<{ readonly code: string }>) =>
  interests.map((interest) => interest.code)

const employeeRow = (id: EmployeeId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{
      telegramId: string | null
      telegramUsername: string | null
      authorized: boolean
      lastActivity: Date | null
    }>`SELECT telegram_id, telegram_username, authorized, last_activity FROM employees WHERE id = ${id}`
    return row
  })

describe("EmployeeRepo", () => {
  layer(RepoLive, { excludeTestServices: true })((it) => {
    describe("recognition", () => {
      it.effect("recognises a linked employee by Telegram id", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const telegramId = newTelegramId()
          const id = yield* insertEmployee({ telegramId })
          const result = yield* repo.recognize({ telegramId })
          expect(result._tag).toBe("Recognized")
          if (result._tag === "Recognized") {
            expect(result.employee.id).toBe(id)
            expect(result.linked).toBe(false)
          }
        }),
      )

      for (const [stored, typed] of [
        ["ivan_petrov{}", "@Ivan_Petrov{}"],
        ["Ivan.Petrov{}", "ivanpetrov{}"],
        ["@ivan-petrov{}", "IVAN_PETROV{}"],
        ["  ivan.petrov_{}  ", "ivan-petrov{}"],
      ] as const) {
        it.effect(
          `links on first recognition: HR wrote "${stored}", Telegram says "${typed}"`,
          () =>
            Effect.gen(function* () {
              const repo = yield* EmployeeRepo
              const tag = unique()
              const id = yield* insertEmployee({ username: stored.replace("{}", tag) })
              const telegramId = newTelegramId()
              const first = yield* repo.recognize({
                telegramId,
                username: typed.replace("{}", tag),
              })
              expect(first).toMatchObject({ _tag: "Recognized", linked: true })
              if (first._tag === "Recognized") expect(first.employee.id).toBe(id)

              const row = yield* employeeRow(id)
              expect(Number(row?.telegramId)).toBe(telegramId)
              expect(row?.authorized).toBe(true)
              expect(row?.lastActivity).toBeInstanceOf(Date)
              // The username as Telegram spells it now, without the @.
              expect(row?.telegramUsername).toBe(typed.replace("{}", tag).replace(/^@/, ""))

              // From now on the Telegram id alone is enough, even after a username change.
              const again = yield* repo.recognize({ telegramId, username: `someone_else_${tag}` })
              expect(again).toMatchObject({ _tag: "Recognized", linked: false })
            }),
        )
      }

      it.effect("the code and the generated column normalise usernames alike", () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const samples = [
            " @Ivan_Petrov ",
            "ivan.petrov",
            "@@double",
            "A-B_C.D",
            "@",
            "   ",
            "x@y",
            "ÉCOLE_1",
          ]
          for (const username of samples) {
            const id = yield* insertEmployee({ username })
            const [row] = yield* sql<{ normalizedUsername: string | null }>`
              SELECT normalized_username FROM employees WHERE id = ${id}`
            expect(row?.normalizedUsername, username).toBe(normalizeUsername(username))
          }
          expect(normalizeUsername(" @Ivan_Petrov ")).toBe("ivanpetrov")
          expect(normalizeUsername("@@double")).toBe("@double")
          expect(normalizeUsername("@")).toBeNull()
        }),
      )

      it.effect("two employees with the same normalised username: no match, nobody linked", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const tag = unique()
          const a = yield* insertEmployee({ username: `anna_k${tag}` })
          const b = yield* insertEmployee({ username: `anna.k${tag}` })
          const result = yield* repo.recognize({
            telegramId: newTelegramId(),
            username: `annak${tag}`,
          })
          expect(result._tag).toBe("Unknown")
          expect((yield* employeeRow(a))?.telegramId).toBeNull()
          expect((yield* employeeRow(b))?.telegramId).toBeNull()
        }),
      )

      it.effect("an inactive employee is not matched by username and refused by id", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const tag = unique()
          const byName = yield* insertEmployee({ username: `gone${tag}`, isActive: false })
          const unmatched = yield* repo.recognize({
            telegramId: newTelegramId(),
            username: `gone${tag}`,
          })
          expect(unmatched._tag).toBe("Unknown")
          expect((yield* employeeRow(byName))?.telegramId).toBeNull()

          const telegramId = newTelegramId()
          yield* insertEmployee({ telegramId, isActive: false })
          expect((yield* repo.recognize({ telegramId }))._tag).toBe("Inactive")
        }),
      )

      it.effect("an inactive username twin does not block the active employee", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const tag = unique()
          yield* insertEmployee({ username: `olga${tag}`, isActive: false })
          const active = yield* insertEmployee({ username: `olga${tag}` })
          const result = yield* repo.recognize({
            telegramId: newTelegramId(),
            username: `olga${tag}`,
          })
          expect(result).toMatchObject({ _tag: "Recognized", linked: true })
          if (result._tag === "Recognized") expect(result.employee.id).toBe(active)
        }),
      )

      it.effect("deactivation refuses the employee at the next recognition", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const telegramId = newTelegramId()
          const id = yield* insertEmployee({ telegramId })
          expect((yield* repo.recognize({ telegramId }))._tag).toBe("Recognized")
          const deactivated = yield* repo.setActive(id, false)
          expect(deactivated.isActive).toBe(false)
          expect((yield* repo.recognize({ telegramId }))._tag).toBe("Inactive")
        }),
      )

      it.effect("an account linked to another Telegram user is not taken over by username", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const tag = unique()
          const owner = newTelegramId()
          yield* insertEmployee({ username: `boss${tag}`, telegramId: owner })
          const impostor = yield* repo.recognize({
            telegramId: newTelegramId(),
            username: `boss${tag}`,
          })
          expect(impostor._tag).toBe("Unknown")
          expect((yield* repo.recognize({ telegramId: owner }))._tag).toBe("Recognized")
        }),
      )

      it.effect("an unknown user without a username is unknown", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          expect((yield* repo.recognize({ telegramId: newTelegramId() }))._tag).toBe("Unknown")
          expect(
            (yield* repo.recognize({ telegramId: newTelegramId(), username: " @ " }))._tag,
          ).toBe("Unknown")
        }),
      )
    })

    describe("profile", () => {
      it.effect("has the department and office names", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const id = yield* insertEmployee({
            fullName: "Пётр Сидоров",
            departmentCode: "SALES",
            businessCenter: "БЦ Око",
          })
          const profile = yield* repo.getProfile(id)
          expect(profile).toMatchObject({
            fullName: "Пётр Сидоров",
            position: "Tester",
            departmentCode: "SALES",
            departmentName: "Продажи",
            businessCenterName: "БЦ Око",
          })
        }),
      )

      it.effect("of an unknown employee is EmployeeNotFound", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const error = yield* Effect.flip(repo.getProfile(EmployeeId.make(2_000_000_000)))
          expect(error._tag).toBe("EmployeeNotFound")
        }),
      )

      it.effect("counts upcoming, attended and joined activities", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const sql = yield* SqlClient.SqlClient
          const id = yield* insertEmployee({})
          expect(yield* repo.activityCounts(id)).toMatchObject({
            upcoming: 0,
            attended: 0,
            joined: 0,
          })
          const soon = yield* insertActivity({})
          const later = yield* insertActivity({ inHours: 48 })
          const past = yield* insertActivity({ inHours: -48, status: "completed" })
          yield* repo.join(soon, id)
          yield* repo.join(later, id)
          yield* repo.leave(later, id)
          yield* sql`
            INSERT INTO activity_participants (activity_id, employee_id, status, attended_at)
            VALUES (${past}, ${id}, 'attended', now())`
          expect(yield* repo.activityCounts(id)).toMatchObject({
            upcoming: 1,
            attended: 1,
            joined: 2,
          })
        }),
      )
    })

    describe("interests", () => {
      it.effect("the catalogue is the nine seeded interests", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const catalogue = yield* repo.interestCatalogue
          expect(codes(catalogue)).toEqual([
            "coffee",
            "lunch",
            "walk",
            "chess",
            "pingpong",
            "games",
            "photo",
            "masterclass",
            "clubs",
          ])
          expect(catalogue[0]).toMatchObject({
            emoji: "☕️",
            name: "Тайный кофе",
            nameEn: "Secret coffee",
          })
        }),
      )

      it.effect("changes keep every untouched interest as it was", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const id = yield* insertEmployee({})
          const [coffee, chess, games, photo] = yield* Effect.all(
            ["coffee", "chess", "games", "photo"].map(interestId),
          )
          const ids = [coffee, chess, games, photo] as Array<InterestId>
          const three = yield* repo.applyInterestChanges(id, {
            enable: ids.slice(0, 3),
            disable: [],
          })
          expect(codes(three)).toEqual(["coffee", "chess", "games"])

          const two = yield* repo.applyInterestChanges(id, {
            enable: [],
            disable: [chess as InterestId],
          })
          expect(codes(two)).toEqual(["coffee", "games"])

          // Enabling what is on and disabling what is off changes nothing.
          const same = yield* repo.applyInterestChanges(id, {
            enable: [coffee as InterestId],
            disable: [chess as InterestId],
          })
          expect(codes(same)).toEqual(["coffee", "games"])

          const swapped = yield* repo.applyInterestChanges(id, {
            enable: [photo as InterestId, chess as InterestId],
            disable: [coffee as InterestId],
          })
          expect(codes(swapped)).toEqual(["chess", "games", "photo"])
          expect(codes(yield* repo.activeInterests(id))).toEqual(["chess", "games", "photo"])
        }),
      )

      it.effect("an empty change writes nothing", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const sql = yield* SqlClient.SqlClient
          const id = yield* insertEmployee({})
          yield* repo.applyInterestChanges(id, { enable: [yield* interestId("walk")], disable: [] })
          const before = yield* sql`SELECT * FROM employee_interests WHERE employee_id = ${id}`
          const after = yield* repo.applyInterestChanges(id, { enable: [], disable: [] })
          expect(codes(after)).toEqual(["walk"])
          expect(yield* sql`SELECT * FROM employee_interests WHERE employee_id = ${id}`).toEqual(
            before,
          )
        }),
      )

      it.effect("an unknown interest fails the whole change and changes nothing", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const id = yield* insertEmployee({})
          const walk = yield* interestId("walk")
          const error = yield* Effect.flip(
            repo.applyInterestChanges(id, {
              enable: [walk, InterestId.make(999_999)],
              disable: [],
            }),
          )
          expect(error).toMatchObject({ _tag: "InterestNotFound", interestIds: [999_999] })
          expect(yield* repo.activeInterests(id)).toEqual([])
        }),
      )

      it.effect("a change that turns one interest both on and off is refused", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const id = yield* insertEmployee({})
          const walk = yield* interestId("walk")
          const error = yield* Effect.flip(
            repo.applyInterestChanges(id, { enable: [walk], disable: [walk] }),
          )
          expect(error._tag).toBe("ConflictingInterestChange")
          expect(yield* repo.activeInterests(id)).toEqual([])
        }),
      )

      it.effect("a change for an unknown employee is EmployeeNotFound", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const walk = yield* interestId("walk")
          const error = yield* Effect.flip(
            repo.applyInterestChanges(EmployeeId.make(2_000_000_000), {
              enable: [walk],
              disable: [],
            }),
          )
          expect(error._tag).toBe("EmployeeNotFound")
        }),
      )

      it.effect("two changes enabling the same new interest at once both succeed", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const sql = yield* SqlClient.SqlClient
          const id = yield* insertEmployee({})
          const chess = yield* interestId("chess")
          const results = yield* Effect.all(
            Array.from({ length: 4 }, () =>
              repo.applyInterestChanges(id, { enable: [chess], disable: [] }),
            ),
            { concurrency: "unbounded" },
          )
          expect(results.map(codes)).toEqual([["chess"], ["chess"], ["chess"], ["chess"]])
          const rows = yield* sql`SELECT 1 FROM employee_interests WHERE employee_id = ${id}`
          expect(rows).toHaveLength(1)
        }),
      )

      it.effect("active interests of many employees in one call", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const a = yield* insertEmployee({})
          const b = yield* insertEmployee({})
          yield* repo.applyInterestChanges(a, {
            enable: [yield* interestId("coffee"), yield* interestId("clubs")],
            disable: [],
          })
          const byEmployee = yield* repo.activeInterestsOf([a, b])
          expect(codes(byEmployee.get(a) ?? [])).toEqual(["coffee", "clubs"])
          expect(byEmployee.get(b)).toEqual([])
          expect((yield* repo.activeInterestsOf([])).size).toBe(0)
        }),
      )

      it.effect("notification settings per active interest", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const id = yield* insertEmployee({})
          const coffee = yield* interestId("coffee")
          const chess = yield* interestId("chess")
          yield* repo.applyInterestChanges(id, { enable: [coffee, chess], disable: [] })
          const defaults = yield* repo.notificationSettings(id)
          expect(
            defaults.map((s) => [s.code, s.receiveNotifications, s.notificationFrequency]),
          ).toEqual([
            ["coffee", true, "immediate"],
            ["chess", true, "immediate"],
          ])
          const off = yield* repo.setNotifications(id, chess, { receiveNotifications: false })
          expect(off).toMatchObject({ code: "chess", receiveNotifications: false })
          yield* repo.setNotifications(id, coffee, {
            receiveNotifications: true,
            notificationFrequency: "weekly",
          })
          const after = yield* repo.notificationSettings(id)
          expect(
            after.map((s) => [s.code, s.receiveNotifications, s.notificationFrequency]),
          ).toEqual([
            ["coffee", true, "weekly"],
            ["chess", false, "immediate"],
          ])
          // Turning an interest off and on again keeps its notification choice.
          yield* repo.applyInterestChanges(id, { enable: [], disable: [chess] })
          const missing = yield* Effect.flip(
            repo.setNotifications(id, chess, { receiveNotifications: true }),
          )
          expect(missing._tag).toBe("NotSubscribed")
          yield* repo.applyInterestChanges(id, { enable: [chess], disable: [] })
          const back = yield* repo.notificationSettings(id)
          expect(back.find((s) => s.code === "chess")?.receiveNotifications).toBe(false)
        }),
      )
    })

    describe("activities", () => {
      it.effect(
        "upcoming: scheduled and ahead only, the employee's interests first, then by date",
        () =>
          Effect.gen(function* () {
            const repo = yield* EmployeeRepo
            const id = yield* insertEmployee({})
            yield* repo.applyInterestChanges(id, {
              enable: [yield* interestId("chess")],
              disable: [],
            })
            const later = yield* insertActivity({ interestCode: "games", inHours: 5 })
            const sooner = yield* insertActivity({ interestCode: "games", inHours: 2 })
            const chess = yield* insertActivity({ interestCode: "chess", inHours: 30 })
            const draft = yield* insertActivity({ status: "draft" })
            const cancelled = yield* insertActivity({ status: "cancelled" })
            const past = yield* insertActivity({ inHours: -1 })
            const mine = new Set([later, sooner, chess, draft, cancelled, past])
            const upcoming = (yield* repo.upcomingActivities(id, { limit: 1000 })).filter((a) =>
              mine.has(a.id),
            )
            expect(upcoming.map((a) => a.id)).toEqual([chess, sooner, later])
            expect(upcoming.map((a) => a.matchesInterests)).toEqual([true, false, false])

            yield* repo.join(sooner, id)
            const joined = (yield* repo.upcomingActivities(id, { limit: 1000 })).find(
              (a) => a.id === sooner,
            )
            expect(joined).toMatchObject({ joined: true, participantCount: 1 })
          }),
      )

      it.effect("join, join again, leave, leave again: clear outcomes", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const activity = yield* insertActivity({ maxParticipants: 3 })
          const id = yield* insertEmployee({ fullName: "Иван Иванов" })
          expect(yield* repo.join(activity, id)).toMatchObject({
            _tag: "Joined",
            participantCount: 1,
          })
          expect(yield* repo.join(activity, id)).toMatchObject({
            _tag: "AlreadyJoined",
            participantCount: 1,
          })
          const participants = yield* repo.participants(activity)
          expect(participants.map((p) => [p.fullName, p.status])).toEqual([
            ["Иван Иванов", "confirmed"],
          ])
          expect(yield* repo.participantCount(activity)).toBe(1)
          expect(yield* repo.leave(activity, id)).toMatchObject({
            _tag: "Left",
            participantCount: 0,
          })
          expect((yield* repo.leave(activity, id))._tag).toBe("NotJoined")
          expect(yield* repo.participants(activity)).toEqual([])
          expect(yield* repo.join(activity, id)).toMatchObject({
            _tag: "Joined",
            participantCount: 1,
          })
        }),
      )

      it.effect("a full activity says so; a closed one is not open", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const activity = yield* insertActivity({ maxParticipants: 1 })
          const first = yield* insertEmployee({})
          const second = yield* insertEmployee({})
          yield* repo.join(activity, first)
          expect(yield* repo.join(activity, second)).toMatchObject({
            _tag: "Full",
            maxParticipants: 1,
          })
          const cancelled = yield* insertActivity({ status: "cancelled" })
          expect(yield* repo.join(cancelled, second)).toMatchObject({
            _tag: "NotOpen",
            status: "cancelled",
          })
          const started = yield* insertActivity({ inHours: -1 })
          expect((yield* repo.join(started, second))._tag).toBe("NotOpen")
          expect((yield* repo.leave(cancelled, second))._tag).toBe("NotOpen")
          const unlimited = yield* insertActivity({ maxParticipants: null })
          expect((yield* repo.join(unlimited, second))._tag).toBe("Joined")
        }),
      )

      it.effect("an unknown activity or employee is a typed error", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const id = yield* insertEmployee({})
          const nowhere = ActivityId.make(2_000_000_000)
          expect((yield* Effect.flip(repo.join(nowhere, id)))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(repo.leave(nowhere, id)))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(repo.getActivity(nowhere)))._tag).toBe("ActivityNotFound")
          const activity = yield* insertActivity({})
          const ghost = EmployeeId.make(2_000_000_000)
          expect((yield* Effect.flip(repo.join(activity, ghost)))._tag).toBe("EmployeeNotFound")
          const inactive = yield* insertEmployee({ isActive: false })
          expect((yield* Effect.flip(repo.join(activity, inactive)))._tag).toBe("EmployeeNotFound")
          expect(yield* repo.participantCount(activity)).toBe(0)
        }),
      )

      it.effect("getActivity has the participant count", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const activityId = yield* insertActivity({ title: "Шахматы в обед", maxParticipants: 4 })
          yield* repo.join(activityId, yield* insertEmployee({}))
          yield* repo.join(activityId, yield* insertEmployee({}))
          const activity = yield* repo.getActivity(activityId)
          expect(activity).toMatchObject({
            title: "Шахматы в обед",
            maxParticipants: 4,
            participantCount: 2,
            status: "scheduled",
            location: "Room 1",
          })
          expect(activity.scheduledAt).toBeInstanceOf(Date)
        }),
      )

      it.effect("50 concurrent joins on 5 places leave exactly 5 confirmed participants", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const sql = yield* SqlClient.SqlClient
          const activity = yield* insertActivity({ maxParticipants: 5 })
          const people = yield* Effect.all(Array.from({ length: 50 }, () => insertEmployee({})))
          const outcomes = yield* Effect.all(
            people.map((id) => repo.join(activity, id)),
            { concurrency: "unbounded" },
          )
          expect(outcomes.filter((o) => o._tag === "Joined")).toHaveLength(5)
          expect(outcomes.filter((o) => o._tag === "Full")).toHaveLength(45)
          const [row] = yield* sql<{ count: number }>`
            SELECT count(*)::int AS count FROM activity_participants
            WHERE activity_id = ${activity} AND status = 'confirmed'`
          expect(row?.count).toBe(5)
        }),
      )
    })

    describe("warm-up feeds", () => {
      it.effect("active employees with a Telegram id, in batches", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const linked = yield* Effect.all(
            Array.from({ length: 5 }, () => insertEmployee({ telegramId: newTelegramId() })),
          )
          const unlinked = yield* insertEmployee({})
          const inactive = yield* insertEmployee({ telegramId: newTelegramId(), isActive: false })
          const batches = Chunk.toReadonlyArray(yield* Stream.runCollect(repo.linkedEmployees(2)))
          expect(batches.every((batch) => batch.length >= 1 && batch.length <= 2)).toBe(true)
          const all = batches.flat()
          expect(all.every((e) => e.isActive && e.telegramId !== null)).toBe(true)
          const ids = all.map((e) => e.id)
          expect(new Set(ids).size).toBe(ids.length)
          expect(ids).toEqual(expect.arrayContaining(linked))
          expect(ids).not.toContain(unlinked)
          expect(ids).not.toContain(inactive)
        }),
      )

      it.effect("participants of many activities in one call", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const busy = yield* insertActivity({})
          const quiet = yield* insertActivity({})
          const first = yield* insertEmployee({ fullName: "Первый" })
          const second = yield* insertEmployee({ fullName: "Второй" })
          const gone = yield* insertEmployee({ fullName: "Ушедший" })
          yield* repo.join(busy, first)
          yield* repo.join(busy, gone)
          yield* repo.join(busy, second)
          yield* repo.leave(busy, gone)
          const byActivity = yield* repo.participantsOf([busy, quiet])
          expect(byActivity.get(busy)?.map((p) => p.fullName)).toEqual(["Первый", "Второй"])
          expect(byActivity.get(quiet)).toEqual([])
          expect((yield* repo.participantsOf([])).size).toBe(0)
        }),
      )

      it.effect("scheduled and active activities", () =>
        Effect.gen(function* () {
          const repo = yield* EmployeeRepo
          const scheduled = yield* insertActivity({})
          const active = yield* insertActivity({ status: "active", inHours: -1 })
          const completed = yield* insertActivity({ status: "completed", inHours: -30 })
          const draft = yield* insertActivity({ status: "draft" })
          const ids = (yield* repo.openActivities).map((a) => a.id)
          expect(ids).toEqual(expect.arrayContaining([scheduled, active]))
          expect(ids).not.toContain(completed)
          expect(ids).not.toContain(draft)
        }),
      )
    })
  })
})
