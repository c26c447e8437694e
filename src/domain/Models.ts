import { Schema } from "effect"
import {
  ActivityId,
  BusinessCenterId,
  DepartmentId,
  EmployeeId,
  InterestId,
  TelegramId,
} from "./Ids"
import { LocalDate, Timestamp } from "./Time"

export class Department extends Schema.Class<Department>("Department")({
  id: DepartmentId,
  code: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  isActive: Schema.Boolean,
}) {}

export class BusinessCenter extends Schema.Class<BusinessCenter>("BusinessCenter")({
  id: BusinessCenterId,
  name: Schema.String,
  address: Schema.NullOr(Schema.String),
  isActive: Schema.Boolean,
}) {}

/** The languages the bot speaks. */
export const Locale = Schema.Literal("ru", "en")
export type Locale = typeof Locale.Type

const employeeFields = {
  id: EmployeeId,
  fullName: Schema.String,
  position: Schema.NullOr(Schema.String),
  departmentId: Schema.NullOr(DepartmentId),
  businessCenterId: Schema.NullOr(BusinessCenterId),
  email: Schema.String,
  phone: Schema.NullOr(Schema.String),
  telegramId: Schema.NullOr(TelegramId),
  telegramUsername: Schema.NullOr(Schema.String),
  normalizedUsername: Schema.NullOr(Schema.String),
  isActive: Schema.Boolean,
  authorized: Schema.Boolean,
  hireDate: Schema.NullOr(LocalDate),
  birthDate: Schema.NullOr(LocalDate),
  lastActivity: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /**
   * The language they last wrote to the bot in, for what it writes to them unasked; null until
   * then. Optional when decoding: `emp:` values cached before the column existed lack it.
   */
  locale: Schema.optionalWith(Schema.NullOr(Locale), { default: () => null }),
}

export class Employee extends Schema.Class<Employee>("Employee")(employeeFields) {}

/** An employee with the names of their department and office, as the profile shows them. */
export class EmployeeProfile extends Schema.Class<EmployeeProfile>("EmployeeProfile")({
  ...employeeFields,
  departmentCode: Schema.NullOr(Schema.String),
  departmentName: Schema.NullOr(Schema.String),
  businessCenterName: Schema.NullOr(Schema.String),
}) {}

export const ScheduleFrequency = Schema.Literal("weekly", "biweekly", "monthly")
export type ScheduleFrequency = typeof ScheduleFrequency.Type

export class Interest extends Schema.Class<Interest>("Interest")({
  id: InterestId,
  code: Schema.String,
  /** The name in the default locale (Russian). */
  name: Schema.String,
  /** The English name; `null` falls back to `name`. */
  nameEn: Schema.NullOr(Schema.String),
  emoji: Schema.String,
  description: Schema.NullOr(Schema.String),
  isActive: Schema.Boolean,
  scheduleFrequency: ScheduleFrequency,
}) {}

export const NotificationFrequency = Schema.Literal("immediate", "daily", "weekly")
export type NotificationFrequency = typeof NotificationFrequency.Type

/** How an employee hears about one of their active interests. */
export class NotificationSetting extends Schema.Class<NotificationSetting>("NotificationSetting")({
  interestId: InterestId,
  code: Schema.String,
  name: Schema.String,
  nameEn: Schema.NullOr(Schema.String),
  emoji: Schema.String,
  receiveNotifications: Schema.Boolean,
  notificationFrequency: NotificationFrequency,
}) {}

export const ActivityStatus = Schema.Literal(
  "draft",
  "scheduled",
  "active",
  "completed",
  "cancelled",
)
export type ActivityStatus = typeof ActivityStatus.Type

const activityFields = {
  id: ActivityId,
  title: Schema.String,
  activityType: Schema.String,
  interestId: Schema.NullOr(InterestId),
  description: Schema.NullOr(Schema.String),
  scheduledAt: Timestamp,
  durationMinutes: Schema.Int,
  location: Schema.NullOr(Schema.String),
  status: ActivityStatus,
  /** `null` means no limit. */
  maxParticipants: Schema.NullOr(Schema.Int),
  createdBy: Schema.NullOr(EmployeeId),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}

export class Activity extends Schema.Class<Activity>("Activity")({
  ...activityFields,
  /** Participants holding a place (confirmed or attended). */
  participantCount: Schema.Int,
}) {}

/** An upcoming activity as one employee sees it in the list. */
export class UpcomingActivity extends Schema.Class<UpcomingActivity>("UpcomingActivity")({
  ...activityFields,
  participantCount: Schema.Int,
  joined: Schema.Boolean,
  /** The activity belongs to one of the employee's active interests. */
  matchesInterests: Schema.Boolean,
}) {}

export const ParticipantStatus = Schema.Literal(
  "invited",
  "confirmed",
  "declined",
  "attended",
  "no_show",
)
export type ParticipantStatus = typeof ParticipantStatus.Type

/** Statuses that hold a place in an activity. */
export const placeHoldingStatuses: ReadonlyArray<ParticipantStatus> = ["confirmed", "attended"]

export class Participant extends Schema.Class<Participant>("Participant")({
  activityId: ActivityId,
  employeeId: EmployeeId,
  fullName: Schema.String,
  telegramUsername: Schema.NullOr(Schema.String),
  status: ParticipantStatus,
  rating: Schema.NullOr(Schema.Int.pipe(Schema.between(1, 5))),
  invitedAt: Timestamp,
  respondedAt: Schema.NullOr(Timestamp),
  attendedAt: Schema.NullOr(Timestamp),
}) {}

export class ActivityCounts extends Schema.Class<ActivityCounts>("ActivityCounts")({
  /** Activities the employee holds a place in that have not happened yet. */
  upcoming: Schema.Int,
  /** Activities the employee attended. */
  attended: Schema.Int,
  /** Every activity the employee ever held a place in. */
  joined: Schema.Int,
}) {}
