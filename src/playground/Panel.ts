/**
 * The organiser's panel of the playground (docs/playground.md): the playground's clock, each
 * pairing interest's round with "run the next step", and the outbox, so that a person can watch
 * a whole Secret coffee round in two minutes. Every action goes through the same services the
 * scheduler and `scripts/rounds.ts` use; the panel only chooses when.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect, Option, PubSub, type Queue, type Scope } from "effect"
import { describeRun } from "../cli/rounds/Run"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError } from "../domain/Errors"
import { type NotAMatchingInterest, Rounds } from "../rounds/Rounds"
import type { StepRun } from "../rounds/Steps"
import { PlaygroundClock } from "./Clock"
import type { OutboxRow, PanelState, RoundRow, StepResponse, StepRunResult } from "./PageApi"

/** The outbox rows shown, newest first. */
const outboxShown = 30

interface OutboxRecord {
  readonly id: number
  readonly kind: string
  readonly recipient: string
  readonly status: string
  readonly createdAt: Date
  readonly sentAt: Date | null
  readonly text: string | null
}

/** A step's run as the page's API gives it: what the page needs to say it in its language. */
const runResult = (run: StepRun): StepRunResult => {
  // The match step's figures come together, or not at all (as `describeRun` reads them).
  const { placed, groups, alone, repeats } = run
  const figures =
    placed === undefined || groups === undefined || alone === undefined || repeats === undefined
      ? {}
      : { placed, groups, alone, repeats }
  return {
    interest: run.interest,
    startsOn: run.startsOn,
    step: run.step,
    outcome: run.outcome,
    messages: run.messages,
    ...figures,
  }
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rounds = yield* Rounds
  const playgroundClock = yield* PlaygroundClock
  /** Tells every open page that the panel changed (the clock moved, a step ran). */
  const changes = yield* PubSub.sliding<PanelState>(16)

  const roundRows = Effect.gen(function* () {
    const names = new Map(
      (yield* sql<{ readonly code: string; readonly name: string; readonly nameEn: string | null }>`
        SELECT code, name, name_en FROM interests`).map((row) => [row.code, row]),
    )
    return (yield* rounds.status).map(
      (entry): RoundRow => ({
        interest: entry.interest,
        name: names.get(entry.interest)?.name ?? entry.interest,
        nameEn: names.get(entry.interest)?.nameEn ?? null,
        status: Option.match(entry.round, { onNone: () => "none", onSome: (r) => r.status }),
        startsOn: Option.match(entry.round, { onNone: () => null, onSome: (r) => r.startsOn }),
        nextStep: Option.match(entry.next, { onNone: () => null, onSome: (next) => next.step }),
      }),
    )
  }).pipe(orDatabaseError)

  const outboxRows = Effect.map(
    sql<OutboxRecord>`
      SELECT o.id::int AS id, o.kind, e.full_name AS recipient, o.status, o.created_at,
             o.sent_at, o.payload->>'text' AS text
      FROM outbox o JOIN employees e ON e.id = o.employee_id
      ORDER BY o.id DESC LIMIT ${outboxShown}`,
    (records) =>
      records.map(
        (record): OutboxRow => ({
          id: record.id,
          kind: record.kind,
          recipient: record.recipient,
          status: record.status,
          createdAt: record.createdAt.toISOString(),
          sentAt: record.sentAt?.toISOString() ?? null,
          // The first line, its HTML tags dropped: a preview, not the message.
          preview: (record.text ?? "").split("\n")[0]?.replace(/<[^>]*>/g, "") ?? "",
        }),
      ),
  )

  const state: Effect.Effect<PanelState, DatabaseError> = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const ahead = yield* playgroundClock.ahead
    const [roundsNow, outbox] = yield* Effect.all([roundRows, orDatabaseError(outboxRows)])
    return {
      now: new Date(now).toISOString(),
      aheadDays: Math.round(Duration.toHours(ahead) / 24),
      rounds: roundsNow,
      outbox,
    }
  }).pipe(Effect.withSpan("Playground.panel"))

  const announce = Effect.flatMap(state, (current) => PubSub.publish(changes, current))

  /**
   * Runs the interest's next step now; says what it did as `scripts/rounds.ts run` does (and logs
   * it so), and gives the run itself for the page to say in its own language.
   */
  const runStep = (
    interest: string,
  ): Effect.Effect<StepResponse, DatabaseError | NotAMatchingInterest> =>
    rounds.runNow(interest, Option.none()).pipe(
      Effect.map((result) => ({ message: describeRun(interest, result), run: runResult(result) })),
      Effect.tap((answer) => Effect.logInfo(answer.message)),
      Effect.zipLeft(announce),
      Effect.withSpan("Playground.runStep"),
    )

  /** Moves the clock forward; the schedulers wake for whatever fell due meanwhile. */
  const moveClock = (days: number): Effect.Effect<PanelState, DatabaseError> =>
    playgroundClock.advance(Duration.days(days)).pipe(
      Effect.zipRight(Clock.currentTimeMillis),
      Effect.tap((now) =>
        Effect.logInfo(
          `Playground: the clock moved ${days} day(s), to ${new Date(now).toISOString()}`,
        ),
      ),
      Effect.zipRight(state),
      Effect.tap((current) => PubSub.publish(changes, current)),
      Effect.withSpan("Playground.moveClock"),
    )

  const subscribe: Effect.Effect<Queue.Dequeue<PanelState>, never, Scope.Scope> = PubSub.subscribe(
    changes,
  )

  return { state, runStep, moveClock, announce, subscribe } as const
})

export type PanelService = Effect.Effect.Success<typeof make>
