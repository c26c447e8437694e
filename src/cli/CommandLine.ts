/**
 * The scripts' command lines (@effect/cli), kept apart from `Cli.ts` so that the bot's own start
 * (`src/main.ts`, which has no command line) does not load @effect/cli and its YAML parser.
 */
import { type CliApp, Command, ValidationError } from "@effect/cli"
import { Effect } from "effect"
import { RejectedCommandLine } from "./Cli"

/**
 * `Command.run`, with a command line it rejects (which it has printed, with the usage) failing as
 * `RejectedCommandLine`: `runScript` then adds no line of its own, and exits with code 1.
 */
export const commandLine =
  <Name extends string, R, E, A>(
    command: Command.Command<Name, R, E, A>,
    config: Omit<CliApp.CliApp.ConstructorArgs<never>, "command">,
  ) =>
  (argv: ReadonlyArray<string>) =>
    Command.run(
      command,
      config,
    )(argv).pipe(Effect.catchIf(ValidationError.isValidationError, () => new RejectedCommandLine()))
