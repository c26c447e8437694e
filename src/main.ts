/**
 * `npm start`: the bot. Settings from the environment (then `.env`); a missing or malformed one
 * stops start-up with one line naming it. Ctrl-C or SIGTERM closes the layers: updates stop
 * coming, the ones in flight finish, then the connections close.
 */
import { Effect, Layer, Logger } from "effect"
import { MainLive } from "./App"
import { runScript } from "./cli/Cli"

runScript(Layer.launch(MainLive).pipe(Effect.asVoid), {
  logger: Logger.withLeveledConsole(Logger.logfmtLogger),
})
