import { Data } from "effect"
import type { InterestId } from "./Ids"
import type { ActivityStatus, Employee } from "./Models"

/** What recognising a Telegram user found. */
export type Recognition = Data.TaggedEnum<{
  /** `linked` is true when this recognition linked the Telegram account for the first time. */
  Recognized: { readonly employee: Employee; readonly linked: boolean }
  /** The account belongs to an employee who is no longer active: refuse at once. */
  Inactive: {}
  /** Nobody matches; the user learns nothing about anyone. */
  Unknown: {}
}>
export const Recognition = Data.taggedEnum<Recognition>()

export type JoinOutcome = Data.TaggedEnum<{
  Joined: { readonly participantCount: number }
  AlreadyJoined: { readonly participantCount: number }
  Full: { readonly maxParticipants: number }
  /** The activity is not open for joining (draft, over, cancelled, or already started). */
  NotOpen: { readonly status: ActivityStatus }
}>
export const JoinOutcome = Data.taggedEnum<JoinOutcome>()

export type LeaveOutcome = Data.TaggedEnum<{
  Left: { readonly participantCount: number }
  NotJoined: {}
  NotOpen: { readonly status: ActivityStatus }
}>
export const LeaveOutcome = Data.taggedEnum<LeaveOutcome>()

/** A set of interest changes: turn these on, those off; every other interest stays as it is. */
export interface InterestChanges {
  readonly enable: ReadonlyArray<InterestId>
  readonly disable: ReadonlyArray<InterestId>
}
