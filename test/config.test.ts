import { execFile } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { inspect } from "node:util"
import type { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, LogLevel, Option, Redacted } from "effect"
import { cli as dbCli } from "../src/cli/db/Commands"
import { cli as redisCli } from "../src/cli/redis/Commands"
import {
  botSettingsConfig,
  cacheSettingsConfig,
  checkSettings,
  databaseSettingsConfig,
  describeConfigError,
  logLevelConfig,
  playgroundDatabaseConfig,
  startModeConfig,
} from "../src/config"
import {
  projectRoot,
  runCliInProcess,
  type ScriptRun,
  startNodeFlags,
  tempDir,
} from "./support/Scripts"

const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
const webhookSecret = "wh_Secret-value-42"

/** Reads `config` from exactly these settings, as start-up does from the environment. */
const read = <A>(config: Config.Config<A>, settings: Record<string, string>) =>
  Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(settings))))

/** The line start-up prints when `config` cannot be read from these settings. */
const failureLine = <A>(config: Config.Config<A>, settings: Record<string, string>) =>
  Effect.map(Effect.flip(read(config, settings)), describeConfigError)

/** Every way a successful read could end up in a log line. */
const renderings = (value: unknown) => [String(value), JSON.stringify(value), inspect(value)]

describe("defaults", () => {
  it.effect("the bot needs only BOT_TOKEN: polling, port 8080, Russian, the public Bot API", () =>
    Effect.gen(function* () {
      const settings = yield* read(botSettingsConfig, { BOT_TOKEN: token })
      expect(Redacted.value(settings.token)).toBe(token)
      expect(settings.transport).toEqual({ _tag: "Polling" })
      expect(settings.port).toBe(8080)
      expect(settings.defaultLocale).toBe("ru")
      expect(settings.apiRoot).toBe("https://api.telegram.org")
      expect(settings.adminContact).toBe("HR")
      expect(settings.timeZone).toBe("Europe/Moscow")
    }),
  )

  it.effect("no DATABASE_URL means the embedded database in ./.data/pg", () =>
    Effect.gen(function* () {
      const settings = yield* read(databaseSettingsConfig, {})
      expect(Option.isNone(settings.url)).toBe(true)
      expect(settings.embeddedDir).toBe("./.data/pg")
    }),
  )

  it.effect("no REDIS_URL means the memory cache; keys under connectbot:", () =>
    Effect.gen(function* () {
      const settings = yield* read(cacheSettingsConfig, {})
      expect(Option.isNone(settings.redisUrl)).toBe(true)
      expect(settings.prefix).toBe("connectbot:")
    }),
  )

  it.effect("LOG_LEVEL defaults to info", () =>
    Effect.gen(function* () {
      expect(yield* read(logLevelConfig, {})).toBe(LogLevel.Info)
    }),
  )

  it.effect("an empty or blank value counts as absent, as .env files write it", () =>
    Effect.gen(function* () {
      const empty = {
        BOT_TOKEN: token,
        DATABASE_URL: "",
        EMBEDDED_DATABASE_DIR: "",
        REDIS_URL: " ",
        CACHE_PREFIX: "",
        TELEGRAM_API_ROOT: "",
        BOT_MODE: "",
        WEBHOOK_URL: "",
        WEBHOOK_SECRET: "",
        PORT: "",
        BOT_DEFAULT_LOCALE: "",
        ADMIN_CONTACT: "",
        LOG_LEVEL: "",
      }
      const bot = yield* read(botSettingsConfig, empty)
      expect(bot.transport).toEqual({ _tag: "Polling" })
      expect(bot.port).toBe(8080)
      expect(bot.defaultLocale).toBe("ru")
      expect(bot.apiRoot).toBe("https://api.telegram.org")
      expect(bot.adminContact).toBe("HR")
      const database = yield* read(databaseSettingsConfig, empty)
      expect(Option.isNone(database.url)).toBe(true)
      expect(database.embeddedDir).toBe("./.data/pg")
      const cache = yield* read(cacheSettingsConfig, empty)
      expect(Option.isNone(cache.redisUrl)).toBe(true)
      expect(cache.prefix).toBe("connectbot:")
      expect(yield* read(logLevelConfig, empty)).toBe(LogLevel.Info)
      expect(yield* failureLine(botSettingsConfig, { ...empty, BOT_TOKEN: "  " })).toBe(
        "Missing setting BOT_TOKEN",
      )
    }),
  )
})

describe("values given", () => {
  it.effect("every bot setting is used as given", () =>
    Effect.gen(function* () {
      const settings = yield* read(botSettingsConfig, {
        BOT_TOKEN: ` ${token} `,
        TELEGRAM_API_ROOT: "http://127.0.0.1:8081/",
        BOT_MODE: "webhook",
        WEBHOOK_URL: "https://bot.example.com/telegram",
        WEBHOOK_SECRET: webhookSecret,
        PORT: "3000",
        BOT_DEFAULT_LOCALE: "en",
        ADMIN_CONTACT: "@hr_anna",
        TIME_ZONE: "Asia/Yekaterinburg",
      })
      expect(Redacted.value(settings.token)).toBe(token)
      // The trailing slash goes: the bot appends `/bot<token>/<method>` to the root.
      expect(settings.apiRoot).toBe("http://127.0.0.1:8081")
      expect(settings.transport._tag).toBe("Webhook")
      if (settings.transport._tag === "Webhook") {
        expect(settings.transport.url.href).toBe("https://bot.example.com/telegram")
        expect(Redacted.value(settings.transport.secret)).toBe(webhookSecret)
      }
      expect(settings.port).toBe(3000)
      expect(settings.defaultLocale).toBe("en")
      expect(settings.adminContact).toBe("@hr_anna")
      expect(settings.timeZone).toBe("Asia/Yekaterinburg")
    }),
  )

  it.effect("BOT_MODE polling wins over webhook settings left in the environment", () =>
    Effect.gen(function* () {
      const settings = yield* read(botSettingsConfig, {
        BOT_TOKEN: token,
        BOT_MODE: "polling",
        WEBHOOK_URL: "https://bot.example.com/telegram",
        WEBHOOK_SECRET: webhookSecret,
      })
      expect(settings.transport).toEqual({ _tag: "Polling" })
    }),
  )

  it.effect("every trailing slash of TELEGRAM_API_ROOT is removed, a path is kept", () =>
    Effect.gen(function* () {
      const settings = yield* read(botSettingsConfig, {
        BOT_TOKEN: token,
        TELEGRAM_API_ROOT: "https://tg.example.com/api//",
      })
      expect(settings.apiRoot).toBe("https://tg.example.com/api")
    }),
  )

  it.effect("database, cache and log settings are used as given", () =>
    Effect.gen(function* () {
      const database = yield* read(databaseSettingsConfig, {
        DATABASE_URL: "postgresql://app:pw@db.internal:5432/connectbot",
        EMBEDDED_DATABASE_DIR: "/var/lib/connectbot/pg",
      })
      expect(Option.map(database.url, Redacted.value)).toEqual(
        Option.some("postgresql://app:pw@db.internal:5432/connectbot"),
      )
      expect(database.embeddedDir).toBe("/var/lib/connectbot/pg")
      expect(
        (yield* read(databaseSettingsConfig, { EMBEDDED_DATABASE_DIR: "/tmp/pg" })).embeddedDir,
      ).toBe("/tmp/pg")
      const cache = yield* read(cacheSettingsConfig, {
        REDIS_URL: "rediss://:pw@cache.internal:6380/2",
        CACHE_PREFIX: "acme.bot-1:",
      })
      expect(Option.map(cache.redisUrl, Redacted.value)).toEqual(
        Option.some("rediss://:pw@cache.internal:6380/2"),
      )
      expect(cache.prefix).toBe("acme.bot-1:")
      expect(yield* read(logLevelConfig, { LOG_LEVEL: "debug" })).toBe(LogLevel.Debug)
      expect(yield* read(logLevelConfig, { LOG_LEVEL: "Warning" })).toBe(LogLevel.Warning)
    }),
  )
})

describe("a missing or malformed setting gives one line naming it", () => {
  const bot = { BOT_TOKEN: token }
  const webhook = {
    ...bot,
    BOT_MODE: "webhook",
    WEBHOOK_URL: "https://bot.example.com/telegram",
    WEBHOOK_SECRET: webhookSecret,
  }
  const cases: ReadonlyArray<{
    readonly name: string
    readonly config: Config.Config<unknown>
    readonly settings: Record<string, string>
    /** The setting the line must name. */
    readonly names: string
    /** A value that must not appear in the line. */
    readonly secret?: string
  }> = [
    { name: "BOT_TOKEN missing", config: botSettingsConfig, settings: {}, names: "BOT_TOKEN" },
    {
      name: "BOT_TOKEN malformed",
      config: botSettingsConfig,
      settings: { BOT_TOKEN: "123456789-AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" },
      names: "BOT_TOKEN",
      secret: "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    },
    {
      name: "TELEGRAM_API_ROOT without a scheme",
      config: botSettingsConfig,
      settings: { ...bot, TELEGRAM_API_ROOT: "api.telegram.org" },
      names: "TELEGRAM_API_ROOT",
    },
    {
      name: "TELEGRAM_API_ROOT not http(s)",
      config: botSettingsConfig,
      settings: { ...bot, TELEGRAM_API_ROOT: "ftp://api.telegram.org" },
      names: "TELEGRAM_API_ROOT",
    },
    {
      name: "BOT_MODE unknown",
      config: botSettingsConfig,
      settings: { ...bot, BOT_MODE: "push" },
      names: "BOT_MODE",
    },
    {
      name: "webhook mode without WEBHOOK_URL",
      config: botSettingsConfig,
      settings: { ...webhook, WEBHOOK_URL: "" },
      names: "WEBHOOK_URL",
      secret: webhookSecret,
    },
    {
      name: "webhook mode without WEBHOOK_SECRET",
      config: botSettingsConfig,
      settings: { ...webhook, WEBHOOK_SECRET: "" },
      names: "WEBHOOK_SECRET",
    },
    {
      name: "WEBHOOK_URL malformed",
      config: botSettingsConfig,
      settings: { ...webhook, WEBHOOK_URL: "bot.example.com/telegram" },
      names: "WEBHOOK_URL",
      secret: webhookSecret,
    },
    {
      name: "WEBHOOK_SECRET with characters Telegram refuses",
      config: botSettingsConfig,
      settings: { ...webhook, WEBHOOK_SECRET: "my webhook secret!" },
      names: "WEBHOOK_SECRET",
      secret: "my webhook secret!",
    },
    { name: "PORT 0", config: botSettingsConfig, settings: { ...bot, PORT: "0" }, names: "PORT" },
    {
      name: "PORT above 65535",
      config: botSettingsConfig,
      settings: { ...bot, PORT: "65536" },
      names: "PORT",
    },
    {
      name: "PORT not a number",
      config: botSettingsConfig,
      settings: { ...bot, PORT: "80a" },
      names: "PORT",
    },
    {
      name: "PORT a fraction",
      config: botSettingsConfig,
      settings: { ...bot, PORT: "8080.5" },
      names: "PORT",
    },
    {
      name: "BOT_DEFAULT_LOCALE unsupported",
      config: botSettingsConfig,
      settings: { ...bot, BOT_DEFAULT_LOCALE: "de" },
      names: "BOT_DEFAULT_LOCALE",
    },
    {
      name: "DATABASE_URL of another database",
      config: databaseSettingsConfig,
      settings: { DATABASE_URL: "mysql://user:secretpw@db.internal/connectbot" },
      names: "DATABASE_URL",
      secret: "secretpw",
    },
    {
      name: "DATABASE_URL not a URL",
      config: databaseSettingsConfig,
      settings: { DATABASE_URL: "host=db user=app password=secretpw" },
      names: "DATABASE_URL",
      secret: "secretpw",
    },
    {
      name: "REDIS_URL of another scheme",
      config: cacheSettingsConfig,
      settings: { REDIS_URL: "http://:secretpw@cache.internal:6379" },
      names: "REDIS_URL",
      secret: "secretpw",
    },
    {
      name: "REDIS_URL not a URL",
      config: cacheSettingsConfig,
      settings: { REDIS_URL: "cache.internal:6379 secretpw" },
      names: "REDIS_URL",
      secret: "secretpw",
    },
    {
      name: "CACHE_PREFIX with a glob character",
      config: cacheSettingsConfig,
      settings: { CACHE_PREFIX: "connectbot:*" },
      names: "CACHE_PREFIX",
    },
    {
      name: "CACHE_PREFIX with brackets",
      config: cacheSettingsConfig,
      settings: { CACHE_PREFIX: "cb[1]:" },
      names: "CACHE_PREFIX",
    },
    {
      name: "CACHE_PREFIX without a closing colon",
      config: cacheSettingsConfig,
      settings: { CACHE_PREFIX: "cb" },
      names: "CACHE_PREFIX",
    },
    {
      name: "TIME_ZONE unknown",
      config: botSettingsConfig,
      settings: { BOT_TOKEN: token, TIME_ZONE: "Moscow" },
      names: "TIME_ZONE",
    },
    {
      name: "LOG_LEVEL unknown",
      config: logLevelConfig,
      settings: { LOG_LEVEL: "verbose" },
      names: "LOG_LEVEL",
    },
    {
      name: "LOG_LEVEL naming an Object property",
      config: logLevelConfig,
      settings: { LOG_LEVEL: "constructor" },
      names: "LOG_LEVEL",
    },
    {
      name: "LOG_LEVEL __proto__",
      config: logLevelConfig,
      settings: { LOG_LEVEL: "__proto__" },
      names: "LOG_LEVEL",
    },
  ]

  for (const { name, config, settings, names, secret } of cases) {
    it.effect(name, () =>
      Effect.gen(function* () {
        const line = yield* failureLine(config, settings)
        expect(line).toMatch(/^(Missing|Invalid) setting [A-Z_]+\b/)
        expect(line).toContain(names)
        expect(line).not.toMatch(/[\n;]/) // one line, one problem
        if (secret !== undefined) expect(line).not.toContain(secret)
      }),
    )
  }
})

describe("several settings at fault", () => {
  it.effect("are all named, one line each", () =>
    Effect.gen(function* () {
      const text = yield* failureLine(botSettingsConfig, {
        TELEGRAM_API_ROOT: "telegram",
        BOT_MODE: "push",
        PORT: "http",
        BOT_DEFAULT_LOCALE: "fr",
      })
      const lines = text.split("\n")
      const settings = ["BOT_TOKEN", "TELEGRAM_API_ROOT", "BOT_MODE", "PORT", "BOT_DEFAULT_LOCALE"]
      expect(lines).toHaveLength(settings.length)
      for (const setting of settings) {
        expect(lines.filter((line) => line.includes(setting))).toHaveLength(1)
      }
      for (const line of lines) expect(line).toMatch(/^(Missing|Invalid) setting [A-Z_]+\b/)
    }),
  )

  it.effect("a malformed WEBHOOK_URL and a missing WEBHOOK_SECRET are named together", () =>
    Effect.gen(function* () {
      const line = yield* failureLine(botSettingsConfig, {
        BOT_TOKEN: token,
        BOT_MODE: "webhook",
        WEBHOOK_URL: "bot.example.com",
      })
      expect(line.split("\n")).toEqual([
        expect.stringMatching(/^Invalid setting WEBHOOK_URL: /),
        "Missing setting WEBHOOK_SECRET",
      ])
    }),
  )

  it.effect("across the sections of the app, without any secret", () =>
    Effect.gen(function* () {
      const line = yield* failureLine(
        Config.all([
          botSettingsConfig,
          databaseSettingsConfig,
          cacheSettingsConfig,
          logLevelConfig,
        ]),
        {
          BOT_TOKEN: "123:secrettoken",
          DATABASE_URL: "mysql://user:secretpw@db/connectbot",
          REDIS_URL: "memcached://:secretpw@cache",
          CACHE_PREFIX: "a b",
          LOG_LEVEL: "loud",
        },
      )
      for (const setting of [
        "BOT_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
        "CACHE_PREFIX",
        "LOG_LEVEL",
      ]) {
        expect(line.split("\n").filter((each) => each.includes(setting))).toHaveLength(1)
      }
      expect(line.split("\n")).toHaveLength(5)
      expect(line).not.toContain("secretpw")
      expect(line).not.toContain("secrettoken")
    }),
  )
})

describe("an entry point reads the sections it needs together", () => {
  // Each section's layer reads only its own settings; built one after another, the first to fail
  // stopped start-up and the settings at fault in later sections went unnamed.
  const allBad = {
    BOT_TOKEN: token,
    DATABASE_URL: "mysql://app:dbSecretPw@db.internal/connectbot",
    REDIS_URL: "memcached://:redisSecretPw@cache.internal",
    PORT: "nonsense",
  }

  it.effect("DATABASE_URL, REDIS_URL and PORT bad together are all named, one line each", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.withConfigProvider(
          checkSettings([databaseSettingsConfig, cacheSettingsConfig, botSettingsConfig]),
          ConfigProvider.fromMap(new Map(Object.entries(allBad))),
        ),
      )
      const line = describeConfigError(error)
      expect(line.split("\n")).toEqual([
        "Invalid setting DATABASE_URL: expected a postgres:// or postgresql:// URL",
        "Invalid setting REDIS_URL: expected a redis:// or rediss:// URL",
        "Invalid setting PORT: expected a port number 1-65535",
      ])
      for (const secret of ["dbSecretPw", "redisSecretPw", token]) {
        expect(line).not.toContain(secret)
      }
    }),
  )

  it.effect("a section the entry point does not need is not read", () =>
    Effect.gen(function* () {
      yield* Effect.withConfigProvider(
        checkSettings([databaseSettingsConfig]),
        ConfigProvider.fromMap(new Map([["REDIS_URL", "nonsense"]])),
      )
    }),
  )
})

/** `node --import tsx` as `npm start` runs it: one process, no test runner around it. */
const tsxLoader = pathToFileURL(Path.join(projectRoot, "node_modules/tsx/dist/loader.mjs")).href

/**
 * How an entry point is run: `npm start` in a process of its own (src/main.ts launches the bot
 * when imported); a script's command line in-process (src/cli/<name>/Commands.ts: the same
 * parsing, settings and layers), which spares seconds of tsx start-up. The scripts' own processes
 * are run by test/scripts/.
 */
type Entry =
  | { readonly _tag: "Process"; readonly path: string }
  | {
      readonly _tag: "Script"
      readonly script: string
      readonly cli: (
        argv: ReadonlyArray<string>,
      ) => Effect.Effect<void, unknown, NodeContext.NodeContext>
    }

/**
 * Runs `entry ...args` with exactly `settings` and the embedded database in a directory of its
 * own; says whether the database directory was created. A process runs in that directory, so
 * that no `.env` of the project can leak in; in-process runs read no `.env`.
 */
const runEntry = (entry: Entry, args: ReadonlyArray<string>, settings: Record<string, string>) =>
  Effect.gen(function* () {
    const cwd = yield* tempDir
    const dataDir = Path.join(cwd, "pg")
    const run = yield* entry._tag === "Script"
      ? runCliInProcess(entry.cli, entry.script, args, {
          EMBEDDED_DATABASE_DIR: dataDir,
          ...settings,
        })
      : runProcess(entry.path, args, cwd, { EMBEDDED_DATABASE_DIR: dataDir, ...settings })
    const databaseMade = yield* Effect.promise(() =>
      Fs.access(dataDir).then(
        () => true,
        () => false,
      ),
    )
    return { ...run, databaseMade }
  }).pipe(Effect.scoped)

const runProcess = (
  entry: string,
  args: ReadonlyArray<string>,
  cwd: string,
  settings: Record<string, string>,
) =>
  Effect.promise(
    () =>
      new Promise<ScriptRun>((resolve) => {
        execFile(
          process.execPath,
          ["--import", tsxLoader, Path.join(projectRoot, entry), ...args],
          {
            cwd,
            env: {
              PATH: process.env.PATH ?? "",
              HOME: process.env.HOME ?? cwd,
              NO_COLOR: "1",
              ...settings,
            },
            timeout: 45_000,
          },
          (error, stdout, stderr) =>
            resolve({
              code: error === null ? 0 : typeof error.code === "number" ? error.code : null,
              stdout,
              stderr,
            }),
        )
      }),
  )

const errorLinesOf = (run: ScriptRun) =>
  `${run.stdout}\n${run.stderr}`
    .split("\n")
    .filter((line) => /^Error:|level=ERROR|level=FATAL/.test(line))

describe("an entry point with several settings at fault names them all, exit 1", () => {
  const secrets = ["dbSecretPw", "redisSecretPw", "SECRET-token"]
  const allBad = {
    BOT_TOKEN: "123456789:SECRET-token-never-to-be-printed",
    DATABASE_URL: "nonsense://app:dbSecretPw@db.internal",
    REDIS_URL: "nonsense://:redisSecretPw@cache.internal",
    PORT: "nonsense",
  }
  const cases: ReadonlyArray<{
    readonly name: string
    readonly entry: Entry
    readonly args: ReadonlyArray<string>
    /** Settings at fault besides `allBad`. */
    readonly alsoBad?: Record<string, string>
    readonly named: ReadonlyArray<string>
    readonly notNamed: ReadonlyArray<string>
  }> = [
    {
      name: "npm start (src/main.ts): the database, cache and bot settings",
      entry: { _tag: "Process", path: "src/main.ts" },
      args: [],
      alsoBad: { BOT_MODE: "hook" },
      named: ["DATABASE_URL", "REDIS_URL", "PORT", "BOT_MODE"],
      notNamed: ["BOT_TOKEN"],
    },
    {
      name: "scripts/redis.ts warmup: the cache and database settings, not the bot's",
      entry: { _tag: "Script", script: "redis.ts", cli: redisCli },
      args: ["warmup"],
      named: ["REDIS_URL", "DATABASE_URL"],
      notNamed: ["PORT", "BOT_TOKEN"],
    },
    {
      name: "scripts/redis.ts clear --employee: the cache and database settings, not the bot's",
      entry: { _tag: "Script", script: "redis.ts", cli: redisCli },
      args: ["clear", "--employee", "1"],
      named: ["REDIS_URL", "DATABASE_URL"],
      notNamed: ["PORT", "BOT_TOKEN"],
    },
    {
      name: "scripts/db.ts migrate: only the database settings",
      entry: { _tag: "Script", script: "db.ts", cli: dbCli },
      args: ["migrate"],
      named: ["DATABASE_URL"],
      notNamed: ["REDIS_URL", "PORT", "BOT_TOKEN"],
    },
  ]

  for (const { name, entry, args, alsoBad, named, notNamed } of cases) {
    it.live(name, () =>
      Effect.gen(function* () {
        const run = yield* runEntry(entry, args, { ...allBad, ...alsoBad })
        expect(run.code).toBe(1)
        const errors = errorLinesOf(run)
        expect(errors).toHaveLength(named.length)
        for (const setting of named) {
          expect(
            errors.filter((line) => line.startsWith(`Error: Invalid setting ${setting}:`)),
          ).toHaveLength(1)
        }
        for (const setting of notNamed) expect(errors.join("\n")).not.toContain(setting)
        for (const secret of secrets) expect(run.stdout + run.stderr).not.toContain(secret)
        // Nothing was opened.
        expect(run.databaseMade).toBe(false)
      }),
    )
  }
})

describe("secrets never show when settings are printed", () => {
  it.effect("the bot token and the webhook secret", () =>
    Effect.gen(function* () {
      const settings = yield* read(botSettingsConfig, {
        BOT_TOKEN: token,
        BOT_MODE: "webhook",
        WEBHOOK_URL: "https://bot.example.com/telegram",
        WEBHOOK_SECRET: webhookSecret,
      })
      for (const text of renderings(settings)) {
        expect(text).not.toContain(token.split(":")[1])
        expect(text).not.toContain(webhookSecret)
      }
    }),
  )

  it.effect("the passwords in DATABASE_URL and REDIS_URL", () =>
    Effect.gen(function* () {
      const database = yield* read(databaseSettingsConfig, {
        DATABASE_URL: "postgres://app:dbSecretPw@db.internal:5432/connectbot",
      })
      const cache = yield* read(cacheSettingsConfig, {
        REDIS_URL: "redis://default:redisSecretPw@cache.internal:6379",
      })
      for (const text of renderings(database)) expect(text).not.toContain("dbSecretPw")
      for (const text of renderings(cache)) expect(text).not.toContain("redisSecretPw")
    }),
  )
})

describe("how the bot is started", () => {
  it.effect("the Dockerfile runs what npm start runs, node flags and all, with node as PID 1", () =>
    Effect.promise(async () => {
      const dockerfile = await Fs.readFile(Path.join(projectRoot, "Dockerfile"), "utf8")
      const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1]
      const flags = await startNodeFlags()
      expect(flags).toContain("--max-semi-space-size=64")
      expect(JSON.parse(cmd ?? "[]")).toEqual(["node", ...flags, "--import", "tsx", "src/main.ts"])
    }),
  )
})

describe("start-up: the bot or the playground", () => {
  it.effect("no BOT_TOKEN outside production starts the playground, and says why", () =>
    Effect.gen(function* () {
      expect(yield* read(startModeConfig, {})).toEqual({
        _tag: "Playground",
        reason: "no BOT_TOKEN is set",
      })
      expect(yield* read(startModeConfig, { BOT_TOKEN: "  ", NODE_ENV: "development" })).toEqual({
        _tag: "Playground",
        reason: "no BOT_TOKEN is set",
      })
    }),
  )

  it.effect("a BOT_TOKEN starts the bot; PLAYGROUND=1 starts the playground anyway", () =>
    Effect.gen(function* () {
      expect(yield* read(startModeConfig, { BOT_TOKEN: token })).toEqual({ _tag: "Bot" })
      for (const asked of ["1", "true"]) {
        expect(yield* read(startModeConfig, { BOT_TOKEN: token, PLAYGROUND: asked })).toEqual({
          _tag: "Playground",
          reason: "PLAYGROUND=1",
        })
      }
      expect(yield* read(startModeConfig, { PLAYGROUND: "0", BOT_TOKEN: token })).toEqual({
        _tag: "Bot",
      })
    }),
  )

  it.effect("in production a missing token still stops start-up, naming it", () =>
    Effect.gen(function* () {
      expect(yield* read(startModeConfig, { NODE_ENV: "production" })).toEqual({ _tag: "Bot" })
      expect(yield* failureLine(botSettingsConfig, { NODE_ENV: "production" })).toContain(
        "Missing setting BOT_TOKEN",
      )
    }),
  )

  it.effect("PLAYGROUND=1 in production, or a PLAYGROUND that is no switch, is refused", () =>
    Effect.gen(function* () {
      expect(
        yield* failureLine(startModeConfig, { NODE_ENV: "production", PLAYGROUND: "1" }),
      ).toContain(
        "Invalid setting PLAYGROUND: the playground is not allowed when NODE_ENV=production: its page has no login",
      )
      expect(yield* failureLine(startModeConfig, { PLAYGROUND: "yes" })).toContain(
        "Invalid setting PLAYGROUND: expected 1, true, 0 or false",
      )
    }),
  )

  it.effect("the playground has its own embedded database unless one is named", () =>
    Effect.gen(function* () {
      expect((yield* read(playgroundDatabaseConfig, {})).embeddedDir).toBe("./.data/playground")
      const named = yield* read(playgroundDatabaseConfig, {
        EMBEDDED_DATABASE_DIR: "/tmp/pg",
        DATABASE_URL: "postgres://u:p@db/x",
      })
      expect(named).toEqual({ url: Option.none(), embeddedDir: "/tmp/pg" })
    }),
  )
})
