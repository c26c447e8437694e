import { PlatformConfigProvider } from "@effect/platform"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, ConfigError, Data, Effect, FiberRef, HashSet, Layer, Logger, Option } from "effect"
import { configProblems, logLevelConfig } from "../config"

/** Ops scripts print plain lines: log messages go to stderr, results to stdout. */
const plainLogger = Logger.make(({ message }) => {
  const parts = Array.isArray(message) ? message : [message]
  process.stderr.write(`${parts.map(String).join(" ")}\n`)
})

/** A command line that @effect/cli rejected: it printed why, with the usage (`CommandLine.ts`). */
export class RejectedCommandLine extends Data.TaggedError("RejectedCommandLine") {}

/** What an operator reads when a command fails: one line, or one per setting at fault. */
export const describeFailure = (error: unknown): string | undefined => {
  if (error instanceof RejectedCommandLine) return undefined
  if (ConfigError.isConfigError(error)) return configProblems(error).join("\n")
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const message = (error as { message?: unknown }).message
    const text = typeof message === "string" && message !== "" ? message : String(error._tag)
    return error._tag === "DatabaseError" ? `Database error: ${text}` : text
  }
  if (error instanceof Error) return error.message || error.name
  return String(error)
}

/**
 * Runs an ops script: settings from the environment, then `.env` as a fallback; a typed failure
 * becomes one line on stderr (one per setting at fault) and exit code 1.
 */
export const runScript = <A, E>(
  program: Effect.Effect<A, E, NodeContext.NodeContext>,
  options: {
    /** Plain lines by default; a long-running service wants times and annotations (logfmt). */
    readonly logger?: Logger.Logger<unknown, void>
  } = {},
): void => {
  program.pipe(
    Effect.provide(Layer.unwrapEffect(Effect.map(logLevelConfig, Logger.minimumLogLevel))),
    // Only this logger: runMain would otherwise add its pretty one to stdout.
    Effect.locally(FiberRef.currentLoggers, HashSet.make(options.logger ?? plainLogger)),
    // runMain reports nothing (disableErrorReporting), so a defect is printed here too: a bug must
    // not end the script with exit code 1 and no word. Interruption (Ctrl-C) prints nothing.
    Effect.tapErrorCause((cause) =>
      Effect.sync(() => {
        const failure = Cause.failureOption(cause)
        const line = Option.isSome(failure)
          ? describeFailure(failure.value)
          : Cause.isInterruptedOnly(cause)
            ? undefined
            : `unexpected defect (a bug): ${Cause.pretty(cause)}`
        if (line === undefined) return
        // Several settings at fault: an `Error:` line for each.
        const lines =
          Option.isSome(failure) && ConfigError.isConfigError(failure.value)
            ? line.split("\n")
            : [line]
        for (const each of lines) process.stderr.write(`Error: ${each}\n`)
      }),
    ),
    Effect.provide(PlatformConfigProvider.layerDotEnvAdd(".env")),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disableErrorReporting: true }),
  )
}
