/**
 * Everything the bot says, in Russian and English, from one catalogue: the English half must
 * have every entry of the Russian one (the compiler checks), so no screen exists in one
 * language only. The language follows the user's Telegram `language_code`.
 *
 * Over 400 lines on purpose: it is the texts, and keeping both languages side by side in one file
 * is what lets a translator see and the compiler check that they match.
 */
import type { Locale } from "../domain/Models"
import type { FrequencyChoice } from "./CallbackData"

/** `ru…` → Russian, `en…` → English; null for any other language (or none). */
export const spokenLocaleOf = (languageCode: string | undefined): Locale | null => {
  const code = languageCode?.toLowerCase() ?? ""
  return code.startsWith("ru") ? "ru" : code.startsWith("en") ? "en" : null
}

/** `ru…` → Russian, `en…` → English, anything else (or nothing) → the configured default. */
export const localeOf = (languageCode: string | undefined, fallback: Locale): Locale =>
  spokenLocaleOf(languageCode) ?? fallback

export type HelpTopic = "interests" | "activities" | "achievements" | "settings" | "contact"
export const helpTopics: ReadonlyArray<HelpTopic> = [
  "interests",
  "activities",
  "achievements",
  "settings",
  "contact",
]

export type AchievementName = "first-activity" | "regular" | "explorer" | "connector"

export interface Catalogue {
  readonly commands: ReadonlyArray<{ readonly command: string; readonly description: string }>
  readonly commandList: string
  readonly unknownUser: (contact: string) => string
  readonly deactivated: (contact: string) => string
  readonly privateOnly: string
  readonly welcome: (name: string) => string
  readonly setUpInterests: string
  readonly skip: string
  readonly menuGreeting: (name: string) => string
  readonly unsavedReminder: (count: number) => string
  readonly menu: {
    readonly profile: string
    readonly interests: string
    readonly activities: string
    readonly achievements: string
    readonly help: string
    readonly settings: string
  }
  readonly back: string
  readonly toMenu: string
  readonly profile: {
    readonly title: (name: string) => string
    readonly position: string
    readonly department: string
    readonly office: string
    readonly interests: string
    readonly none: string
    readonly activities: (upcoming: number, attended: number, joined: number) => string
    readonly notSet: string
  }
  readonly interests: {
    readonly title: string
    readonly pending: (count: number) => string
    readonly save: string
    readonly unsubscribeAll: string
    readonly saved: (enabled: number, disabled: number) => string
    readonly nothingToSave: string
    readonly expired: string
    readonly outdated: string
    readonly unknownInterest: string
    readonly retired: string
    readonly confirmUnsubscribe: (count: number) => string
    readonly noneToUnsubscribe: string
    readonly confirmYes: string
    readonly confirmNo: string
    readonly unsubscribed: string
  }
  readonly activities: {
    readonly title: string
    readonly empty: string
    readonly line: (details: ActivityLine) => string
    readonly details: (details: ActivityDetails) => string
    readonly join: string
    readonly leave: string
    readonly backToList: string
    readonly joined: string
    readonly alreadyJoined: string
    readonly left: string
    readonly notJoined: string
    readonly full: string
    readonly notOpen: string
    readonly gone: string
    readonly youAreIn: string
    readonly fullyBooked: string
    readonly notifyMe: string
    readonly waiting: (position: number) => string
    readonly placeFreeNow: string
    readonly placeTaken: string
    readonly offerGone: string
  }
  readonly achievements: {
    readonly title: string
    readonly names: Readonly<Record<AchievementName, string>>
    readonly descriptions: Readonly<Record<AchievementName, string>>
    readonly progress: (progress: number, goal: number) => string
    readonly streak: (weeks: number) => string
    readonly none: string
  }
  readonly settings: {
    readonly title: string
    readonly noInterests: string
    /** The button of one interest: its name and how often the user hears of it now. */
    readonly frequency: (name: string, choice: FrequencyChoice) => string
    readonly frequencySet: (name: string, choice: FrequencyChoice) => string
  }
  readonly help: {
    readonly title: string
    readonly topics: Readonly<Record<HelpTopic, string>>
    readonly texts: (contact: string) => Readonly<Record<HelpTopic, string>>
    readonly backToHelp: string
  }
  readonly unknownButton: string
  readonly foreignButton: string
  readonly unavailable: string
  readonly apology: string
}

export interface ActivityLine {
  readonly emoji: string
  readonly title: string
  readonly when: string
  readonly place: string | null
  readonly taken: number
  readonly max: number | null
  readonly joined: boolean
}

export interface ActivityDetails extends ActivityLine {
  readonly description: string | null
  readonly durationMinutes: number
}

const places = (taken: number, max: number | null) =>
  max === null ? `${taken}` : `${taken}/${max}`

/** One line of the activity list; the same in both languages. */
const activityLine = (a: ActivityLine): string =>
  `${a.emoji} ${a.title} — ${a.when}${a.place === null ? "" : `, ${a.place}`} · ${places(a.taken, a.max)}${a.joined ? " ✅" : ""}`

/** The details screen's text, laid out alike in both languages. */
const activityDetails =
  (words: {
    readonly minutes: string
    readonly placeToBeAnnounced: string
    readonly participants: string
    readonly youAreIn: string
    readonly fullyBooked: string
  }) =>
  (a: ActivityDetails): string =>
    [
      `${a.emoji} ${a.title}`,
      ...(a.description === null ? [] : [a.description]),
      `🗓 ${a.when}, ${a.durationMinutes} ${words.minutes}`,
      `📍 ${a.place ?? words.placeToBeAnnounced}`,
      `👥 ${words.participants}: ${places(a.taken, a.max)}`,
      ...(a.joined
        ? [words.youAreIn]
        : a.max !== null && a.taken >= a.max
          ? [words.fullyBooked]
          : []),
    ].join("\n")

const frequencyIcons: Readonly<Record<FrequencyChoice, string>> = {
  off: "🔕",
  immediate: "🔔",
  daily: "📅",
  weekly: "🗓",
}

const ruFrequency: Readonly<Record<FrequencyChoice, string>> = {
  off: "не сообщать",
  immediate: "сразу",
  daily: "раз в день",
  weekly: "раз в неделю",
}

const enFrequency: Readonly<Record<FrequencyChoice, string>> = {
  off: "off",
  immediate: "at once",
  daily: "daily",
  weekly: "weekly",
}

const ruActivityWords = {
  minutes: "мин",
  placeToBeAnnounced: "место уточняется",
  participants: "Участники",
  youAreIn: "✅ Вы записаны",
  fullyBooked: "⛔️ Мест нет",
}

const ru: Catalogue = {
  commands: [
    { command: "start", description: "Начать и узнать меня" },
    { command: "menu", description: "Главное меню" },
    { command: "preferences", description: "Мои интересы" },
    { command: "help", description: "Помощь" },
  ],
  commandList:
    "Я понимаю команды:\n/start — начать\n/menu — главное меню\n/preferences — мои интересы\n/help — помощь",
  unknownUser: (contact) =>
    `Извините, я не нашёл вас среди сотрудников компании. Если вы работаете у нас, напишите ${contact}, чтобы вас добавили.`,
  deactivated: (contact) =>
    `Ваш доступ к ConnectBot отключён. Если это ошибка, напишите ${contact}.`,
  privateOnly: "Я работаю только в личных сообщениях.",
  welcome: (name) =>
    `Привет, ${name}! 👋 Я ConnectBot: помогаю коллегам знакомиться через общие интересы — кофе, обеды, прогулки, игры и не только.\n\nВыберите интересы, чтобы я подбирал вам активности.`,
  setUpInterests: "🎯 Выбрать интересы",
  skip: "Пропустить",
  menuGreeting: (name) => `${name}, чем займёмся?`,
  unsavedReminder: (count) =>
    `Несохранённых изменений интересов: ${count} — откройте 🎯 Интересы, чтобы сохранить.`,
  menu: {
    profile: "👤 Профиль",
    interests: "🎯 Интересы",
    activities: "📅 Активности",
    achievements: "🏆 Достижения",
    help: "❓ Помощь",
    settings: "⚙️ Настройки",
  },
  back: "⬅️ Назад",
  toMenu: "🏠 Меню",
  profile: {
    title: (name) => `👤 ${name}`,
    position: "Должность",
    department: "Отдел",
    office: "Офис",
    interests: "Интересы",
    none: "пока не выбраны",
    activities: (upcoming, attended, joined) =>
      `Активности: впереди ${upcoming} · посещено ${attended} · всего ${joined}`,
    notSet: "—",
  },
  interests: {
    title:
      "🎯 Ваши интересы. ✅ — включён, ❌ — выключен. Нажмите на интерес, чтобы изменить, и «Сохранить».",
    pending: (count) => `Не сохранено изменений: ${count}.`,
    save: "💾 Сохранить",
    unsubscribeAll: "🚫 Отписаться от всех",
    saved: (enabled, disabled) => `Сохранено: включено ${enabled}, выключено ${disabled}.`,
    nothingToSave: "Нечего сохранять: изменений нет.",
    expired:
      "Сессия истекла, и несохранённые изменения пропали — ничего не изменено. Вот ваши интересы сейчас.",
    outdated: "Это меню устарело. Вот актуальное.",
    unknownInterest: "Такого интереса больше нет.",
    retired: "Некоторые интересы больше недоступны — ничего не сохранено. Проверьте выбор.",
    confirmUnsubscribe: (count) =>
      `Отписаться от всех интересов (${count})? Вы перестанете получать подборки активностей.`,
    noneToUnsubscribe: "У вас нет включённых интересов.",
    confirmYes: "Да, отписаться",
    confirmNo: "Отмена",
    unsubscribed: "Вы отписались от всех интересов.",
  },
  activities: {
    title: "📅 Ближайшие активности (сначала — по вашим интересам):",
    empty: "📅 Ближайших активностей пока нет. Загляните позже!",
    line: activityLine,
    details: activityDetails(ruActivityWords),
    join: "✅ Записаться",
    leave: "↩️ Отказаться",
    backToList: "⬅️ К активностям",
    joined: "Вы записаны! 🎉",
    alreadyJoined: "Вы уже записаны.",
    left: "Вы отказались от участия.",
    notJoined: "Вы не были записаны.",
    full: "Извините, мест больше нет.",
    notOpen: "Запись на эту активность закрыта.",
    gone: "Этой активности больше нет.",
    youAreIn: ruActivityWords.youAreIn,
    fullyBooked: ruActivityWords.fullyBooked,
    notifyMe: "🔔 Сообщить, когда освободится место",
    waiting: (position) =>
      `Вы в очереди: ${position}-й. Когда место освободится, я напишу и придержу его для вас.`,
    placeFreeNow: "Место как раз есть — можно записаться.",
    placeTaken: "Место ваше! 🎉",
    offerGone: "Это предложение уже неактуально: время вышло или место заняли.",
  },
  achievements: {
    title: "🏆 Достижения",
    names: {
      "first-activity": "Первый шаг",
      regular: "Постоянство",
      explorer: "Исследователь",
      connector: "Душа компании",
    },
    descriptions: {
      "first-activity": "первая активность",
      regular: "активности 3 недели подряд",
      explorer: "активности по 3 разным интересам",
      connector: "10 активностей",
    },
    progress: (progress, goal) => `${progress}/${goal}`,
    streak: (weeks) => `Текущая серия: ${weeks} нед.`,
    none: "Запишитесь на активность в 📅 Активностях — и первое достижение ваше.",
  },
  settings: {
    title:
      "⚙️ Как часто сообщать о новых активностях по каждому интересу. Нажатие меняет по кругу: 🔕 не сообщать → 🔔 сразу → 📅 раз в день → 🗓 раз в неделю.",
    noInterests: "⚙️ Уведомления настраиваются по интересам, а у вас их пока нет.",
    frequency: (name, choice) => `${frequencyIcons[choice]} ${name} · ${ruFrequency[choice]}`,
    frequencySet: (name, choice) => `${name}: ${ruFrequency[choice]}.`,
  },
  help: {
    title: "❓ Помощь. Выберите тему:",
    topics: {
      interests: "🎯 Интересы",
      activities: "📅 Активности",
      achievements: "🏆 Достижения",
      settings: "⚙️ Настройки",
      contact: "✉️ Связаться с HR",
    },
    texts: (contact) => ({
      interests:
        "🎯 Интересы: отметьте то, что вам нравится. Нажатие переключает интерес, повторное — отменяет. Ничего не меняется, пока вы не нажмёте «Сохранить».",
      activities:
        "📅 Активности: ближайшие встречи, сначала по вашим интересам. Откройте активность, чтобы записаться или отказаться. Мест ровно столько, сколько указано.",
      achievements:
        "🏆 Достижения даются за реальное участие: первая активность, несколько недель подряд, разные интересы.",
      settings:
        "⚙️ Настройки: как часто сообщать о новых активностях по каждому интересу — сразу, раз в день, раз в неделю или не сообщать.",
      contact: `✉️ Вопросы и ошибки в данных: ${contact}.`,
    }),
    backToHelp: "⬅️ К темам",
  },
  unknownButton: "Эта кнопка устарела. Откройте /menu.",
  foreignButton: "Эта кнопка не ваша.",
  unavailable: "⚠️ Сервис временно недоступен. Попробуйте через минуту.",
  apology: "Извините, что-то пошло не так. Попробуйте ещё раз.",
}

const enActivityWords = {
  minutes: "min",
  placeToBeAnnounced: "place to be announced",
  participants: "Participants",
  youAreIn: "✅ You're in",
  fullyBooked: "⛔️ Fully booked",
}

const en: Catalogue = {
  commands: [
    { command: "start", description: "Start and get recognised" },
    { command: "menu", description: "Main menu" },
    { command: "preferences", description: "My interests" },
    { command: "help", description: "Help" },
  ],
  commandList:
    "I understand these commands:\n/start — start\n/menu — main menu\n/preferences — my interests\n/help — help",
  unknownUser: (contact) =>
    `Sorry, I couldn't find you among the company's employees. If you work here, please contact ${contact} to be added.`,
  deactivated: (contact) =>
    `Your access to ConnectBot has been turned off. If this is a mistake, please contact ${contact}.`,
  privateOnly: "I only work in private chats.",
  welcome: (name) =>
    `Hi, ${name}! 👋 I'm ConnectBot: I help colleagues meet through shared interests — coffee, lunches, walks, games and more.\n\nPick your interests so I can suggest activities.`,
  setUpInterests: "🎯 Choose interests",
  skip: "Skip",
  menuGreeting: (name) => `${name}, what shall we do?`,
  unsavedReminder: (count) =>
    `You have ${count} unsaved interest change${count === 1 ? "" : "s"} — open 🎯 Interests to save.`,
  menu: {
    profile: "👤 Profile",
    interests: "🎯 Interests",
    activities: "📅 Activities",
    achievements: "🏆 Achievements",
    help: "❓ Help",
    settings: "⚙️ Settings",
  },
  back: "⬅️ Back",
  toMenu: "🏠 Menu",
  profile: {
    title: (name) => `👤 ${name}`,
    position: "Position",
    department: "Department",
    office: "Office",
    interests: "Interests",
    none: "none yet",
    activities: (upcoming, attended, joined) =>
      `Activities: ${upcoming} upcoming · ${attended} attended · ${joined} in total`,
    notSet: "—",
  },
  interests: {
    title: "🎯 Your interests. ✅ — on, ❌ — off. Tap an interest to change it, then Save.",
    pending: (count) => `Unsaved changes: ${count}.`,
    save: "💾 Save",
    unsubscribeAll: "🚫 Unsubscribe from all",
    saved: (enabled, disabled) => `Saved: ${enabled} turned on, ${disabled} turned off.`,
    nothingToSave: "Nothing to save: no changes.",
    expired:
      "Your session expired and the unsaved changes were lost — nothing was changed. Here are your interests now.",
    outdated: "That menu was out of date. Here is the current one.",
    unknownInterest: "That interest no longer exists.",
    retired:
      "Some interests are no longer available — nothing was saved. Please check your choice.",
    confirmUnsubscribe: (count) =>
      `Unsubscribe from all your interests (${count})? You will stop getting activity suggestions.`,
    noneToUnsubscribe: "You have no interests turned on.",
    confirmYes: "Yes, unsubscribe",
    confirmNo: "Cancel",
    unsubscribed: "You have unsubscribed from all interests.",
  },
  activities: {
    title: "📅 Upcoming activities (yours first):",
    empty: "📅 No upcoming activities yet. Check back later!",
    line: activityLine,
    details: activityDetails(enActivityWords),
    join: "✅ Join",
    leave: "↩️ Leave",
    backToList: "⬅️ Activities",
    joined: "You're in! 🎉",
    alreadyJoined: "You have already joined.",
    left: "You have left the activity.",
    notJoined: "You had not joined it.",
    full: "Sorry, this activity is fully booked.",
    notOpen: "This activity is no longer open.",
    gone: "This activity no longer exists.",
    youAreIn: enActivityWords.youAreIn,
    fullyBooked: enActivityWords.fullyBooked,
    notifyMe: "🔔 Notify me when a place frees",
    waiting: (position) =>
      `You're number ${position} in line. When a place frees, I'll message you and hold it for you.`,
    placeFreeNow: "There is a free place right now — you can join.",
    placeTaken: "The place is yours! 🎉",
    offerGone: "This offer has ended: its time ran out or the place was taken.",
  },
  achievements: {
    title: "🏆 Achievements",
    names: {
      "first-activity": "First step",
      regular: "Regular",
      explorer: "Explorer",
      connector: "Connector",
    },
    descriptions: {
      "first-activity": "your first activity",
      regular: "activities 3 weeks in a row",
      explorer: "activities of 3 different interests",
      connector: "10 activities",
    },
    progress: (progress, goal) => `${progress}/${goal}`,
    streak: (weeks) => `Current streak: ${weeks} week${weeks === 1 ? "" : "s"}`,
    none: "Join an activity in 📅 Activities and the first achievement is yours.",
  },
  settings: {
    title:
      "⚙️ How often to tell you of new activities, per interest. A tap moves on: 🔕 off → 🔔 at once → 📅 daily → 🗓 weekly.",
    noInterests: "⚙️ Notifications are set per interest, and you have none yet.",
    frequency: (name, choice) => `${frequencyIcons[choice]} ${name} · ${enFrequency[choice]}`,
    frequencySet: (name, choice) => `${name}: ${enFrequency[choice]}.`,
  },
  help: {
    title: "❓ Help. Pick a topic:",
    topics: {
      interests: "🎯 Interests",
      activities: "📅 Activities",
      achievements: "🏆 Achievements",
      settings: "⚙️ Settings",
      contact: "✉️ Contact HR",
    },
    texts: (contact) => ({
      interests:
        "🎯 Interests: mark what you enjoy. A tap switches an interest, a second tap undoes it. Nothing changes until you press Save.",
      activities:
        "📅 Activities: upcoming meetups, your interests first. Open one to join or leave. There are exactly as many places as shown.",
      achievements:
        "🏆 Achievements come from real participation: your first activity, several weeks in a row, different interests.",
      settings:
        "⚙️ Settings: how often to hear of new activities of each interest — at once, daily, weekly, or not at all.",
      contact: `✉️ Questions or wrong data: ${contact}.`,
    }),
    backToHelp: "⬅️ Topics",
  },
  unknownButton: "This button is out of date. Open /menu.",
  foreignButton: "This button is not yours.",
  unavailable: "⚠️ The service is temporarily unavailable. Please try again in a minute.",
  apology: "Sorry, something went wrong. Please try again.",
}

const catalogues: Readonly<Record<Locale, Catalogue>> = { ru, en }

export const messagesFor = (locale: Locale): Catalogue => catalogues[locale]
