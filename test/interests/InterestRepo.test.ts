import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { EmployeeId, InterestId } from "../../src/domain/Ids"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { insertEmployee, interestId, RepoLive } from "../support/Fixtures"

const codes = (interests: ReadonlyArray<{ readonly code: string }>) =>
  interests.map((interest) => interest.code)

describe("InterestRepo", () => {
  layer(RepoLive, { excludeTestServices: true })((it) => {
    describe("interests", () => {
      it.effect("the catalogue is the nine seeded interests", () =>
        Effect.gen(function* () {
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
          const repo = yield* InterestRepo
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
  })
})
