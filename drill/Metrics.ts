/**
 * What the drill counts while it runs. Plain mutable counters: the drill is one Node process and
 * every fiber that records here runs on its one thread. Each measure keeps a few examples, so that
 * a non-zero figure in the report comes with the case that made it.
 */

export type Category = "load" | "scenario" | "probe" | "hostile"

/** A measure that must be zero, with up to `keep` examples of what made it non-zero. */
export class Tally {
  count = 0
  readonly examples: Array<string> = []
  constructor(private readonly keep = 5) {}
  add(example: string, times = 1): void {
    this.count += times
    if (this.examples.length < this.keep) this.examples.push(example)
  }
}

export interface PhaseMark {
  readonly at: number
  readonly name: string
}

export interface OutOfOrderRun {
  readonly run: number
  /** Milliseconds from the COMMIT to the first refusal; null: not refused within the wait. */
  readonly refusedAfterMs: number | null
  readonly waitedMs: number
  readonly note: string
}

export class Metrics {
  readonly startedAt = Date.now()
  /** Updates the drill made (distinct update_ids), by who made them. */
  readonly updates: Record<Category, number> = { load: 0, scenario: 0, probe: 0, hostile: 0 }
  readonly phases: Array<PhaseMark> = []

  // -- acknowledged writes ------------------------------------------------------------------
  savesAcknowledged = 0
  placesAcknowledged = 0
  fullRefusals = 0
  /** An acknowledged save (interests) or place (join/leave) the database does not hold. */
  readonly lost = new Tally()
  readonly lostKeys = new Set<string>()

  // -- stale screens ------------------------------------------------------------------------
  screensCompared = 0
  recoveries = 0
  /** After an outage and a settle: a screen that disagrees with the database. */
  readonly stale = new Tally()
  /** The screen right after an acknowledged Save shows something else than was saved. */
  readonly staleAfterSave = new Tally()

  // -- capacity -----------------------------------------------------------------------------
  readonly capacityDatabase = new Tally()
  readonly capacityShown = new Tally()
  readonly capacityDatabaseKeys = new Set<string>()

  // -- sessions -----------------------------------------------------------------------------
  idleChecked = 0
  readonly idleLost = new Tally()
  /** "Session expired", or a pending change Save no longer knew, during the load. */
  readonly loadSessionsLost = new Tally()

  // -- redelivery ---------------------------------------------------------------------------
  redeliveriesChecked = 0
  readonly doubleApplied = new Tally()
  distinctChecked = 0
  /** Two distinct presses of the same button that did not undo each other. */
  readonly distinctMerged = new Tally()

  // -- hostile input ------------------------------------------------------------------------
  hostileSent = 0
  readonly hostileStatuses = new Map<string, number>()
  readonly hostileResults: Array<{ readonly name: string; readonly status: number | null }> = []
  /** An answer outside what the case allows (other than 5xx / none, counted below). */
  readonly hostileUnexpected = new Tally(8)
  forgedSent = 0
  readonly forgedChangedState = new Tally()
  readonly forgedWrongAnswer = new Tally()

  // -- HTTP answers -------------------------------------------------------------------------
  /** 5xx answers to any POST, with the category of what was posted. */
  readonly serverErrors = new Tally(12)
  /** Updates the bot never answered 2xx (after Telegram's retries), or answered too late. */
  readonly unanswered = new Tally()

  // -- the deactivation scenario ------------------------------------------------------------
  readonly outOfOrder: Array<OutOfOrderRun> = []

  // -- screens the load could not make sense of (informative) ----------------------------------
  readonly oddities = new Tally(8)

  /** The last actions of users behind examples (`--json` only: too long for the text). */
  readonly histories: Array<{ readonly example: string; readonly actions: string }> = []
  keepHistory(example: string, actions: string): void {
    if (this.histories.length < 12) this.histories.push({ example, actions })
  }

  mark(name: string): void {
    this.phases.push({ at: Date.now(), name })
  }

  countHostile(status: number | undefined): void {
    const key = status === undefined ? "none" : String(status)
    this.hostileStatuses.set(key, (this.hostileStatuses.get(key) ?? 0) + 1)
  }
}
