/**
 * `npm start`: the bot, or — with no BOT_TOKEN outside production, or PLAYGROUND=1 — the
 * playground: the same bot against a built-in Telegram, with a page to talk to it
 * (docs/playground.md). Settings from the environment (then `.env`); missing or malformed ones
 * stop start-up with one line naming every one of them, before anything is opened. Ctrl-C or
 * SIGTERM closes the layers: updates stop coming, the ones in flight finish, then the
 * connections close.
 */
import { Effect, Layer, Logger } from "effect"
import { MainLive } from "./App"
import { runScript } from "./cli/Cli"
import {
  botSettingsConfig,
  cacheSettingsConfig,
  checkSettings,
  databaseSettingsConfig,
  playgroundBotSettingsConfig,
  playgroundDatabaseConfig,
  startModeConfig,
} from "./config"
import { notificationsSettingsConfig } from "./notifications/NotificationsSettings"
import * as BotApi from "./playground/BotApiLayer"
import { buildPageAssets } from "./playground/PageAssets"
import * as Playground from "./playground/Playground"
import { playgroundRoundsSettingsConfig, roundsSettingsConfig } from "./rounds/RoundsSettings"
import { otlpEndpointConfig } from "./telemetry/Tracing"

const start = Effect.gen(function* () {
  const mode = yield* startModeConfig
  if (mode._tag === "Bot") {
    // MainLive reads these one section at a time: the first bad one would hide the others.
    yield* checkSettings([
      databaseSettingsConfig,
      cacheSettingsConfig,
      botSettingsConfig,
      roundsSettingsConfig,
      notificationsSettingsConfig,
      otlpEndpointConfig,
    ])
    return yield* Layer.launch(MainLive)
  }
  yield* checkSettings([
    playgroundDatabaseConfig,
    cacheSettingsConfig,
    playgroundBotSettingsConfig,
    playgroundRoundsSettingsConfig,
    notificationsSettingsConfig,
    otlpEndpointConfig,
  ])
  return yield* Layer.launch(
    Playground.layer({ reason: mode.reason, botApi: BotApi.layer, assets: buildPageAssets }),
  )
})

runScript(Effect.asVoid(start), { logger: Logger.withLeveledConsole(Logger.logfmtLogger) })
