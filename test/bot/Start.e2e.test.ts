/**
 * `npm start` as someone trying the bot runs it: the real entry point `src/main.ts` in a child
 * process, with nothing but a token, the Bot API root, a port and a directory for the embedded
 * database (no DATABASE_URL, no REDIS_URL), against a local Telegram Bot API server. The child
 * runs as `npm start` and the Dockerfile run it (`node FLAGS --import tsx`: one process, which
 * gets the signals), in
 * a directory of its own so that a `.env` of the project cannot leak in. Judged by what it
 * prints, what users see, what lands in the database, and how it stops.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import Pg from "pg"
import { messagesFor } from "../../src/bot/Messages"
import { initialisedDataDir } from "../support/EmbeddedTemplate"
import { freePort } from "../support/Ports"
import { projectRoot, startNodeFlags, tempDir } from "../support/Scripts"
import { botInfo, makeTelegramServer, type TelegramServer } from "../support/TelegramServer"

const en = messagesFor("en")
const tsxLoader = pathToFileURL(Path.join(projectRoot, "node_modules/tsx/dist/loader.mjs")).href
/**
 * How long a child may take to reach a line it should print (a cold start compiles with tsx): a
 * hang guard, with room for a slow machine under the whole suite's load.
 */
const outputTimeout = Duration.seconds(100)

interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

interface Child {
  readonly pid: number | undefined
  /** Everything it printed so far, stdout and stderr, line by line. */
  readonly lines: () => ReadonlyArray<string>
  readonly output: () => string
  /** The first line matching `pattern`, once printed; fails if the child exits first. */
  readonly waitForLine: (pattern: RegExp) => Effect.Effect<string, Error>
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  readonly exited: Effect.Effect<Exited, Error>
}

/**
 * `node [nodeFlags] --import tsx <project>/<entry> ...args` in `cwd` with exactly `settings` (and
 * PATH, HOME): nothing of the test runner's environment. Killed when the scope closes, if still
 * running.
 */
const run = (
  entry: string,
  args: ReadonlyArray<string>,
  settings: Record<string, string>,
  cwd: string,
  nodeFlags: ReadonlyArray<string> = [],
) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child: ChildProcess = spawn(
        process.execPath,
        [...nodeFlags, "--import", tsxLoader, Path.join(projectRoot, entry), ...args],
        {
          cwd,
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? cwd, ...settings },
          stdio: ["ignore", "pipe", "pipe"],
        },
      )
      let output = ""
      const watchers = new Set<() => void>()
      const notify = () => {
        for (const watcher of [...watchers]) watcher()
      }
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8")
        notify()
      })
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8")
        notify()
      })
      let exit: Exited | undefined
      const exitPromise = new Promise<Exited>((resolve) => {
        child.once("close", (code, signal) => {
          exit = { code, signal }
          resolve(exit)
          notify()
        })
      })
      const lines = () => output.split("\n").filter((line) => line.trim() !== "")
      const describeOutput = () => `Its output:\n${output}`

      const waitForLine = (pattern: RegExp) =>
        Effect.async<string, Error>((resume) => {
          const check = () => {
            const found = lines().find((line) => pattern.test(line))
            if (found !== undefined) return settle(Effect.succeed(found))
            if (exit !== undefined) {
              settle(
                Effect.fail(
                  new Error(`Expected a line ${pattern}, but ${entry} exited. ${describeOutput()}`),
                ),
              )
            }
          }
          const timer = setTimeout(
            () =>
              settle(
                Effect.fail(
                  new Error(
                    `Expected a line ${pattern} within ${Duration.format(outputTimeout)}. ${describeOutput()}`,
                  ),
                ),
              ),
            Duration.toMillis(outputTimeout),
          )
          const settle = (outcome: Effect.Effect<string, Error>) => {
            clearTimeout(timer)
            watchers.delete(check)
            resume(outcome)
          }
          watchers.add(check)
          check()
          return Effect.sync(() => {
            clearTimeout(timer)
            watchers.delete(check)
          })
        })

      const handle: Child = {
        pid: child.pid,
        lines,
        output: () => output,
        waitForLine,
        signal: (signal) =>
          Effect.sync(() => {
            child.kill(signal)
          }),
        exited: Effect.promise(() => exitPromise).pipe(
          Effect.timeoutFail({
            duration: outputTimeout,
            onTimeout: () => new Error(`Expected ${entry} to exit. ${describeOutput()}`),
          }),
        ),
      }
      return { child, handle, exitPromise, hasExited: () => exit !== undefined }
    }),
    ({ child, exitPromise, hasExited }) =>
      Effect.promise(async () => {
        if (hasExited()) return
        child.kill("SIGKILL")
        await exitPromise
      }),
  ).pipe(Effect.map(({ handle }) => handle))

interface BotSettings {
  readonly server: TelegramServer
  readonly port: number
  readonly dataDir: string
  readonly cwd: string
  readonly token?: string
}

/** `npm start` (its node flags from package.json) with only the settings a first trial needs. */
const startBot = (settings: BotSettings) =>
  Effect.flatMap(Effect.promise(startNodeFlags), (flags) =>
    run(
      "src/main.ts",
      [],
      {
        BOT_TOKEN: settings.token ?? settings.server.token,
        TELEGRAM_API_ROOT: settings.server.apiRoot,
        PORT: String(settings.port),
        EMBEDDED_DATABASE_DIR: settings.dataDir,
      },
      settings.cwd,
      flags,
    ),
  )

const errorLines = (child: Child) =>
  child.lines().filter((line) => /^Error:|level=ERROR|level=FATAL/.test(line))

/** Lines matching `pattern`: each start-up line is said once. */
const linesMatching = (child: Child, pattern: RegExp) =>
  child.lines().filter((line) => pattern.test(line))

/** A statement on the embedded database, through the port its owner serves (as ops would). */
const queryEmbedded = <Row>(dataDir: string, text: string, values: ReadonlyArray<unknown>) =>
  Effect.promise(async () => {
    const lock = JSON.parse(await Fs.readFile(`${dataDir}.lock`, "utf8")) as { port: number }
    const client = new Pg.Client({
      host: "127.0.0.1",
      port: lock.port,
      user: "postgres",
      database: "postgres",
    })
    await client.connect()
    try {
      return (await client.query(text, [...values])).rows as Array<Row>
    } finally {
      await client.end()
    }
  })

const fileExists = (path: string) =>
  Effect.promise(() =>
    Fs.access(path).then(
      () => true,
      () => false,
    ),
  )

describe("npm start", () => {
  it.live(
    "a first trial on the embedded database: start, refuse a stranger, import them, stop, start again",
    () =>
      Effect.gen(function* () {
        const server = yield* makeTelegramServer()
        const cwd = yield* tempDir
        const dataDir = Path.join(cwd, "data", "pg")
        const port = yield* freePort
        const settings: BotSettings = { server, port, dataDir, cwd }

        // ---- the first start, on a new database ----
        // As PGlite's initdb leaves a new directory: its seconds of CPU are spent once per run
        // (test/support/EmbeddedTemplate.ts). A process creating the directory itself, parents
        // and all, is test/db/migrations.test.ts's.
        yield* initialisedDataDir(dataDir)
        const first = yield* startBot(settings)
        yield* first.waitForLine(/HTTP server listening/)
        const startLines: ReadonlyArray<readonly [string, RegExp]> = [
          [
            "the embedded database",
            /Database: the embedded database in \S*data\/pg \(no DATABASE_URL\)/,
          ],
          ["the migrations applied", /Database: applied \d+ migration\(s\): 1_initial/],
          [
            "the seeding of a new database",
            /Database: new, seeded 9 interests, 7 departments and 4 business centers; add employees with: npx tsx scripts\/db\.ts import-employees FILE\.csv/,
          ],
          ["the memory cache", /Cache: in-process memory \(REDIS_URL is not set\)/],
          [
            "the bot connected",
            new RegExp(`Bot @${botInfo.username} connected to ${server.apiRoot}`),
          ],
          ["polling", /Taking updates by long polling/],
          [
            "the HTTP server",
            new RegExp(`HTTP server listening on :${port} \\(/healthz, /metrics\\)`),
          ],
        ]
        for (const [what, pattern] of startLines) {
          expect({ what, lines: linesMatching(first, pattern).length }).toEqual({ what, lines: 1 })
        }
        expect(errorLines(first)).toEqual([])
        expect(first.output()).not.toContain(server.token)
        // Polling: no webhook (a pending long poll is recorded by the server only once answered).
        expect(server.callsOf("setWebhook")).toHaveLength(0)

        // The HTTP server answers.
        const health = yield* Effect.promise(() =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(async (response) => ({
            status: response.status,
            body: (await response.json()) as unknown,
          })),
        )
        expect(health).toEqual({
          status: 200,
          body: {
            status: "degraded",
            database: { ok: true },
            cache: { backend: "memory", reason: "REDIS_URL is not set", available: true },
          },
        })

        // ---- a stranger: the database is new and has no employees ----
        const username = `nina_new_${Date.now() % 1_000_000}`
        const nina = yield* server.user({ username, firstName: "Nina", languageCode: "en" })
        const refusal = yield* nina.send("/start")
        // On a mismatch, the bot's own log says why.
        expect(refusal.text, first.output()).toBe(en.unknownUser("HR"))
        expect(refusal.buttons).toEqual([])

        // ---- HR imports her while the bot runs (the script joins the bot's database) ----
        const csv = Path.join(cwd, "employees.csv")
        const email = `${username}@example.com`
        yield* Effect.promise(() =>
          Fs.writeFile(
            csv,
            [
              "full_name,email,telegram_username,phone,department_code,business_center,position,hire_date",
              `Nina Newhire,${email},@${username},,IT,БЦ Око,Analyst,2024-02-01`,
              "",
            ].join("\n"),
          ),
        )
        const importer = yield* run(
          "scripts/db.ts",
          ["import-employees", csv],
          { EMBEDDED_DATABASE_DIR: dataDir },
          cwd,
        )
        const imported = yield* importer.exited
        expect({ code: imported.code, output: importer.output() }).toMatchObject({ code: 0 })
        expect(importer.output()).toContain("opened by another ConnectBot process")
        // The lock names the process that opened the files: the bot, not the importer.
        const lock = JSON.parse(yield* Effect.promise(() => Fs.readFile(`${dataDir}.lock`, "utf8")))
        expect(lock.pid).toBe(first.pid)
        expect(importer.output()).toContain("1 inserted, 0 updated, 0 unchanged, 0 skipped")

        // ---- now she is recognised by her username, and linked ----
        const welcome = yield* nina.send("/start")
        expect(welcome.text).toBe(en.welcome("Nina"))
        expect(welcome.buttons).toEqual([[en.setUpInterests], [en.skip]])
        const linked = yield* queryEmbedded<{ telegram_id: string; authorized: boolean }>(
          dataDir,
          "SELECT telegram_id, authorized FROM employees WHERE email = $1",
          [email],
        )
        expect(linked).toEqual([{ telegram_id: String(nina.id), authorized: true }])

        // ---- SIGTERM while an update is in flight: it finishes, then the process exits ----
        // Telegram asks the bot to slow down on its next message: the /menu waits 2 s to send.
        yield* server.failNext("sendMessage", {
          error_code: 429,
          description: "Too Many Requests: retry after 2",
          retry_after: 2,
        })
        const menuUpdate = yield* nina.push("/menu")
        yield* server.waitForCall(
          "sendMessage",
          (call) => Number(call.params.chat_id) === nina.chatId && !call.response.ok,
        )
        yield* first.signal("SIGTERM")
        const menu = yield* menuUpdate.reply
        expect(menu.text).toBe(en.menuGreeting("Nina"))
        const stopped = yield* first.exited
        // NodeRuntime.runMain: a SIGTERM interrupts the main fiber, and an interruption is a
        // clean stop (defaultTeardown): exit code 0, not 143.
        expect({ stopped, output: first.output() }).toMatchObject({
          stopped: { code: 0, signal: null },
        })
        expect(first.output()).toContain("Finishing 1 update(s) in flight")
        expect(errorLines(first)).toEqual([])
        // Warnings: only the memory cache and Telegram's 429 (no "still running at shutdown").
        expect(
          linesMatching(first, /level=WARN/).filter(
            (line) => !/Cache: in-process memory|Telegram asks to slow down/.test(line),
          ),
        ).toEqual([])
        // The embedded database was closed and released for the next process.
        expect(yield* fileExists(`${dataDir}.lock`)).toBe(false)

        // ---- a token Telegram refuses: one clear line, exit 1, the token not shown ----
        const wrongToken = "987654321:WRONG-token-that-the-server-refuses"
        const refused = yield* startBot({ ...settings, token: wrongToken })
        const refusedExit = yield* refused.exited
        expect(refusedExit.code).toBe(1)
        expect(errorLines(refused)).toEqual([
          "Error: Telegram did not accept BOT_TOKEN: check the token from @BotFather",
        ])
        expect(
          server
            .callsOf("getMe")
            .some((call) => !call.response.ok && call.response.error_code === 401),
        ).toBe(true)
        expect(refused.output()).not.toContain(wrongToken)
        expect(refused.output()).not.toContain("WRONG-token")
        // It closed all it had opened: the embedded database had no connection left to wait for.
        expect(
          linesMatching(refused, /level=WARN/).filter(
            (line) => !/Cache: in-process memory/.test(line),
          ),
        ).toEqual([])
        expect(yield* fileExists(`${dataDir}.lock`)).toBe(false)

        // ---- the second start on the same directory: nothing to migrate or seed ----
        const second = yield* startBot(settings)
        yield* second.waitForLine(/HTTP server listening/)
        expect(linesMatching(second, /Database: the embedded database in/)).toHaveLength(1)
        expect(linesMatching(second, /migration/)).toEqual([])
        expect(linesMatching(second, /seeded/)).toEqual([])
        expect(linesMatching(second, /Taking updates by long polling/)).toHaveLength(1)
        // Nina is known now: straight to the menu.
        const again = yield* nina.send("/menu")
        expect(again.text).toBe(en.menuGreeting("Nina"))
        yield* second.signal("SIGTERM")
        expect((yield* second.exited).code).toBe(0)
        expect(errorLines(second)).toEqual([])
        // The /menu finished during the first shutdown was not handed to the bot again.
        expect(
          server.messagesIn(nina.chatId).filter((m) => m.text === en.menuGreeting("Nina")),
        ).toHaveLength(2)
      }).pipe(Effect.scoped),
    // Four processes start in turn: 44 s alone on the slower of this project's machines, past
    // 90 s under the whole suite.
    300_000,
  )
  // Malformed settings (exit 1, a line naming each, the token not shown, nothing opened): the
  // src/main.ts case of test/config.test.ts, which names the settings of every section at fault.
})
