/**
 * 📋 Activities for organisers: the list (`Organising.list`), an activity's admin card, and what
 * can be done from it — edit a field (asked as text, read by the same parsers as the
 * new-activity conversation), publish a draft, cancel with a reason, the participants, and
 * attendance once it has ended. Roles are checked by the caller (AdminFlows) at every press and
 * text, and again by `Organising`, whose `NotAllowed` the caller answers.
 */
import { Clock, Effect, Either, Option } from "effect"
import { ActivityRepo } from "../activities/ActivityRepo"
import * as DraftInput from "../activities/DraftInput"
import { type ActivityEdit, Organising } from "../activities/Organising"
import type { View } from "../bot/Views"
import { type FlowError, sessionUpdate, type Visit } from "../bot/Visit"
import { BotConfig } from "../config"
import type { ActivityNotFound, NotAllowed } from "../domain/Errors"
import type { ActivityId, EmployeeId } from "../domain/Ids"
import type { Activity } from "../domain/Models"
import { InterestRepo } from "../interests/InterestRepo"
import type { EditableField } from "../sessions/Sessions"
import { adminTextsFor } from "./AdminTexts"
import * as AdminViews from "./AdminViews"

type AdminFlow = Effect.Effect<void, FlowError | NotAllowed>
/** Work on one activity: its being gone meanwhile is answered once, by `withActivity`. */
type OnActivity = Effect.Effect<void, FlowError | NotAllowed | ActivityNotFound>

export const makeOrganiserFlows = Effect.gen(function* () {
  const organising = yield* Organising
  const activities = yield* ActivityRepo
  const interests = yield* InterestRepo
  const { timeZone } = yield* BotConfig

  const screenOf = (visit: Visit) =>
    Effect.gen(function* () {
      const catalogue = yield* interests.interestCatalogue
      const now = new Date(yield* Clock.currentTimeMillis)
      return {
        at: adminTextsFor(visit.locale),
        locale: visit.locale,
        timeZone,
        catalogue,
        now,
      } satisfies AdminViews.ActivityScreen
    })

  /** Shows an admin screen that waits for a button: any conversation is over. */
  const display = (visit: Visit, view: View) =>
    sessionUpdate(visit, { step: "admin", adminTask: null }).pipe(
      Effect.zipRight(visit.reply.show(view)),
    )

  const showList = (visit: Visit): AdminFlow =>
    Effect.gen(function* () {
      const [screen, list] = yield* Effect.all([
        screenOf(visit),
        organising.list(visit.employee.id),
      ])
      yield* display(visit, AdminViews.activityList(screen, list))
    })

  /** The activity is gone (or never was): said so, and the list. */
  const gone = (visit: Visit) =>
    visit.reply
      .notice(adminTextsFor(visit.locale).activity.gone)
      .pipe(Effect.zipRight(showList(visit)))

  /** Runs `work` on the activity as it is now; a gone one gets the list. */
  const withActivity = (
    visit: Visit,
    activityId: ActivityId,
    work: (activity: Activity, screen: AdminViews.ActivityScreen) => OnActivity,
  ): AdminFlow =>
    Effect.gen(function* () {
      const [activity, screen] = yield* Effect.all([
        activities.getActivity(activityId),
        screenOf(visit),
      ])
      yield* work(activity, screen)
    }).pipe(Effect.catchTag("ActivityNotFound", () => gone(visit)))

  /** The card; a notice (what just happened, or why not) comes as the pop-up before it. */
  const showCard = (visit: Visit, activityId: ActivityId, notice?: string): AdminFlow =>
    withActivity(visit, activityId, (activity, screen) =>
      showChanged(visit, activity, notice, screen),
    )

  /** After a change: the activity as the service returned it. */
  const showChanged = (
    visit: Visit,
    activity: Activity,
    notice?: string,
    known?: AdminViews.ActivityScreen,
  ): AdminFlow =>
    Effect.gen(function* () {
      const screen = known ?? (yield* screenOf(visit))
      if (notice !== undefined) yield* visit.reply.notice(notice)
      yield* display(visit, AdminViews.activityCard(screen, activity))
    })

  /** Only drafts and activities not started yet are changed; others get a notice and the card. */
  const whileChangeable = (
    visit: Visit,
    activityId: ActivityId,
    work: (activity: Activity, screen: AdminViews.ActivityScreen) => OnActivity,
  ) =>
    withActivity(visit, activityId, (activity, screen) => {
      const status = AdminViews.adminStatus(activity, screen.now)
      return status === "draft" || status === "scheduled"
        ? work(activity, screen)
        : showCard(
            visit,
            activityId,
            screen.at.activity.notEditable(screen.at.activity.statuses[status]),
          )
    })

  const chooseEdit = (visit: Visit, activityId: ActivityId) =>
    whileChangeable(visit, activityId, (activity, screen) =>
      display(visit, AdminViews.chooseField(screen.at, activity)),
    )

  const askEdit = (visit: Visit, activityId: ActivityId, field: EditableField) =>
    whileChangeable(visit, activityId, (activity, screen) =>
      sessionUpdate(visit, {
        step: "edit-value",
        adminTask: { _tag: "EditActivity", activityId, field },
      }).pipe(Effect.zipRight(visit.reply.show(AdminViews.askValue(screen, activity, field)))),
    )

  /** The field's new value, read as the new-activity conversation reads it. */
  const readEdit = (
    field: EditableField,
    text: string,
    now: Date,
  ): Either.Either<ActivityEdit, DraftInput.Problem> => {
    switch (field) {
      case "title":
        return Either.map(DraftInput.parseTitle(text), (title) => ({ _tag: "Title", title }))
      case "when":
        return Either.map(DraftInput.parseWhen(text, now, timeZone), (scheduledAt) => ({
          _tag: "When",
          scheduledAt,
        }))
      case "duration":
        return Either.map(DraftInput.parseDuration(text), (durationMinutes) => ({
          _tag: "Duration",
          durationMinutes,
        }))
      case "place":
        return Either.map(DraftInput.parsePlace(text), (location) => ({ _tag: "Place", location }))
      case "capacity":
        return Either.map(DraftInput.parseCapacity(text), (maxParticipants) => ({
          _tag: "Capacity",
          maxParticipants,
        }))
    }
  }

  const applyEdit = (
    visit: Visit,
    activity: Activity,
    screen: AdminViews.ActivityScreen,
    field: EditableField,
    edit: ActivityEdit,
  ): AdminFlow =>
    organising.edit(visit.employee.id, activity.id, edit).pipe(
      Effect.flatMap((changed) =>
        showChanged(visit, changed.activity, screen.at.activity.edited(changed.told)),
      ),
      Effect.catchTags({
        InvalidActivity: (refused) =>
          visit.reply.show(
            AdminViews.askValue(
              screen,
              activity,
              field,
              screen.at.refused(refused.field, refused.reason),
            ),
          ),
        ActivityNotEditable: (refused) =>
          showCard(visit, activity.id, screen.at.activity.notEditable(refused.status)),
        ActivityNotFound: () => gone(visit),
      }),
    )

  /** A text while a field's new value is asked. */
  const editText = (visit: Visit, activityId: ActivityId, field: EditableField, text: string) =>
    whileChangeable(visit, activityId, (activity, screen) =>
      Either.match(readEdit(field, text, screen.now), {
        onLeft: (problem) =>
          visit.reply.show(
            AdminViews.askValue(screen, activity, field, screen.at.problem(problem)),
          ),
        onRight: (edit) => applyEdit(visit, activity, screen, field, edit),
      }),
    )

  /** "No place" / "No limit" while that field is asked. */
  const editNone = (visit: Visit, activityId: ActivityId, field: EditableField) =>
    whileChangeable(visit, activityId, (activity, screen) =>
      applyEdit(
        visit,
        activity,
        screen,
        field,
        field === "place"
          ? { _tag: "Place", location: null }
          : { _tag: "Capacity", maxParticipants: null },
      ),
    )

  const publish = (visit: Visit, activityId: ActivityId) =>
    organising.publish(visit.employee.id, activityId).pipe(
      Effect.flatMap((activity) =>
        showChanged(visit, activity, adminTextsFor(visit.locale).activity.published),
      ),
      Effect.catchTags({
        ActivityNotFound: () => gone(visit),
        ActivityNotEditable: (refused) =>
          showCard(
            visit,
            activityId,
            adminTextsFor(visit.locale).activity.notEditable(refused.status),
          ),
        InvalidActivity: (refused) =>
          showCard(
            visit,
            activityId,
            adminTextsFor(visit.locale).refused(refused.field, refused.reason),
          ),
      }),
    )

  const askCancel = (visit: Visit, activityId: ActivityId) =>
    whileChangeable(visit, activityId, (activity, screen) =>
      sessionUpdate(visit, {
        step: "cancel-reason",
        adminTask: { _tag: "CancelActivity", activityId },
      }).pipe(Effect.zipRight(visit.reply.show(AdminViews.askReason(screen.at, activity)))),
    )

  /** A text while the reason of a cancellation is asked. */
  const cancelText = (visit: Visit, activityId: ActivityId, text: string) =>
    whileChangeable(visit, activityId, (activity, screen) =>
      Either.match(DraftInput.parseReason(text), {
        onLeft: (problem) =>
          visit.reply.show(AdminViews.askReason(screen.at, activity, screen.at.problem(problem))),
        onRight: (reason) =>
          organising.cancel(visit.employee.id, activityId, reason).pipe(
            Effect.flatMap((changed) =>
              showChanged(visit, changed.activity, screen.at.activity.cancelled(changed.told)),
            ),
            Effect.catchTags({
              ActivityNotFound: () => gone(visit),
              ActivityNotEditable: (refused) =>
                showCard(visit, activityId, screen.at.activity.notEditable(refused.status)),
            }),
          ),
      }),
    )

  const showRoster = (visit: Visit, activityId: ActivityId) =>
    withActivity(visit, activityId, (activity, screen) =>
      Effect.flatMap(organising.roster(visit.employee.id, activityId), (entries) =>
        display(visit, AdminViews.roster(screen.at, activity, entries)),
      ),
    )

  /** Attendance is marked once the activity has ended; before, the card says so. */
  const whenEnded = (
    visit: Visit,
    activityId: ActivityId,
    work: (activity: Activity, screen: AdminViews.ActivityScreen) => OnActivity,
  ) =>
    withActivity(visit, activityId, (activity, screen) =>
      AdminViews.adminStatus(activity, screen.now) === "ended"
        ? work(activity, screen)
        : showCard(visit, activityId, screen.at.activity.attendanceNotYet),
    )

  const showAttendance = (visit: Visit, activityId: ActivityId) =>
    whenEnded(visit, activityId, (activity, screen) =>
      Effect.flatMap(organising.roster(visit.employee.id, activityId), (entries) =>
        display(visit, AdminViews.attendance(screen.at, activity, entries)),
      ),
    )

  const mark = (visit: Visit, activityId: ActivityId, employeeId: EmployeeId, attended: boolean) =>
    whenEnded(visit, activityId, (_, screen) =>
      Effect.gen(function* () {
        const entries = yield* organising.roster(visit.employee.id, activityId)
        // Someone who never held a place (or forged data) is not marked.
        if (!entries.some((entry) => entry.employeeId === employeeId)) {
          return yield* visit.reply.notice(screen.at.activity.notOnRoster, { alert: true })
        }
        const entry = yield* organising.markAttendance(
          visit.employee.id,
          activityId,
          employeeId,
          attended,
        )
        yield* visit.reply.notice(screen.at.activity.marked(entry.fullName, attended))
        yield* showAttendance(visit, activityId)
      }).pipe(
        // Not ended after all, or no place held: the service refuses, and the card says when.
        Effect.catchTags({
          ActivityNotEditable: () =>
            showCard(visit, activityId, screen.at.activity.attendanceNotYet),
          // Their place was given up between the roster's read and the mark.
          NotAParticipant: () =>
            visit.reply.notice(screen.at.activity.notOnRoster, { alert: true }),
        }),
      ),
    )

  /** A text on an organiser's step: the answer the step waits for. */
  const text = (visit: Visit, input: string) =>
    Option.match(
      Option.flatMap(visit.session, (session) => Option.fromNullable(session.adminTask)),
      {
        onNone: () => Effect.void,
        onSome: (task): AdminFlow => {
          switch (task._tag) {
            case "EditActivity":
              return editText(visit, task.activityId, task.field, input)
            case "CancelActivity":
              return cancelText(visit, task.activityId, input)
            default:
              return Effect.void
          }
        },
      },
    )

  return {
    showList,
    showCard,
    showChanged,
    chooseEdit,
    askEdit,
    editNone,
    publish,
    askCancel,
    showRoster,
    showAttendance,
    mark,
    text,
  } as const
})
