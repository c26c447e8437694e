/**
 * The page's own words in both languages the bot speaks. The chosen language is also the one
 * the page sends as the user's Telegram `language_code`, so the page and the bot switch together.
 */
import { describeStepRun } from "../../rounds/RunSentence"
import type { RoundStep, StepRunResult } from "../PageApi"

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
  /** A round's steps by name. */
  readonly steps: Readonly<Record<RoundStep, string>>
  readonly runStep: (step: RoundStep) => string
  /**
   * What running a step did (the server's `run`), `round` being the interest's name as the panel
   * shows it.
   */
  readonly stepRun: (run: StepRunResult, round: string) => string
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

/** A round's state (`none`: no round of the interest yet); an unknown one is shown as it is. */
const ruRoundStates: Readonly<Record<string, string>> = {
  none: "раундов ещё не было",
  inviting: "приглашения",
  matching: "подбор пар",
  matched: "пары объявлены",
  closed: "закрыт",
  cancelled: "отменён",
}
const enRoundStates: Readonly<Record<string, string>> = {
  none: "no round yet",
  inviting: "inviting",
  matching: "matching",
  matched: "pairs announced",
  closed: "closed",
  cancelled: "called off",
}

const ruSteps: PageTexts["steps"] = {
  invite: "приглашение",
  match: "подбор пар",
  remind: "напоминание",
  feedback: "сбор отзывов",
  close: "закрытие",
}

const ruStepRun = (run: StepRunResult, round: string): string => {
  const ofRound = `раунда «${round}» от ${run.startsOn}`
  const step = `шаг «${ruSteps[run.step]}» ${ofRound}`
  switch (run.outcome) {
    case "done":
      return `Выполнен ${step}; сообщений в очереди: ${run.messages}${
        run.placed === undefined
          ? ""
          : `; распределено: ${run.placed}, групп: ${run.groups}, без пары: ${run.alone}, повторных пар: ${run.repeats}`
      }.`
    case "done-before":
      return `Делать нечего: ${step} уже выполнен.`
    case "busy":
      return `Сейчас ${step} выполняет другой процесс; попробуйте чуть позже.`
    case "not-yet":
      return `Пока рано: не выполнен предыдущий шаг ${ofRound}; сначала выполните его.`
    case "cancelled":
      return `Раунд «${round}» от ${run.startsOn} отменён.`
  }
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
    `Статус: ${ruRoundStates[status] ?? status}${startsOn === null ? "" : ` · начало ${startsOn}`}`,
  steps: ruSteps,
  runStep: (step) => `Следующий шаг: ${ruSteps[step]}`,
  stepRun: ruStepRun,
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

const enSteps: PageTexts["steps"] = {
  invite: "invite",
  match: "match",
  remind: "remind",
  feedback: "feedback",
  close: "close",
}

/** As `scripts/rounds.ts run` says it, with the interest's name. */
const enStepRun = (run: StepRunResult, round: string): string =>
  describeStepRun(run, round, enSteps[run.step])

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
    `Status: ${enRoundStates[status] ?? status}${startsOn === null ? "" : ` · starts ${startsOn}`}`,
  steps: enSteps,
  runStep: (step) => `Run next step: ${enSteps[step]}`,
  stepRun: enStepRun,
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
