/**
 * The interests a user picks, in the bot: the interests screen with its pending changes (toggled
 * in the session, written by Save), unsubscribing from everything, and how often each interest's
 * new activities are told, on the Settings screen.
 */
import { Effect, Option } from "effect"
import type { FrequencyChoice } from "../bot/CallbackData"
import * as Views from "../bot/Views"
import { type FlowError, pendingOf, sessionUpdate, show, type Visit } from "../bot/Visit"
import type { EmployeeId, InterestId } from "../domain/Ids"
import { RoundAnswers } from "../rounds/Rounds"
import {
  asChanges,
  noPendingInterests,
  type Session,
  type SessionStep,
  togglePending,
} from "../sessions/Sessions"
import { InterestRepo } from "./InterestRepo"

/** The steps on which a press on the interests screen counts. */
const interestSteps: ReadonlyArray<SessionStep> = ["interests", "confirm-unsubscribe"]

export const makeInterestFlows = Effect.gen(function* () {
  const repo = yield* InterestRepo
  const rounds = yield* RoundAnswers

  const activeInterestIds = (employeeId: EmployeeId) =>
    Effect.map(
      repo.activeInterests(employeeId),
      (interests) => new Set(interests.map((interest) => interest.id)),
    )

  /** The interests screen with the given pending changes (the session's by default). */
  const showInterests = (
    visit: Visit,
    options: {
      readonly notice?: string
      readonly pending?: Session["pendingInterests"]
      /** The active interests, when the flow has them already (a Save returns them). */
      readonly active?: ReadonlySet<InterestId>
    } = {},
  ) =>
    Effect.gen(function* () {
      const pending = options.pending ?? pendingOf(visit)
      const catalogue = yield* repo.interestCatalogue
      const active = options.active ?? (yield* activeInterestIds(visit.employee.id))
      yield* sessionUpdate(visit, { step: "interests", pendingInterests: pending })
      yield* visit.reply.show(
        Views.interests(visit.t, visit.locale, catalogue, active, pending, options.notice),
      )
    })

  /**
   * A press on the interests screen only counts against a live session on that screen: after the
   * session expired, or from an old message, the user gets the current screen and nothing changes.
   */
  const withInterestSession = (
    visit: Visit,
    steps: ReadonlyArray<SessionStep>,
    work: (session: Session) => Effect.Effect<void, FlowError>,
  ) =>
    Option.match(visit.session, {
      onNone: () =>
        visit.reply
          .notice(visit.t.interests.expired, { alert: true })
          .pipe(Effect.zipRight(showInterests(visit, { pending: noPendingInterests }))),
      onSome: (session) =>
        steps.includes(session.step)
          ? work(session)
          : visit.reply
              .notice(visit.t.interests.outdated)
              .pipe(Effect.zipRight(showInterests(visit, { pending: noPendingInterests }))),
    })

  const toggleInterest = (visit: Visit, interestId: InterestId) =>
    withInterestSession(visit, interestSteps, (session) =>
      Effect.gen(function* () {
        const catalogue = yield* repo.interestCatalogue
        if (!catalogue.some((interest) => interest.id === interestId)) {
          yield* visit.reply.notice(visit.t.interests.unknownInterest)
          return yield* showInterests(visit)
        }
        const active = yield* activeInterestIds(visit.employee.id)
        yield* showInterests(visit, {
          pending: togglePending(session.pendingInterests, interestId, active.has(interestId)),
          active,
        })
      }),
    )

  const saveInterests = (visit: Visit) =>
    withInterestSession(visit, ["interests"], (session) =>
      Effect.gen(function* () {
        const changes = asChanges(session.pendingInterests)
        if (changes.enable.length + changes.disable.length === 0) {
          yield* visit.reply.notice(visit.t.interests.nothingToSave)
          return yield* showInterests(visit)
        }
        yield* repo
          .applyInterestChanges(visit.employee.id, changes, visit.employee.telegramId)
          .pipe(
            Effect.flatMap((active) =>
              showInterests(visit, {
                pending: noPendingInterests,
                notice: visit.t.interests.saved(changes.enable.length, changes.disable.length),
                active: new Set(active.map((interest) => interest.id)),
              }),
            ),
            // Retired since it was pressed: nothing was written; drop it from what is pending.
            Effect.catchTag("InterestNotFound", (error) =>
              showInterests(visit, {
                notice: visit.t.interests.retired,
                pending: {
                  enable: changes.enable.filter((id) => !error.interestIds.includes(id)),
                  disable: changes.disable.filter((id) => !error.interestIds.includes(id)),
                },
              }),
            ),
            // Cannot happen: the session never holds an interest on both sides.
            Effect.catchTag("ConflictingInterestChange", Effect.die),
            Effect.catchTag("EmployeeNotFound", Effect.die),
          )
      }),
    )

  const askUnsubscribeAll = (visit: Visit) =>
    Effect.gen(function* () {
      const active = yield* activeInterestIds(visit.employee.id)
      if (active.size === 0) {
        yield* visit.reply.notice(visit.t.interests.noneToUnsubscribe)
        return yield* showInterests(visit)
      }
      yield* show(visit, "confirm-unsubscribe", Views.confirmUnsubscribe(visit.t, active.size))
    })

  const confirmUnsubscribeAll = (visit: Visit) =>
    withInterestSession(visit, ["confirm-unsubscribe"], () =>
      Effect.gen(function* () {
        const active = yield* activeInterestIds(visit.employee.id)
        const after = yield* repo
          .applyInterestChanges(
            visit.employee.id,
            { enable: [], disable: [...active] },
            visit.employee.telegramId,
          )
          .pipe(
            Effect.catchTags({
              // Every id came from the employee's own active interests a moment ago.
              InterestNotFound: Effect.die,
              ConflictingInterestChange: Effect.die,
              EmployeeNotFound: Effect.die,
            }),
          )
        yield* showInterests(visit, {
          pending: noPendingInterests,
          notice: visit.t.interests.unsubscribed,
          active: new Set(after.map((interest) => interest.id)),
        })
      }),
    )

  const showSettings = (visit: Visit) =>
    Effect.gen(function* () {
      const [notifications, pauses] = yield* Effect.all(
        [repo.notificationSettings(visit.employee.id), rounds.pauseSettings(visit.employee.id)],
        { concurrency: "unbounded" },
      )
      yield* show(visit, "settings", Views.settings(visit.t, visit.locale, notifications, pauses))
    })

  const toggleNotifications = (visit: Visit, interestId: InterestId) =>
    Effect.gen(function* () {
      const current = (yield* repo.notificationSettings(visit.employee.id)).find(
        (setting) => setting.interestId === interestId,
      )
      if (current === undefined) {
        yield* visit.reply.notice(visit.t.unknownButton)
        return yield* showSettings(visit)
      }
      yield* repo
        .setNotifications(visit.employee.id, interestId, {
          receiveNotifications: !current.receiveNotifications,
        })
        .pipe(Effect.catchTag("NotSubscribed", () => visit.reply.notice(visit.t.unknownButton)))
      yield* showSettings(visit)
    })

  /**
   * Sets how often the user hears of an interest's new activities. The button names the choice
   * it sets (not "the next one"), so a press on an old Settings message sets what its label
   * promised, and pressing twice changes nothing more.
   */
  const setFrequency = (visit: Visit, interestId: InterestId, choice: FrequencyChoice) =>
    repo
      .setNotifications(
        visit.employee.id,
        interestId,
        choice === "off"
          ? { receiveNotifications: false }
          : { receiveNotifications: true, notificationFrequency: choice },
      )
      .pipe(
        Effect.flatMap((setting) =>
          visit.reply.notice(
            visit.t.settings.frequencySet(
              Views.interestName(setting, visit.locale),
              Views.frequencyOf(setting),
            ),
          ),
        ),
        Effect.catchTag("NotSubscribed", () => visit.reply.notice(visit.t.unknownButton)),
        Effect.zipRight(showSettings(visit)),
      )

  return {
    showInterests,
    toggleInterest,
    saveInterests,
    askUnsubscribeAll,
    confirmUnsubscribeAll,
    showSettings,
    toggleNotifications,
    setFrequency,
  } as const
})
