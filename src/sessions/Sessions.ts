/**
 * Bot sessions (DESIGN.md "Bot"): what a user was doing between messages — the step they are on
 * and the interest changes they have not saved yet — under `sess:{telegramId}`, alive for two
 * hours after their last use.
 *
 * Sessions survive a Redis outage within a process: each session is also kept in a bounded
 * in-process copy; a change that could not reach Redis is served from that copy and written back
 * once Redis answers again. (Another process serving the same user meanwhile sees the session as
 * it was before the outage.) When Redis comes back without its data (restarted empty), a session
 * missing there but kept here is not lost either: it is written back (see `sessionsEpochKey`).
 */
import { randomUUID } from "node:crypto"
import { Array as Arr, Clock, Effect, HashSet, Option, Ref, Schema } from "effect"
import { Cache, type CacheService } from "../cache/Cache"
import { sessionKey, sessionsEpochKey, sessionsEpochTtl, sessionTtl } from "../cache/Keys"
import * as MemoryCache from "../cache/MemoryCache"
import { ActivityId, EmployeeId, InterestId, MatchId, TelegramId } from "../domain/Ids"
import type { InterestChanges } from "../domain/Outcomes"
import { Timestamp } from "../domain/Time"

/** Where the user is in a conversation: what their next button press or message answers. */
export const SessionStep = Schema.Literal(
  "idle",
  "onboarding",
  "interests",
  "confirm-unsubscribe",
  "activities",
  "settings",
  "help",
  /** After a round's rating: the next text is the optional comment. */
  "feedback-comment",
  /** On an admin screen that waits for a button, not for text. */
  "admin",
  /** The new-activity conversation: the question the next answer is for (`adminTask`). */
  "draft-interest",
  "draft-title",
  "draft-when",
  "draft-duration",
  "draft-place",
  "draft-capacity",
  "draft-preview",
  /** The next text is a new value of an activity's field (`adminTask`: which). */
  "edit-value",
  /** The next text is the reason an activity is cancelled. */
  "cancel-reason",
  /** The next text is a name or @username to look for. */
  "people-search",
)
export type SessionStep = typeof SessionStep.Type

/** Interest changes not saved yet: what Save would write. */
export const PendingInterests = Schema.Struct({
  enable: Schema.Array(InterestId),
  disable: Schema.Array(InterestId),
})
export type PendingInterests = typeof PendingInterests.Type

export const noPendingInterests: PendingInterests = { enable: [], disable: [] }

/**
 * A new activity's answers so far. An absent field is not answered yet; `null` place or capacity
 * is the answer "none" / "no limit". Kept when the organiser goes back a question.
 */
export const DraftAnswers = Schema.Struct({
  interestId: Schema.optional(InterestId),
  title: Schema.optional(Schema.String),
  scheduledAt: Schema.optional(Timestamp),
  durationMinutes: Schema.optional(Schema.Int),
  location: Schema.optional(Schema.NullOr(Schema.String)),
  maxParticipants: Schema.optional(Schema.NullOr(Schema.Int)),
})
export type DraftAnswers = typeof DraftAnswers.Type

/** The fields of an activity an organiser can change. */
export const EditableField = Schema.Literal("title", "when", "duration", "place", "capacity")
export type EditableField = typeof EditableField.Type

/** What an admin's conversation is about, while it waits for their next answer. */
export const AdminTask = Schema.Union(
  Schema.TaggedStruct("NewActivity", { answers: DraftAnswers }),
  Schema.TaggedStruct("EditActivity", { activityId: ActivityId, field: EditableField }),
  Schema.TaggedStruct("CancelActivity", { activityId: ActivityId }),
  Schema.TaggedStruct("FindPerson", {}),
)
export type AdminTask = typeof AdminTask.Type

export class Session extends Schema.Class<Session>("Session")({
  /** The employee this Telegram user was recognised as, once recognised. */
  employeeId: Schema.NullOr(EmployeeId),
  step: SessionStep,
  pendingInterests: PendingInterests,
  lastCommand: Schema.NullOr(Schema.String),
  lastCallback: Schema.NullOr(Schema.String),
  /** The match the next text comments on (step `feedback-comment`). */
  commentFor: Schema.optionalWith(Schema.NullOr(MatchId), { default: () => null }),
  /**
   * An admin's conversation in progress (steps `draft-*`, `edit-value`, `cancel-reason`,
   * `people-search`). Optional with a default, so sessions stored before it existed still decode.
   */
  adminTask: Schema.optionalWith(Schema.NullOr(AdminTask), { default: () => null }),
  /**
   * The `update_id`s of the user's latest updates (at most `recentUpdatesKept`), newest last: an
   * update Telegram delivers again is one of them, and is not applied twice. Written with the
   * session, so a change and the record that it was made are stored together.
   */
  recentUpdates: Schema.optionalWith(Schema.Array(Schema.Int), { default: () => [] }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** Whether the update was handled already (and the session stored after it). */
export const handledAlready = (session: Session, updateId: number): boolean =>
  session.recentUpdates.includes(updateId)

/**
 * How many update ids a session remembers. Telegram sends an update again soon after it got no
 * answer, before it sends later ones; 16 leaves room for updates that arrive out of order.
 */
export const recentUpdatesKept = 16

/** The ids to keep once `updateId` is handled. */
export const withUpdate = (recent: ReadonlyArray<number>, updateId: number) =>
  recent.includes(updateId) ? recent : [...recent, updateId].slice(-recentUpdatesKept)

/**
 * Pressing an interest flips what Save would do with it; pressing it again undoes the press.
 * `active` is whether the employee has the interest now (in the database).
 */
export const togglePending = (
  pending: PendingInterests,
  interestId: InterestId,
  active: boolean,
): PendingInterests => {
  if (pending.enable.includes(interestId) || pending.disable.includes(interestId)) {
    return {
      enable: pending.enable.filter((id) => id !== interestId),
      disable: pending.disable.filter((id) => id !== interestId),
    }
  }
  return active
    ? { enable: pending.enable, disable: [...pending.disable, interestId] }
    : { enable: [...pending.enable, interestId], disable: pending.disable }
}

/** The state the user would save: what the interest buttons show. */
export const wouldBeActive = (
  pending: PendingInterests,
  interestId: InterestId,
  active: boolean,
): boolean =>
  pending.enable.includes(interestId) ? true : pending.disable.includes(interestId) ? false : active

export const asChanges = (pending: PendingInterests): InterestChanges => ({
  enable: Arr.dedupe(pending.enable),
  disable: Arr.dedupe(pending.disable),
})

export class Sessions extends Effect.Service<Sessions>()("connectbot/Sessions", {
  effect: Effect.gen(function* () {
    const shared = yield* Cache
    // On the memory backend the cache is already this process's own: no second copy needed.
    const copied = shared.backend._tag !== "Memory"
    const local: CacheService = copied
      ? yield* MemoryCache.makeLocalCopy({
          prefix: shared.prefix,
          reason: "copy of sessions for Redis outages",
        })
      : shared
    // Users whose latest session change only the local copy holds.
    const unsynced = yield* Ref.make(HashSet.empty<TelegramId>())

    // The epoch of the Redis data this process has seen: adopted from Redis, or set there.
    const epoch = yield* Ref.make<string>(randomUUID())
    if (copied) {
      const found = yield* shared.get(sessionsEpochKey, Schema.String)
      if (Option.isSome(found)) yield* Ref.set(epoch, found.value)
      else {
        yield* shared.set(sessionsEpochKey, Schema.String, yield* Ref.get(epoch), sessionsEpochTtl)
      }
    }

    /**
     * Whether Redis lost its data since this process last looked (its epoch is gone or new); it
     * then carries this process's epoch (or this process adopts the new one), and every session
     * this process keeps goes back to Redis.
     */
    const redisLostData = Effect.gen(function* () {
      const known = yield* Ref.get(epoch)
      // A Redis that fails here is not known to have lost anything: the caller falls back.
      const found = yield* shared.ops.get(sessionsEpochKey, Schema.String)
      if (Option.isSome(found) && found.value === known) return false
      if (Option.isSome(found)) yield* Ref.set(epoch, found.value)
      else yield* shared.ops.set(sessionsEpochKey, Schema.String, known, sessionsEpochTtl)
      yield* restoreKept
      return true
    })

    /**
     * Writes every session this process keeps to a Redis that lost them; a session written there
     * since (by another process) is newer and stays. One that cannot be written now is written
     * back at its user's next update.
     */
    const restoreKept = Effect.gen(function* () {
      const keys = yield* Effect.orElseSucceed(local.ops.keys("sess:*"), () => [])
      yield* Effect.forEach(
        keys,
        (key) =>
          Effect.gen(function* () {
            const telegramId = Schema.decodeOption(TelegramId)(key.slice("sess:".length))
            const kept = yield* local.get(key, Session)
            if (Option.isNone(telegramId) || Option.isNone(kept)) return
            yield* shared.ops
              .add(key, Session, kept.value, sessionTtl)
              .pipe(
                Effect.catchTag("CacheError", () =>
                  Ref.update(unsynced, HashSet.add(telegramId.value)),
                ),
              )
          }),
        { concurrency: 16, discard: true },
      )
    })

    // Sessions this process has put in its copy (by identity; a session is immutable). Only a
    // write that happened counts, hence the failing `ops.set`.
    const keptLocally = new WeakSet<Session>()
    const keepLocally = (telegramId: TelegramId, session: Session) =>
      Effect.tap(local.ops.set(sessionKey(telegramId), Session, session, sessionTtl), () =>
        Effect.sync(() => keptLocally.add(session)),
      )

    const readLocal = (telegramId: TelegramId) =>
      local.get(sessionKey(telegramId), Session, { renewTtl: sessionTtl })

    const writeShared = (telegramId: TelegramId, session: Session) =>
      shared.ops.set(sessionKey(telegramId), Session, session, sessionTtl).pipe(
        Effect.zipRight(Ref.update(unsynced, HashSet.remove(telegramId))),
        Effect.catchTag("CacheError", () => Ref.update(unsynced, HashSet.add(telegramId))),
      )

    /**
     * Redis has no session for the user. Expired or cleared: this process's copy goes too. Lost
     * with the rest of Redis's data: the copy is the session, and goes back to Redis.
     */
    const missingInRedis = (telegramId: TelegramId) =>
      Effect.gen(function* () {
        const kept = yield* readLocal(telegramId)
        if (Option.isNone(kept)) return kept
        if (yield* redisLostData) {
          yield* writeShared(telegramId, kept.value)
          return kept
        }
        yield* local.invalidate([sessionKey(telegramId)])
        return Option.none<Session>()
      })

    /** The user's session, if they have one; renews its time to live. Never fails. */
    const get = (telegramId: TelegramId): Effect.Effect<Option.Option<Session>> =>
      lookUp(telegramId, { renewTtl: sessionTtl })

    /**
     * The user's session without renewing it: for a caller that stores the session at the end
     * of its work (which renews it), so that the read can be served from the process's copy of
     * Redis values. Never fails.
     */
    const read = (telegramId: TelegramId): Effect.Effect<Option.Option<Session>> =>
      lookUp(telegramId, {})

    const lookUp = (
      telegramId: TelegramId,
      options: { readonly renewTtl?: typeof sessionTtl },
    ): Effect.Effect<Option.Option<Session>> =>
      Effect.gen(function* () {
        if (!copied) return yield* readLocal(telegramId)
        if (HashSet.has(yield* Ref.get(unsynced), telegramId)) {
          const kept = yield* readLocal(telegramId)
          if (Option.isSome(kept)) yield* writeShared(telegramId, kept.value)
          return kept
        }
        return yield* shared.ops.get(sessionKey(telegramId), Session, options).pipe(
          Effect.flatMap(
            Option.match({
              onNone: () => missingInRedis(telegramId),
              onSome: (session) =>
                // The same object as last time (the cache hands back what it decoded before, for
                // the same text) is in the copy already: storing it again would cost an encoding.
                keptLocally.has(session)
                  ? Effect.succeed(Option.some(session))
                  : Effect.as(
                      Effect.ignore(keepLocally(telegramId, session)),
                      Option.some(session),
                    ),
            }),
          ),
          Effect.catchTag("CacheError", () => readLocal(telegramId)),
        )
      })

    /** A session for a user who has none. */
    const fresh = Effect.map(Clock.currentTimeMillis, (millis) => {
      const now = new Date(millis)
      return new Session(
        {
          employeeId: null,
          step: "idle",
          pendingInterests: noPendingInterests,
          lastCommand: null,
          lastCallback: null,
          createdAt: now,
          updatedAt: now,
        },
        true,
      )
    })

    /**
     * Stores the user's session as it is now (`updatedAt` set here). A flow reads the session once,
     * changes it as it goes, and stores it once at the end.
     */
    const set = (telegramId: TelegramId, session: Session) =>
      Effect.gen(function* () {
        const next = new Session(
          { ...session, updatedAt: new Date(yield* Clock.currentTimeMillis) },
          // Built from a decoded session: its fields were checked when it was read.
          true,
        )
        yield* Effect.ignore(keepLocally(telegramId, next))
        if (copied) yield* writeShared(telegramId, next)
        return next
      })

    /**
     * Changes the user's session (a new one when they have none) and returns it. The bot runs a
     * user's updates one after another (`bot/InOrder.ts`); another caller changing the same
     * user's session at the same time must order its work itself.
     */
    const update = (telegramId: TelegramId, change: (session: Session) => Session) =>
      Effect.gen(function* () {
        const stored = yield* get(telegramId)
        const current = Option.isSome(stored) ? stored.value : yield* fresh
        return yield* set(
          telegramId,
          new Session({ ...change(current), createdAt: current.createdAt }),
        )
      })

    /** Forgets the user's session (a deletion Redis misses now is applied when it is back). */
    const clear = (telegramId: TelegramId) =>
      Effect.gen(function* () {
        yield* Ref.update(unsynced, HashSet.remove(telegramId))
        yield* local.invalidate([sessionKey(telegramId)])
        if (copied) yield* shared.invalidate([sessionKey(telegramId)])
      })

    return {
      get,
      read,
      fresh,
      set,
      update,
      clear,
    } as const
  }),
}) {}
