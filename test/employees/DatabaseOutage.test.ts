import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { InterestRepo } from "../../src/interests/InterestRepo"
import { insertEmployee, newTelegramId } from "../support/Fixtures"
import { privatePostgres } from "../support/PrivatePostgres"

const repoOver = (url: string) =>
  Layer.mergeAll(EmployeeRepo.layer, InterestRepo.layer).pipe(
    Layer.provideMerge(
      Layer.effectDiscard(Effect.zipRight(Database.migrate, seed({ demo: false }))),
    ),
    Layer.provideMerge(Database.layer),
    Layer.provide(
      Layer.succeed(DatabaseConfig, {
        url: Option.some(Redacted.make(url)),
        embeddedDir: "unused",
      }),
    ),
  )

describe("Postgres outage", () => {
  it.live("reads and writes fail as DatabaseError while it is down and work again after", () =>
    Effect.gen(function* () {
      const postgres = yield* privatePostgres
      const context = yield* Layer.build(repoOver(postgres.url))
      const employees = Context.get(context, EmployeeRepo)
      const interests = Context.get(context, InterestRepo)
      const telegramId = newTelegramId()
      const employee = yield* insertEmployee({ telegramId }).pipe(Effect.provide(context))
      const catalogue = yield* interests.interestCatalogue
      expect(catalogue).toHaveLength(9)
      const idOf = (code: string) =>
        catalogue.filter((interest) => interest.code === code).map((interest) => interest.id)

      yield* postgres.stop
      const read = yield* Effect.flip(employees.recognize({ telegramId }))
      expect(read._tag).toBe("DatabaseError")
      const write = yield* Effect.flip(
        interests.applyInterestChanges(employee, {
          enable: [...idOf("coffee"), ...idOf("chess")],
          disable: [],
        }),
      )
      expect(write._tag).toBe("DatabaseError")

      // The same layer, no restart of ours: the pool reconnects by itself.
      yield* postgres.start
      expect((yield* employees.recognize({ telegramId }))._tag).toBe("Recognized")
      expect(yield* interests.activeInterests(employee)).toEqual([])
      const after = yield* interests.applyInterestChanges(employee, {
        enable: idOf("chess"),
        disable: [],
      })
      expect(after.map((interest) => interest.code)).toEqual(["chess"])
    }).pipe(Effect.scoped),
  )
})
