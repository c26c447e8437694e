/**
 * The plain peer of the pipeline benchmark (bench/pipeline.ts): the same screens as ConnectBot's
 * main menu and interests, written the way a competent developer writes a grammY bot without a
 * cache of their own — `webhookCallback` on node:http, grammY's `session()` kept in Redis by
 * `@grammyjs/storage-redis` over ioredis, a `pg` Pool, and the SQL the screens need:
 *
 * - every update: one SELECT recognises the sender by `telegram_id` (same `employees` table);
 * - the interests screen: one SELECT of the catalogue with the employee's active interests;
 * - a toggle: kept in the session (the wanted state per interest), the screen drawn again;
 * - Save: the changes in one transaction (BEGIN, one upsert, COMMIT), the screen drawn again;
 * - every button press answered (answerCallbackQuery).
 *
 * Fair and idiomatic: no deliberate slowness, no cache beyond grammY's session. Run as a child
 * process by the benchmark (`node --import tsx bench/peer/PlainBot.ts`), configured like the bot:
 * BOT_TOKEN, TELEGRAM_API_ROOT, DATABASE_URL, REDIS_URL, WEBHOOK_URL, WEBHOOK_SECRET, PORT.
 * It listens on 127.0.0.1 only; SIGTERM closes everything and exits.
 */
import * as Http from "node:http"
import { RedisAdapter } from "@grammyjs/storage-redis"
import {
  Bot,
  type Context,
  InlineKeyboard,
  type SessionFlavor,
  session,
  webhookCallback,
} from "grammy"
import IORedis from "ioredis"
import Pg from "pg"

const setting = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") {
    console.error(`Error: ${name} is not set`)
    process.exit(1)
  }
  return value
}

/** Interest id → the state the user wants it in; absent: as saved. */
interface SessionData {
  wanted: Record<string, boolean>
}

interface Employee {
  readonly id: number
}

type PeerContext = Context & SessionFlavor<SessionData> & { employee: Employee }

interface InterestRow {
  readonly id: number
  readonly emoji: string
  readonly name: string
  readonly active: boolean
}

const texts = {
  unknown:
    "Sorry, I couldn't find you among the company's employees. If you work here, please contact HR to be added.",
  menu: (name: string, unsaved: number) =>
    unsaved === 0
      ? `${name}, what shall we do?`
      : `${name}, what shall we do?\n\nYou have ${unsaved} unsaved interest change${unsaved === 1 ? "" : "s"} — open 🎯 Interests to save.`,
  interests: "🎯 Your interests. ✅ — on, ❌ — off. Tap an interest to change it, then Save.",
  pending: (count: number) => `Unsaved changes: ${count}.`,
  saved: (enabled: number, disabled: number) =>
    `Saved: ${enabled} turned on, ${disabled} turned off.`,
  nothingToSave: "Nothing to save: no changes.",
  outdated: "This button is out of date. Open /menu.",
  commands:
    "I understand these commands:\n/start — start\n/menu — main menu\n/preferences — my interests\n/help — help",
}

const pool = new Pg.Pool({ connectionString: setting("DATABASE_URL") })
const redis = new IORedis(setting("REDIS_URL"))
const bot = new Bot<PeerContext>(setting("BOT_TOKEN"), {
  client: { apiRoot: setting("TELEGRAM_API_ROOT") },
})

const menuKeyboard = new InlineKeyboard()
  .text("👤 Profile", "profile")
  .text("🎯 Interests", "interests")
  .row()
  .text("📅 Activities", "activities")
  .text("🏆 Achievements", "achievements")
  .row()
  .text("❓ Help", "help")
  .text("⚙️ Settings", "settings")

const interestRows = async (employeeId: number): Promise<ReadonlyArray<InterestRow>> => {
  const { rows } = await pool.query<InterestRow>(
    `SELECT i.id, i.emoji, COALESCE(i.name_en, i.name) AS name, ei.interest_id IS NOT NULL AS active
     FROM interests i
     LEFT JOIN employee_interests ei
       ON ei.interest_id = i.id AND ei.employee_id = $1 AND ei.is_active
     WHERE i.is_active
     ORDER BY i.id`,
    [employeeId],
  )
  return rows
}

const shownAs = (row: InterestRow, wanted: Record<string, boolean>) => wanted[row.id] ?? row.active

const interestsScreen = (
  rows: ReadonlyArray<InterestRow>,
  wanted: Record<string, boolean>,
  notice?: string,
) => {
  const keyboard = new InlineKeyboard()
  rows.forEach((row, index) => {
    keyboard.text(
      `${shownAs(row, wanted) ? "✅" : "❌"} ${row.emoji} ${row.name}`,
      `int:t:${row.id}`,
    )
    if (index % 2 === 1) keyboard.row()
  })
  if (rows.length % 2 === 1) keyboard.row()
  keyboard.text("💾 Save", "int:save").text("🚫 Unsubscribe from all", "int:unsub").row()
  keyboard.text("⬅️ Back", "menu")
  const unsaved = Object.keys(wanted).length
  const text = [
    ...(notice === undefined ? [] : [notice]),
    texts.interests,
    ...(unsaved > 0 ? [texts.pending(unsaved)] : []),
  ].join("\n\n")
  return { text, reply_markup: keyboard }
}

bot.use(
  session({
    initial: (): SessionData => ({ wanted: {} }),
    prefix: "peer:sess:",
    storage: new RedisAdapter<SessionData>({ instance: redis, ttl: 2 * 60 * 60 }),
  }),
)

// Who is writing: one SELECT per update.
bot.use(async (ctx, next) => {
  if (ctx.from === undefined) return
  const { rows } = await pool.query<Employee>(
    "SELECT id FROM employees WHERE telegram_id = $1 AND is_active",
    [ctx.from.id],
  )
  const employee = rows[0]
  if (employee === undefined) {
    if (ctx.callbackQuery !== undefined) await ctx.answerCallbackQuery({ text: texts.unknown })
    else await ctx.reply(texts.unknown)
    return
  }
  ctx.employee = employee
  await next()
})

const showMenu = (ctx: PeerContext) => {
  const text = texts.menu(ctx.from?.first_name ?? "", Object.keys(ctx.session.wanted).length)
  return ctx.callbackQuery === undefined
    ? ctx.reply(text, { reply_markup: menuKeyboard })
    : ctx.editMessageText(text, { reply_markup: menuKeyboard })
}

const showInterests = async (ctx: PeerContext, notice?: string) => {
  const screen = interestsScreen(await interestRows(ctx.employee.id), ctx.session.wanted, notice)
  return ctx.callbackQuery === undefined
    ? ctx.reply(screen.text, { reply_markup: screen.reply_markup })
    : ctx.editMessageText(screen.text, { reply_markup: screen.reply_markup })
}

bot.command(["start", "menu"], showMenu)
bot.command("preferences", (ctx) => showInterests(ctx))

bot.callbackQuery("menu", async (ctx) => {
  await showMenu(ctx)
  await ctx.answerCallbackQuery()
})

bot.callbackQuery("interests", async (ctx) => {
  await showInterests(ctx)
  await ctx.answerCallbackQuery()
})

bot.callbackQuery(/^int:t:(\d+)$/, async (ctx) => {
  const interestId = Number(ctx.match[1])
  const rows = await interestRows(ctx.employee.id)
  const row = rows.find((candidate) => candidate.id === interestId)
  if (row === undefined) return ctx.answerCallbackQuery({ text: texts.outdated })
  const wanted = { ...ctx.session.wanted }
  const next = !shownAs(row, wanted)
  if (next === row.active) delete wanted[interestId]
  else wanted[interestId] = next
  ctx.session.wanted = wanted
  const screen = interestsScreen(rows, wanted)
  await ctx.editMessageText(screen.text, { reply_markup: screen.reply_markup })
  await ctx.answerCallbackQuery()
})

bot.callbackQuery("int:save", async (ctx) => {
  const entries = Object.entries(ctx.session.wanted)
  if (entries.length === 0) {
    await showInterests(ctx, texts.nothingToSave)
    return ctx.answerCallbackQuery()
  }
  const client = await pool.connect()
  try {
    await client.query("BEGIN")
    await client.query(
      `INSERT INTO employee_interests (employee_id, interest_id, is_active)
       SELECT $1, wanted.interest_id, wanted.is_active
       FROM unnest($2::int[], $3::boolean[]) AS wanted (interest_id, is_active)
       ON CONFLICT (employee_id, interest_id) DO UPDATE SET is_active = EXCLUDED.is_active`,
      [ctx.employee.id, entries.map(([id]) => Number(id)), entries.map(([, on]) => on)],
    )
    await client.query("COMMIT")
  } catch (error) {
    await client.query("ROLLBACK")
    throw error
  } finally {
    client.release()
  }
  ctx.session.wanted = {}
  const enabled = entries.filter(([, on]) => on).length
  await showInterests(ctx, texts.saved(enabled, entries.length - enabled))
  await ctx.answerCallbackQuery()
})

bot.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: texts.outdated }))
bot.on("message", (ctx) => ctx.reply(texts.commands))

bot.catch((error) => {
  console.error(`level=ERROR message="update ${error.ctx.update.update_id} failed: ${error.error}"`)
})

const handleWebhook = webhookCallback(bot, "http", {
  secretToken: setting("WEBHOOK_SECRET"),
  timeoutMilliseconds: 60_000,
})

const server = Http.createServer((request, response) => {
  if (request.method !== "POST" || request.url !== "/telegram") {
    response.writeHead(404).end()
    return
  }
  handleWebhook(request, response).catch((error: unknown) => {
    console.error(`level=ERROR message="webhook failed: ${String(error)}"`)
    if (!response.headersSent) response.writeHead(500).end()
  })
})

const stop = () => {
  server.close()
  server.closeAllConnections()
  void Promise.allSettled([pool.end(), redis.quit()]).then(() => process.exit(0))
}
process.once("SIGTERM", stop)
process.once("SIGINT", stop)

await bot.init()
await bot.api.setWebhook(setting("WEBHOOK_URL"), {
  secret_token: setting("WEBHOOK_SECRET"),
  allowed_updates: ["message", "callback_query"],
})
const port = Number(setting("PORT"))
server.listen(port, "127.0.0.1", () => {
  console.log(
    `level=INFO message="Plain peer @${bot.botInfo.username} listening on 127.0.0.1:${port}"`,
  )
})
