/**
 * Pairing rounds as a service (docs/rounds.md): the steps of each round and when they are due
 * (`Steps.ts`), what people's answers do (`Answers.ts`), and what ops ask about them. The
 * scheduler (`Scheduler.ts`) runs `runDue`; `scripts/rounds.ts` and the bot's buttons use the
 * rest.
 */
import type { SqlClient } from "@effect/sql"
import { Context, Data, Effect, Layer, Option } from "effect"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError } from "../domain/Errors"
import { Dispatcher } from "../outbox/Dispatcher"
import { Outbox } from "../outbox/Outbox"
import { makeAnswers } from "./Answers"
import type { Step } from "./Cycle"
import type { Placement } from "./Matching"
import * as RoundRepo from "./RoundRepo"
import { makeRoundStats } from "./RoundStats"
import { RoundsConfig } from "./RoundsSettings"
import { makeSteps, type StepRun } from "./Steps"

/** The interest named does not pair people (or does not exist). */
export class NotAMatchingInterest extends Data.TaggedError("NotAMatchingInterest")<{
  readonly code: string
}> {
  override get message(): string {
    return `${this.code} is not an interest that pairs people`
  }
}

const make = Effect.gen(function* () {
  const repo = yield* RoundRepo.make
  const outbox = yield* Outbox
  const settings = yield* RoundsConfig
  // In the bot's process the dispatcher sends at once what a step or an answer queued; elsewhere
  // (an ops script) the running bot's dispatcher finds it within a second.
  const dispatcher = yield* Effect.serviceOption(Dispatcher)
  const wake = Option.match(dispatcher, { onNone: () => Effect.void, onSome: (d) => d.wake })
  const steps = makeSteps(repo, outbox, settings)
  const answers = makeAnswers(repo, outbox, settings)
  const figures = makeRoundStats(repo, settings)

  const interestByCode = (code: string) =>
    orDatabaseError(repo.interestByCode(code)).pipe(
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.fail(new NotAMatchingInterest({ code })),
          onSome: Effect.succeed,
        }),
      ),
    )

  /** Runs a step of the interest's current round now (ops, the playground). */
  const runNow = (code: string, step: Option.Option<Step>) =>
    interestByCode(code).pipe(
      Effect.flatMap((interest) => orDatabaseError(steps.runNow(interest, step))),
      Effect.tap((run) => (run.messages > 0 ? wake : Effect.void)),
    ) as Effect.Effect<StepRun, NotAMatchingInterest | DatabaseError>

  /**
   * The placement the match step of the interest's current round would make now, changing
   * nothing; none when no round of it is taking answers.
   */
  const preview = (code: string, seed: Option.Option<number>) =>
    Effect.gen(function* () {
      const interest = yield* interestByCode(code)
      const open = (yield* repo.openRounds).filter(
        (round) => round.interestId === interest.id && round.status === "inviting",
      )
      const round = open.at(-1)
      if (round === undefined) return Option.none()
      const { joiners, placement } = yield* orDatabaseError(
        steps.placementFor(
          interest,
          round,
          Option.getOrElse(seed, () => round.seed),
        ),
      )
      return Option.some({ interest, round, joiners, placement: placement as Placement })
    })

  return {
    settings,
    repo,
    wake,
    runDue: steps.runDue,
    runNow,
    preview,
    interestByCode,
    status: figures.status,
    stats: figures.stats,
    ...answers,
  } as const
})

export type RoundsService = Effect.Effect.Success<typeof make>

/** What people's answers do (the bot's buttons and Settings): the part of `Rounds` the flows use. */
export type RoundAnswersService = Pick<
  RoundsService,
  | "answer"
  | "respond"
  | "reportMet"
  | "rate"
  | "comment"
  | "pauseSettings"
  | "togglePause"
  | "currentMatches"
> & { readonly timeZone: string }

export class RoundAnswers extends Context.Tag("connectbot/RoundAnswers")<
  RoundAnswers,
  RoundAnswersService
>() {}

export class Rounds extends Context.Tag("connectbot/Rounds")<Rounds, RoundsService>() {
  /** The rounds, and their answers for the bot (`RoundAnswers`), over Postgres and the outbox. */
  static readonly layer: Layer.Layer<
    Rounds | RoundAnswers,
    never,
    SqlClient.SqlClient | Outbox | RoundsConfig
  > = Layer.effectContext(
    Effect.map(make, (rounds) =>
      Context.make(Rounds, rounds).pipe(
        Context.add(RoundAnswers, { ...rounds, timeZone: rounds.settings.timeZone }),
      ),
    ),
  )
}
