/**
 * A `Notices` for the tests of what calls it (`Organising`): each call is recorded as a row of
 * `test_notice_calls`, written in the caller's transaction as the real service writes its outbox
 * rows — so a change that rolls back leaves no call behind, exactly as it would leave no message.
 * The counts it returns are what the real service would count: confirmed participants told,
 * subscribers with notifications on announced to. `failing(true)` makes every call fail after
 * recording it (a Notices that cannot write), to show the change it belongs to rolls back whole.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Ref } from "effect"
import { DatabaseError } from "../../src/domain/Errors"
import type { ActivityId } from "../../src/domain/Ids"
import { Notices, type NoticesService } from "../../src/notifications/Notices"

export interface NoticeCall {
  readonly call: "announce" | "tellParticipants" | "offerFreedPlaces"
  /** `tellParticipants`' change; null for the others. */
  readonly change: string | null
}

export class RecordedNotices extends Context.Tag("test/RecordedNotices")<
  RecordedNotices,
  {
    /** The calls about the activity that committed, in order. */
    readonly calls: (activityId: ActivityId) => Effect.Effect<ReadonlyArray<NoticeCall>>
    readonly failing: (fail: boolean) => Effect.Effect<void>
  }
>() {}

const count = (rows: ReadonlyArray<{ readonly count: number }>) => rows[0]?.count ?? 0

export const layer = Layer.effectContext(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const fail = yield* Ref.make(false)
    yield* Effect.orDie(sql`
      CREATE TABLE IF NOT EXISTS test_notice_calls (
        id serial PRIMARY KEY,
        call text NOT NULL,
        activity_id integer NOT NULL,
        change text
      )`)

    const record = (call: NoticeCall["call"], activityId: ActivityId, change: string | null) =>
      Effect.gen(function* () {
        yield* sql`
          INSERT INTO test_notice_calls (call, activity_id, change)
          VALUES (${call}, ${activityId}, ${change})`
        if (yield* Ref.get(fail)) {
          return yield* new DatabaseError({ cause: new Error("RecordingNotices: failing") })
        }
      }).pipe(Effect.catchTag("SqlError", (cause) => new DatabaseError({ cause })))

    const counted = <A extends { readonly count: number }>(
      query: Effect.Effect<ReadonlyArray<A>, unknown>,
    ) => Effect.map(Effect.orDie(query), count)

    const notices: NoticesService = {
      announce: (activityId) =>
        Effect.zipRight(
          record("announce", activityId, null),
          counted(sql<{ count: number }>`
            SELECT count(*)::int AS count FROM employee_interests ei
            JOIN activities a ON a.interest_id = ei.interest_id
            JOIN employees e ON e.id = ei.employee_id
            WHERE a.id = ${activityId} AND ei.is_active AND ei.receive_notifications
              AND e.is_active`),
        ),
      tellParticipants: (activityId, change) =>
        Effect.zipRight(
          record("tellParticipants", activityId, change),
          counted(sql<{ count: number }>`
            SELECT count(*)::int AS count FROM activity_participants
            WHERE activity_id = ${activityId} AND status = 'confirmed'`),
        ),
      offerFreedPlaces: (activityId) => Effect.as(record("offerFreedPlaces", activityId, null), 0),
      waitFor: () => Effect.dieMessage("RecordingNotices: waitFor is not recorded"),
      takeOffer: () => Effect.dieMessage("RecordingNotices: takeOffer is not recorded"),
      runDue: Effect.dieMessage("RecordingNotices: runDue is not recorded"),
    }

    const calls = (activityId: ActivityId) =>
      Effect.orDie(sql<NoticeCall>`
        SELECT call, change FROM test_notice_calls WHERE activity_id = ${activityId} ORDER BY id`)

    return Context.make(Notices, notices).pipe(
      Context.add(RecordedNotices, { calls, failing: (value) => Ref.set(fail, value) }),
    )
  }),
)
