/**
 * What people read about pairing rounds, in both languages. Proactive messages (invites, intros,
 * reminders, feedback) are written when they are put into the outbox, in the language the person
 * last wrote to the bot in (`employees.locale`), else the company's default (`BOT_DEFAULT_LOCALE`).
 */
import type { Locale } from "../domain/Models"

export type Answer = "in" | "skip" | "pause"

/** A partner as an intro shows them. */
export interface PartnerCard {
  readonly fullName: string
  readonly position: string | null
  readonly department: string | null
  readonly office: string | null
  readonly telegramUsername: string | null
  readonly telegramId: number | null
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** "@username", or a link that opens the chat with them when they have no username. */
const contactOf = (partner: PartnerCard, writeTo: string): string =>
  partner.telegramUsername !== null
    ? `@${escapeHtml(partner.telegramUsername.replace(/^@/, ""))}`
    : partner.telegramId !== null
      ? `<a href="tg://user?id=${partner.telegramId}">${writeTo}</a>`
      : "—"

const cardOf = (partner: PartnerCard, writeTo: string): string => {
  const details = [partner.position, partner.department, partner.office]
    .filter((part): part is string => part !== null && part.trim() !== "")
    .map(escapeHtml)
    .join(", ")
  return `👤 <b>${escapeHtml(partner.fullName)}</b>${details === "" ? "" : ` — ${details}`}\n✍️ ${contactOf(partner, writeTo)}`
}

const names = (partners: ReadonlyArray<PartnerCard>, and: string): string => {
  const all = partners.map((partner) => escapeHtml(partner.fullName))
  return all.length <= 1 ? (all[0] ?? "") : `${all.slice(0, -1).join(", ")} ${and} ${all.at(-1)}`
}

const en = {
  buttonIn: "✅ I'm in",
  buttonSkip: "⏭ Skip this time",
  buttonPause: "⏸ Pause 4 weeks",
  buttonMeet: "👍 We'll meet",
  buttonCantMeet: "👎 Can't this time",
  buttonMetYes: "✅ Yes",
  buttonMetNo: "❌ No",
  invite: (interest: string, answerUntil: string) =>
    `This week's ${interest} — are you in?\n\nAnswer until ${answerUntil}; you can change your mind until then.`,
  answered: (answer: Answer, interest: string, answerUntil: string, pausedUntil: string) =>
    answer === "in"
      ? `✅ You're in for ${interest}. Your partner is announced on ${answerUntil}.\n\nChanged your mind? Answer again until then.`
      : answer === "skip"
        ? `⏭ You skip ${interest} this time. See you next round!\n\nChanged your mind? Answer again until ${answerUntil}.`
        : `⏸ ${interest} is paused until ${pausedUntil}. Resume it any time in ⚙️ Settings.`,
  answersClosed: "This round no longer takes answers.",
  notInvited: "This invitation is not for you.",
  intro: (interest: string, partners: ReadonlyArray<PartnerCard>) =>
    `${interest}: ${partners.length > 1 ? "your partners this time are" : "your partner this time is"}\n\n${partners
      .map((partner) => cardOf(partner, "write to them"))
      .join(
        "\n\n",
      )}\n\nWrite to ${partners.length > 1 ? "them" : "them"} and agree on a time and a place. Will you meet?`,
  alone: (interest: string) =>
    `${interest}: this time nobody else from your office joined, so there is no partner for you. You get priority next time.`,
  confirmed: (interest: string) => `👍 Noted: you'll meet for ${interest}. Have a good time!`,
  declined: (interest: string) =>
    `👎 Noted: you can't make ${interest} this time. Your partner is told; you both get priority next round.`,
  partnerDeclined: (interest: string, who: string) =>
    `😕 ${who} can't make ${interest} this time. You get priority next round.`,
  remind: (interest: string, partners: ReadonlyArray<PartnerCard>) =>
    `⏰ ${interest}: have you agreed on a time with ${names(partners, "and")}?\n\n${partners
      .map((partner) => cardOf(partner, "write to them"))
      .join("\n\n")}`,
  feedback: (interest: string, partners: ReadonlyArray<PartnerCard>) =>
    `${interest} with ${names(partners, "and")}: did you meet?`,
  askRating: "🙌 Glad you met! How was it?",
  notMet: "Thanks for telling us. See you next round!",
  rated: (rating: number) =>
    `Thanks! ${"⭐".repeat(rating)}\n\nIf you like, send a short comment as a message: only the organisers read it, never your partner.`,
  commentSaved: "📝 Your comment is saved. Thank you!",
  roundClosed: "This round is over.",
  notYourMatch: "This button is not for you.",
  pause: (interest: string) => `⏸ ${interest}`,
  resume: (interest: string, until: string) => `▶️ ${interest} (paused until ${until})`,
  paused: (interest: string, until: string) => `⏸ ${interest} is paused until ${until}.`,
  resumed: (interest: string) => `▶️ ${interest} is on again: you'll be invited to the next round.`,
  currentMatch: (interest: string, partners: string) => `${interest}: ${partners}`,
  currentMatchesTitle: "Your current pairings",
  and: "and",
}

export type RoundTexts = typeof en

const ru: RoundTexts = {
  buttonIn: "✅ Я участвую",
  buttonSkip: "⏭ Пропущу в этот раз",
  buttonPause: "⏸ Пауза на 4 недели",
  buttonMeet: "👍 Встретимся",
  buttonCantMeet: "👎 Не получится",
  buttonMetYes: "✅ Да",
  buttonMetNo: "❌ Нет",
  invite: (interest, answerUntil) =>
    `${interest} на этой неделе — участвуете?\n\nОтветьте до ${answerUntil}; до этого времени можно передумать.`,
  answered: (answer, interest, answerUntil, pausedUntil) =>
    answer === "in"
      ? `✅ Вы участвуете: ${interest}. Пару объявим ${answerUntil}.\n\nПередумали? Ответьте ещё раз до этого времени.`
      : answer === "skip"
        ? `⏭ В этот раз вы пропускаете: ${interest}. До следующего раунда!\n\nПередумали? Ответьте ещё раз до ${answerUntil}.`
        : `⏸ ${interest}: пауза до ${pausedUntil}. Возобновить можно в ⚙️ Настройках.`,
  answersClosed: "Этот раунд уже не принимает ответы.",
  notInvited: "Это приглашение не для вас.",
  intro: (interest, partners) =>
    `${interest}: ${partners.length > 1 ? "ваши пары в этот раз" : "ваша пара в этот раз"}\n\n${partners
      .map((partner) => cardOf(partner, "написать"))
      .join("\n\n")}\n\nНапишите и договоритесь о времени и месте. Встретитесь?`,
  alone: (interest) =>
    `${interest}: в этот раз больше никто из вашего офиса не записался, пары нет. В следующий раз вы в приоритете.`,
  confirmed: (interest) => `👍 Отлично: ${interest} — встреча состоится. Хорошей встречи!`,
  declined: (interest) =>
    `👎 Понятно: ${interest} в этот раз не получится. Мы предупредили пару; в следующем раунде вы оба в приоритете.`,
  partnerDeclined: (interest, who) =>
    `😕 ${who} не сможет в этот раз (${interest}). В следующем раунде вы в приоритете.`,
  remind: (interest, partners) =>
    `⏰ ${interest}: договорились о встрече с ${names(partners, "и")}?\n\n${partners
      .map((partner) => cardOf(partner, "написать"))
      .join("\n\n")}`,
  feedback: (interest, partners) => `${interest} с ${names(partners, "и")}: встреча состоялась?`,
  askRating: "🙌 Здорово! Как всё прошло?",
  notMet: "Спасибо, что сообщили. До следующего раунда!",
  rated: (rating) =>
    `Спасибо! ${"⭐".repeat(rating)}\n\nЕсли хотите, напишите короткий комментарий сообщением: его прочтут только организаторы, не ваша пара.`,
  commentSaved: "📝 Комментарий сохранён. Спасибо!",
  roundClosed: "Этот раунд завершён.",
  notYourMatch: "Эта кнопка не для вас.",
  pause: (interest) => `⏸ ${interest}`,
  resume: (interest, until) => `▶️ ${interest} (пауза до ${until})`,
  paused: (interest, until) => `⏸ ${interest}: пауза до ${until}.`,
  resumed: (interest) => `▶️ ${interest} снова включено: пригласим в следующий раунд.`,
  currentMatch: (interest, partners) => `${interest}: ${partners}`,
  currentMatchesTitle: "Ваши текущие пары",
  and: "и",
}

export const roundTexts = (locale: Locale): RoundTexts => (locale === "en" ? en : ru)
