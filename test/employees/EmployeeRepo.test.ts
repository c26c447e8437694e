import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { EmployeeId } from "../../src/domain/Ids"
import { normalizeUsername } from "../../src/domain/Username"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { insertEmployee, newTelegramId, RepoLive, setActive, unique } from "../support/Fixtures"

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
          const deactivated = yield* setActive(id, false)
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
    })

    describe("warm-up feed", () => {
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
    })
  })
})
