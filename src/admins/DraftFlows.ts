/**
 * ➕ New activity: a short conversation held in the session (`adminTask` NewActivity, a step per
 * question) — interest, title, date and time, duration, place, capacity — then a preview with
 * 📢 Publish, 💾 Save as draft, ✖️ Cancel. ⬅️ Back returns to the previous question with its answer
 * kept (➡️ Keep takes it again); a bad answer gets a message naming what is expected and the same
 * question; nothing is written before Publish or Save. Roles are checked by the caller
 * (AdminFlows) at every press and text, and again by `Organising`.
 */
import { Clock, Effect, Either, Option } from "effect"
import type { Problem } from "../activities/DraftInput"
import * as DraftInput from "../activities/DraftInput"
import { type ActivityDraft, Organising } from "../activities/Organising"
import { interestName } from "../bot/Views"
import { type FlowError, sessionUpdate, type Visit } from "../bot/Visit"
import { BotConfig } from "../config"
import type { InvalidActivity, NotAllowed } from "../domain/Errors"
import type { InterestId } from "../domain/Ids"
import type { Activity } from "../domain/Models"
import { InterestRepo } from "../interests/InterestRepo"
import type { DraftAnswers, SessionStep } from "../sessions/Sessions"
import { adminTextsFor, type DraftQuestion } from "./AdminTexts"
import * as AdminViews from "./AdminViews"

type Position = DraftQuestion | "preview"

const stepOf: Readonly<Record<Position, SessionStep>> = {
  interest: "draft-interest",
  title: "draft-title",
  when: "draft-when",
  duration: "draft-duration",
  place: "draft-place",
  capacity: "draft-capacity",
  preview: "draft-preview",
}

const positions: ReadonlyArray<Position> = [...AdminViews.draftQuestions, "preview"]

/** The steps of this conversation: a text on any of them is an answer (or a misplaced one). */
export const draftSteps: ReadonlyArray<SessionStep> = Object.values(stepOf)

/** Where a refused field sends the organiser back to. */
const questionOf: Readonly<Record<InvalidActivity["field"], DraftQuestion>> = {
  interest: "interest",
  title: "title",
  scheduledAt: "when",
  duration: "duration",
  location: "place",
  capacity: "capacity",
}

/** Every answer given: what the service is asked to create. */
const complete = (answers: DraftAnswers): Option.Option<ActivityDraft> =>
  answers.interestId !== undefined &&
  answers.title !== undefined &&
  answers.scheduledAt !== undefined &&
  answers.durationMinutes !== undefined &&
  answers.location !== undefined &&
  answers.maxParticipants !== undefined
    ? Option.some({
        interestId: answers.interestId,
        title: answers.title,
        scheduledAt: answers.scheduledAt,
        durationMinutes: answers.durationMinutes,
        location: answers.location,
        maxParticipants: answers.maxParticipants,
      })
    : Option.none()

/** Whether the question has an answer to keep. */
const answered = (answers: DraftAnswers, question: DraftQuestion): boolean => {
  switch (question) {
    case "interest":
      return answers.interestId !== undefined
    case "title":
      return answers.title !== undefined
    case "when":
      return answers.scheduledAt !== undefined
    case "duration":
      return answers.durationMinutes !== undefined
    case "place":
      return answers.location !== undefined
    case "capacity":
      return answers.maxParticipants !== undefined
  }
}

export const makeDraftFlows = Effect.gen(function* () {
  const organising = yield* Organising
  const interests = yield* InterestRepo
  const { timeZone } = yield* BotConfig

  /** The conversation as the session holds it; `None` when the user is not in it (any more). */
  const conversation = (visit: Visit) =>
    Option.flatMap(visit.session, (session) => {
      const position = positions.find((candidate) => stepOf[candidate] === session.step)
      return position !== undefined && session.adminTask?._tag === "NewActivity"
        ? Option.some({ position, answers: session.adminTask.answers })
        : Option.none()
    })

  /** Shows a question (or the preview) and records it as the one the next answer is for. */
  const show = (visit: Visit, position: Position, answers: DraftAnswers, problem?: string) =>
    Effect.gen(function* () {
      const catalogue = yield* interests.interestCatalogue
      const screen: AdminViews.DraftScreen = {
        at: adminTextsFor(visit.locale),
        locale: visit.locale,
        timeZone,
        catalogue,
        answers,
        ...(problem === undefined ? {} : { problem }),
      }
      const draft = complete(answers)
      // The preview needs every answer; one missing (cannot happen from the buttons) is asked.
      const missing = AdminViews.draftQuestions.find((question) => !answered(answers, question))
      const at = position === "preview" && missing !== undefined ? missing : position
      yield* sessionUpdate(visit, {
        step: stepOf[at],
        adminTask: { _tag: "NewActivity", answers },
      })
      if (at !== "preview" || Option.isNone(draft)) {
        return yield* visit.reply.show(AdminViews.draftQuestion(screen, at as DraftQuestion))
      }
      const interest = catalogue.find((candidate) => candidate.id === draft.value.interestId)
      yield* visit.reply.show(
        AdminViews.draftPreview(screen, {
          status: "draft",
          title: draft.value.title,
          interest: interest === undefined ? "—" : interestName(interest, visit.locale),
          when: AdminViews.describe(screen.at, visit.locale, timeZone, "when", draft.value) ?? "",
          duration: screen.at.activity.minutes(draft.value.durationMinutes),
          place: draft.value.location,
          taken: 0,
          max: draft.value.maxParticipants,
        }),
      )
    })

  const next = (position: Position): Position =>
    positions[Math.min(positions.indexOf(position) + 1, positions.length - 1)] ?? "preview"

  /** A press from a message the conversation has moved on from: said so, nothing changes. */
  const outdated = (visit: Visit) =>
    visit.reply.notice(adminTextsFor(visit.locale).outdated, { alert: true })

  /** Runs `work` on the conversation when it is at one of `at`; any other press is outdated. */
  const on = (
    visit: Visit,
    at: ReadonlyArray<Position> | "any",
    work: (
      position: Position,
      answers: DraftAnswers,
    ) => Effect.Effect<void, FlowError | NotAllowed>,
  ) =>
    Option.match(conversation(visit), {
      onNone: () => outdated(visit),
      onSome: ({ position, answers }) =>
        at === "any" || at.includes(position) ? work(position, answers) : outdated(visit),
    })

  const start = (visit: Visit) =>
    Effect.gen(function* () {
      const catalogue = yield* interests.interestCatalogue
      if (catalogue.length === 0) {
        return yield* visit.reply.notice(adminTextsFor(visit.locale).draft.noInterests, {
          alert: true,
        })
      }
      yield* show(visit, "interest", {})
    })

  const pickInterest = (visit: Visit, interestId: InterestId) =>
    on(visit, ["interest"], (_, answers) =>
      Effect.gen(function* () {
        const catalogue = yield* interests.interestCatalogue
        if (!catalogue.some((interest) => interest.id === interestId)) {
          return yield* show(visit, "interest", answers, visit.t.interests.unknownInterest)
        }
        yield* show(visit, "title", { ...answers, interestId })
      }),
    )

  /** A typed answer to the question the conversation is at. */
  const answer = (visit: Visit, text: string) =>
    on(visit, "any", (position, answers) =>
      Effect.gen(function* () {
        const at = adminTextsFor(visit.locale)
        const now = new Date(yield* Clock.currentTimeMillis)
        const read = (): Either.Either<DraftAnswers, Problem> | undefined => {
          switch (position) {
            case "title":
              return Either.map(DraftInput.parseTitle(text), (title) => ({ ...answers, title }))
            case "when":
              return Either.map(DraftInput.parseWhen(text, now, timeZone), (scheduledAt) => ({
                ...answers,
                scheduledAt,
              }))
            case "duration":
              return Either.map(DraftInput.parseDuration(text), (durationMinutes) => ({
                ...answers,
                durationMinutes,
              }))
            case "place":
              return Either.map(DraftInput.parsePlace(text), (location) => ({
                ...answers,
                location,
              }))
            case "capacity":
              return Either.map(DraftInput.parseCapacity(text), (maxParticipants) => ({
                ...answers,
                maxParticipants,
              }))
            case "interest":
            case "preview":
              return undefined
          }
        }
        const result = read()
        if (result === undefined) return yield* show(visit, position, answers, at.useButtons)
        yield* Either.match(result, {
          onLeft: (problem) => show(visit, position, answers, at.problem(problem)),
          onRight: (updated) => show(visit, next(position), updated),
        })
      }),
    )

  /** "No place" / "No limit". */
  const answerNone = (visit: Visit) =>
    on(visit, ["place", "capacity"], (position, answers) =>
      show(
        visit,
        next(position),
        position === "place"
          ? { ...answers, location: null }
          : { ...answers, maxParticipants: null },
      ),
    )

  const keep = (visit: Visit) =>
    on(visit, AdminViews.draftQuestions, (position, answers) =>
      answered(answers, position as DraftQuestion)
        ? show(visit, next(position), answers)
        : outdated(visit),
    )

  /** The previous question, its answer kept; the first has none (its only way out is Cancel). */
  const back = (visit: Visit) =>
    on(visit, positions.slice(1), (position, answers) =>
      show(visit, positions[positions.indexOf(position) - 1] ?? "interest", answers),
    )

  /**
   * Creates the activity; `onCreated` shows what was made. A field the service refuses (the time
   * passed while the preview was open) sends the organiser back to that question.
   */
  const create = (
    visit: Visit,
    publish: boolean,
    onCreated: (activity: Activity, notice: string) => Effect.Effect<void, FlowError | NotAllowed>,
  ) =>
    on(visit, ["preview"], (_, answers) =>
      Option.match(complete(answers), {
        onNone: () => show(visit, "preview", answers),
        onSome: (draft) =>
          organising.create(visit.employee.id, draft, publish).pipe(
            Effect.flatMap((activity) => {
              const at = adminTextsFor(visit.locale)
              return sessionUpdate(visit, { adminTask: null, step: "admin" }).pipe(
                Effect.zipRight(onCreated(activity, publish ? at.draft.published : at.draft.saved)),
              )
            }),
            Effect.catchTag("InvalidActivity", (refused) =>
              show(
                visit,
                questionOf[refused.field],
                answers,
                adminTextsFor(visit.locale).refused(refused.field, refused.reason),
              ),
            ),
          ),
      }),
    )

  /** ✖️ Cancel: the draft is dropped; nothing was written. */
  const discard = (visit: Visit) =>
    sessionUpdate(visit, { adminTask: null, step: "admin" }).pipe(
      Effect.zipRight(visit.reply.notice(adminTextsFor(visit.locale).draft.discarded)),
    )

  return { start, pickInterest, answer, answerNone, keep, back, create, discard } as const
})
