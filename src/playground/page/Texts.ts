/**
 * The page's own words in both languages the bot speaks. The chosen language is also the one
 * the page sends as the user's Telegram `language_code`, so the page and the bot switch together.
 */
export type Language = "ru" | "en"

export const languages: ReadonlyArray<Language> = ["ru", "en"]

export interface PageTexts {
  /** For dates and times. */
  readonly locale: string
  readonly title: string
  readonly whoAmI: string
  readonly language: string
  readonly panelToggle: string
  readonly chatTitle: string
  readonly quickCommands: string
  readonly messageLabel: string
  readonly messagePlaceholder: string
  readonly send: string
  readonly panelTitle: string
  readonly close: string
  readonly clockTitle: string
  readonly clockForward: string
  readonly clockAhead: (days: number) => string
  readonly roundsTitle: string
  readonly noRounds: string
  readonly roundStatus: (status: string, startsOn: string | null) => string
  readonly runStep: (step: string) => string
  readonly roundOver: string
  readonly outboxTitle: string
  readonly outboxKind: string
  readonly outboxRecipient: string
  readonly outboxStatus: string
  readonly outboxPreview: string
  readonly outboxEmpty: string
  readonly demoPeople: string
  readonly employees: string
  readonly others: string
  readonly stranger: string
  readonly connecting: string
  readonly reconnecting: string
  readonly edited: string
  readonly inlineKeyboard: string
  readonly replyKeyboard: string
  readonly opensInNewTab: string
  readonly spoiler: string
  readonly failed: (reason: string) => string
  readonly noPeople: string
}

const ru: PageTexts = {
  locale: "ru-RU",
  title: "ConnectBot · песочница",
  whoAmI: "Кто я",
  language: "Язык",
  panelToggle: "Панель организатора",
  chatTitle: "Чат с ботом",
  quickCommands: "Быстрые команды",
  messageLabel: "Сообщение",
  messagePlaceholder: "Сообщение",
  send: "Отправить",
  panelTitle: "Панель организатора",
  close: "Закрыть",
  clockTitle: "Часы песочницы",
  clockForward: "Перевести часы на +1 день",
  clockAhead: (days) => (days === 0 ? "Идут вровень с настоящими." : `Впереди на ${days} дн.`),
  roundsTitle: "Раунды",
  noRounds: "Нет интересов с раундами.",
  roundStatus: (status, startsOn) =>
    `Статус: ${status}${startsOn === null ? "" : ` · начало ${startsOn}`}`,
  runStep: (step) => `Следующий шаг: ${step}`,
  roundOver: "Раунд завершён",
  outboxTitle: "Исходящие",
  outboxKind: "Вид",
  outboxRecipient: "Кому",
  outboxStatus: "Статус",
  outboxPreview: "Текст",
  outboxEmpty: "Пока ничего.",
  demoPeople: "Демо-сотрудники",
  employees: "Сотрудники",
  others: "Другие",
  stranger: "Посторонний (не сотрудник)",
  connecting: "Подключаюсь…",
  reconnecting: "Связь потеряна, переподключаюсь…",
  edited: "изменено",
  inlineKeyboard: "Кнопки сообщения",
  replyKeyboard: "Кнопки ответа",
  opensInNewTab: "(откроется в новой вкладке)",
  spoiler: "Скрытый текст: нажмите, чтобы показать",
  failed: (reason) => `Не вышло: ${reason}`,
  noPeople: "Некого выбрать.",
}

const en: PageTexts = {
  locale: "en-GB",
  title: "ConnectBot · playground",
  whoAmI: "I am",
  language: "Language",
  panelToggle: "Organiser's panel",
  chatTitle: "Chat with the bot",
  quickCommands: "Quick commands",
  messageLabel: "Message",
  messagePlaceholder: "Message",
  send: "Send",
  panelTitle: "Organiser's panel",
  close: "Close",
  clockTitle: "Playground clock",
  clockForward: "Move clock +1 day",
  clockAhead: (days) =>
    days === 0 ? "In step with the real one." : `Ahead by ${days} day${days === 1 ? "" : "s"}.`,
  roundsTitle: "Rounds",
  noRounds: "No interests with rounds.",
  roundStatus: (status, startsOn) =>
    `Status: ${status}${startsOn === null ? "" : ` · starts ${startsOn}`}`,
  runStep: (step) => `Run next step: ${step}`,
  roundOver: "Round over",
  outboxTitle: "Outbox",
  outboxKind: "Kind",
  outboxRecipient: "Recipient",
  outboxStatus: "Status",
  outboxPreview: "Preview",
  outboxEmpty: "Nothing yet.",
  demoPeople: "Demo employees",
  employees: "Employees",
  others: "Others",
  stranger: "A stranger (not an employee)",
  connecting: "Connecting…",
  reconnecting: "Connection lost, reconnecting…",
  edited: "edited",
  inlineKeyboard: "Message buttons",
  replyKeyboard: "Reply buttons",
  opensInNewTab: "(opens in a new tab)",
  spoiler: "Hidden text: press to show",
  failed: (reason) => `That did not work: ${reason}`,
  noPeople: "No one to choose.",
}

export const textsFor = (language: Language): PageTexts => (language === "en" ? en : ru)

export const isLanguage = (value: string | null): value is Language =>
  value === "ru" || value === "en"
