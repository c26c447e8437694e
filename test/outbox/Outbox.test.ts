import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { EmployeeId } from "../../src/domain/Ids"
import { Outbox, type OutboxMessage } from "../../src/outbox/Outbox"
import { insertEmployee, unique } from "../support/Fixtures"
import * as TestDatabase from "../support/TestDatabase"

const Live = Outbox.layer.pipe(Layer.provideMerge(TestDatabase.migrated))

const message = (employeeId: EmployeeId, key: string, text = key): OutboxMessage => ({
  employeeId,
  kind: "test",
  payload: {
    text,
    replyMarkup: { inline_keyboard: [[{ text: "Join", callback_data: `join:${key}` }]] },
    parseMode: "HTML",
  },
  dedupeKey: key,
})

const rowsOf = (employeeId: EmployeeId) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ dedupeKey: string; payload: string; status: string }>`
      SELECT dedupe_key, payload::text AS payload, status FROM outbox
      WHERE employee_id = ${employeeId} ORDER BY id`,
  )

describe("Outbox", () => {
  layer(Live, { excludeTestServices: true })((it) => {
    it.effect("enqueue is idempotent by dedupe key and keeps the payload as given", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const employee = yield* insertEmployee({})
        const [a, b, c] = [unique(), unique(), unique()]
        expect(yield* outbox.enqueue([message(employee, a), message(employee, b)])).toBe(2)
        // Again, with one new message and a key repeated within the batch.
        expect(
          yield* outbox.enqueue([
            message(employee, a, "changed"),
            message(employee, c),
            message(employee, c),
          ]),
        ).toBe(1)
        expect(yield* outbox.enqueue([])).toBe(0)

        const rows = yield* rowsOf(employee)
        expect(rows.map((row) => [row.dedupeKey, row.status])).toEqual([
          [a, "pending"],
          [b, "pending"],
          [c, "pending"],
        ])
        // The Bot API's own keys survive the client's camelCase transform.
        expect(JSON.parse(rows[0]?.payload ?? "")).toEqual(message(employee, a).payload)
      }),
    )

    it.effect("inside a transaction that rolls back, nothing is enqueued", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* Outbox
        const employee = yield* insertEmployee({})
        const failed = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              expect(yield* outbox.enqueue([message(employee, unique())])).toBe(1)
              return yield* Effect.fail("the step failed after enqueueing")
            }),
          )
          .pipe(Effect.flip)
        expect(failed).toBe("the step failed after enqueueing")
        expect(yield* rowsOf(employee)).toEqual([])

        // Committed together with the step: there.
        yield* sql.withTransaction(outbox.enqueue([message(employee, unique())]))
        expect(yield* rowsOf(employee)).toHaveLength(1)
      }),
    )

    it.effect("status counts the messages by state", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* Outbox
        const employee = yield* insertEmployee({})
        const before = yield* outbox.status
        const due = new Date("2030-01-01T00:00:00Z")
        yield* outbox.enqueue([
          { ...message(employee, unique()), notBefore: due },
          message(employee, unique()),
        ])
        yield* sql`
          UPDATE outbox SET status = 'sent'
          WHERE employee_id = ${employee} AND not_before < ${due}`
        const after = yield* outbox.status
        expect(after.pending - before.pending).toBe(1)
        expect(after.sent - before.sent).toBe(1)
        expect(after.oldestPendingAt).toBeInstanceOf(Date)
      }),
    )
  })
})
