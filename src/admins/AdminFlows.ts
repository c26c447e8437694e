/**
 * 🛠 Admin in the bot (DESIGN.md "Organisers"): the admin menu, and every admin press and text
 * routed after a check of the presser's roles read now (`AdminRepo.rolesOf`, never cached), so a
 * revoked admin is refused at their next press and a forged admin button from anyone else gets a
 * clear refusal; nothing changes either way. The services check again in the transaction of each
 * change (`NotAllowed`), answered the same way.
 *
 * Here: the guard, the menu, 👥 Employees and 📊 Reports. ➕ New activity:
 * src/admins/DraftFlows.ts; 📋 Activities: src/admins/OrganiserFlows.ts.
 */
import { Clock, DateTime, Duration, Effect, Cache as EffectCache, Exit, Option } from "effect"
import type { AdminAction } from "../bot/CallbackData"
import { type FlowError, sessionUpdate, type Visit } from "../bot/Visit"
import { BotConfig } from "../config"
import type { NotAllowed } from "../domain/Errors"
import type { EmployeeId } from "../domain/Ids"
import type { Session, SessionStep } from "../sessions/Sessions"
import { AdminRepo } from "./AdminRepo"
import { adminTextsFor } from "./AdminTexts"
import * as AdminViews from "./AdminViews"
import { draftSteps, makeDraftFlows } from "./DraftFlows"
import { makeOrganiserFlows } from "./OrganiserFlows"
import { People } from "./People"
import * as PeopleViews from "./PeopleViews"
import type { Month } from "./Reports"
import { Reports } from "./Reports"
import * as ReportViews from "./ReportViews"
import { can, type Permission, type Roles } from "./Roles"

type AdminFlow = Effect.Effect<void, FlowError | NotAllowed>

/** What a press needs: "any" is any role at all (the admin menu). */
const permissionOf = (action: AdminAction): Permission | "any" => {
  switch (action._tag) {
    case "Menu":
      return "any"
    case "People":
    case "Person":
    case "AskDeactivate":
    case "SetActive":
      return "users"
    case "Reports":
    case "Report":
      return "reports"
    default:
      return "activities"
  }
}

/** The steps on which the next text answers an admin's question, and what answering needs. */
const textSteps: ReadonlyMap<SessionStep, Permission> = new Map<SessionStep, Permission>([
  ...draftSteps.map((step): [SessionStep, Permission] => [step, "activities"]),
  ["edit-value", "activities"],
  ["cancel-reason", "activities"],
  ["people-search", "users"],
])

/** Reports offer this month and the three before it. */
const monthsOffered = 4

/** How long a process keeps whether someone is an admin, for drawing the main menu. */
export const menuRolesTtl = Duration.seconds(30)

export const makeAdminFlows = Effect.gen(function* () {
  const adminRepo = yield* AdminRepo
  const people = yield* People
  const reports = yield* Reports
  const { timeZone } = yield* BotConfig
  const drafts = yield* makeDraftFlows
  const organiser = yield* makeOrganiserFlows

  const allows = (roles: Roles, permission: Permission | "any") =>
    permission === "any"
      ? can(roles, "activities") || can(roles, "users") || can(roles, "reports")
      : can(roles, permission)

  /**
   * Whether the main menu shows 🛠, per employee, kept in this process for `menuRolesTtl`: the
   * menu is among the most drawn screens, and a query for it on every draw cost every user a
   * statement (the pipeline benchmark measured +0.18 SQL per update). Showing the button is not
   * a permission: every admin press reads the roles now (`guarded`), and refreshes this entry
   * with what it read. A failed read is not kept.
   */
  const menuRoles = yield* EffectCache.makeWith({
    capacity: 10_000,
    lookup: (employeeId: EmployeeId) => adminRepo.rolesOf(employeeId),
    timeToLive: (exit) => (Exit.isSuccess(exit) ? menuRolesTtl : Duration.zero),
  })

  /** The main menu's 🛠 button, for admins only (a grant shows within `menuRolesTtl`). */
  const menuButton = (visit: Visit) =>
    Effect.map(menuRoles.get(visit.employee.id), (roles) =>
      Option.isSome(roles) && allows(roles.value, "any")
        ? Option.some(adminTextsFor(visit.locale).menuButton)
        : Option.none<string>(),
    )

  /**
   * Refuses a press or text the presser's roles do not allow (now): a pop-up, and an admin
   * conversation in progress ends, so their next text is an ordinary one. Nothing else changes.
   */
  const refuse = (visit: Visit, text: string) =>
    Effect.gen(function* () {
      const inConversation = Option.exists(visit.session, (session) => session.adminTask !== null)
      if (inConversation) yield* sessionUpdate(visit, { adminTask: null, step: "idle" })
      yield* visit.reply.notice(text, { alert: true })
    })

  const guarded = (
    visit: Visit,
    permission: Permission | "any",
    work: (roles: Roles) => AdminFlow,
  ): Effect.Effect<void, FlowError> =>
    Effect.gen(function* () {
      const at = adminTextsFor(visit.locale)
      const roles = yield* adminRepo.rolesOf(visit.employee.id)
      yield* menuRoles.set(visit.employee.id, roles)
      if (Option.isNone(roles)) return yield* refuse(visit, at.notAdmin)
      if (!allows(roles.value, permission)) return yield* refuse(visit, at.notAllowed)
      yield* work(roles.value)
    }).pipe(
      // Revoked between the check and the service's own: refused all the same.
      Effect.catchTag("NotAllowed", () => refuse(visit, adminTextsFor(visit.locale).notAdmin)),
    )

  const showMenu = (visit: Visit, roles: Roles, notice?: string) =>
    Effect.gen(function* () {
      if (notice !== undefined) yield* visit.reply.notice(notice)
      yield* sessionUpdate(visit, { step: "admin", adminTask: null })
      yield* visit.reply.show(AdminViews.adminMenu(adminTextsFor(visit.locale), visit.t, roles))
    })

  // -- 👥 Employees -------------------------------------------------------------------------

  const askSearch = (visit: Visit, problem?: string) =>
    sessionUpdate(visit, { step: "people-search", adminTask: { _tag: "FindPerson" } }).pipe(
      Effect.zipRight(
        visit.reply.show(PeopleViews.peopleSearch(adminTextsFor(visit.locale), problem)),
      ),
    )

  /** A text while a name is asked: the results, and a new text searches again. */
  const search = (visit: Visit, query: string) =>
    Effect.gen(function* () {
      const at = adminTextsFor(visit.locale)
      const cleaned = query.trim()
      if ([...cleaned].length < 2) return yield* askSearch(visit, at.people.tooShort)
      const found = yield* people.search(visit.employee.id, cleaned)
      if (found.length === 0) return yield* askSearch(visit, at.people.noneFound(cleaned))
      yield* visit.reply.show(PeopleViews.peopleFound(at, found))
    })

  const showPerson = (visit: Visit, employeeId: EmployeeId, notice?: string) =>
    people.get(visit.employee.id, employeeId).pipe(
      Effect.flatMap((card) =>
        sessionUpdate(visit, { step: "admin", adminTask: null }).pipe(
          Effect.zipRight(
            visit.reply.show(PeopleViews.personCard(adminTextsFor(visit.locale), card, notice)),
          ),
        ),
      ),
      Effect.catchTag("EmployeeNotFound", () =>
        askSearch(visit, adminTextsFor(visit.locale).people.gone),
      ),
    )

  const askDeactivate = (visit: Visit, employeeId: EmployeeId) =>
    Effect.gen(function* () {
      const at = adminTextsFor(visit.locale)
      if (employeeId === visit.employee.id) {
        return yield* visit.reply.notice(at.people.notYourself, { alert: true })
      }
      const card = yield* people.get(visit.employee.id, employeeId)
      yield* visit.reply.show(PeopleViews.confirmDeactivate(at, card))
    }).pipe(
      Effect.catchTag("EmployeeNotFound", () =>
        askSearch(visit, adminTextsFor(visit.locale).people.gone),
      ),
    )

  const setActive = (visit: Visit, employeeId: EmployeeId, active: boolean) =>
    Effect.gen(function* () {
      const at = adminTextsFor(visit.locale)
      // Locking oneself out is never what an admin means; another admin can do it.
      if (!active && employeeId === visit.employee.id) {
        return yield* visit.reply.notice(at.people.notYourself, { alert: true })
      }
      const before = yield* people.get(visit.employee.id, employeeId)
      if (before.isActive === active)
        return yield* showPerson(visit, employeeId, at.people.unchanged)
      const after = yield* people.setActive(visit.employee.id, employeeId, active)
      yield* showPerson(
        visit,
        employeeId,
        active ? at.people.reactivated(after.fullName) : at.people.deactivated(after.fullName),
      )
    }).pipe(
      Effect.catchTag("EmployeeNotFound", () =>
        askSearch(visit, adminTextsFor(visit.locale).people.gone),
      ),
    )

  // -- 📊 Reports ---------------------------------------------------------------------------

  /** This month in the company's time zone, and the ones before it. */
  const recentMonths = Effect.map(Clock.currentTimeMillis, (millis) => {
    const parts = DateTime.toParts(DateTime.unsafeMakeZoned(millis, { timeZone }))
    return Array.from({ length: monthsOffered }, (_, back): Month => {
      const index = parts.year * 12 + (parts.month - 1) - back
      return { year: Math.floor(index / 12), month: (index % 12) + 1 }
    })
  })

  const showMonths = (visit: Visit) =>
    Effect.flatMap(recentMonths, (months) =>
      sessionUpdate(visit, { step: "admin", adminTask: null }).pipe(
        Effect.zipRight(
          visit.reply.show(
            ReportViews.monthChoice(adminTextsFor(visit.locale), visit.locale, months),
          ),
        ),
      ),
    )

  const showReport = (visit: Visit, month: Month) =>
    Effect.gen(function* () {
      const latest = (yield* recentMonths)[0]
      // A month not begun has nothing to report; its button was never drawn.
      if (latest !== undefined && month.year * 12 + month.month > latest.year * 12 + latest.month) {
        return yield* visit.reply.notice(visit.t.unknownButton, { alert: true })
      }
      const figures = yield* reports.monthly(visit.employee.id, month)
      yield* visit.reply.show(
        ReportViews.report(adminTextsFor(visit.locale), visit.locale, figures),
      )
    })

  // -- routing ------------------------------------------------------------------------------

  const dispatch = (visit: Visit, action: AdminAction, roles: Roles): AdminFlow => {
    switch (action._tag) {
      case "Menu":
        return showMenu(visit, roles)
      case "NewActivity":
        return drafts.start(visit)
      case "PickInterest":
        return drafts.pickInterest(visit, action.interestId)
      case "Keep":
        return drafts.keep(visit)
      case "Back":
        return drafts.back(visit)
      case "NoneAnswer":
        return noneAnswer(visit)
      case "PublishDraft":
      case "SaveDraft":
        return drafts.create(visit, action._tag === "PublishDraft", (activity, notice) =>
          organiser.showChanged(visit, activity, notice),
        )
      case "DiscardDraft":
        return drafts.discard(visit).pipe(Effect.zipRight(showMenu(visit, roles)))
      case "Activities":
        return organiser.showList(visit)
      case "Activity":
        return organiser.showCard(visit, action.activityId)
      case "ChooseEdit":
        return organiser.chooseEdit(visit, action.activityId)
      case "Edit":
        return organiser.askEdit(visit, action.activityId, action.field)
      case "Publish":
        return organiser.publish(visit, action.activityId)
      case "AskCancel":
        return organiser.askCancel(visit, action.activityId)
      case "Roster":
        return organiser.showRoster(visit, action.activityId)
      case "Attendance":
        return organiser.showAttendance(visit, action.activityId)
      case "Mark":
        return organiser.mark(visit, action.activityId, action.employeeId, action.attended)
      case "People":
        return askSearch(visit)
      case "Person":
        return showPerson(visit, action.employeeId)
      case "AskDeactivate":
        return askDeactivate(visit, action.employeeId)
      case "SetActive":
        return setActive(visit, action.employeeId, action.active)
      case "Reports":
        return showMonths(visit)
      case "Report":
        return showReport(visit, action.month)
    }
  }

  /** "No place" / "No limit" answers the question the session is at: a draft's, or an edit's. */
  const noneAnswer = (visit: Visit): AdminFlow => {
    const task = Option.getOrNull(Option.map(visit.session, (session) => session.adminTask))
    if (
      task?._tag === "EditActivity" &&
      (task.field === "place" || task.field === "capacity") &&
      Option.exists(visit.session, (session) => session.step === "edit-value")
    ) {
      return organiser.editNone(visit, task.activityId, task.field)
    }
    return drafts.answerNone(visit)
  }

  /** An admin button: roles read now, then what it asks for. */
  const press = (visit: Visit, action: AdminAction) =>
    guarded(visit, permissionOf(action), (roles) => dispatch(visit, action, roles))

  /** Whether a text on this step is an admin's answer (else it is handled as any text). */
  const waitsForText = (step: SessionStep) => textSteps.has(step)

  const text = (visit: Visit, session: Session, input: string) =>
    guarded(visit, textSteps.get(session.step) ?? "any", (): AdminFlow => {
      switch (session.step) {
        case "people-search":
          return search(visit, input)
        case "edit-value":
        case "cancel-reason":
          return organiser.text(visit, input)
        default:
          return drafts.answer(visit, input)
      }
    })

  return { menuButton, press, waitsForText, text } as const
})
