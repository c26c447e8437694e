/**
 * The organiser's panel: the playground's clock and how far it is ahead, each pairing interest's
 * round with the step that would run next, and the outbox. It draws `PanelState`s as they come
 * (a call's answer or the stream's `event: panel`); its buttons act through the server.
 */
import type { PanelState, RoundRow, StepRunResult } from "../PageApi"
import type { PageTexts } from "./Texts"

export interface PanelElements {
  readonly now: HTMLOutputElement
  readonly ahead: HTMLElement
  readonly forward: HTMLButtonElement
  readonly stepResult: HTMLElement
  readonly rounds: HTMLUListElement
  readonly outbox: HTMLTableSectionElement
}

export interface PanelOptions {
  readonly elements: PanelElements
  readonly texts: () => PageTexts
  /** Moves the clock a day on; resolves with the new state. */
  readonly moveClock: () => Promise<PanelState>
  /** Runs the interest's next step; resolves with what the step did. */
  readonly step: (interest: string) => Promise<StepRunResult>
  readonly refresh: () => Promise<PanelState>
  readonly fail: (error: unknown) => void
}

export interface OrganiserPanel {
  readonly show: (state: PanelState) => void
  readonly redraw: () => void
}

export const makeOrganiserPanel = (options: PanelOptions): OrganiserPanel => {
  const { elements, texts } = options
  let state: PanelState | undefined
  /** The last step run from this page: said again in the page's language when it changes. */
  let lastRun: StepRunResult | undefined

  /**
   * Runs `action` for `key` (an interest, or the clock) unless it is running already, so one press
   * is one request. The button stays focusable meanwhile (`aria-busy`, not `disabled`): disabling
   * would drop keyboard focus to the page.
   */
  const running = new Set<string>()
  const busy = (key: string, action: () => Promise<void>) => {
    if (running.has(key)) return
    running.add(key)
    redraw()
    action()
      .catch(options.fail)
      .finally(() => {
        running.delete(key)
        redraw()
      })
  }
  const markBusy = (button: HTMLButtonElement, key: string) => {
    if (running.has(key)) button.setAttribute("aria-busy", "true")
    else button.removeAttribute("aria-busy")
  }

  elements.forward.addEventListener("click", () =>
    busy("clock", async () => show(await options.moveClock())),
  )

  const nameOf = (round: RoundRow) =>
    (texts().locale.startsWith("en") ? round.nameEn : null) ?? round.name

  const drawStepResult = () => {
    if (lastRun === undefined) return
    const run = lastRun
    const round = state?.rounds.find((candidate) => candidate.interest === run.interest)
    elements.stepResult.textContent = texts().stepRun(
      run,
      round === undefined ? run.interest : nameOf(round),
    )
  }

  const roundItem = (round: RoundRow) => {
    const item = document.createElement("li")
    item.className = "round"
    const name = document.createElement("h4")
    name.id = `round-${round.interest}`
    name.textContent = nameOf(round)
    item.setAttribute("aria-labelledby", name.id)
    const status = document.createElement("p")
    status.textContent = texts().roundStatus(round.status, round.startsOn)
    const button = document.createElement("button")
    button.type = "button"
    button.setAttribute("aria-describedby", name.id)
    const nextStep = round.nextStep
    button.textContent = nextStep === null ? texts().roundOver : texts().runStep(nextStep)
    button.disabled = nextStep === null
    markBusy(button, round.interest)
    button.addEventListener("click", () =>
      busy(round.interest, async () => {
        lastRun = await options.step(round.interest)
        drawStepResult()
        show(await options.refresh())
      }),
    )
    item.append(name, status, button)
    return item
  }

  const outboxRow = (row: PanelState["outbox"][number]) => {
    const line = document.createElement("tr")
    for (const value of [row.kind, row.recipient, row.status, row.preview]) {
      const cell = document.createElement("td")
      cell.textContent = value
      line.appendChild(cell)
    }
    return line
  }

  const draw = (current: PanelState) => {
    const now = new Date(current.now)
    elements.now.textContent = Number.isNaN(now.getTime())
      ? current.now
      : now.toLocaleString(texts().locale, { dateStyle: "full", timeStyle: "short" })
    elements.now.setAttribute("datetime", current.now)
    elements.ahead.textContent = texts().clockAhead(current.aheadDays)
    markBusy(elements.forward, "clock")
    drawStepResult()

    // Keep keyboard focus on the same round's button across a redraw.
    const focused = document.activeElement
    const focusedRound =
      focused instanceof HTMLElement && elements.rounds.contains(focused)
        ? focused.closest("li")?.getAttribute("aria-labelledby")
        : undefined
    elements.rounds.replaceChildren(
      ...(current.rounds.length === 0
        ? [Object.assign(document.createElement("li"), { textContent: texts().noRounds })]
        : current.rounds.map(roundItem)),
    )
    if (focusedRound !== undefined && focusedRound !== null) {
      elements.rounds
        .querySelector<HTMLElement>(`[aria-labelledby="${focusedRound}"] button`)
        ?.focus()
    }

    if (current.outbox.length === 0) {
      const line = document.createElement("tr")
      const cell = document.createElement("td")
      cell.colSpan = 4
      cell.textContent = texts().outboxEmpty
      line.appendChild(cell)
      elements.outbox.replaceChildren(line)
    } else {
      elements.outbox.replaceChildren(...current.outbox.map(outboxRow))
    }
  }

  const show = (next: PanelState) => {
    state = next
    draw(next)
  }

  const redraw = () => {
    if (state !== undefined) draw(state)
  }

  return { show, redraw }
}
