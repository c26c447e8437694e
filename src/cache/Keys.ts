/**
 * The cache keys, their values and lifetimes (DESIGN.md "Cache keys" — a contract: ops read these
 * keys). Keys are relative to `CACHE_PREFIX`. Each cached read names its key, the Schema its
 * value is written and read through, and its TTL, in one place: the bot, `warmup` and the tests
 * all use these.
 */
import { Duration, Schema } from "effect"
import type { ActivityId, EmployeeId, TelegramId } from "../domain/Ids"
import { Employee, Interest, Participant } from "../domain/Models"

/** `emp:{telegramId}`: the employee that a Telegram account is linked to (recognition). */
export const EmployeeEntry = {
  key: (telegramId: TelegramId) => `emp:${telegramId}`,
  schema: Employee,
  ttl: Duration.seconds(3600),
} as const

/** `int:{employeeId}`: the employee's active interests. */
export const InterestsEntry = {
  key: (employeeId: EmployeeId) => `int:${employeeId}`,
  pattern: "int:*",
  schema: Schema.Array(Interest),
  ttl: Duration.seconds(1800),
} as const

/** `cat:interests`: the interests employees can choose from (the catalogue). */
export const CatalogueEntry = {
  key: "cat:interests",
  schema: Schema.Array(Interest),
  ttl: Duration.seconds(1800),
} as const

/** `act:{activityId}:participants`: the people holding a place, in the order they joined. */
export const ParticipantsEntry = {
  key: (activityId: ActivityId) => `act:${activityId}:participants`,
  schema: Schema.Array(Participant),
  ttl: Duration.seconds(900),
} as const

/** `sess:{telegramId}`: the bot session; its TTL is renewed on every use. */
export const sessionKey = (telegramId: TelegramId) => `sess:${telegramId}`
export const sessionTtl = Duration.seconds(7200)

/**
 * `sessions:epoch`: a random value that lives as long as Redis keeps its data. A session missing
 * from Redis while the epoch is still there was cleared or expired; with the epoch gone too, Redis
 * lost its data (restarted empty, flushed), and a process's own copy of the session is the truth.
 * Not under `sess:`, so that `clear --sessions` leaves it.
 */
export const sessionsEpochKey = "sessions:epoch"
export const sessionsEpochTtl = Duration.days(30)

/**
 * Namespaces that `status` counts and metrics label; anything else is `other`. `upd:` held the
 * updates a bot had taken, until a session came to record its user's latest update ids (see
 * `Session.recentUpdates`); it stays counted (0 once earlier versions' keys expire, in 24 h) so
 * that what reads `status --json` keeps its fields.
 */
export const namespaces = ["emp", "int", "act", "sess", "upd"] as const
export type Namespace = (typeof namespaces)[number] | "other"

export const namespaceOf = (key: string): Namespace => {
  const head = key.slice(0, key.indexOf(":"))
  return (namespaces as ReadonlyArray<string>).includes(head) ? (head as Namespace) : "other"
}

/** Every key of data read from Postgres (not sessions): what a lost change feed must drop. */
export const cachedReadPatterns = ["emp:*", "int:*", "act:*", "cat:*"] as const
