/** What 👥 Employees shows: the search, its results, a person's card and the confirmation. */
import { AdminAction } from "../bot/CallbackData"
import { actionKeyboard, cutAt, type View } from "../bot/Views"
import type { AdminCatalogue } from "./AdminTexts"
import { admin, type Row, toAdmin, withProblem } from "./AdminViews"
import type { PersonCard } from "./People"

export const peopleSearch = (at: AdminCatalogue, problem?: string): View => ({
  text: withProblem(problem, [at.people.ask]),
  keyboard: actionKeyboard([[toAdmin(at)]]),
})

export const peopleFound = (at: AdminCatalogue, found: ReadonlyArray<PersonCard>): View => ({
  text: at.people.found(found.length),
  keyboard: actionKeyboard([
    ...found.map(
      (card): Row => [
        [
          cutAt(
            `${card.isActive ? "" : "🚫 "}${card.fullName}${card.telegramUsername === null ? "" : ` @${card.telegramUsername}`}`,
            60,
          ),
          admin(AdminAction.Person({ employeeId: card.id })),
        ],
      ],
    ),
    [toAdmin(at)],
  ]),
})

export const personCard = (at: AdminCatalogue, card: PersonCard, notice?: string): View => ({
  text: withProblem(notice, [
    at.people.card({
      fullName: card.fullName,
      username: card.telegramUsername,
      department: card.department,
      position: card.position,
      active: card.isActive,
      linked: card.linked,
    }),
  ]),
  keyboard: actionKeyboard([
    [
      card.isActive
        ? [at.people.deactivate, admin(AdminAction.AskDeactivate({ employeeId: card.id }))]
        : [
            at.people.reactivate,
            admin(AdminAction.SetActive({ employeeId: card.id, active: true })),
          ],
    ],
    [[at.people.backToSearch, admin(AdminAction.People())]],
  ]),
})

export const confirmDeactivate = (at: AdminCatalogue, card: PersonCard): View => ({
  text: at.people.confirmDeactivate(card.fullName),
  keyboard: actionKeyboard([
    [
      [
        at.people.yesDeactivate,
        admin(AdminAction.SetActive({ employeeId: card.id, active: false })),
      ],
      [at.cancel, admin(AdminAction.Person({ employeeId: card.id }))],
    ],
  ]),
})
