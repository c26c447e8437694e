/**
 * The steps of a round — invite, match, remind, feedback, close — and when they are due. Each
 * step is one transaction that first takes the round's advisory lock (another process running the
 * same step makes this one skip it), then checks the round's state (a step done already is not
 * done again), then writes its result and its messages to the outbox together. A process killed
 * mid-step leaves nothing behind: the next run does the step whole. Messages leave through the
 * outbox (src/outbox), which sends each at most once outside its one documented window.
 *
 * A little over 400 lines: the five steps and the rule for when each is due belong together (the
 * rule reads the state each step leaves).
 */
import { Clock, Effect, Metric, Option } from "effect"
import { Action } from "../bot/CallbackData"
import { actionKeyboard, formatWhen, interestName } from "../bot/Views"
import { orDatabaseError } from "../db/SqlErrors"
import type { DatabaseError } from "../domain/Errors"
import type { MatchId } from "../domain/Ids"
import type { Locale } from "../domain/Models"
import { htmlMessage, type Outbox, type OutboxMessage } from "../outbox/Outbox"
import { type CycleTimes, cycleAfter, cycleOf, nextCycle, type Step, steps } from "./Cycle"
import { place } from "./Matching"
import * as RoundMetrics from "./RoundMetrics"
import { isOver, type MatchingInterest, type Person, type Round, type RoundRepo } from "./RoundRepo"
import type { RoundsSettings } from "./RoundsSettings"
import { type PartnerCard, type RoundTexts, roundTexts } from "./RoundTexts"

/** What running a step did. */
export interface StepRun {
  readonly interest: string
  readonly startsOn: string
  readonly step: Step
  /**
   * `busy`: another process holds the round; `done-before`: nothing left to do; `not-yet`: an
   * earlier step of the round has not run.
   */
  readonly outcome: "done" | "busy" | "done-before" | "not-yet" | "cancelled"
  /** Messages put into the outbox. */
  readonly messages: number
  /** For the invite step: people invited. */
  readonly invited?: number
  /** For the match step: people who said yes, placed, groups, left alone, pairs repeated. */
  readonly joined?: number
  readonly placed?: number
  readonly groups?: number
  readonly alone?: number
  readonly repeats?: number
}

export const cardOf = (person: Person): PartnerCard => ({
  fullName: person.fullName,
  position: person.position,
  department: person.department,
  office: person.office,
  telegramUsername: person.telegramUsername,
  telegramId: person.telegramId,
})

/** The step of the round that comes next in order (whatever the time); none when it is over. */
export const nextStepOf = (round: Round, cycle: CycleTimes): Option.Option<Step> => {
  if (isOver(round)) return Option.none()
  if (round.status === "inviting") return Option.some(round.invitedAt === null ? "invite" : "match")
  if (round.feedbackAt !== null) return Option.some("close")
  if (round.remindedAt === null && Option.isSome(cycle.remind)) return Option.some("remind")
  return Option.some("feedback")
}

export const makeSteps = (repo: RoundRepo, outbox: Outbox["Type"], settings: RoundsSettings) => {
  /** What a step writes in one language. */
  const wordsIn = (locale: Locale) => ({
    t: roundTexts(locale),
    when: (date: Date) => formatWhen(date, locale, settings.timeZone),
    label: (interest: MatchingInterest) => interestName(interest, locale),
  })
  const words = { ru: wordsIn("ru"), en: wordsIn("en") }
  /** Each person is written to in the language they last wrote in; never told: the default. */
  const wordsTo = (person: Person) => words[person.locale ?? settings.locale]

  const message = htmlMessage

  const inviteKeyboard = (t: RoundTexts, round: Round) =>
    actionKeyboard([
      [[t.buttonIn, Action.RoundAnswer({ roundId: round.id, answer: "in" })]],
      [[t.buttonSkip, Action.RoundAnswer({ roundId: round.id, answer: "skip" })]],
      [[t.buttonPause, Action.RoundAnswer({ roundId: round.id, answer: "pause" })]],
    ])

  const meetKeyboard = (t: RoundTexts, matchId: MatchId) =>
    actionKeyboard([
      [
        [t.buttonMeet, Action.MatchResponse({ matchId, response: "confirmed" })],
        [t.buttonCantMeet, Action.MatchResponse({ matchId, response: "declined" })],
      ],
    ])

  const metKeyboard = (t: RoundTexts, matchId: MatchId) =>
    actionKeyboard([
      [
        [t.buttonMetYes, Action.MatchMet({ matchId, met: true })],
        [t.buttonMetNo, Action.MatchMet({ matchId, met: false })],
      ],
    ])

  /** Runs `body` on the locked round in one transaction, unless another process is at it. */
  const inStep = (
    interest: MatchingInterest,
    round: Round,
    step: Step,
    body: (
      round: Round,
      now: Date,
    ) => Effect.Effect<Omit<StepRun, "interest" | "startsOn" | "step">, unknown>,
  ): Effect.Effect<StepRun, DatabaseError> =>
    orDatabaseError(
      repo.sql.withTransaction(
        Effect.gen(function* () {
          const base = { interest: interest.code, startsOn: round.startsOn, step }
          if (!(yield* repo.tryStepLock(round.id))) {
            return { ...base, outcome: "busy" as const, messages: 0 }
          }
          const locked = yield* repo.lockRound(round.id)
          if (Option.isNone(locked))
            return { ...base, outcome: "done-before" as const, messages: 0 }
          const now = new Date(yield* Clock.currentTimeMillis)
          return { ...base, ...(yield* body(locked.value, now)) }
        }),
      ),
    ).pipe(
      Effect.tap((run) =>
        run.outcome === "done"
          ? Effect.all([
              Metric.increment(RoundMetrics.steps[step]),
              Metric.incrementBy(RoundMetrics.invited, run.invited ?? 0),
              Metric.incrementBy(RoundMetrics.joined, run.joined ?? 0),
              Metric.incrementBy(RoundMetrics.placed, run.placed ?? 0),
            ])
          : Effect.void,
      ),
      Effect.tap((run) =>
        run.outcome === "done"
          ? Effect.logInfo(
              `Round ${interest.code} ${round.startsOn}: ${step} done (${run.messages} messages)`,
            )
          : Effect.void,
      ),
      Effect.withSpan(`Rounds.${step}`, { captureStackTrace: false }),
    ) as Effect.Effect<StepRun, DatabaseError>

  const doneBefore = { outcome: "done-before" as const, messages: 0 }

  const invite = (interest: MatchingInterest, round: Round, cycle: CycleTimes) =>
    inStep(interest, round, "invite", (round, now) =>
      Effect.gen(function* () {
        if (round.status !== "inviting" || round.invitedAt !== null) return doneBefore
        const people = yield* repo.subscribers({
          interestId: interest.id,
          startsOn: round.startsOn,
        })
        const messages = people.map((person) => {
          const { t, when, label } = wordsTo(person)
          return message(
            person.id,
            "round.invite",
            `round:${round.id}:invite:${person.id}`,
            t.invite(label(interest), when(cycle.match)),
            inviteKeyboard(t, round),
          )
        })
        yield* outbox.enqueue(messages)
        yield* repo.setStatus(round.id, "inviting", "invited_at", now)
        return { outcome: "done" as const, messages: messages.length, invited: messages.length }
      }),
    )

  /** The placement the match step would make now (also what `preview` shows). */
  const placementFor = (interest: MatchingInterest, round: Round, seed: number) =>
    Effect.gen(function* () {
      const joiners = yield* repo.joiners({ roundId: round.id, interestId: interest.id })
      const priority = yield* repo.priorityIn(interest.id, round.startsOn)
      const days = yield* repo.earlierRoundDays(interest.id, round.startsOn)
      const pairs = yield* repo.pastPairs(interest.id, round.startsOn)
      const history = pairs.map((pair) => ({
        a: pair.a,
        b: pair.b,
        roundsAgo: days.indexOf(pair.startsOn) + 1,
      }))
      const placement = place({
        candidates: joiners.map((person) => ({
          id: person.id,
          departmentId: person.departmentId,
          businessCenterId: person.businessCenterId,
          priority: priority.has(person.id),
        })),
        mode: interest.matching,
        history,
        noRepeat: settings.noRepeat,
        seed,
      })
      return { joiners, placement }
    })

  const match = (interest: MatchingInterest, round: Round) =>
    inStep(interest, round, "match", (round, now) =>
      Effect.gen(function* () {
        if (round.status !== "inviting" || round.invitedAt === null) return doneBefore
        const { joiners, placement } = yield* placementFor(interest, round, round.seed)
        const byId = new Map(joiners.map((person) => [person.id as number, person]))
        const messages: Array<OutboxMessage> = []
        for (const group of placement.groups) {
          const members = group.map((id) => byId.get(id) as Person)
          const matchId = yield* repo.insertMatch(
            round.id,
            members.map((person) => person.id),
            now,
          )
          for (const member of members) {
            const partners = members.filter((other) => other.id !== member.id).map(cardOf)
            const { t, label } = wordsTo(member)
            messages.push(
              message(
                member.id,
                "round.intro",
                `match:${matchId}:intro:${member.id}`,
                t.intro(label(interest), partners),
                meetKeyboard(t, matchId),
              ),
            )
          }
        }
        const alone = placement.alone.map((id) => byId.get(id) as Person)
        yield* repo.insertUnplaced(
          round.id,
          alone.map((person) => person.id),
        )
        for (const person of alone) {
          const { t, label } = wordsTo(person)
          messages.push(
            message(
              person.id,
              "round.alone",
              `round:${round.id}:alone:${person.id}`,
              t.alone(label(interest)),
            ),
          )
        }
        yield* outbox.enqueue(messages)
        yield* repo.setStatus(round.id, "matched", "matched_at", now)
        return {
          outcome: "done" as const,
          messages: messages.length,
          joined: joiners.length,
          placed: joiners.length - alone.length,
          groups: placement.groups.length,
          alone: alone.length,
          repeats: placement.repeats,
        }
      }),
    )

  /** The round's matches where nobody declined, with their members. */
  const liveMatches = (round: Round) =>
    Effect.gen(function* () {
      const rows = yield* repo.matchesOf(round.id)
      const groups = new Map<MatchId, Array<(typeof rows)[number]>>()
      for (const row of rows) groups.set(row.matchId, [...(groups.get(row.matchId) ?? []), row])
      return [...groups.entries()].filter(([, members]) =>
        members.every((member) => member.response !== "declined"),
      )
    })

  /** One message to each chosen member of the matches, naming their partners. */
  const toMembers = <M extends Person>(
    matches: ReadonlyArray<readonly [MatchId, ReadonlyArray<M>]>,
    chosen: (member: M) => boolean,
    write: (matchId: MatchId, member: M, partners: ReadonlyArray<PartnerCard>) => OutboxMessage,
  ): Array<OutboxMessage> =>
    matches.flatMap(([matchId, members]) =>
      members
        .filter(chosen)
        .map((member) =>
          write(matchId, member, members.filter((other) => other.id !== member.id).map(cardOf)),
        ),
    )

  const remind = (interest: MatchingInterest, round: Round) =>
    inStep(interest, round, "remind", (round, now) =>
      Effect.gen(function* () {
        if (round.status !== "matched" || round.remindedAt !== null || round.feedbackAt !== null) {
          return doneBefore
        }
        // Only those who have not answered their intro.
        const messages = toMembers(
          yield* liveMatches(round),
          (member) => member.response === null,
          (matchId, member, partners) => {
            const { t, label } = wordsTo(member)
            return message(
              member.id,
              "round.remind",
              `match:${matchId}:remind:${member.id}`,
              t.remind(label(interest), partners),
              meetKeyboard(t, matchId),
            )
          },
        )
        yield* outbox.enqueue(messages)
        yield* repo.setStatus(round.id, "matched", "reminded_at", now)
        return { outcome: "done" as const, messages: messages.length }
      }),
    )

  const feedback = (interest: MatchingInterest, round: Round) =>
    inStep(interest, round, "feedback", (round, now) =>
      Effect.gen(function* () {
        if (round.status !== "matched" || round.feedbackAt !== null) return doneBefore
        const messages = toMembers(
          yield* liveMatches(round),
          () => true,
          (matchId, member, partners) => {
            const { t, label } = wordsTo(member)
            return message(
              member.id,
              "round.feedback",
              `match:${matchId}:feedback:${member.id}`,
              t.feedback(label(interest), partners),
              metKeyboard(t, matchId),
            )
          },
        )
        yield* outbox.enqueue(messages)
        yield* repo.setStatus(round.id, "matched", "feedback_at", now)
        return { outcome: "done" as const, messages: messages.length }
      }),
    )

  const close = (interest: MatchingInterest, round: Round) =>
    inStep(interest, round, "close", (round, now) =>
      Effect.gen(function* () {
        if (isOver(round)) return doneBefore
        yield* repo.setStatus(round.id, "closed", "closed_at", now)
        return { outcome: "done" as const, messages: 0 }
      }),
    )

  /** An invitation that never went out before its match time: the round is called off. */
  const cancel = (interest: MatchingInterest, round: Round) =>
    inStep(interest, round, "invite", (round, now) =>
      Effect.gen(function* () {
        if (round.status !== "inviting" || round.invitedAt !== null) return doneBefore
        yield* repo.setStatus(round.id, "cancelled", "closed_at", now)
        yield* Effect.logWarning(
          `Round ${interest.code} ${round.startsOn}: its invitations were not sent before the match time; called off`,
        )
        return { outcome: "cancelled" as const, messages: 0 }
      }),
    )

  const run = (interest: MatchingInterest, round: Round, step: Step) => {
    switch (step) {
      case "invite":
        return invite(interest, round, cycleOf(settings, round.startsOn))
      case "match":
        return match(interest, round)
      case "remind":
        return remind(interest, round)
      case "feedback":
        return feedback(interest, round)
      case "close":
        return close(interest, round)
    }
  }

  /** The step of the round due at `now`, if any. */
  const dueStepOf = (round: Round, now: Date): Option.Option<Step | "cancel"> => {
    const cycle = cycleOf(settings, round.startsOn)
    if (round.status === "inviting") {
      if (round.invitedAt === null) {
        if (now >= cycle.match) return Option.some("cancel")
        return now >= cycle.invite ? Option.some("invite") : Option.none()
      }
      return now >= cycle.match ? Option.some("match") : Option.none()
    }
    if (round.status !== "matched") return Option.none()
    if (round.feedbackAt !== null) return now >= cycle.close ? Option.some("close") : Option.none()
    if (now >= cycle.feedback) return Option.some("feedback")
    if (round.remindedAt === null && Option.isSome(cycle.remind) && now >= cycle.remind.value) {
      return Option.some("remind")
    }
    return Option.none()
  }

  /**
   * Everything due now, in order: the next cycle's round is made once its invitation time has
   * come, then each open round is taken through every step that is due (a process that was down
   * catches up).
   */
  const runDue: Effect.Effect<ReadonlyArray<StepRun>, DatabaseError> = Effect.gen(function* () {
    const now = new Date(yield* Clock.currentTimeMillis)
    const interests = yield* repo.matchingInterests
    const byId = new Map(interests.map((interest) => [interest.id as number, interest]))
    for (const interest of interests) {
      const cycle = nextCycle(settings, interest.scheduleFrequency, now)
      if (now >= cycle.invite) yield* repo.ensureRound(interest.id, cycle.startsOn)
    }
    const runs: Array<StepRun> = []
    for (const round of yield* repo.openRounds) {
      const interest = byId.get(round.interestId)
      if (interest === undefined) continue // No longer a matching interest: left as it is.
      let current = round
      for (let i = 0; i < 5; i++) {
        const due = dueStepOf(current, now)
        if (Option.isNone(due)) break
        const result =
          due.value === "cancel"
            ? yield* cancel(interest, current)
            : yield* run(interest, current, due.value)
        runs.push(result)
        if (result.outcome !== "done") break
        const fresh = yield* orDatabaseError(repo.getRound(current.id))
        if (Option.isNone(fresh)) break
        current = fresh.value
      }
    }
    return runs
  })

  /**
   * Runs a step of the interest's current round now, whatever the time: the named one, or the one
   * that comes next. With no open round, "invite" (or no step) starts the next cycle's round.
   */
  const runNow = (interest: MatchingInterest, step: Option.Option<Step>) =>
    Effect.gen(function* () {
      const now = new Date(yield* Clock.currentTimeMillis)
      const open = (yield* repo.openRounds).filter((round) => round.interestId === interest.id)
      let round = open.at(-1)
      if (round === undefined) {
        // The latest round is over (or there is none): the next one, after it.
        const [latest] = yield* orDatabaseError(
          repo.roundsOf({ interestId: interest.id, limit: 1 }),
        )
        if (latest !== undefined && !isOver(latest)) {
          // Another process made it since the read above: its round, not the cycle after it.
          round = latest
        } else {
          const cycle = cycleAfter(settings, interest.scheduleFrequency, now, latest?.startsOn)
          round = yield* repo.ensureRound(interest.id, cycle.startsOn)
        }
      } else if (Option.contains(step, "invite") && round.invitedAt !== null) {
        const cycle = nextCycle(settings, interest.scheduleFrequency, now)
        round = yield* repo.ensureRound(interest.id, cycle.startsOn)
      }
      const next = nextStepOf(round, cycleOf(settings, round.startsOn))
      if (
        Option.isSome(step) &&
        Option.isSome(next) &&
        steps.indexOf(step.value) > steps.indexOf(next.value) &&
        // The reminder may be left out.
        !(next.value === "remind" && step.value === "feedback")
      ) {
        return {
          interest: interest.code,
          startsOn: round.startsOn,
          step: step.value,
          outcome: "not-yet" as const,
          messages: 0,
        }
      }
      const chosen = Option.orElse(step, () => next)
      if (Option.isNone(chosen)) {
        return {
          interest: interest.code,
          startsOn: round.startsOn,
          step: "close" as Step,
          ...doneBefore,
        }
      }
      return yield* run(interest, round, chosen.value)
    })

  return { runDue, runNow, placementFor, nextStepOf, dueStepOf } as const
}
