/**
 * The simulated users. Each one acts like a person at a phone: looks at the bot's latest message,
 * presses one of its buttons (or types a command to get somewhere), waits for the answer, looks
 * again. Between them they choose interests and save them, join and leave activities with few
 * places, browse, and send the odd sticker. Choices come from a PRNG seeded per user, so a run is
 * repeatable in what users try (the timing is the machine's).
 *
 * Every acknowledgement a user gets is written into their `Ledger`: what the database must hold
 * afterwards. An attempt that got no clear answer (the database was down, no reply) may or may not
 * have been written, so it widens what the database may hold instead.
 */
import { Effect } from "effect"
import { seededRandom } from "../bench/Report"
import { type Catalogue, messagesFor } from "../src/bot/Messages"
import type { ChatMessage, TelegramServer, TelegramUser } from "../test/support/TelegramServer"
import { type Chat, type Pressed, Screens } from "./Chat"
import type { Category, Metrics } from "./Metrics"
import type { Person } from "./World"

/** What one user was told was saved, and the attempts that may have been written since. */
export class Ledger {
  interests: Set<number>
  /** Targets of Save attempts after the last acknowledged one, answered unclearly. */
  interestsMaybe: Array<Set<number>> = []
  readonly places = new Map<number, { held: boolean; maybe: Set<boolean> }>()
  constructor(initial: Iterable<number>) {
    this.interests = new Set(initial)
  }
  savedInterests(target: Iterable<number>): void {
    this.interests = new Set(target)
    this.interestsMaybe = []
  }
  maybeInterests(target: Iterable<number>): void {
    this.interestsMaybe.push(new Set(target))
  }
  place(activityId: number, held: boolean): void {
    this.places.set(activityId, { held, maybe: new Set() })
  }
  maybePlace(activityId: number, held: boolean): void {
    const known = this.places.get(activityId) ?? { held: false, maybe: new Set<boolean>() }
    known.maybe.add(held)
    this.places.set(activityId, known)
  }
  /** What contradicts the database: interests and places it must hold and does not. */
  contradictions(
    active: ReadonlySet<number>,
    holds: (activityId: number) => boolean,
    interestIds: ReadonlyArray<number>,
  ): ReadonlyArray<string> {
    const found: Array<string> = []
    for (const id of interestIds) {
      const allowed = new Set([
        this.interests.has(id),
        ...this.interestsMaybe.map((s) => s.has(id)),
      ])
      if (!allowed.has(active.has(id))) {
        found.push(`interest ${id}: saved ${this.interests.has(id) ? "on" : "off"}`)
      }
    }
    for (const [activityId, { held, maybe }] of this.places) {
      if (held !== holds(activityId) && !maybe.has(holds(activityId))) {
        found.push(`activity ${activityId}: ${held ? "joined" : "left"}`)
      }
    }
    return found
  }
}

/** The load stops taking new actions while a probe compares screens with the database. */
export interface Gate {
  readonly pass: <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Waits until no action is in flight; none starts until `resume`. */
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
}

export const makeGate = Effect.gen(function* () {
  const latch = yield* Effect.makeLatch(true)
  let inFlight = 0
  const gate: Gate = {
    pass: (work) =>
      latch.await.pipe(
        Effect.zipRight(
          Effect.acquireUseRelease(
            Effect.sync(() => {
              inFlight++
            }),
            () => work,
            () =>
              Effect.sync(() => {
                inFlight--
              }),
          ),
        ),
      ),
    pause: Effect.gen(function* () {
      yield* latch.close
      // Twice, a moment apart: an action that passed the latch just before it closed is counted.
      for (let round = 0; round < 2; round++) {
        while (inFlight > 0) yield* Effect.sleep("20 millis")
        yield* Effect.sleep("20 millis")
      }
    }),
    resume: latch.open,
  }
  return gate
})

export interface Sim {
  readonly person: Person
  readonly user: TelegramUser
  readonly t: Catalogue
  readonly random: () => number
  readonly ledger: Ledger
  sent: number
  /**
   * The message the user is looking at: the last one their own actions produced. Messages the
   * drill's probes get the bot to send meanwhile are not the user's; a person acts on the screen
   * in front of them.
   */
  currentId: number | undefined
  /** The user's last actions and what they saw, for the examples of a failing measure. */
  readonly history: Array<string>
}

/** A screen in one line: message id, first line, interests on, unsaved changes. */
export const describeScreen = (t: Catalogue, message: ChatMessage | undefined) => {
  if (message === undefined) return "(none)"
  const first = JSON.stringify((message.text.split("\n")[0] ?? "").slice(0, 40))
  return Screens.isInterests(message)
    ? `#${message.messageId} ${first} on [${Screens.on(message)}] unsaved ${Screens.pending(t, message)}`
    : `#${message.messageId} ${first}`
}

const remember = (sim: Sim, line: string) => {
  sim.history.push(`${new Date().toISOString().slice(11, 23)} ${line}`)
  if (sim.history.length > 20) sim.history.shift()
}

/** The user's last actions, one line, for an example. */
export const historyOf = (sim: Sim) => sim.history.join(" | ")

export const makeSim = (
  server: TelegramServer,
  person: Person,
  seed: number,
  initialInterests: Iterable<number>,
) =>
  Effect.map(
    server.user({
      id: person.telegramId,
      username: person.username,
      firstName: person.firstName,
      languageCode: person.languageCode,
    }),
    (user): Sim => ({
      person,
      user,
      t: messagesFor(person.languageCode),
      random: seededRandom(seed * 100_003 + person.index + 1),
      ledger: new Ledger(initialInterests),
      sent: 0,
      currentId: undefined,
      history: [],
    }),
  )

export interface LoadContext {
  readonly chat: Chat
  readonly metrics: Metrics
  readonly gate: Gate
  /** Share of presses the relay posts a second time (same update_id) once answered. */
  readonly redeliverShare: number
  /** How long a user looks at a screen before the next action, at least and at most. */
  readonly thinkMillis: readonly [number, number]
}

const pick = <A>(random: () => number, items: ReadonlyArray<A>): A | undefined =>
  items[Math.floor(random() * items.length)]

/** One user's session with the bot: actions until told to stop. */
export const runUser = (
  context: LoadContext,
  sim: Sim,
  pace: {
    /** Whether to start another episode. */
    readonly keepGoing: () => boolean
    /** Past the user's budget (the faults are not over yet): slow down. */
    readonly overtime: () => boolean
  },
) =>
  Effect.gen(function* () {
    const { chat, metrics, gate } = context
    const { t, user, random, ledger } = sim
    const category: Category = "load"

    const send = (content: Parameters<Chat["send"]>[1]) =>
      gate.pass(chat.send(user, content, category)).pipe(
        Effect.tap((sent) =>
          Effect.sync(() => {
            sim.sent++
            sim.currentId = sent.replies.at(-1)?.messageId ?? sim.currentId
            remember(
              sim,
              `#${sent.update.update_id} send ${typeof content === "string" ? JSON.stringify(content) : "a sticker"} → ${describeScreen(t, sent.replies.at(-1))}`,
            )
          }),
        ),
      )
    const press = (message: ChatMessage, data: string) =>
      gate.pass(chat.press(user, message, data, category)).pipe(
        Effect.tap((pressed) =>
          Effect.sync(() => {
            sim.sent++
            sim.currentId = (pressed.sent.at(-1) ?? pressed.message).messageId
            remember(
              sim,
              `#${pressed.update.update_id} press ${data} on #${message.messageId} → ${JSON.stringify(pressed.answer)} ${describeScreen(t, pressed.message)}${pressed.sent.length > 0 ? ` + sent ${describeScreen(t, pressed.sent.at(-1))}` : ""}`,
            )
          }),
        ),
      )
    const lostSession = (example: string) => {
      metrics.loadSessionsLost.add(example)
      metrics.keepHistory(example, historyOf(sim))
    }
    const latest = () =>
      sim.currentId === undefined ? undefined : chat.reread(user, sim.currentId)
    const [thinkMin, thinkMax] = context.thinkMillis
    const think = Effect.suspend(() =>
      Effect.sleep(`${Math.floor(thinkMin + random() * (thinkMax - thinkMin))} millis`),
    )

    /** Capacity as the user sees it: never more taken than there are places. */
    const checkShown = (pressed: Pressed | undefined, where: string) => {
      const message = pressed?.message
      for (const line of Screens.activityList(message)) {
        if (line.max !== null && line.taken > line.max) {
          metrics.capacityShown.add(
            `${where}: activity ${line.activityId} shown ${line.taken}/${line.max}`,
          )
        }
      }
      const details = Screens.activity(t, message)
      if (details !== undefined && details.max !== null && details.taken > details.max) {
        metrics.capacityShown.add(`${where}: details shown ${details.taken}/${details.max}`)
      }
    }

    const menu = Effect.gen(function* () {
      const current = latest()
      if (Screens.isMenu(current)) return current
      const sent = yield* send("/menu")
      const reply = sent.replies.at(-1)
      return Screens.isMenu(reply) ? reply : undefined
    })

    const interestsScreen = Effect.gen(function* () {
      const current = latest()
      if (Screens.isInterests(current)) return current
      if (random() < 0.5) {
        const sent = yield* send("/preferences")
        const reply = sent.replies.at(-1)
        return Screens.isInterests(reply) ? reply : undefined
      }
      const start = yield* menu
      if (start === undefined) return undefined
      const opened = yield* press(start, "interests")
      return Screens.isInterests(opened.message) ? opened.message : undefined
    })

    /** A press that flips one interest; sometimes delivered twice, which must change nothing. */
    const toggle = (screen: ChatMessage) =>
      Effect.gen(function* () {
        const state = Screens.interests(screen)
        const id = pick(random, [...state.keys()])
        if (id === undefined) return
        const before = state.get(id) ?? false
        const pressed = yield* press(screen, `int:t:${id}`)
        if (pressed.answer === t.interests.expired) {
          lostSession(`${sim.person.username}: "session expired" on a toggle`)
          return
        }
        const after = Screens.interests(pressed.message).get(id)
        if (pressed.outcome?.ok !== true || after !== !before) return
        if (random() < context.redeliverShare) {
          metrics.redeliveriesChecked++
          yield* chat.redeliver(pressed.update, category)
          const again = chat.reread(user, pressed.message.messageId)
          if (Screens.interests(again).get(id) !== after) {
            metrics.doubleApplied.add(
              `${sim.person.username}: a toggle delivered twice flipped interest ${id} back`,
            )
          }
        }
      })

    const save = (screen: ChatMessage) =>
      Effect.gen(function* () {
        const target = Screens.on(screen)
        const pendingShown = Screens.pending(t, screen)
        const pressed = yield* press(screen, "int:save")
        if (Screens.saved(t, pressed.message)) {
          ledger.savedInterests(target)
          metrics.savesAcknowledged++
          const shown = Screens.on(pressed.message)
          if (shown.join(",") !== target.join(",")) {
            const example = `${sim.person.username}: saved [${target}] but the screen shows [${shown}]`
            metrics.staleAfterSave.add(example)
            metrics.keepHistory(example, historyOf(sim))
          }
        } else if (pressed.answer === t.interests.expired) {
          if (pendingShown > 0) {
            lostSession(`${sim.person.username}: "session expired" on Save`)
          }
        } else if (pressed.answer === t.interests.nothingToSave) {
          if (pendingShown > 0) {
            lostSession(
              `${sim.person.username}: ${pendingShown} unsaved change(s) shown, Save found none`,
            )
          }
        } else {
          // Unavailable, an apology, no answer: it may or may not have been written.
          ledger.maybeInterests(target)
          if (pressed.answer !== t.unavailable && pressed.outcome?.ok === true) {
            metrics.oddities.add(
              `${sim.person.username}: Save answered ${JSON.stringify(pressed.answer)}, screen ${JSON.stringify(pressed.message.text.slice(0, 80))}`,
            )
          }
        }
      })

    const unsubscribeAll = (screen: ChatMessage) =>
      Effect.gen(function* () {
        const asked = yield* press(screen, "int:unsub")
        if (!Screens.hasData(asked.message, "int:unsub:yes")) return
        if (random() < 0.4) {
          yield* press(asked.message, "interests")
          return
        }
        const confirmed = yield* press(asked.message, "int:unsub:yes")
        if ((confirmed.message.text.split("\n")[0] ?? "") === t.interests.unsubscribed) {
          ledger.savedInterests([])
          metrics.savesAcknowledged++
        } else if (confirmed.answer !== t.interests.expired) {
          ledger.maybeInterests([])
        }
      })

    const interestsEpisode = Effect.gen(function* () {
      let screen = yield* interestsScreen
      const toggles = 1 + Math.floor(random() * 3)
      for (let i = 0; i < toggles && screen !== undefined; i++) {
        yield* think
        yield* toggle(screen)
        screen = latest()
        if (!Screens.isInterests(screen)) return
      }
      if (screen === undefined) return
      yield* think
      const choice = random()
      if (choice < 0.75) yield* save(screen)
      else if (choice < 0.85) yield* press(screen, "menu")
      else yield* unsubscribeAll(screen)
    })

    const activitiesEpisode = Effect.gen(function* () {
      const start = yield* menu
      if (start === undefined) return
      yield* think
      const list = yield* press(start, "activities")
      checkShown(list, "list")
      const choice = pick(
        random,
        Screens.buttons(list.message).filter((button) => /^act:\d+$/.test(button.data)),
      )
      if (choice === undefined) return
      yield* think
      const opened = yield* press(list.message, choice.data)
      checkShown(opened, "details")
      const details = Screens.activity(t, opened.message)
      if (details === undefined) return
      const activityId = Number(choice.data.slice("act:".length))
      yield* think
      if (details.join !== undefined && random() < 0.8) {
        const joined = yield* press(opened.message, details.join)
        checkShown(joined, "after join")
        if (joined.answer === t.activities.joined || joined.answer === t.activities.alreadyJoined) {
          ledger.place(activityId, true)
          metrics.placesAcknowledged++
        } else if (joined.answer === t.activities.full) {
          metrics.fullRefusals++
        } else {
          ledger.maybePlace(activityId, true)
        }
      } else if (details.leave !== undefined && random() < 0.7) {
        const left = yield* press(opened.message, details.leave)
        checkShown(left, "after leave")
        if (left.answer === t.activities.left || left.answer === t.activities.notJoined) {
          ledger.place(activityId, false)
          metrics.placesAcknowledged++
        } else {
          ledger.maybePlace(activityId, false)
        }
      }
      const now = latest()
      if (now !== undefined && random() < 0.5 && Screens.hasData(now, "activities")) {
        yield* think
        const back = yield* press(now, "activities")
        checkShown(back, "list")
      }
    })

    const browseEpisode = Effect.gen(function* () {
      const start = yield* menu
      if (start === undefined) return
      yield* think
      const target =
        pick(random, ["profile", "achievements", "help", "settings"] as const) ?? "help"
      const opened = yield* press(start, target)
      yield* think
      if (target === "settings") {
        const switches = [...Screens.notifications(opened.message).keys()]
        const id = pick(random, switches)
        if (id !== undefined && random() < 0.5) {
          yield* press(opened.message, `set:t:${id}`)
          yield* think
        }
      } else if (target === "help") {
        const topic = pick(
          random,
          Screens.buttons(opened.message).filter((button) => button.data.startsWith("help:")),
        )
        if (topic !== undefined) {
          yield* press(opened.message, topic.data)
          yield* think
        }
      }
      const now = latest()
      if (now !== undefined && Screens.hasData(now, "menu")) yield* press(now, "menu")
    })

    const sticker = {
      sticker: {
        file_id: "CAACAgIAAxkBAAEDrill",
        file_unique_id: "AgADrill",
        type: "regular" as const,
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
      },
    }
    const chatterEpisode = Effect.gen(function* () {
      const choice = random()
      if (choice < 0.4) yield* send("hello, bot")
      else if (choice < 0.6) yield* send(sticker)
      else if (choice < 0.8) yield* send("/help")
      else yield* send("/start")
    })

    // The first contact: linked users get the menu, the others are linked by username now.
    yield* send("/start")
    while (pace.keepGoing()) {
      yield* pace.overtime() ? Effect.sleep("3 seconds") : think
      const roll = random()
      yield* roll < 0.4
        ? interestsEpisode
        : roll < 0.75
          ? activitiesEpisode
          : roll < 0.92
            ? browseEpisode
            : chatterEpisode
    }
  }).pipe(
    // A user's own surprise (a screen it could not read) ends that user, not the drill.
    Effect.catchAllDefect((defect) =>
      Effect.sync(() => {
        context.metrics.oddities.add(`${sim.person.username} stopped: ${String(defect)}`)
      }),
    ),
  )

/** Everything a user must find in the database: the contradictions of their ledger. */
export const ledgerContradictions = (
  sim: Sim,
  active: ReadonlyMap<number, ReadonlySet<number>>,
  places: ReadonlyMap<number, ReadonlySet<number>>,
  interestIds: ReadonlyArray<number>,
) =>
  sim.ledger.contradictions(
    active.get(sim.person.employeeId) ?? new Set(),
    (activityId) => places.get(activityId)?.has(sim.person.employeeId) ?? false,
    interestIds,
  )
