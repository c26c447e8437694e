/** What 📊 Reports shows: the months offered, and one month's figures as text lines. */
import { AdminAction } from "../bot/CallbackData"
import { actionKeyboard, cutAt, type View } from "../bot/Views"
import type { Locale } from "../domain/Models"
import type { AdminCatalogue } from "./AdminTexts"
import { admin, messageLimit, type Row, toAdmin } from "./AdminViews"
import type { Month, Report, ReportLine } from "./Reports"

/** "March 2026", "март 2026 г.". */
export const monthName = (month: Month, locale: Locale): string =>
  new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-GB", {
    timeZone: "UTC",
    month: "long",
    year: "numeric",
  }).format(new Date(Date.UTC(month.year, month.month - 1, 15)))

export const monthChoice = (
  at: AdminCatalogue,
  locale: Locale,
  months: ReadonlyArray<Month>,
): View => ({
  text: at.report.chooseMonth,
  keyboard: actionKeyboard([
    ...months.map(
      (month): Row => [[monthName(month, locale), admin(AdminAction.Report({ month }))]],
    ),
    [toAdmin(at)],
  ]),
})

export const report = (at: AdminCatalogue, locale: Locale, figures: Report): View => {
  const lines = (rows: ReadonlyArray<ReportLine>) =>
    rows.length === 0
      ? [at.report.nothing]
      : rows.map((row) =>
          at.report.line({ ...row, name: locale === "en" ? (row.nameEn ?? row.name) : row.name }),
        )
  return {
    text: cutAt(
      [
        at.report.title(monthName(figures.month, locale)),
        "",
        at.report.byInterest,
        ...lines(figures.byInterest),
        "",
        at.report.byDepartment,
        ...lines(figures.byDepartment),
      ].join("\n"),
      messageLimit,
    ),
    keyboard: actionKeyboard([[[at.report.otherMonth, admin(AdminAction.Reports())], toAdmin(at)]]),
  }
}
