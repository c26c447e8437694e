/**
 * Calls to the Bot API as Effects. A 429 is waited out for as long as Telegram's `retry_after`
 * says (bounded), then the call is repeated; every other failure is a typed `TelegramError` that
 * the caller can recognise ("message is not modified", an expired callback query).
 */
import { Data, Duration, Effect, Schedule } from "effect"
import { type Api, GrammyError, HttpError } from "grammy"
import { describeCause } from "../domain/Errors"

/** grammY types its signal after the `abort-controller` polyfill; at run time it is Node's own. */
export type ApiSignal = NonNullable<Parameters<Api["getMe"]>[0]>

export class TelegramError extends Data.TaggedError("TelegramError")<{
  readonly method: string
  /** Telegram's error code; `null` when Telegram could not be reached. */
  readonly code: number | null
  readonly description: string
  readonly retryAfter: number | null
  /** grammY's error for Telegram's answers; none for network errors, whose texts quote the URL. */
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.method}: ${this.code === null ? "" : `${this.code} `}${this.description}`
  }
}

/** Request URLs carry the token (`/bot<token>/getMe`); error texts that quote them must not. */
const withoutToken = (text: string): string => text.replace(/bot\d+:[A-Za-z0-9_-]+/g, "bot<token>")

const toTelegramError = (method: string, cause: unknown): TelegramError =>
  cause instanceof GrammyError
    ? new TelegramError({
        method,
        code: cause.error_code,
        description: withoutToken(cause.description),
        retryAfter: cause.parameters.retry_after ?? null,
        cause,
      })
    : new TelegramError({
        method,
        code: null,
        description: withoutToken(
          cause instanceof HttpError
            ? `network error: ${describeCause(cause.error)}`
            : cause instanceof Error
              ? cause.message
              : String(cause),
        ),
        retryAfter: null,
      })

/** Retries after a 429 at most this many times, waiting at most `maxRetryAfter` each time. */
const maxRetries = 5
const maxRetryAfter = Duration.seconds(60)

/**
 * Repeats a call refused with a 429 after the wait Telegram asked for, bounded; any other
 * failure ends the retries at once. The warning is logged where the delay is set, because that
 * step runs only when another attempt follows (a tap on the output would also log the last,
 * unretried 429).
 */
const afterThrottling = (method: string) =>
  Schedule.recurWhile<TelegramError>((error) => error.code === 429).pipe(
    Schedule.intersect(Schedule.recurs(maxRetries)),
    Schedule.modifyDelayEffect(([error]) => {
      const wait = Duration.min(Duration.seconds(error.retryAfter ?? 1), maxRetryAfter)
      return Effect.as(
        Effect.logWarning(
          `Telegram asks to slow down (${method}); retrying in ${Duration.format(wait)}`,
        ),
        wait,
      )
    }),
  )

/**
 * One Bot API call that leaves a 429 to the caller: the `TelegramError` carries `retryAfter`, and
 * the caller schedules the next attempt itself (the outbox keeps it in the row, where every
 * process sees it, instead of waiting in line). The AbortSignal ends the HTTP request when the
 * fiber is interrupted (shutdown), so nothing waits on a request nobody wants.
 */
export const callApiOnce = <A>(
  method: string,
  call: (signal: ApiSignal) => Promise<A>,
): Effect.Effect<A, TelegramError> =>
  Effect.tryPromise({
    try: (signal) => call(signal as unknown as ApiSignal),
    catch: (cause) => toTelegramError(method, cause),
  }).pipe(Effect.withSpan(`Telegram.${method}`, { captureStackTrace: false }))

/** One Bot API call; a 429 is waited out as Telegram asks (bounded), then the call repeated. */
export const callApi = <A>(
  method: string,
  call: (signal: ApiSignal) => Promise<A>,
): Effect.Effect<A, TelegramError> =>
  callApiOnce(method, call).pipe(Effect.retry(afterThrottling(method)))

/** An edit that would change nothing: the screen already shows what we meant to show. */
export const isNotModified = (error: TelegramError): boolean =>
  error.code === 400 && error.description.includes("message is not modified")

/** A callback query answered too late (or twice): the button's spinner is gone anyway. */
export const isQueryTooOld = (error: TelegramError): boolean =>
  error.code === 400 &&
  (error.description.includes("query is too old") ||
    error.description.includes("query ID is invalid"))

/** The message to edit is gone or too old to edit: send a new one instead. */
export const isMessageUneditable = (error: TelegramError): boolean =>
  error.code === 400 &&
  (error.description.includes("message to edit not found") ||
    error.description.includes("message can't be edited"))
