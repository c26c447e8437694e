/**
 * What every flow works with: the user it serves, how it answers (`Reply`), and the session as
 * the update leaves it (`draft`, stored once at the end of the update by `Flows.respond`).
 */
import { Effect, Option } from "effect"
import type { DatabaseError } from "../domain/Errors"
import type { TelegramId } from "../domain/Ids"
import type { Employee, Locale } from "../domain/Models"
import { noPendingInterests, Session, type SessionStep } from "../sessions/Sessions"
import type { Catalogue } from "./Messages"
import type { TelegramError } from "./Telegram"
import type * as Views from "./Views"

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

/** What a flow may fail with: the caller answers both the same way for every flow. */
export type FlowError = DatabaseError | TelegramError

/** Everything a flow needs about the user it serves. */
export interface Visit {
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

/** Changes the session draft; a session left by another employee starts over. */
export const sessionUpdate = (
  visit: Visit,
  change: Partial<
    Pick<
      Session,
      "step" | "pendingInterests" | "lastCommand" | "lastCallback" | "commentFor" | "adminTask"
    >
  >,
) =>
  Effect.sync(() => {
    const session = visit.draft.session
    visit.draft.session = new Session(
      {
        ...session,
        ...(session.employeeId === visit.employee.id
          ? {}
          : { step: "idle" as const, pendingInterests: noPendingInterests, adminTask: null }),
        employeeId: visit.employee.id,
        ...change,
      },
      // Every field comes from a decoded session or from the flows' own typed values.
      true,
    )
    visit.draft.changed = true
  })

/** Shows a screen and remembers which one the user is on. */
export const show = (visit: Visit, step: SessionStep, view: Views.View) =>
  sessionUpdate(visit, { step }).pipe(Effect.zipRight(visit.reply.show(view)))

/** The interest changes the user has not saved yet. */
export const pendingOf = (visit: Visit) =>
  Option.match(visit.session, {
    onNone: () => noPendingInterests,
    onSome: (session) => session.pendingInterests,
  })
