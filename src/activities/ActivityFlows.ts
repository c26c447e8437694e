/**
 * Activities in the bot: the list of upcoming ones, an activity's details, joining and leaving
 * it, a place in line for a full one (🔔) and taking the place the waitlist offers, and the
 * achievements earned by taking part.
 */
import { Clock, Effect } from "effect"
import * as Views from "../bot/Views"
import { show, type Visit } from "../bot/Visit"
import { Cache } from "../cache/Cache"
import { ParticipantsEntry } from "../cache/Keys"
import { BotConfig } from "../config"
import { achievementsOf, currentStreakWeeks } from "../domain/Achievements"
import type { ActivityId } from "../domain/Ids"
import { InterestRepo } from "../interests/InterestRepo"
import { Notices } from "../notifications/Notices"
import { ActivityRepo } from "./ActivityRepo"

export const makeActivityFlows = Effect.gen(function* () {
  const repo = yield* ActivityRepo
  const interests = yield* InterestRepo
  const notices = yield* Notices
  const cache = yield* Cache
  const { timeZone } = yield* BotConfig

  const showActivities = (visit: Visit) =>
    Effect.gen(function* () {
      const [catalogue, upcoming] = yield* Effect.all(
        [interests.interestCatalogue, repo.upcomingActivities(visit.employee.id, { limit: 10 })],
        { concurrency: "unbounded" },
      )
      yield* show(
        visit,
        "activities",
        Views.activityList(visit.t, visit.locale, timeZone, catalogue, upcoming),
      )
    })

  /** An activity that is gone by now: said so, and the list instead. */
  const gone = (visit: Visit) =>
    visit.reply.notice(visit.t.activities.gone).pipe(Effect.zipRight(showActivities(visit)))

  /**
   * `full`: the join just found no place, though the participants may not fill it (places held
   * for people offered them from the waitlist): the card offers 🔔 then, not ✅ Join again.
   */
  const showActivity = (visit: Visit, activityId: ActivityId, notice?: string, full = false) =>
    Effect.gen(function* () {
      const [catalogue, activity, participants] = yield* Effect.all(
        [interests.interestCatalogue, repo.getActivity(activityId), repo.participants(activityId)],
        { concurrency: "unbounded" },
      )
      // A draft is the organisers' (its admin card is in 🛠 Admin): to anyone else it is not there.
      if (activity.status === "draft") return yield* gone(visit)
      const joined = participants.some((holder) => holder.employeeId === visit.employee.id)
      const now = new Date(yield* Clock.currentTimeMillis)
      yield* show(
        visit,
        "activities",
        Views.activityDetails(
          visit.t,
          visit.locale,
          timeZone,
          catalogue,
          // The count from the participants read, so the screen agrees with itself.
          { ...activity, participantCount: participants.length },
          joined,
          now,
          notice,
          full,
        ),
      )
    }).pipe(Effect.catchTag("ActivityNotFound", () => gone(visit)))

  const join = (visit: Visit, activityId: ActivityId) =>
    Effect.gen(function* () {
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
      yield* showActivity(visit, activityId, undefined, outcome._tag === "Full")
    }).pipe(
      Effect.catchTags({
        ActivityNotFound: () => gone(visit),
        // Recognised a moment ago; gone now: treat as the next update would.
        EmployeeNotFound: Effect.die,
      }),
    )

  const leave = (visit: Visit, activityId: ActivityId) =>
    Effect.gen(function* () {
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
    }).pipe(Effect.catchTag("ActivityNotFound", () => gone(visit)))

  /** 🔔 on a full activity: a place in line, and the card as it is now. */
  const notifyMe = (visit: Visit, activityId: ActivityId) =>
    Effect.gen(function* () {
      const outcome = yield* notices.waitFor(activityId, visit.employee.id)
      const { activities } = visit.t
      switch (outcome._tag) {
        case "Waiting":
          yield* visit.reply.notice(activities.waiting(outcome.position), { alert: true })
          break
        case "NotFull":
          yield* visit.reply.notice(activities.placeFreeNow)
          break
        case "AlreadyJoined":
          yield* visit.reply.notice(activities.alreadyJoined)
          break
        case "NotOpen":
          yield* visit.reply.notice(activities.notOpen)
          break
      }
      yield* showActivity(visit, activityId)
    }).pipe(Effect.catchTag("ActivityNotFound", () => gone(visit)))

  /**
   * ✅ Take the place, from the waitlist's offer message: the place is theirs while the offer
   * holds; after, it has gone to the next in line and they are told so.
   */
  const takePlace = (visit: Visit, activityId: ActivityId) =>
    Effect.gen(function* () {
      const outcome = yield* notices.takeOffer(activityId, visit.employee.id)
      const { activities } = visit.t
      switch (outcome._tag) {
        case "Taken":
          // The waitlist wrote the place: this process reads its own write at once (the change
          // feed tells the others).
          yield* cache.invalidate([ParticipantsEntry.key(activityId)])
          yield* visit.reply.notice(activities.placeTaken)
          break
        case "NoOffer":
          yield* visit.reply.notice(activities.offerGone, { alert: true })
          break
        case "AlreadyJoined":
          yield* visit.reply.notice(activities.alreadyJoined)
          break
        case "NotOpen":
          yield* visit.reply.notice(activities.notOpen, { alert: true })
          break
      }
      yield* showActivity(visit, activityId)
    }).pipe(Effect.catchTag("ActivityNotFound", () => gone(visit)))

  const showAchievements = (visit: Visit) =>
    Effect.gen(function* () {
      const history = yield* repo.participationHistory(visit.employee.id)
      const now = new Date(yield* Clock.currentTimeMillis)
      yield* show(
        visit,
        "idle",
        Views.achievements(visit.t, achievementsOf(history, now), currentStreakWeeks(history, now)),
      )
    })

  return {
    showActivities,
    showActivity,
    join,
    leave,
    notifyMe,
    takePlace,
    showAchievements,
  } as const
})
