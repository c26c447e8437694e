/**
 * What the bot does with the buttons of pairing rounds (on the invitations, intros and feedback
 * questions the outbox sent) and with the pause switches of Settings. The answers themselves are
 * `Rounds`' (src/rounds/Answers.ts); here they are drawn in place of the message pressed, in the
 * person's own language.
 */
import { Effect } from "effect"
import type { InlineKeyboardMarkup } from "grammy/types"
import { Action } from "../bot/CallbackData"
import { actionKeyboard, formatDay, formatWhen, interestName, type View } from "../bot/Views"
import { type FlowError, sessionUpdate, type Visit } from "../bot/Visit"
import type { InterestId, MatchId, RoundId } from "../domain/Ids"
import type { MatchOutcome } from "./Answers"
import { RoundAnswers } from "./Rounds"
import { type Answer, roundTexts } from "./RoundTexts"

const noButtons: InlineKeyboardMarkup = { inline_keyboard: [] }

export const makeRoundFlows = Effect.gen(function* () {
  const rounds = yield* RoundAnswers
  const { timeZone } = rounds

  const answerInvite = (
    visit: Visit,
    roundId: RoundId,
    answer: Answer,
  ): Effect.Effect<void, FlowError> =>
    Effect.gen(function* () {
      const rt = roundTexts(visit.locale)
      const outcome = yield* rounds.answer(roundId, visit.employee.id, answer)
      switch (outcome._tag) {
        case "NotInvited":
          return yield* visit.reply.notice(rt.notInvited, { alert: true })
        case "Closed":
          return yield* visit.reply.notice(rt.answersClosed, { alert: true })
        case "Recorded": {
          const until = formatWhen(outcome.matchAt, visit.locale, timeZone)
          const view: View = {
            text: rt.answered(
              answer,
              interestName(outcome.interest, visit.locale),
              until,
              outcome.pausedUntil === null ? "" : formatDay(outcome.pausedUntil, visit.locale),
            ),
            // Until the match time, another answer replaces this one.
            keyboard: actionKeyboard(
              (["in", "skip", "pause"] as const)
                .filter((other) => other !== answer)
                .map((other) => [
                  [
                    other === "in"
                      ? rt.buttonIn
                      : other === "skip"
                        ? rt.buttonSkip
                        : rt.buttonPause,
                    Action.RoundAnswer({ roundId, answer: other }),
                  ],
                ]),
            ),
          }
          return yield* visit.reply.show(view)
        }
      }
    })

  /**
   * An answer about a match: a press on someone else's match, or on a round that no longer takes
   * it, gets a pop-up and changes nothing; a recorded one is shown by `recorded`.
   */
  const onMatch = <A>(
    visit: Visit,
    answer: Effect.Effect<MatchOutcome<A>, FlowError>,
    recorded: (
      outcome: Extract<MatchOutcome<A>, { _tag: "Recorded" }>,
    ) => Effect.Effect<void, FlowError>,
  ) =>
    Effect.gen(function* () {
      const rt = roundTexts(visit.locale)
      const outcome = yield* answer
      switch (outcome._tag) {
        case "NotYours":
          return yield* visit.reply.notice(rt.notYourMatch, { alert: true })
        case "Closed":
          return yield* visit.reply.notice(rt.roundClosed, { alert: true })
        case "Recorded":
          return yield* recorded(outcome as Extract<MatchOutcome<A>, { _tag: "Recorded" }>)
      }
    })

  const respond = (visit: Visit, matchId: MatchId, response: "confirmed" | "declined") =>
    onMatch(visit, rounds.respond(matchId, visit.employee.id, response), (outcome) => {
      const rt = roundTexts(visit.locale)
      const name = interestName(outcome.interest, visit.locale)
      return visit.reply.notice(response === "confirmed" ? rt.confirmed(name) : rt.declined(name), {
        alert: true,
      })
    })

  const reportMet = (visit: Visit, matchId: MatchId, met: boolean) =>
    onMatch(visit, rounds.reportMet(matchId, visit.employee.id, met), () => {
      const rt = roundTexts(visit.locale)
      return visit.reply.show(
        met
          ? {
              text: rt.askRating,
              keyboard: actionKeyboard([
                [1, 2, 3, 4, 5].map((rating): [string, Action] => [
                  `${rating} ⭐`,
                  Action.MatchRate({ matchId, rating }),
                ]),
              ]),
            }
          : { text: rt.notMet, keyboard: noButtons },
      )
    })

  const rate = (visit: Visit, matchId: MatchId, rating: number) =>
    onMatch(visit, rounds.rate(matchId, visit.employee.id, rating), () =>
      sessionUpdate(visit, { step: "feedback-comment", commentFor: matchId }).pipe(
        Effect.zipRight(
          visit.reply.show({ text: roundTexts(visit.locale).rated(rating), keyboard: noButtons }),
        ),
      ),
    )

  /** A text after a rating: the comment on that match. */
  const comment = (visit: Visit, matchId: MatchId, text: string) =>
    Effect.gen(function* () {
      const rt = roundTexts(visit.locale)
      yield* sessionUpdate(visit, { step: "idle", commentFor: null })
      const outcome = yield* rounds.comment(matchId, visit.employee.id, text)
      yield* visit.reply.notice(outcome._tag === "Recorded" ? rt.commentSaved : rt.roundClosed)
    })

  const togglePause = (visit: Visit, interestId: InterestId) =>
    Effect.gen(function* () {
      const rt = roundTexts(visit.locale)
      const changed = yield* rounds.togglePause(visit.employee.id, interestId)
      if (changed._tag === "None") return false
      const name = interestName(changed.value.interest, visit.locale)
      yield* visit.reply.notice(
        changed.value.pausedUntil === null
          ? rt.resumed(name)
          : rt.paused(name, formatDay(changed.value.pausedUntil, visit.locale)),
      )
      return true
    })

  return {
    answerInvite,
    respond,
    reportMet,
    rate,
    comment,
    togglePause,
    pauseSettings: rounds.pauseSettings,
    currentMatches: rounds.currentMatches,
  } as const
})
