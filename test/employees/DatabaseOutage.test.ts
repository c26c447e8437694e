import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { DatabaseConfig } from "../../src/config"
import * as Database from "../../src/db/Database"
import { seed } from "../../src/db/Seed"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { insertEmployee, newTelegramId } from "../support/Fixtures"
import { privatePostgres } from "../support/PrivatePostgres"

const repoOver = (url: string) =>
  EmployeeRepo.Default.pipe(
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
      const repo = Context.get(context, EmployeeRepo)
      const telegramId = newTelegramId()
      const employee = yield* insertEmployee({ telegramId }).pipe(Effect.provide(context))
      const catalogue = yield* repo.interestCatalogue
      expect(catalogue).toHaveLength(9)
      const idOf = (code: string) =>
        catalogue.filter((interest) => interest.code === code).map((interest) => interest.id)

      yield* postgres.stop
      const read = yield* Effect.flip(repo.recognize({ telegramId }))
      expect(read._tag).toBe("DatabaseError")
      const write = yield* Effect.flip(
        repo.applyInterestChanges(employee, {
          enable: [...idOf("coffee"), ...idOf("chess")],
          disable: [],
        }),
      )
      expect(write._tag).toBe("DatabaseError")

      // The same layer, no restart of ours: the pool reconnects by itself.
      yield* postgres.start
      expect((yield* repo.recognize({ telegramId }))._tag).toBe("Recognized")
      expect(yield* repo.activeInterests(employee)).toEqual([])
      const after = yield* repo.applyInterestChanges(employee, {
        enable: idOf("chess"),
        disable: [],
      })
      expect(after.map((interest) => interest.code)).toEqual(["chess"])
    }).pipe(Effect.scoped),
  )
})
