import { Schema } from "effect"
import { ActivityId, EmployeeId, InterestId } from "./Ids"

/** Postgres could not be reached or refused the statement. The user may retry later. */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  cause: Schema.Defect,
}) {
  override get message(): string {
    return describeCause(this.cause)
  }
}

/** "outer: inner: innermost", skipping empty and repeated messages (driver errors nest). */
export const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      // Node's AggregateError (every address refused) has an empty message of its own.
      const own =
        current.message ||
        (current instanceof AggregateError ? String(current.errors[0]?.message ?? "") : "") ||
        String((current as { code?: unknown }).code ?? "")
      if (own && !parts.some((part) => part.includes(own))) parts.push(own)
      current = current.cause
    } else {
      parts.push(String(current))
      current = undefined
    }
  }
  return parts.join(": ") || "unknown database error"
}

export class EmployeeNotFound extends Schema.TaggedError<EmployeeNotFound>()("EmployeeNotFound", {
  employeeId: EmployeeId,
}) {
  override get message(): string {
    return `Employee ${this.employeeId} does not exist`
  }
}

export class ActivityNotFound extends Schema.TaggedError<ActivityNotFound>()("ActivityNotFound", {
  activityId: ActivityId,
}) {
  override get message(): string {
    return `Activity ${this.activityId} does not exist`
  }
}

/** Some interests of a change are unknown or retired from the catalogue. */
export class InterestNotFound extends Schema.TaggedError<InterestNotFound>()("InterestNotFound", {
  interestIds: Schema.Array(InterestId),
}) {
  override get message(): string {
    return `Unknown or inactive interests: ${this.interestIds.join(", ")}`
  }
}

/** A change that both turns an interest on and off. */
export class ConflictingInterestChange extends Schema.TaggedError<ConflictingInterestChange>()(
  "ConflictingInterestChange",
  { interestIds: Schema.Array(InterestId) },
) {
  override get message(): string {
    return `Interests both enabled and disabled in one change: ${this.interestIds.join(", ")}`
  }
}

/** Notification settings exist only for interests the employee has turned on. */
export class NotSubscribed extends Schema.TaggedError<NotSubscribed>()("NotSubscribed", {
  employeeId: EmployeeId,
  interestId: InterestId,
}) {
  override get message(): string {
    return `Employee ${this.employeeId} has not turned on interest ${this.interestId}`
  }
}

/** A CSV file that cannot be read as CSV (an unclosed quote, text after a closing quote). */
export class CsvSyntaxError extends Schema.TaggedError<CsvSyntaxError>()("CsvSyntaxError", {
  line: Schema.Int,
  reason: Schema.String,
}) {
  override get message(): string {
    return `line ${this.line}: ${this.reason}`
  }
}

/** An import file that cannot be imported as a whole; nothing was written. */
export class ImportFileError extends Schema.TaggedError<ImportFileError>()("ImportFileError", {
  reason: Schema.String,
}) {
  override get message(): string {
    return this.reason
  }
}

/** No employee has this email (compared trimmed and lower-case, as they are stored). */
export class UnknownEmail extends Schema.TaggedError<UnknownEmail>()("UnknownEmail", {
  email: Schema.String,
}) {
  override get message(): string {
    return `No employee has the email ${this.email}`
  }
}

/** Roles are for people who can use the bot: an inactive employee cannot. */
export class InactiveEmployee extends Schema.TaggedError<InactiveEmployee>()("InactiveEmployee", {
  email: Schema.String,
}) {
  override get message(): string {
    return `${this.email} is an inactive employee (they cannot use the bot); reactivate them first`
  }
}

/** A grant that names no role. */
export class NoRoleNamed extends Schema.TaggedError<NoRoleNamed>()("NoRoleNamed", {}) {
  override get message(): string {
    return "name at least one role: --super, --activities, --users, --reports"
  }
}

/**
 * The admin lacks the role the action needs, read at the moment it runs (a role revoked a moment
 * ago refuses the next press).
 */
export class NotAllowed extends Schema.TaggedError<NotAllowed>()("NotAllowed", {
  employeeId: EmployeeId,
  permission: Schema.Literal("activities", "users", "reports", "grant"),
}) {
  override get message(): string {
    return `Employee ${this.employeeId} may not manage ${this.permission}`
  }
}

/** An organiser's input the activity cannot take: a past time, an empty title, a bad capacity. */
export class InvalidActivity extends Schema.TaggedError<InvalidActivity>()("InvalidActivity", {
  field: Schema.Literal("interest", "title", "scheduledAt", "duration", "location", "capacity"),
  reason: Schema.String,
}) {
  override get message(): string {
    return `${this.field}: ${this.reason}`
  }
}

/** The activity is not in a state that allows the action (publishing a cancelled one, …). */
export class ActivityNotEditable extends Schema.TaggedError<ActivityNotEditable>()(
  "ActivityNotEditable",
  { activityId: ActivityId, status: Schema.String, action: Schema.String },
) {
  override get message(): string {
    return `Activity ${this.activityId} is ${this.status}: cannot ${this.action}`
  }
}

/**
 * Attendance is marked for people who held a place in the activity (confirmed, attended or
 * no-show); anyone else — never joined, left, only invited — has nothing to mark.
 */
export class NotAParticipant extends Schema.TaggedError<NotAParticipant>()("NotAParticipant", {
  activityId: ActivityId,
  employeeId: EmployeeId,
}) {
  override get message(): string {
    return `Employee ${this.employeeId} held no place in activity ${this.activityId}`
  }
}
