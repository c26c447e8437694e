/**
 * What the admin screens say, in Russian and English, beside src/bot/Messages.ts (already long):
 * the English half must have every entry of the Russian one (the compiler checks).
 *
 * Over 400 lines on purpose, as Messages.ts: both languages side by side is what lets a
 * translator see, and the compiler check, that they match.
 */
import { limits, type Problem } from "../activities/DraftInput"
import type { InvalidActivity } from "../domain/Errors"
import type { Locale, ParticipantStatus } from "../domain/Models"
import type { EditableField } from "../sessions/Sessions"

/** How the admin list names an activity's state. */
export type AdminStatus = "draft" | "scheduled" | "underway" | "ended" | "cancelled"

/** The questions of the new-activity conversation, in order. */
export type DraftQuestion = "interest" | "title" | "when" | "duration" | "place" | "capacity"

export interface ActivityCard {
  readonly status: AdminStatus
  readonly title: string
  readonly interest: string
  readonly when: string
  readonly duration: string
  readonly place: string | null
  readonly taken: number
  readonly max: number | null
}

export interface ReportFigures {
  readonly name: string
  readonly activities: number
  readonly placesTaken: number
  readonly attended: number
  readonly noShow: number
  readonly roundsJoined: number
  readonly roundsPlaced: number
  readonly roundsMet: number
  readonly averageRating: number | null
}

export interface AdminCatalogue {
  readonly menuButton: string
  readonly menuTitle: string
  readonly newActivity: string
  readonly activities: string
  readonly employees: string
  readonly reports: string
  readonly back: string
  readonly toAdmin: string
  readonly cancel: string
  readonly notAdmin: string
  readonly notAllowed: string
  readonly outdated: string
  readonly useButtons: string
  readonly problem: (problem: Problem) => string
  readonly refused: (field: InvalidActivity["field"], reason: string) => string
  readonly draft: {
    readonly step: (index: number, of: number) => string
    readonly questions: Readonly<Record<DraftQuestion, string>>
    readonly timeZone: (zone: string) => string
    readonly kept: (answer: string) => string
    readonly keep: (answer: string) => string
    readonly noPlace: string
    readonly noLimit: string
    readonly preview: string
    readonly publish: string
    readonly saveDraft: string
    readonly published: string
    readonly saved: string
    readonly discarded: string
    readonly noInterests: string
  }
  readonly activity: {
    readonly listTitle: string
    readonly listEmpty: string
    readonly statuses: Readonly<Record<AdminStatus, string>>
    readonly card: (card: ActivityCard) => string
    readonly placeNone: string
    readonly noLimit: string
    readonly minutes: (minutes: number) => string
    readonly edit: string
    readonly publish: string
    readonly cancel: string
    readonly participants: string
    readonly attendance: string
    readonly backToList: string
    readonly backToCard: string
    readonly chooseField: (title: string) => string
    readonly fields: Readonly<Record<EditableField, string>>
    readonly askValue: (field: EditableField, current: string) => string
    readonly edited: (told: number) => string
    readonly published: string
    readonly askReason: (title: string) => string
    readonly keepIt: string
    readonly cancelled: (told: number) => string
    readonly notEditable: (status: string) => string
    readonly gone: string
    readonly rosterTitle: (title: string, count: number) => string
    readonly rosterEmpty: string
    readonly participantStatuses: Readonly<Record<ParticipantStatus, string>>
    readonly attendanceTitle: (title: string) => string
    readonly attendanceNotYet: string
    readonly attended: (index: number) => string
    readonly noShow: (index: number) => string
    readonly marked: (name: string, attended: boolean) => string
    readonly notOnRoster: string
  }
  readonly people: {
    readonly ask: string
    readonly tooShort: string
    readonly noneFound: (query: string) => string
    readonly found: (count: number) => string
    readonly card: (person: {
      readonly fullName: string
      readonly username: string | null
      readonly department: string | null
      readonly position: string | null
      readonly active: boolean
      readonly linked: boolean
    }) => string
    readonly deactivate: string
    readonly reactivate: string
    readonly confirmDeactivate: (name: string) => string
    readonly yesDeactivate: string
    readonly deactivated: (name: string) => string
    readonly reactivated: (name: string) => string
    readonly unchanged: string
    readonly notYourself: string
    readonly gone: string
    readonly backToSearch: string
  }
  readonly report: {
    readonly chooseMonth: string
    readonly title: (month: string) => string
    readonly byInterest: string
    readonly byDepartment: string
    readonly line: (figures: ReportFigures) => string
    readonly nothing: string
    readonly otherMonth: string
  }
}

const places = (taken: number, max: number | null, noLimit: string) =>
  max === null ? `${taken} (${noLimit})` : `${taken}/${max}`

const card =
  (words: {
    readonly interest: string
    readonly places: string
    readonly none: string
    readonly noLimit: string
    readonly statuses: Readonly<Record<AdminStatus, string>>
  }) =>
  (a: ActivityCard): string =>
    [
      `${words.statuses[a.status]} · ${a.title}`,
      `${words.interest}: ${a.interest}`,
      `🗓 ${a.when}, ${a.duration}`,
      `📍 ${a.place ?? words.none}`,
      `👥 ${words.places}: ${places(a.taken, a.max, words.noLimit)}`,
    ].join("\n")

const rating = (value: number | null) => (value === null ? "—" : value.toFixed(1))

const ruStatuses: Record<AdminStatus, string> = {
  draft: "📝 черновик",
  scheduled: "📅 запланирована",
  underway: "▶️ идёт",
  ended: "🏁 прошла",
  cancelled: "🚫 отменена",
}

const ruFieldNames: Record<InvalidActivity["field"], string> = {
  interest: "интерес",
  title: "название",
  scheduledAt: "дата и время",
  duration: "длительность",
  location: "место",
  capacity: "число мест",
}

const ru: AdminCatalogue = {
  menuButton: "🛠 Админка",
  menuTitle: "🛠 Админка. Что делаем?",
  newActivity: "➕ Новая активность",
  activities: "📋 Активности",
  employees: "👥 Сотрудники",
  reports: "📊 Отчёты",
  back: "⬅️ Назад",
  toAdmin: "🛠 Админка",
  cancel: "✖️ Отмена",
  notAdmin: "Вы не администратор (уже). Ничего не изменено. Откройте /menu.",
  notAllowed: "Ваши права администратора этого не позволяют (уже). Ничего не изменено.",
  outdated: "Этот экран устарел — ничего не изменено. Откройте 🛠 Админку заново.",
  useButtons: "Здесь нужно выбрать кнопкой ниже.",
  problem: (problem) =>
    ({
      empty: "Пусто. Пришлите текст.",
      tooLong: "Слишком длинно. Название — до 100 символов, место — до 200, причина — до 500.",
      dateFormat: "Не понял дату. Пришлите так: 25.12 18:30 или 2026-12-25 18:30.",
      noSuchDate: "Такого дня или времени нет. Пришлите так: 25.12 18:30.",
      past: "Это время уже прошло: активность должна быть в будущем.",
      tooFar: `Это больше чем через ${limits.maxYearsAhead} года — проверьте год.`,
      durationFormat: "Не понял длительность. Пришлите минуты (90) или часы и минуты (1ч30).",
      durationRange: "Длительность — от 5 минут до 24 часов.",
      capacityFormat: "Пришлите число мест (например, 12) или нажмите «Без ограничений».",
      capacityRange: `Число мест — от 1 до ${limits.maxCapacity}.`,
    })[problem],
  refused: (field, reason) => `Не принято (${ruFieldNames[field]}): ${reason}`,
  draft: {
    step: (index, of) => `➕ Новая активность · шаг ${index} из ${of}`,
    questions: {
      interest: "К какому интересу она относится?",
      title: "Как она называется? Пришлите название.",
      when: "Когда? Пришлите дату и время: 25.12 18:30 или 2026-12-25 18:30.",
      duration: "Сколько длится? Например: 90, 1ч30, 2 часа.",
      place: "Где? Пришлите место или пропустите.",
      capacity: "Сколько мест? Пришлите число или нажмите «Без ограничений».",
    },
    timeZone: (zone) => `Время — по поясу ${zone}.`,
    kept: (answer) => `Сейчас: ${answer}`,
    keep: (answer) => `➡️ Оставить: ${answer}`,
    noPlace: "📍 Без места",
    noLimit: "♾ Без ограничений",
    preview: "Проверьте и опубликуйте:",
    publish: "📢 Опубликовать",
    saveDraft: "💾 Сохранить черновик",
    published: "Опубликовано: подписчики узнают о ней.",
    saved: "Черновик сохранён: его видят только админы.",
    discarded: "Отменено, ничего не сохранено.",
    noInterests: "Нет ни одного интереса — создать активность не к чему.",
  },
  activity: {
    listTitle: "📋 Активности (черновики, будущие и прошедшие за 30 дней):",
    listEmpty: "📋 Активностей пока нет. Создайте: ➕ Новая активность.",
    statuses: ruStatuses,
    card: card({
      interest: "Интерес",
      places: "Места",
      none: "место не указано",
      noLimit: "без ограничений",
      statuses: ruStatuses,
    }),
    placeNone: "без места",
    noLimit: "без ограничений",
    minutes: (minutes) =>
      minutes % 60 === 0
        ? `${minutes / 60} ч`
        : minutes > 60
          ? `${Math.floor(minutes / 60)} ч ${minutes % 60} мин`
          : `${minutes} мин`,
    edit: "✏️ Изменить",
    publish: "📢 Опубликовать",
    cancel: "🚫 Отменить",
    participants: "👥 Участники",
    attendance: "✅ Посещаемость",
    backToList: "⬅️ К активностям",
    backToCard: "⬅️ К активности",
    chooseField: (title) => `✏️ «${title}»: что изменить?`,
    fields: {
      title: "📝 Название",
      when: "🗓 Дата и время",
      duration: "⏱ Длительность",
      place: "📍 Место",
      capacity: "👥 Число мест",
    },
    askValue: (field, current) =>
      `${
        {
          title: "Пришлите новое название.",
          when: "Пришлите новые дату и время: 25.12 18:30 или 2026-12-25 18:30. Участники узнают.",
          duration: "Пришлите новую длительность: 90, 1ч30, 2 часа.",
          place: "Пришлите новое место. Участники узнают.",
          capacity: "Пришлите новое число мест или нажмите «Без ограничений».",
        }[field]
      }\nСейчас: ${current}`,
    edited: (told) => (told > 0 ? `Сохранено. Участникам сообщено: ${told}.` : "Сохранено."),
    published: "Опубликовано: подписчики узнают о ней.",
    askReason: (title) => `🚫 Отменить «${title}»? Пришлите причину — участники получат её.`,
    keepIt: "↩️ Не отменять",
    cancelled: (told) => `Активность отменена. Участникам сообщено: ${told}.`,
    notEditable: (status) => `Сейчас это сделать нельзя: активность ${status}.`,
    gone: "Этой активности больше нет.",
    rosterTitle: (title, count) => `👥 «${title}»: участников ${count}`,
    rosterEmpty: "Пока никто не записался.",
    participantStatuses: {
      invited: "приглашён",
      confirmed: "записан",
      declined: "отказался",
      attended: "✅ был",
      no_show: "🚫 не пришёл",
    },
    attendanceTitle: (title) => `✅ Посещаемость «${title}». Отметьте каждого участника:`,
    attendanceNotYet: "Посещаемость отмечают после окончания активности.",
    attended: (index) => `${index}. ✅ был`,
    noShow: (index) => `${index}. 🚫 не пришёл`,
    marked: (name, attended) => `${name}: ${attended ? "был" : "не пришёл"}.`,
    notOnRoster: "Этого человека нет среди участников.",
  },
  people: {
    ask: "👥 Пришлите имя или @username сотрудника.",
    tooShort: "Нужно хотя бы 2 символа.",
    noneFound: (query) => `Никого не нашёл по «${query}». Попробуйте иначе.`,
    found: (count) => `Нашлось: ${count}. Выберите или пришлите другой запрос.`,
    card: (p) =>
      [
        `👤 ${p.fullName}${p.username === null ? "" : ` (@${p.username})`}`,
        `Отдел: ${p.department ?? "—"}`,
        `Должность: ${p.position ?? "—"}`,
        p.active ? "✅ Активен" : "🚫 Отключён",
        p.linked ? "Пользуется ботом" : "Ещё не заходил в бота",
      ].join("\n"),
    deactivate: "🚫 Отключить",
    reactivate: "✅ Включить",
    confirmDeactivate: (name) =>
      `Отключить ${name}? Доступ к боту пропадёт сразу, до повторного включения.`,
    yesDeactivate: "Да, отключить",
    deactivated: (name) => `${name}: отключён.`,
    reactivated: (name) => `${name}: снова активен.`,
    unchanged: "Уже так — ничего не изменено.",
    notYourself: "Себя отключить нельзя.",
    gone: "Такого сотрудника нет.",
    backToSearch: "⬅️ К поиску",
  },
  report: {
    chooseMonth: "📊 За какой месяц?",
    title: (month) => `📊 Отчёт за ${month}`,
    byInterest: "По интересам:",
    byDepartment: "По отделам:",
    line: (f) =>
      `• ${f.name}: активностей ${f.activities} · мест занято ${f.placesTaken} · были ${f.attended} · не пришли ${f.noShow} · встречи: участвовали ${f.roundsJoined}, в парах ${f.roundsPlaced}, встретились ${f.roundsMet}, ⭐ ${rating(f.averageRating)}`,
    nothing: "— ничего",
    otherMonth: "⬅️ Другой месяц",
  },
}

const enStatuses: Record<AdminStatus, string> = {
  draft: "📝 draft",
  scheduled: "📅 scheduled",
  underway: "▶️ under way",
  ended: "🏁 ended",
  cancelled: "🚫 cancelled",
}

const enFieldNames: Record<InvalidActivity["field"], string> = {
  interest: "interest",
  title: "title",
  scheduledAt: "date and time",
  duration: "duration",
  location: "place",
  capacity: "places",
}

const en: AdminCatalogue = {
  menuButton: "🛠 Admin",
  menuTitle: "🛠 Admin. What shall we do?",
  newActivity: "➕ New activity",
  activities: "📋 Activities",
  employees: "👥 Employees",
  reports: "📊 Reports",
  back: "⬅️ Back",
  toAdmin: "🛠 Admin",
  cancel: "✖️ Cancel",
  notAdmin: "You are not an admin (any more). Nothing was changed. Open /menu.",
  notAllowed: "Your admin roles do not allow this (any more). Nothing was changed.",
  outdated: "This screen is out of date — nothing was changed. Open 🛠 Admin again.",
  useButtons: "Please choose with the buttons below.",
  problem: (problem) =>
    ({
      empty: "That's empty. Please send some text.",
      tooLong: "That's too long: a title up to 100 characters, a place 200, a reason 500.",
      dateFormat: "I can't read that date. Send it like 25.12 18:30 or 2026-12-25 18:30.",
      noSuchDate: "There is no such day or time. Send it like 25.12 18:30.",
      past: "That time has passed: the activity must be in the future.",
      tooFar: `That's more than ${limits.maxYearsAhead} years ahead — please check the year.`,
      durationFormat: "I can't read that duration. Send minutes (90) or hours and minutes (1h30).",
      durationRange: "The duration must be between 5 minutes and 24 hours.",
      capacityFormat: "Send the number of places (like 12) or press “No limit”.",
      capacityRange: `The number of places must be between 1 and ${limits.maxCapacity}.`,
    })[problem],
  refused: (field, reason) => `Not accepted (${enFieldNames[field]}): ${reason}`,
  draft: {
    step: (index, of) => `➕ New activity · step ${index} of ${of}`,
    questions: {
      interest: "Which interest is it for?",
      title: "What is it called? Send the title.",
      when: "When? Send the date and time: 25.12 18:30 or 2026-12-25 18:30.",
      duration: "How long does it last? Like: 90, 1h30, 2 hours.",
      place: "Where? Send the place, or skip.",
      capacity: "How many places? Send a number or press “No limit”.",
    },
    timeZone: (zone) => `Times are in ${zone}.`,
    kept: (answer) => `Now: ${answer}`,
    keep: (answer) => `➡️ Keep: ${answer}`,
    noPlace: "📍 No place",
    noLimit: "♾ No limit",
    preview: "Check it and publish:",
    publish: "📢 Publish",
    saveDraft: "💾 Save as draft",
    published: "Published: its subscribers will hear of it.",
    saved: "Draft saved: only admins see it.",
    discarded: "Cancelled, nothing was saved.",
    noInterests: "There are no interests to create an activity for.",
  },
  activity: {
    listTitle: "📋 Activities (drafts, upcoming, and ended in the last 30 days):",
    listEmpty: "📋 No activities yet. Create one: ➕ New activity.",
    statuses: enStatuses,
    card: card({
      interest: "Interest",
      places: "Places",
      none: "no place given",
      noLimit: "no limit",
      statuses: enStatuses,
    }),
    placeNone: "no place",
    noLimit: "no limit",
    minutes: (minutes) =>
      minutes % 60 === 0
        ? `${minutes / 60} h`
        : minutes > 60
          ? `${Math.floor(minutes / 60)} h ${minutes % 60} min`
          : `${minutes} min`,
    edit: "✏️ Edit",
    publish: "📢 Publish",
    cancel: "🚫 Cancel",
    participants: "👥 Participants",
    attendance: "✅ Attendance",
    backToList: "⬅️ Activities",
    backToCard: "⬅️ Activity",
    chooseField: (title) => `✏️ “${title}”: what do you want to change?`,
    fields: {
      title: "📝 Title",
      when: "🗓 Date and time",
      duration: "⏱ Duration",
      place: "📍 Place",
      capacity: "👥 Places",
    },
    askValue: (field, current) =>
      `${
        {
          title: "Send the new title.",
          when: "Send the new date and time: 25.12 18:30 or 2026-12-25 18:30. Participants will be told.",
          duration: "Send the new duration: 90, 1h30, 2 hours.",
          place: "Send the new place. Participants will be told.",
          capacity: "Send the new number of places, or press “No limit”.",
        }[field]
      }\nNow: ${current}`,
    edited: (told) => (told > 0 ? `Saved. Participants told: ${told}.` : "Saved."),
    published: "Published: its subscribers will hear of it.",
    askReason: (title) => `🚫 Cancel “${title}”? Send the reason — participants will get it.`,
    keepIt: "↩️ Don't cancel",
    cancelled: (told) => `The activity is cancelled. Participants told: ${told}.`,
    notEditable: (status) => `That can't be done now: the activity is ${status}.`,
    gone: "This activity no longer exists.",
    rosterTitle: (title, count) => `👥 “${title}”: ${count} participant${count === 1 ? "" : "s"}`,
    rosterEmpty: "Nobody has joined yet.",
    participantStatuses: {
      invited: "invited",
      confirmed: "joined",
      declined: "declined",
      attended: "✅ attended",
      no_show: "🚫 no-show",
    },
    attendanceTitle: (title) => `✅ Attendance of “${title}”. Mark each participant:`,
    attendanceNotYet: "Attendance is marked once the activity has ended.",
    attended: (index) => `${index}. ✅ attended`,
    noShow: (index) => `${index}. 🚫 no-show`,
    marked: (name, attended) => `${name}: ${attended ? "attended" : "no-show"}.`,
    notOnRoster: "This person is not among the participants.",
  },
  people: {
    ask: "👥 Send an employee's name or @username.",
    tooShort: "Please send at least 2 characters.",
    noneFound: (query) => `Nobody found for “${query}”. Try another name.`,
    found: (count) => `Found ${count}. Pick one, or send another search.`,
    card: (p) =>
      [
        `👤 ${p.fullName}${p.username === null ? "" : ` (@${p.username})`}`,
        `Department: ${p.department ?? "—"}`,
        `Position: ${p.position ?? "—"}`,
        p.active ? "✅ Active" : "🚫 Deactivated",
        p.linked ? "Uses the bot" : "Has not opened the bot yet",
      ].join("\n"),
    deactivate: "🚫 Deactivate",
    reactivate: "✅ Reactivate",
    confirmDeactivate: (name) =>
      `Deactivate ${name}? They lose access to the bot at once, until reactivated.`,
    yesDeactivate: "Yes, deactivate",
    deactivated: (name) => `${name}: deactivated.`,
    reactivated: (name) => `${name}: active again.`,
    unchanged: "Already so — nothing was changed.",
    notYourself: "You cannot deactivate yourself.",
    gone: "There is no such employee.",
    backToSearch: "⬅️ Search",
  },
  report: {
    chooseMonth: "📊 Which month?",
    title: (month) => `📊 Report for ${month}`,
    byInterest: "By interest:",
    byDepartment: "By department:",
    line: (f) =>
      `• ${f.name}: activities ${f.activities} · places taken ${f.placesTaken} · attended ${f.attended} · no-show ${f.noShow} · rounds: joined ${f.roundsJoined}, placed ${f.roundsPlaced}, met ${f.roundsMet}, ⭐ ${rating(f.averageRating)}`,
    nothing: "— nothing",
    otherMonth: "⬅️ Another month",
  },
}

const catalogues: Readonly<Record<Locale, AdminCatalogue>> = { ru, en }

export const adminTextsFor = (locale: Locale): AdminCatalogue => catalogues[locale]
