/**
 * What the bot does with each thing a user sends or presses (DESIGN.md "Bot"): Effect programs
 * over the cached repository and the sessions. They decide and draw through `Views`; the
 * `Reply` they are given talks to Telegram. Expected failures that have a meaning for the user
 * (a gone activity, a retired interest, an expired session) are answered here; a database
 * outage is left to the caller, which answers "temporarily unavailable" for every flow alike.
 */
import { Clock, Effect, Option } from "effect"
import { BotConfig, type Locale } from "../config"
import { achievementsOf, currentStreakWeeks } from "../domain/Achievements"
import type { DatabaseError } from "../domain/Errors"
import type { ActivityId, EmployeeId, InterestId, TelegramId } from "../domain/Ids"
import type { Employee } from "../domain/Models"
import { CachedEmployeeRepo } from "../employees/CachedEmployeeRepo"
import {
  asChanges,
  handledAlready,
  noPendingInterests,
  Session,
  type SessionStep,
  Sessions,
  togglePending,
  withUpdate,
} from "../sessions/Sessions"
import { type Action, decodeAction } from "./CallbackData"
import { type Catalogue, localeOf, messagesFor } from "./Messages"
import type { TelegramError } from "./Telegram"
import * as Views from "./Views"

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
    | { readonly _tag: "Text" }
    /** A sticker, a photo, a voice message…: anything but text. */
    | { readonly _tag: "OtherMessage" }
    /** `foreign`: the button is on a message of someone else's chat. */
    | { readonly _tag: "Button"; readonly data: string; readonly foreign: boolean }
}

/** How a flow answers: the caller knows whether it answers a message or a button press. */
export interface Reply {
  /** Shows a screen: in place of the pressed message, or as a new message. */
  readonly show: (view: Views.View) => Effect.Effect<void, TelegramError>
  /** A short notice: the button's pop-up, or a message when the user wrote. */
  readonly notice: (
    text: string,
    options?: { readonly alert?: boolean },
  ) => Effect.Effect<void, TelegramError>
}

export type FlowError = DatabaseError | TelegramError

export type FlowContext = CachedEmployeeRepo | Sessions | BotConfig

/** Everything a flow needs about the user it serves. */
interface Visit {
  readonly employee: Employee
  readonly firstName: string
  readonly telegramId: TelegramId
  readonly locale: Locale
  readonly t: Catalogue
  readonly reply: Reply
  /** The session as it was when the update arrived (`None`: none, or expired). */
  readonly session: Option.Option<Session>
  /** The session as this update leaves it: changed in memory, stored once at the end. */
  readonly draft: { session: Session; changed: boolean }
}

export const respond = (
  incoming: Incoming,
  reply: Reply,
): Effect.Effect<"handled" | "redelivered", FlowError, FlowContext> =>
  Effect.gen(function* () {
    const config = yield* BotConfig
    const repo = yield* CachedEmployeeRepo
    const sessions = yield* Sessions
    const locale = localeOf(incoming.from.languageCode, config.defaultLocale)
    const t = messagesFor(locale)
    const { input } = incoming

    // Someone else's button says nothing about them and changes nothing.
    if (input._tag === "Button" && input.foreign) {
      yield* reply.notice(t.foreignButton, { alert: true })
      return "handled"
    }

    const recognition = yield* repo.recognize({
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
  })

const route = (
  visit: Visit,
  input: Incoming["input"],
  linked: boolean,
): Effect.Effect<void, FlowError, FlowContext> =>
  Effect.gen(function* () {
    const { reply, t } = visit
    switch (input._tag) {
      case "Command":
        yield* remember(visit, { lastCommand: input.name })
        switch (input.name) {
          case "start":
            return yield* linked ? showOnboarding(visit) : showMenu(visit)
          case "menu":
            return yield* showMenu(visit)
          case "preferences":
            return yield* showInterests(visit)
          case "help":
            return yield* show(visit, "help", Views.helpIndex(t))
          default:
            return yield* reply.notice(t.commandList)
        }
      case "Text":
      case "OtherMessage":
        return yield* reply.notice(t.commandList)
      case "Button": {
        const action = decodeAction(input.data)
        if (Option.isNone(action)) return yield* reply.notice(t.unknownButton, { alert: true })
        yield* remember(visit, { lastCallback: input.data })
        return yield* press(visit, action.value)
      }
    }
  })

// -- sessions -------------------------------------------------------------------------------

const sessionUpdate = (
  visit: Visit,
  change: Partial<Pick<Session, "step" | "pendingInterests" | "lastCommand" | "lastCallback">>,
) =>
  Effect.sync(() => {
    const session = visit.draft.session
    visit.draft.session = new Session(
      {
        ...session,
        // A session left by another employee starts over.
        ...(session.employeeId === visit.employee.id
          ? {}
          : { step: "idle" as const, pendingInterests: noPendingInterests }),
        employeeId: visit.employee.id,
        ...change,
      },
      // Every field comes from a decoded session or from the flows' own typed values.
      true,
    )
    visit.draft.changed = true
  })

const remember = (visit: Visit, change: { lastCommand?: string; lastCallback?: string }) =>
  sessionUpdate(visit, change)

const show = (visit: Visit, step: SessionStep, view: Views.View) =>
  sessionUpdate(visit, { step }).pipe(Effect.zipRight(visit.reply.show(view)))

const pendingOf = (visit: Visit) =>
  Option.match(visit.session, {
    onNone: () => noPendingInterests,
    onSome: (session) => session.pendingInterests,
  })

// -- screens --------------------------------------------------------------------------------

const showOnboarding = (visit: Visit) =>
  show(visit, "onboarding", Views.onboarding(visit.t, visit.firstName))

const showMenu = (visit: Visit) =>
  Effect.gen(function* () {
    const pending = pendingOf(visit)
    yield* show(
      visit,
      "idle",
      Views.mainMenu(visit.t, visit.firstName, pending.enable.length + pending.disable.length),
    )
  })

const activeInterestIds = (employeeId: EmployeeId) =>
  Effect.flatMap(CachedEmployeeRepo, (repo) =>
    Effect.map(
      repo.activeInterests(employeeId),
      (interests) => new Set(interests.map((interest) => interest.id)),
    ),
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
    const repo = yield* CachedEmployeeRepo
    const pending = options.pending ?? pendingOf(visit)
    const catalogue = yield* repo.interestCatalogue
    const active = options.active ?? (yield* activeInterestIds(visit.employee.id))
    yield* sessionUpdate(visit, { step: "interests", pendingInterests: pending })
    yield* visit.reply.show(
      Views.interests(visit.t, visit.locale, catalogue, active, pending, options.notice),
    )
  })

const showProfile = (visit: Visit) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const [person, interests, counts] = yield* Effect.all(
      [
        repo.getProfile(visit.employee.id),
        repo.activeInterests(visit.employee.id),
        repo.activityCounts(visit.employee.id),
      ],
      { concurrency: "unbounded" },
    )
    yield* show(visit, "idle", Views.profile(visit.t, visit.locale, person, interests, counts))
  })

const showActivities = (visit: Visit) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const config = yield* BotConfig
    const [catalogue, upcoming] = yield* Effect.all(
      [repo.interestCatalogue, repo.upcomingActivities(visit.employee.id, { limit: 10 })],
      { concurrency: "unbounded" },
    )
    yield* show(
      visit,
      "activities",
      Views.activityList(visit.t, visit.locale, config.timeZone, catalogue, upcoming),
    )
  })

const showActivity = (visit: Visit, activityId: ActivityId, notice?: string) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const config = yield* BotConfig
    const [catalogue, activity, participants] = yield* Effect.all(
      [repo.interestCatalogue, repo.getActivity(activityId), repo.participants(activityId)],
      { concurrency: "unbounded" },
    )
    const joined = participants.some((holder) => holder.employeeId === visit.employee.id)
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* show(
      visit,
      "activities",
      Views.activityDetails(
        visit.t,
        visit.locale,
        config.timeZone,
        catalogue,
        // The count from the participants read, so the screen agrees with itself.
        { ...activity, participantCount: participants.length },
        joined,
        now,
        notice,
      ),
    )
  }).pipe(
    Effect.catchTag("ActivityNotFound", () =>
      visit.reply.notice(visit.t.activities.gone).pipe(Effect.zipRight(showActivities(visit))),
    ),
  )

const showAchievements = (visit: Visit) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const history = yield* repo.participationHistory(visit.employee.id)
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* show(
      visit,
      "idle",
      Views.achievements(visit.t, achievementsOf(history, now), currentStreakWeeks(history, now)),
    )
  })

const showSettings = (visit: Visit) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const notifications = yield* repo.notificationSettings(visit.employee.id)
    yield* show(visit, "settings", Views.settings(visit.t, visit.locale, notifications))
  })

// -- buttons --------------------------------------------------------------------------------

const interestSteps: ReadonlyArray<SessionStep> = ["interests", "confirm-unsubscribe"]

/**
 * A press on the interests screen only counts against a live session on that screen: after the
 * session expired, or from an old message, the user gets the current screen and nothing changes.
 */
const withInterestSession = (
  visit: Visit,
  steps: ReadonlyArray<SessionStep>,
  work: (session: Session) => Effect.Effect<void, FlowError, FlowContext>,
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
      const repo = yield* CachedEmployeeRepo
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
      const repo = yield* CachedEmployeeRepo
      const changes = asChanges(session.pendingInterests)
      if (changes.enable.length + changes.disable.length === 0) {
        yield* visit.reply.notice(visit.t.interests.nothingToSave)
        return yield* showInterests(visit)
      }
      yield* repo.applyInterestChanges(visit.employee.id, changes, visit.employee.telegramId).pipe(
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
      const repo = yield* CachedEmployeeRepo
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

const join = (visit: Visit, activityId: ActivityId) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const outcome = yield* repo.join(activityId, visit.employee.id)
    const { activities } = visit.t
    const notice =
      outcome._tag === "Joined"
        ? activities.joined
        : outcome._tag === "AlreadyJoined"
          ? activities.alreadyJoined
          : outcome._tag === "Full"
            ? activities.full
            : activities.notOpen
    yield* visit.reply.notice(notice, { alert: outcome._tag === "Full" })
    yield* showActivity(visit, activityId)
  }).pipe(
    Effect.catchTags({
      ActivityNotFound: () =>
        visit.reply.notice(visit.t.activities.gone).pipe(Effect.zipRight(showActivities(visit))),
      // Recognised a moment ago; gone now: treat as the next update would.
      EmployeeNotFound: Effect.die,
    }),
  )

const leave = (visit: Visit, activityId: ActivityId) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
    const outcome = yield* repo.leave(activityId, visit.employee.id)
    const { activities } = visit.t
    yield* visit.reply.notice(
      outcome._tag === "Left"
        ? activities.left
        : outcome._tag === "NotJoined"
          ? activities.notJoined
          : activities.notOpen,
    )
    yield* showActivity(visit, activityId)
  }).pipe(
    Effect.catchTag("ActivityNotFound", () =>
      visit.reply.notice(visit.t.activities.gone).pipe(Effect.zipRight(showActivities(visit))),
    ),
  )

const toggleNotifications = (visit: Visit, interestId: InterestId) =>
  Effect.gen(function* () {
    const repo = yield* CachedEmployeeRepo
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

const press = (visit: Visit, action: Action): Effect.Effect<void, FlowError, FlowContext> => {
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
          return showInterests(visit)
        case "activities":
          return showActivities(visit)
        case "achievements":
          return showAchievements(visit)
        case "settings":
          return showSettings(visit)
      }
      break
    case "ToggleInterest":
      return toggleInterest(visit, action.interestId)
    case "SaveInterests":
      return saveInterests(visit)
    case "AskUnsubscribeAll":
      return askUnsubscribeAll(visit)
    case "ConfirmUnsubscribeAll":
      return confirmUnsubscribeAll(visit)
    case "HelpIndex":
      return show(visit, "help", Views.helpIndex(visit.t))
    case "Help":
      return Effect.flatMap(BotConfig, (config) =>
        show(visit, "help", Views.helpTopic(visit.t, action.topic, config.adminContact)),
      )
    case "ActivityDetails":
      return showActivity(visit, action.activityId)
    case "Join":
      return join(visit, action.activityId)
    case "Leave":
      return leave(visit, action.activityId)
    case "ToggleNotifications":
      return toggleNotifications(visit, action.interestId)
  }
}
