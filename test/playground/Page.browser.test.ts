/**
 * The playground as someone trying the bot meets it: `npm start` with no BOT_TOKEN (the real
 * entry point in a child process, in a directory of its own), and the page at /playground driven
 * in Debian's Chromium. Each scenario is judged by what a person sees on the page: the bot's
 * answers in the chat, its notices, the organiser's panel. A screenshot of each step goes to
 * test-artifacts/playground/.
 *
 * One server and one browser for the file; each scenario is other people (a page per person),
 * so they share nothing but the demo data.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import type { Browser, BrowserContext, Locator, Page } from "playwright-core"
import { messagesFor } from "../../src/bot/Messages"
import { interestName } from "../../src/bot/Views"
import { defaultInterests } from "../../src/db/Seed"
import { textsFor } from "../../src/playground/page/Texts"
import { roundTexts } from "../../src/rounds/RoundTexts"
import { launchChromium, screenshots } from "../support/Browser"
import { initialisedDataDir } from "../support/EmbeddedTemplate"
import { freePort } from "../support/Ports"
import { projectRoot, tempDir } from "../support/Scripts"

const ru = messagesFor("ru")
const en = messagesFor("en")
const ruRounds = roundTexts("ru")
const ruPage = textsFor("ru")
const interest = (code: string) => {
  const found = defaultInterests.find((candidate) => candidate.code === code)
  if (found === undefined) throw new Error(`No default interest ${code}`)
  return found
}

const tsxLoader = pathToFileURL(Path.join(projectRoot, "node_modules/tsx/dist/loader.mjs")).href
/** A cold start compiles with tsx and opens the embedded database. */
const startTimeoutMs = 100_000
/** How long a person waits for something to appear on the page. */
const seeTimeoutMs = 10_000

interface Server {
  readonly url: string
  readonly output: () => string
}

/**
 * `npm start` as a first trial runs it: no BOT_TOKEN, nothing but a port and the embedded
 * database's directory (filled from the run's template), outside production. Ready once the page
 * answers; killed when the scope closes.
 */
const startPlayground = Effect.gen(function* () {
  const cwd = yield* tempDir
  const dataDir = Path.join(cwd, "data", "pg")
  yield* initialisedDataDir(dataDir)
  const port = yield* freePort
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", tsxLoader, Path.join(projectRoot, "src/main.ts")], {
        cwd,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? cwd,
          PORT: String(port),
          EMBEDDED_DATABASE_DIR: dataDir,
        },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ),
    (child: ChildProcess) =>
      Effect.promise(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((resolve) => child.once("close", resolve))
        child.kill("SIGKILL")
        await exited
      }),
  )
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const url = `http://127.0.0.1:${port}/playground`
  yield* Effect.promise(async () => {
    const deadline = Date.now() + startTimeoutMs
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited. Its output:\n${output}`)
      const answered = await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
      if (answered) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`The page did not answer within ${startTimeoutMs} ms. Output:\n${output}`)
  })
  return { url, output: () => output } satisfies Server
})

let scope: Scope.CloseableScope
let server: Server
let browser: Browser
let context: BrowserContext
const shot = screenshots("playground")

beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  // The server and the browser start together: each takes seconds, mostly apart from the other.
  ;[server, browser] = await Effect.runPromise(
    Scope.extend(Effect.all([startPlayground, launchChromium], { concurrency: 2 }), scope),
  )
  context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
  context.setDefaultTimeout(seeTimeoutMs)
}, startTimeoutMs + 20_000)

afterAll(async () => {
  await context?.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

// ---------------------------------------------------------------------------------------------
// What a person does on the page, in its words.

/** A new tab at the page, as `name` (a person's option in "Кто я"), the page in Russian. */
const openAs = async (name: string, viewport?: { width: number; height: number }) => {
  const page = await context.newPage()
  if (viewport !== undefined) await page.setViewportSize(viewport)
  await page.goto(server.url)
  const who = page.getByLabel("Кто я")
  const value = await who.locator("option", { hasText: name }).first().getAttribute("value")
  expect(value, `"${name}" among the people to choose`).not.toBeNull()
  await who.selectOption(value as string)
  return page
}

const messageBox = (page: Page) => page.getByRole("textbox")

/** Types `text` and presses Enter. */
const say = async (page: Page, text: string) => {
  await messageBox(page).fill(text)
  await messageBox(page).press("Enter")
}

/** The bot's last message that says `text`, once it is there. */
const botSays = async (page: Page, text: string | RegExp): Promise<Locator> => {
  const message = page.locator(".message.from-bot").filter({ hasText: text }).last()
  await message.waitFor()
  return message
}

/** The first line of a text of the catalogue: what is worth matching of a long one. */
const firstLine = (text: string) => text.split("\n")[0] as string

/** A notice on the page (the bot's answer to a press), once it shows. */
const noticeSays = (page: Page, text: string) =>
  page.getByRole("status").filter({ hasText: text }).waitFor()

describe("the playground page", () => {
  it("a stranger is refused with the bot's refusal (on a phone-sized screen)", async () => {
    const page = await openAs("Посторонний", { width: 360, height: 740 })
    await say(page, "/start")
    const refusal = firstLine(ru.unknownUser("\u0000")).split("\u0000")[0] as string
    await botSays(page, refusal)
    await shot(page, "stranger-refused")
    await page.close()
  })

  it("a demo employee starts, picks an interest and saves it", async () => {
    const page = await openAs("Иван Петров")
    await page.getByRole("button", { name: "/start" }).click()
    const welcome = await botSays(page, firstLine(ru.welcome("Иван")))
    await shot(page, "employee-welcome")

    await welcome.getByRole("button", { name: ru.setUpInterests }).click()
    const walk = interestName(interest("walk"), "ru")
    const interests = await botSays(page, firstLine(ru.interests.title))
    await interests.getByRole("button", { name: `❌ ${walk}` }).click()
    await interests.getByRole("button", { name: `✅ ${walk}` }).waitFor()
    await shot(page, "employee-interest-picked")
    await interests.getByRole("button", { name: ru.interests.save }).click()
    await page.getByText(ru.interests.saved(1, 0)).waitFor()
    await shot(page, "employee-interest-saved")
    await page.close()
  })

  it("a demo employee joins an activity", async () => {
    const page = await openAs("Дмитрий Волков")
    await say(page, "/menu")
    const menu = await botSays(page, ru.menuGreeting("Дмитрий"))
    await menu.getByRole("button", { name: ru.menu.activities }).click()
    const list = await botSays(page, ru.activities.title)
    await list.getByRole("button", { name: /Турнир по настольному теннису/ }).click()
    const details = await botSays(page, /Турнир по настольному теннису/)
    await details.getByRole("button", { name: ru.activities.join }).click()
    await noticeSays(page, ru.activities.joined)
    await details.getByText(ru.activities.youAreIn).waitFor()
    await shot(page, "employee-joined-activity")
    await page.close()
  })

  it("two people in two pages go through a Secret coffee round from the organiser's panel", async () => {
    const anna = await openAs("Анна Смирнова")
    const maria = await openAs("Мария Козлова")
    // Their first message links them, as a real employee's does: then they can be invited.
    for (const [page, name] of [
      [anna, "Анна"],
      [maria, "Мария"],
    ] as const) {
      await say(page, "/start")
      await botSays(page, firstLine(ru.welcome(name)))
    }

    const coffee = interest("coffee")
    const invitation = firstLine(ruRounds.invite(coffee.name, "")).split(" — ")[0] as string
    const invited = anna.locator(".message.from-bot").filter({ hasText: invitation })
    const round = anna.getByRole("listitem", { name: coffee.name })
    const stepButton = round.getByRole("button")
    await stepButton.filter({ hasText: ruPage.steps.invite }).click()
    await stepButton.filter({ hasText: ruPage.steps.match }).waitFor()
    // The panel says what the step did in the page's language, not in the script's English.
    const stepSaid = anna.getByRole("region", { name: ruPage.roundsTitle }).getByRole("status")
    await expect
      .poll(() => stepSaid.textContent(), { timeout: seeTimeoutMs })
      .toContain(`Выполнен шаг «приглашение» раунда «${coffee.name}»`)
    await invited.waitFor()
    await shot(anna, "coffee-invited")

    const coffeeName = interestName(coffee, "ru")
    for (const page of [anna, maria]) {
      const invite = await botSays(page, invitation)
      await invite.getByRole("button", { name: ruRounds.buttonIn }).click()
      await botSays(
        page,
        firstLine(ruRounds.answered("in", coffeeName, "", "")).split(".")[0] as string,
      )
    }
    await shot(maria, "coffee-joined")

    await stepButton.filter({ hasText: ruPage.steps.match }).click()
    // Each sees the other's card, the name in bold as the bot wrote it.
    const introOf = (page: Page) => botSays(page, firstLine(ruRounds.intro(coffeeName, [])))
    await (await introOf(anna)).locator("strong", { hasText: "Мария Козлова" }).waitFor()
    await (await introOf(maria)).locator("strong", { hasText: "Анна Смирнова" }).waitFor()
    // The round's state in the page's language too ("Статус: пары объявлены", not "matched").
    await round.getByText("Статус: пары объявлены").waitFor()
    await shot(anna, "coffee-intro-anna")
    await shot(maria, "coffee-intro-maria")
    await anna.close()
    await maria.close()
  })

  it("switching the page to English makes the bot answer in English", async () => {
    const page = await openAs("Елена Новикова")
    await say(page, "/menu")
    await botSays(page, ru.menuGreeting("Елена"))
    await page.getByLabel("Язык").selectOption("en")
    await page.getByRole("button", { name: "Send" }).waitFor()
    await say(page, "/menu")
    await botSays(page, en.menuGreeting("Елена"))
    await shot(page, "language-english")
    await page.close()
  })
})
