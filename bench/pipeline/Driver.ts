/**
 * The load driver: Telegram's webhook delivery as the benchmark plays it. Each simulated user
 * does the same six things — `/start`, opens 🎯 Interests (the menu button), toggles interest A,
 * toggles B, toggles A again, presses 💾 Save — one update at a time: the next only after the
 * bot answered the previous one's POST with 200 (both bots answer after handling). `concurrency`
 * users are in flight at once; a user done, the next one starts.
 *
 * A press is built from the screen the user looks at (the bot's latest message on the fake Bot
 * API) and must find its button there; after each update the driver checks what the screen shows
 * (A and B on or off as they should be, the "Saved: …" line) and that the press was answered
 * once. Anything else is a failure of the run: figures of a bot that did not do the work would
 * mean nothing.
 */
import * as Http from "node:http"
import type { Message, Update } from "grammy/types"
import type { BenchUser } from "./Data"
import type { FakeBotApi } from "./FakeBotApi"

export interface Target {
  readonly port: number
  readonly secret: string
}

export interface LoadResult {
  readonly updates: number
  readonly wallMillis: number
  /** POST → 200 of every update, ms. */
  readonly latencies: Float64Array
  readonly failures: number
  readonly firstFailures: ReadonlyArray<string>
}

/** The six updates of one user. */
export const updatesPerUser = 6

const requestTimeoutMillis = 60_000

/** POSTs an update; the answer's status and body (which may carry a call, a "webhook reply"). */
const post = (agent: Http.Agent, target: Target, body: string) =>
  new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    const request = Http.request(
      {
        host: "127.0.0.1",
        port: target.port,
        path: "/telegram",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-telegram-bot-api-secret-token": target.secret,
        },
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.once("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        )
        response.once("error", reject)
      },
    )
    request.setTimeout(requestTimeoutMillis, () =>
      request.destroy(new Error(`no answer within ${requestTimeoutMillis / 1000} s`)),
    )
    request.once("error", reject)
    request.end(body)
  })

const buttons = (message: Message | undefined) =>
  (message?.reply_markup?.inline_keyboard ?? []).flat()

const labelOf = (message: Message | undefined, data: string) =>
  buttons(message).find((button) => "callback_data" in button && button.callback_data === data)
    ?.text

class Failure extends Error {}

export const runLoad = async (options: {
  readonly fake: FakeBotApi
  readonly target: Target
  readonly users: ReadonlyArray<BenchUser>
  readonly concurrency: number
  readonly nextUpdateId: () => number
  readonly signal: AbortSignal
}): Promise<LoadResult> => {
  const { fake, target, users, concurrency, nextUpdateId, signal } = options
  const agent = new Http.Agent({ keepAlive: true, maxSockets: concurrency })
  const latencies = new Float64Array(users.length * updatesPerUser)
  let sent = 0
  let failures = 0
  const firstFailures: Array<string> = []
  let nextQuery = 0
  const queryPrefix = `${Date.now().toString(36)}-`

  const deliver = async (user: BenchUser, update: Omit<Update, "update_id">, what: string) => {
    if (signal.aborted) throw new Failure("stopped")
    const body = JSON.stringify({ update_id: nextUpdateId(), ...update })
    const started = performance.now()
    let answer: { readonly status: number; readonly body: string }
    try {
      answer = await post(agent, target, body)
    } catch (error) {
      throw new Failure(`${user.username}, ${what}: ${String(error)}`)
    }
    latencies[sent++] = performance.now() - started
    if (answer.status !== 200) throw new Failure(`${user.username}, ${what}: HTTP ${answer.status}`)
    // Telegram makes the call a webhook answers with, after the answer.
    fake.webhookReply(answer.body)
  }

  const runUser = async (user: BenchUser) => {
    const chatId = user.telegramId
    const from = {
      id: user.telegramId,
      is_bot: false,
      first_name: user.firstName,
      username: user.username,
      language_code: "en",
    }
    const screen = () => fake.lastMessage(chatId)
    const expect = (ok: boolean, what: string) => {
      if (!ok) {
        const message = screen()
        throw new Failure(
          `${user.username}: ${what}; the screen is ${JSON.stringify(message?.text?.split("\n")[0] ?? "(none)")} with buttons ${JSON.stringify(buttons(message).map((button) => button.text))}`,
        )
      }
    }
    const shows = (interestId: number, on: boolean) =>
      labelOf(screen(), `int:t:${interestId}`)?.startsWith(on ? "✅" : "❌") === true

    await deliver(
      user,
      {
        message: {
          message_id: fake.nextMessageId(chatId),
          from,
          chat: {
            id: chatId,
            type: "private",
            first_name: user.firstName,
            username: user.username,
          },
          date: Math.floor(Date.now() / 1000),
          text: "/start",
          entities: [{ type: "bot_command", offset: 0, length: 6 }],
        },
      },
      "/start",
    )
    expect(labelOf(screen(), "interests") !== undefined, "no 🎯 Interests button after /start")

    const press = async (data: string) => {
      const message = screen()
      expect(labelOf(message, data) !== undefined, `no button ${data} to press`)
      const id = `${queryPrefix}${++nextQuery}`
      fake.expectAnswer(id)
      await deliver(
        user,
        {
          callback_query: {
            id,
            from,
            message: message as Message,
            chat_instance: String(chatId),
            data,
          },
        },
        `press ${data}`,
      )
      expect(fake.takeAnswer(id), `the press of ${data} was not answered`)
    }

    const a = user.initial.has(user.a)
    const b = user.initial.has(user.b)
    await press("interests")
    expect(shows(user.a, a) && shows(user.b, b), "the interests screen is not as saved")
    await press(`int:t:${user.a}`)
    expect(shows(user.a, !a), `interest ${user.a} did not toggle`)
    await press(`int:t:${user.b}`)
    expect(shows(user.b, !b) && shows(user.a, !a), `interest ${user.b} did not toggle`)
    await press(`int:t:${user.a}`)
    expect(shows(user.a, a) && shows(user.b, !b), `interest ${user.a} did not toggle back`)
    await press("int:save")
    const saved = `Saved: ${b ? 0 : 1} turned on, ${b ? 1 : 0} turned off.`
    expect(
      (screen()?.text ?? "").split("\n")[0] === saved && shows(user.b, !b) && shows(user.a, a),
      `Save did not say "${saved}"`,
    )
  }

  let next = 0
  const worker = async () => {
    for (;;) {
      const user = users[next++]
      if (user === undefined || signal.aborted) return
      try {
        await runUser(user)
      } catch (error) {
        failures++
        if (firstFailures.length < 8)
          firstFailures.push(String(error instanceof Error ? error.message : error))
      }
    }
  }

  const started = performance.now()
  await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker))
  const wallMillis = performance.now() - started
  agent.destroy()
  return { updates: sent, wallMillis, latencies: latencies.slice(0, sent), failures, firstFailures }
}
