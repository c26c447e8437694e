import { Schema } from "effect"

/**
 * Primary keys are Postgres identity `integer`s: positive and at most 2³¹−1. The bound matters
 * for ids from outside (button data): a larger one would reach SQL and fail as out of range.
 */
const Id = Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(2_147_483_647))

export const EmployeeId = Id.pipe(Schema.brand("EmployeeId"))
export type EmployeeId = typeof EmployeeId.Type

export const DepartmentId = Id.pipe(Schema.brand("DepartmentId"))
export type DepartmentId = typeof DepartmentId.Type

export const BusinessCenterId = Id.pipe(Schema.brand("BusinessCenterId"))
export type BusinessCenterId = typeof BusinessCenterId.Type

export const InterestId = Id.pipe(Schema.brand("InterestId"))
export type InterestId = typeof InterestId.Type

export const ActivityId = Id.pipe(Schema.brand("ActivityId"))
export type ActivityId = typeof ActivityId.Type

/** A pairing round (`match_rounds.id`). */
export const RoundId = Id.pipe(Schema.brand("RoundId"))
export type RoundId = typeof RoundId.Type

/** A pair or trio of one round (`matches.id`). */
export const MatchId = Id.pipe(Schema.brand("MatchId"))
export type MatchId = typeof MatchId.Type

/**
 * A Telegram user id. Telegram guarantees at most 52 significant bits, so a JS number holds it
 * exactly. Postgres `bigint` arrives from `pg` as a string, hence the union on the encoded side.
 */
export const TelegramId = Schema.Union(Schema.Number, Schema.NumberFromString).pipe(
  Schema.compose(Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(2 ** 52))),
  Schema.brand("TelegramId"),
)
export type TelegramId = typeof TelegramId.Type
