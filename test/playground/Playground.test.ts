/**
 * The playground in-process, as `npm start` builds it with no BOT_TOKEN: the real bot against the
 * built-in Bot API, a new embedded database, the memory cache, and the page's HTTP API on
 * loopback. The tests act through that API as the page does (test/playground/Page.browser.test.ts
 * drives the page itself in Chromium).
 */
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Layer, Option, Scope } from "effect"
import type { ChatEntry, ChatEvent, ChatState } from "../../src/playground/BotApi"
import * as BotApi from "../../src/playground/BotApiLayer"
import type {
  PanelState,
  PeopleResponse,
  Person,
  StepRunResult,
} from "../../src/playground/PageApi"
import * as Playground from "../../src/playground/Playground"
import type { PageAsset } from "../../src/playground/Routes"
import { initialisedDataDir } from "../support/EmbeddedTemplate"
import { freePort } from "../support/Ports"
import { tempDir } from "../support/Scripts"

const page: ReadonlyArray<PageAsset> = [
  {
    path: "/",
    contentType: "text/html; charset=utf-8",
    body: "<!doctype html><title>ConnectBot</title>",
    etag: '"page-1"',
  },
]

/** The playground on a free port and a new database; its base URL. */
const startPlayground = Effect.gen(function* () {
  const dir = yield* tempDir
  const dataDir = Path.join(dir, "pg")
  yield* initialisedDataDir(dataDir)
  const port = yield* freePort
  const settings = new Map([
    ["PORT", String(port)],
    ["EMBEDDED_DATABASE_DIR", dataDir],
    // As `npm start` has it: the rounds' scheduler off in the playground, the notifications' on.
  ])
  yield* Layer.build(
    Playground.layer({ reason: "test", botApi: BotApi.layer, assets: Effect.succeed(page) }),
  ).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(settings)))
  return `http://127.0.0.1:${port}/playground`
})

const call = (base: string, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${base}/api/${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  })

interface ServerEvent {
  readonly event: string
  readonly data: unknown
}

/**
 * A page's event stream (`GET events?user=ID`), read as EventSource would: `next` waits (up to
 * 20 s of wall-clock time: the bot runs in real time) for the first event that fits.
 */
const openEvents = (base: string, userId: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const abort = new AbortController()
      const response = await fetch(`${base}/api/events?user=${userId}`, { signal: abort.signal })
      return { abort, response }
    }),
    ({ abort }) => Effect.sync(() => abort.abort()),
  ).pipe(
    Effect.map(({ response }) => {
      const reader = defined(response.body ?? undefined, "event stream")
        .pipeThrough(new TextDecoderStream())
        .getReader()
      let buffer = ""
      const seen: Array<ServerEvent> = []
      const read = async (): Promise<ServerEvent> => {
        for (;;) {
          const end = buffer.indexOf("\n\n")
          if (end !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const lines = block.split("\n")
            const event = lines.find((line) => line.startsWith("event: "))?.slice(7) ?? "message"
            const data = lines.find((line) => line.startsWith("data: "))?.slice(6)
            if (data !== undefined) return { event, data: JSON.parse(data) }
            continue
          }
          const { value, done } = await reader.read()
          if (done) throw new Error("the event stream ended")
          buffer += value
        }
      }
      return {
        contentType: response.headers.get("content-type"),
        seen,
        next: (what: string, fits: (event: ServerEvent) => boolean) =>
          Effect.promise(async () => {
            for (;;) {
              const event = await read()
              seen.push(event)
              if (fits(event)) return event
            }
          }).pipe(
            Effect.timeoutFail({
              duration: Duration.seconds(20),
              onTimeout: () =>
                new Error(`no ${what} within 20 s; saw ${JSON.stringify(seen.slice(-5))}`),
            }),
          ),
      }
    }),
  )

const botMessage = (event: ServerEvent): Option.Option<ChatEntry> => {
  const change = event.data as ChatEvent
  return event.event === "message" && change._tag === "Message" && change.entry.from === "bot"
    ? Option.some(change.entry)
    : Option.none()
}

const nextBotMessage = (
  events: Effect.Effect.Success<ReturnType<typeof openEvents>>,
  what: string,
  fits: (entry: ChatEntry) => boolean = () => true,
) =>
  Effect.map(
    events.next(what, (event) => Option.exists(botMessage(event), fits)),
    (event) => Option.getOrThrow(botMessage(event)),
  )

const asUser = (person: Person) => ({ ...person.user, languageCode: "en" as const })

const peopleOf = (base: string) =>
  Effect.map(
    call(base, "people"),
    (response) => (response.body as unknown as PeopleResponse).people,
  )

const personNamed = (people: ReadonlyArray<Person>, username: string) => {
  const person = people.find((candidate) => candidate.user.username === username)
  if (person === undefined) throw new Error(`no ${username} among ${JSON.stringify(people)}`)
  return person
}

/**
 * One playground for the file (a start is seconds of migrations on PGlite): each test acts as
 * people of its own, and asserts on what changed rather than on an empty world.
 */
let playground: { readonly base: string; readonly scope: Scope.CloseableScope } | undefined

beforeAll(async () => {
  const scope = await Effect.runPromise(Scope.make())
  const base = await Effect.runPromise(Scope.extend(startPlayground, scope))
  playground = { base, scope }
})

afterAll(async () => {
  if (playground !== undefined) await Effect.runPromise(Scope.close(playground.scope, Exit.void))
})

const withPlayground = <A, E>(test: (base: string) => Effect.Effect<A, E, Scope.Scope>) =>
  Effect.suspend(() =>
    playground === undefined
      ? Effect.die(new Error("the playground did not start"))
      : Effect.scoped(test(playground.base)),
  )

/** The one element there must be. */
const defined = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new Error(`no ${what}`)
  return value
}

describe("the playground", () => {
  it.live(
    "serves the page and says whom it can be: the demo employees first, then a stranger",
    () =>
      withPlayground((base) =>
        Effect.gen(function* () {
          const html = yield* Effect.promise(() => fetch(base))
          expect(html.status).toBe(200)
          expect(html.headers.get("content-type")).toContain("text/html")
          const again = yield* Effect.promise(() =>
            fetch(base, { headers: { "if-none-match": '"page-1"' } }),
          )
          expect(again.status).toBe(304)

          // The page has no login: only this machine reaches it.
          const outward = Object.values(Os.networkInterfaces())
            .flat()
            .find(
              (address) => address !== undefined && !address.internal && address.family === "IPv4",
            )
          if (outward !== undefined) {
            const elsewhere = yield* Effect.promise(() =>
              fetch(base.replace("127.0.0.1", outward.address)).then(
                (response) => `answered ${response.status}`,
                () => "refused",
              ),
            )
            expect(elsewhere).toBe("refused")
          }

          const people = yield* peopleOf(base)
          expect(people.slice(0, 5).map((person) => person.kind)).toEqual(Array(5).fill("demo"))
          expect(people.at(-1)?.kind).toBe("stranger")
          expect(personNamed(people, "demo_anna").label).toMatch(/^Анна Смирнова · /)
          // Fixed per employee: every tab that picks Anna is the same Anna.
          expect((yield* peopleOf(base)).map((person) => person.user.id)).toEqual(
            people.map((person) => person.user.id),
          )
        }),
      ),
    120_000,
  )

  it.live(
    "a stranger is refused; an employee is recognised, and a press is answered in place",
    () =>
      withPlayground((base) =>
        Effect.gen(function* () {
          const people = yield* peopleOf(base)
          const stranger = defined(people.at(-1), "stranger")
          const strangerEvents = yield* openEvents(base, stranger.user.id)
          expect(strangerEvents.contentType).toContain("text/event-stream")
          const first = yield* strangerEvents.next("the chat's snapshot", () => true)
          expect(first).toEqual({ event: "chat", data: { messages: [] } })

          const sent = yield* call(base, "send", { user: asUser(stranger), text: "/start" })
          expect(sent.status).toBe(200)
          expect((sent.body.entry as ChatEntry).from).toBe("user")
          const refusal = yield* nextBotMessage(strangerEvents, "the refusal")
          expect(refusal.text).toContain("couldn't find you among the company's employees")

          const anna = personNamed(people, "demo_anna")
          const events = yield* openEvents(base, anna.user.id)
          yield* call(base, "send", { user: asUser(anna), text: "/start" })
          const welcome = yield* nextBotMessage(events, "the welcome", (entry) =>
            entry.text.startsWith("Hi, Анна!"),
          )
          const button = welcome.buttons.flat().find((candidate) => candidate.data !== undefined)
          expect(button).toBeDefined()

          const pressed = yield* call(base, "press", {
            user: asUser(anna),
            messageId: welcome.messageId,
            data: defined(button, "button").data,
          })
          expect(pressed.status).toBe(200)
          expect(pressed.body).toHaveProperty("answer")
          // What the press did shows in the chat: the message edited in place, or a new one.
          const after = yield* nextBotMessage(events, "the press's answer in the chat")
          expect(after.text.length).toBeGreaterThan(0)

          // The demo organiser has the admin's menu.
          const elena = personNamed(people, "demo_elena")
          const elenaEvents = yield* openEvents(base, elena.user.id)
          yield* call(base, "send", { user: asUser(elena), text: "/menu" })
          const menu = yield* nextBotMessage(elenaEvents, "Elena's menu")
          expect(menu.buttons.flat().map((b) => b.text)).toContain("🛠 Admin")

          const chat = (yield* call(base, `chat?user=${anna.user.id}`)).body as unknown as ChatState
          expect(chat.messages.map((entry) => entry.from)).toContain("user")
          expect(chat.messages.filter((entry) => entry.from === "bot").length).toBeGreaterThan(0)
        }),
      ),
    120_000,
  )

  it.live("a bad request is a 400 that says what was expected, and changes nothing", () =>
    withPlayground((base) =>
      Effect.gen(function* () {
        const people = yield* peopleOf(base)
        const anna = asUser(personNamed(people, "demo_ivan"))
        const panelBefore = (yield* call(base, "panel")).body as unknown as PanelState
        const refused = [
          yield* call(base, "send", { user: anna, text: "" }),
          yield* call(base, "send", { user: { ...anna, id: -4 }, text: "/start" }),
          yield* call(base, "send", { user: { ...anna, languageCode: "de" }, text: "/start" }),
          yield* call(base, "press", { user: anna, messageId: "first", data: "menu" }),
          yield* call(base, "clock", { days: 0 }),
          yield* call(base, "clock", { days: 400 }),
          yield* call(base, "rounds/step", { interest: "chess" }),
          yield* call(base, "chat"),
          yield* call(base, "events?user=anna"),
        ]
        expect(refused.map((response) => response.status)).toEqual(Array(9).fill(400))
        expect(refused.map((response) => response.body.error)).toEqual([
          expect.stringContaining("text"),
          expect.stringContaining("user.id"),
          expect.stringContaining("user.languageCode"),
          expect.stringContaining("messageId"),
          expect.stringContaining("days"),
          expect.stringContaining("days"),
          "chess is not an interest that pairs people",
          "expected ?user= and a Telegram user id",
          "expected ?user= and a Telegram user id",
        ])
        const notJson = yield* Effect.promise(() =>
          fetch(`${base}/api/send`, { method: "POST", body: "{not json" }),
        )
        expect(notJson.status).toBe(400)

        const chat = (yield* call(base, `chat?user=${anna.id}`)).body as unknown as ChatState
        expect(chat.messages).toEqual([])
        const panel = (yield* call(base, "panel")).body as unknown as PanelState
        expect({ ...panel, now: undefined }).toEqual({ ...panelBefore, now: undefined })
      }),
    ),
  )

  it.live(
    "the panel runs a Secret coffee round's steps for two people and moves the clock",
    () =>
      withPlayground((base) =>
        Effect.gen(function* () {
          const people = yield* peopleOf(base)
          const anna = personNamed(people, "demo_anna")
          const maria = personNamed(people, "demo_maria")
          const annaEvents = yield* openEvents(base, anna.user.id)
          const mariaEvents = yield* openEvents(base, maria.user.id)
          // The bot knows a person's chat once they have written to it.
          for (const [person, events] of [
            [anna, annaEvents],
            [maria, mariaEvents],
          ] as const) {
            yield* call(base, "send", { user: asUser(person), text: "/start" })
            yield* nextBotMessage(events, "the welcome")
          }

          const before = (yield* call(base, "panel")).body as unknown as PanelState
          const coffee = before.rounds.find((round) => round.interest === "coffee")
          expect(coffee).toMatchObject({ status: "none", nextStep: "invite" })

          const invite = yield* call(base, "rounds/step", { interest: "coffee" })
          expect(invite.body.message).toMatch(
            /^Done: invite of the coffee round of .*; 2 message\(s\) queued\.$/,
          )
          // The same, as data: the page says it in its own language.
          expect(invite.body.run).toEqual({
            interest: "coffee",
            startsOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
            step: "invite",
            outcome: "done",
            messages: 2,
          })
          const startsOn = (invite.body.run as StepRunResult).startsOn
          const invitations = yield* Effect.all(
            [annaEvents, mariaEvents].map((events) =>
              nextBotMessage(events, "the invitation", (entry) => entry.buttons.length > 0),
            ),
          )
          for (const invitation of invitations) {
            const join = defined(invitation.buttons.flat()[0], "join button")
            const user = invitation.chatId === anna.user.id ? anna : maria
            yield* call(base, "press", {
              user: asUser(user),
              messageId: invitation.messageId,
              data: join.data,
            })
          }
          const match = yield* call(base, "rounds/step", { interest: "coffee" })
          expect(match.body.message).toMatch(
            /^Done: match of the coffee round .* 2 placed in 1 group\(s\), 0 alone/,
          )
          expect(match.body.run).toEqual({
            interest: "coffee",
            startsOn,
            step: "match",
            outcome: "done",
            messages: 2,
            placed: 2,
            groups: 1,
            alone: 0,
            repeats: 0,
          })
          const [annaIntro, mariaIntro] = yield* Effect.all([
            nextBotMessage(annaEvents, "Anna's introduction", (entry) =>
              entry.text.includes("Мария"),
            ),
            nextBotMessage(mariaEvents, "Maria's introduction", (entry) =>
              entry.text.includes("Анна"),
            ),
          ])
          expect(annaIntro.text).toContain("@demo_maria")
          expect(mariaIntro.text).toContain("@demo_anna")

          const panel = yield* annaEvents.next(
            "the panel after the deliveries",
            (event) =>
              event.event === "panel" &&
              (event.data as PanelState).outbox.filter((row) => row.status === "sent").length >= 4,
          )
          const rows = (panel.data as PanelState).outbox
          expect(rows.map((row) => row.kind)).toEqual(
            expect.arrayContaining(["round.invite", "round.intro"]),
          )

          const moved = (yield* call(base, "clock", { days: 1 })).body as unknown as PanelState
          expect(moved.aheadDays).toBe(1)
          expect(Date.parse(moved.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(
            Duration.toMillis(Duration.days(1)),
          )
        }),
      ),
    180_000,
  )
})
