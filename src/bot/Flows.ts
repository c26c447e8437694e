/**
 * What the bot does with each thing a user sends or presses: Effect programs over the cached
 * repositories and the sessions, made once with their services (`makeFlows`). They decide and
 * draw through `Views`; the `Reply` they are given talks to Telegram. Expected failures that have
 * a meaning for the user (a gone activity, a retired interest, an expired session) are answered
 * here; a database outage is left to the caller, which answers "temporarily unavailable" for
 * every flow alike.
 *
 * Here: recognition, the session read and stored once, commands and the dispatch of buttons, the
 * menu, onboarding, profile and help. Interests: `src/interests/InterestFlows.ts`; activities:
 * `src/activities/ActivityFlows.ts`; admins: `src/admins/AdminFlows.ts`.
 */
import { Effect, Option } from "effect"
import { makeActivityFlows } from "../activities/ActivityFlows"
import { ActivityRepo } from "../activities/ActivityRepo"
import { makeAdminFlows } from "../admins/AdminFlows"
import { BotConfig } from "../config"
import type { TelegramId } from "../domain/Ids"
import type { Employee, Locale } from "../domain/Models"
import { EmployeeRepo } from "../employees/EmployeeRepo"
import { makeInterestFlows } from "../interests/InterestFlows"
import { InterestRepo } from "../interests/InterestRepo"
import { makeRoundFlows } from "../rounds/RoundFlows"
import { handledAlready, Session, Sessions, withUpdate } from "../sessions/Sessions"
import { type Action, decodeAction } from "./CallbackData"
import { messagesFor, spokenLocaleOf } from "./Messages"
import * as Views from "./Views"
import { type FlowError, pendingOf, type Reply, sessionUpdate, show, type Visit } from "./Visit"

export type { FlowError, Reply } from "./Visit"

/** One update, reduced to what the flows need. */
export interface Incoming {
  /** Telegram's id of the update: a repeated delivery has the same. */
  readonly updateId: number
  readonly from: {
    readonly telegramId: TelegramId
    readonly username: string | undefined
    readonly firstName: string
    readonly languageCode: string | undefined
  }
  readonly input:
    | { readonly _tag: "Command"; readonly name: string }
    | { readonly _tag: "Text"; readonly text: string }
    /** A sticker, a photo, a voice message…: anything but text. */
    | { readonly _tag: "OtherMessage" }
    /** `foreign`: the button is on a message of someone else's chat. */
    | { readonly _tag: "Button"; readonly data: string; readonly foreign: boolean }
}

export const makeFlows = Effect.gen(function* () {
  const config = yield* BotConfig
  const employees = yield* EmployeeRepo
  const interestRepo = yield* InterestRepo
  const activityRepo = yield* ActivityRepo
  const sessions = yield* Sessions
  const interests = yield* makeInterestFlows
  const activities = yield* makeActivityFlows
  const roundFlows = yield* makeRoundFlows
  const admin = yield* makeAdminFlows

  /**
   * Serves one update; says whether it was handled or was a repeat of one handled before (which
   * does nothing).
   */
  const respond = (
    incoming: Incoming,
    reply: Reply,
  ): Effect.Effect<"handled" | "redelivered", FlowError> =>
    Effect.gen(function* () {
      const spoken = spokenLocaleOf(incoming.from.languageCode)
      const locale = spoken ?? config.defaultLocale
      const t = messagesFor(locale)
      const { input } = incoming

      // Someone else's button says nothing about them and changes nothing.
      if (input._tag === "Button" && input.foreign) {
        yield* reply.notice(t.foreignButton, { alert: true })
        return "handled"
      }

      const recognition = yield* employees.recognize({
        telegramId: incoming.from.telegramId,
        username: incoming.from.username,
      })

      if (recognition._tag !== "Recognized") {
        yield* sessions.clear(incoming.from.telegramId)
        yield* reply.notice(
          recognition._tag === "Inactive"
            ? t.deactivated(config.adminContact)
            : t.unknownUser(config.adminContact),
          { alert: input._tag === "Button" },
        )
        return "handled"
      }

      yield* rememberLocale(recognition.employee, spoken)

      // Read without renewing: the session is stored at the end of every update (which renews its
      // two hours), so the read can come from the process's copy.
      const stored = yield* sessions.read(incoming.from.telegramId)
      // Telegram sent this update again (it got no answer in time): it was applied, and the session
      // stored after it says so. Nothing is done twice, nothing is sent twice.
      if (Option.isSome(stored) && handledAlready(stored.value, incoming.updateId)) {
        return "redelivered"
      }
      const draft = {
        session: Option.isSome(stored) ? stored.value : yield* sessions.fresh,
        changed: false,
      }
      const visit: Visit = {
        employee: recognition.employee,
        firstName: incoming.from.firstName,
        telegramId: incoming.from.telegramId,
        locale,
        t,
        reply,
        // A session of another employee (the account was linked anew) is not this user's.
        session: Option.filter(stored, (session) => session.employeeId === recognition.employee.id),
        draft,
      }
      // One write of the session per update, whatever the flow did to it and however it ended: it
      // records the update's id with what the update changed, and renews the session's two hours.
      yield* route(visit, input, recognition.linked).pipe(
        Effect.ensuring(
          Effect.suspend(() => {
            const session = draft.session
            return Effect.asVoid(
              sessions.set(
                incoming.from.telegramId,
                new Session(
                  {
                    ...session,
                    recentUpdates: withUpdate(session.recentUpdates, incoming.updateId),
                  },
                  true,
                ),
              ),
            )
          }),
        ),
      )
      return "handled"
    }).pipe(Effect.withSpan("Flows.respond", { captureStackTrace: false }))

  /**
   * Keeps the language the employee writes in, for what the bot sends them unasked (rounds,
   * notices): a write only when Telegram names a language the bot speaks and it is not the one
   * stored, so an ordinary update costs a comparison. Failing to store it fails nothing else.
   */
  const rememberLocale = (employee: Employee, spoken: Locale | null) =>
    spoken === null || spoken === employee.locale
      ? Effect.void
      : employees
          .rememberLocale(employee, spoken)
          .pipe(
            Effect.catchAll((error) =>
              Effect.logWarning("Could not remember the employee's language", error),
            ),
          )

  const route = (
    visit: Visit,
    input: Incoming["input"],
    linked: boolean,
  ): Effect.Effect<void, FlowError> =>
    Effect.gen(function* () {
      const { reply, t } = visit
      switch (input._tag) {
        case "Command":
          yield* sessionUpdate(visit, { lastCommand: input.name })
          switch (input.name) {
            case "start":
              return yield* linked ? showOnboarding(visit) : showMenu(visit)
            case "menu":
              return yield* showMenu(visit)
            case "preferences":
              return yield* interests.showInterests(visit)
            case "help":
              return yield* show(visit, "help", Views.helpIndex(t))
            default:
              return yield* reply.notice(t.commandList)
          }
        case "Text": {
          // An admin's conversation takes the text as its answer; any other text is as before.
          if (Option.isSome(visit.session) && admin.waitsForText(visit.session.value.step)) {
            return yield* admin.text(visit, visit.session.value, input.text)
          }
          const waiting = Option.filter(
            visit.session,
            (session) => session.step === "feedback-comment",
          )
          if (Option.isSome(waiting) && waiting.value.commentFor !== null) {
            return yield* roundFlows.comment(visit, waiting.value.commentFor, input.text)
          }
          return yield* reply.notice(t.commandList)
        }
        case "OtherMessage":
          return yield* reply.notice(t.commandList)
        case "Button": {
          const action = decodeAction(input.data)
          if (Option.isNone(action)) return yield* reply.notice(t.unknownButton, { alert: true })
          yield* sessionUpdate(visit, { lastCallback: input.data })
          return yield* press(visit, action.value)
        }
      }
    })

  const showOnboarding = (visit: Visit) =>
    show(visit, "onboarding", Views.onboarding(visit.t, visit.firstName))

  /** The main menu; leaving for it ends any admin conversation. */
  const showMenu = (visit: Visit) =>
    Effect.gen(function* () {
      const pending = pendingOf(visit)
      const adminButton = yield* admin.menuButton(visit)
      yield* sessionUpdate(visit, { adminTask: null })
      yield* show(
        visit,
        "idle",
        Views.mainMenu(
          visit.t,
          visit.firstName,
          pending.enable.length + pending.disable.length,
          Option.getOrUndefined(adminButton),
        ),
      )
    })

  const showProfile = (visit: Visit) =>
    Effect.gen(function* () {
      const [person, active, counts, matches] = yield* Effect.all(
        [
          employees.getProfile(visit.employee.id),
          interestRepo.activeInterests(visit.employee.id),
          activityRepo.activityCounts(visit.employee.id),
          roundFlows.currentMatches(visit.employee.id),
        ],
        { concurrency: "unbounded" },
      )
      yield* show(
        visit,
        "idle",
        Views.profile(visit.t, visit.locale, person, active, counts, matches),
      )
    })

  const press = (visit: Visit, action: Action): Effect.Effect<void, FlowError> => {
    switch (action._tag) {
      case "Open":
        switch (action.screen) {
          case "menu":
            return showMenu(visit)
          case "profile":
            return showProfile(visit).pipe(
              // Recognised a moment ago: the row went in between; the next update refuses them.
              Effect.catchTag("EmployeeNotFound", () => visit.reply.notice(visit.t.unknownButton)),
            )
          case "interests":
            return interests.showInterests(visit)
          case "activities":
            return activities.showActivities(visit)
          case "achievements":
            return activities.showAchievements(visit)
          case "settings":
            return interests.showSettings(visit)
        }
        break
      case "ToggleInterest":
        return interests.toggleInterest(visit, action.interestId)
      case "SaveInterests":
        return interests.saveInterests(visit)
      case "AskUnsubscribeAll":
        return interests.askUnsubscribeAll(visit)
      case "ConfirmUnsubscribeAll":
        return interests.confirmUnsubscribeAll(visit)
      case "HelpIndex":
        return show(visit, "help", Views.helpIndex(visit.t))
      case "Help":
        return show(visit, "help", Views.helpTopic(visit.t, action.topic, config.adminContact))
      case "ActivityDetails":
        return activities.showActivity(visit, action.activityId)
      case "Join":
        return activities.join(visit, action.activityId)
      case "Leave":
        return activities.leave(visit, action.activityId)
      case "ToggleNotifications":
        return interests.toggleNotifications(visit, action.interestId)
      case "SetFrequency":
        return interests.setFrequency(visit, action.interestId, action.frequency)
      case "TogglePause":
        return roundFlows
          .togglePause(visit, action.interestId)
          .pipe(
            Effect.flatMap((changed) =>
              changed ? interests.showSettings(visit) : visit.reply.notice(visit.t.unknownButton),
            ),
          )
      case "RoundAnswer":
        return roundFlows.answerInvite(visit, action.roundId, action.answer)
      case "MatchResponse":
        return roundFlows.respond(visit, action.matchId, action.response)
      case "MatchMet":
        return roundFlows.reportMet(visit, action.matchId, action.met)
      case "MatchRate":
        return roundFlows.rate(visit, action.matchId, action.rating)
      case "NotifyMe":
        return activities.notifyMe(visit, action.activityId)
      case "TakePlace":
        return activities.takePlace(visit, action.activityId)
      case "Admin":
        return admin.press(visit, action.action)
    }
  }

  return { respond } as const
})
