/**
 * `npm start`: the bot. Settings from the environment (then `.env`); missing or malformed ones
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
  notificationsSettingsConfig,
  roundsSettingsConfig,
} from "./config"
import { otlpEndpointConfig } from "./telemetry/Tracing"

runScript(
  Effect.zipRight(
    // MainLive reads these one section at a time: the first bad one would hide the others.
    checkSettings([
      databaseSettingsConfig,
      cacheSettingsConfig,
      botSettingsConfig,
      roundsSettingsConfig,
      notificationsSettingsConfig,
      otlpEndpointConfig,
    ]),
    Layer.launch(MainLive),
  ).pipe(Effect.asVoid),
  { logger: Logger.withLeveledConsole(Logger.logfmtLogger) },
)
