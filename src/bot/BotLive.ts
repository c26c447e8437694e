/**
 * The bot in a scoped layer. Each update, checked once at the edge (`decodeUpdate`), is read into
 * the bot's own input (`inputOf`) and its flow (`Flows.respond`) runs as one Effect in the bot's
 * set of fibers, with the errors handled in one place: a database outage → "temporarily
 * unavailable", a defect → logged, and a short apology. One user's updates run in arrival order
 * (`InOrder`, the bot's own per-user queue), different users concurrently. grammY is the Bot API client.
 *
 * Transport: in polling mode the layer runs the getUpdates loop in its scope; in webhook mode
 * it registers the webhook and the HTTP server hands it the updates. Closing the scope stops
 * taking updates first, then waits for the ones in flight, then interrupts what is left.
 */
import {
  Cause,
  Data,
  Duration,
  Effect,
  Either,
  Exit,
  FiberSet,
  Layer,
  Metric,
  Option,
  Redacted,
  Ref,
} from "effect"
import { Api } from "grammy"
import type { InlineKeyboardMarkup } from "grammy/types"
import { BotConfig } from "../config"
import { TelegramId } from "../domain/Ids"
import { Bot, decodeUpdate, type TelegramUpdate, type WebhookReply } from "./Bot"
import { observeUpdate, updateKind, updatesRedelivered } from "./BotMetrics"
import { makeFlows, type Reply } from "./Flows"
import { makeInOrder } from "./InOrder"
import { type Addressed, inputOf, senderOf } from "./Input"
import { localeOf, messagesFor } from "./Messages"
import { allowedUpdates, pollUpdates } from "./Polling"
import { callApi, isMessageUneditable, isNotModified, isQueryTooOld } from "./Telegram"
import { cutAt } from "./Views"

/** The bot could not start: Telegram refused the token or could not be reached. */
export class BotStartError extends Data.TaggedError("BotStartError")<{
  readonly reason: string
  readonly cause: unknown
}> {
  override get message(): string {
    return this.reason
  }
}

/** How long shutdown waits for updates in flight before interrupting them. */
const drainTimeout = Duration.seconds(10)

/** Telegram's limit for a message; longer texts (a long description) are cut, not refused. */
const maxMessageLength = 4096
const withinLimit = (text: string): string =>
  text.length <= maxMessageLength ? text : `${cutAt(text, maxMessageLength - 1)}…`

const make = Effect.gen(function* () {
  const config = yield* BotConfig
  // One user's updates run one after another, in arrival order; different users concurrently.
  const inOrder = yield* makeInOrder<TelegramId>()
  // The flows, made once with their services; each update's flow runs on the bot's fibers.
  const { respond } = yield* makeFlows
  const api = new Api(Redacted.value(config.token), { apiRoot: config.apiRoot })

  const me = yield* callApi("getMe", (signal) => api.getMe(signal)).pipe(
    Effect.mapError(
      (error) =>
        new BotStartError({
          reason:
            error.code === 401 || error.code === 404
              ? "Telegram did not accept BOT_TOKEN: check the token from @BotFather"
              : `Cannot reach the Telegram Bot API at ${config.apiRoot}: ${error.description}`,
          cause: error,
        }),
    ),
  )
  yield* Effect.logInfo(`Bot @${me.username} connected to ${config.apiRoot}`)

  // The command menu in both languages; a failure here costs a hint in the UI, not the bot.
  yield* Effect.forEach(
    [undefined, "ru", "en"] as const,
    (languageCode) =>
      callApi("setMyCommands", (signal) =>
        api.setMyCommands(
          [...messagesFor(languageCode ?? config.defaultLocale).commands],
          languageCode === undefined ? {} : { language_code: languageCode },
          signal,
        ),
      ),
    { discard: true },
  ).pipe(Effect.catchAll((error) => Effect.logWarning(`Could not set the command menu: ${error}`)))

  /** Runs one update's flow and answers for it: every error ends here, as a reply or a log. */
  const serve = (update: TelegramUpdate, { incoming, chatId, query }: Addressed) =>
    Effect.gen(function* () {
      const t = messagesFor(localeOf(incoming.from.languageCode, config.defaultLocale))
      // A button press is answered exactly once, at the end, with the last notice given.
      const answer: { text?: string; show_alert?: boolean } = {}

      const send = (text: string, keyboard?: InlineKeyboardMarkup) =>
        callApi("sendMessage", (signal) =>
          api.sendMessage(
            chatId,
            withinLimit(text),
            keyboard === undefined ? {} : { reply_markup: keyboard },
            signal,
          ),
        ).pipe(Effect.asVoid)

      const pressed = query?.message
      const reply: Reply = {
        show: (view) =>
          pressed === undefined
            ? send(view.text, view.keyboard)
            : callApi("editMessageText", (signal) =>
                api.editMessageText(
                  pressed.chatId,
                  pressed.messageId,
                  withinLimit(view.text),
                  { reply_markup: view.keyboard },
                  signal,
                ),
              ).pipe(
                Effect.asVoid,
                Effect.catchIf(isNotModified, () => Effect.void),
                Effect.catchIf(isMessageUneditable, () => send(view.text, view.keyboard)),
              ),
        notice: (text, options) =>
          query === undefined
            ? send(text)
            : Effect.sync(() => {
                answer.text = text
                answer.show_alert = options?.alert ?? false
              }),
      }

      // A repeated delivery was answered the first time.
      let repeated = false
      /** The answer to the button press, as the Bot API's parameters; none for a message. */
      const queryAnswer = () => {
        if (query === undefined || repeated) return undefined
        const { text, show_alert } = answer
        return {
          callback_query_id: query.id,
          ...(text === undefined
            ? {}
            : { text: text.slice(0, 200), show_alert: show_alert ?? false }),
        }
      }
      // Webhook mode: the answer goes back in the webhook's response (Telegram makes the call).
      // Polling: there is no response to carry it; a call of its own.
      const answerQuery =
        config.transport._tag === "Webhook"
          ? Effect.sync((): WebhookReply | undefined => {
              const parameters = queryAnswer()
              return parameters === undefined
                ? undefined
                : { method: "answerCallbackQuery", ...parameters }
            })
          : Effect.suspend(() => {
              const parameters = queryAnswer()
              if (parameters === undefined) return Effect.succeed(undefined)
              const { callback_query_id, ...options } = parameters
              return callApi("answerCallbackQuery", (signal) =>
                api.answerCallbackQuery(callback_query_id, options, signal),
              ).pipe(
                Effect.catchIf(isQueryTooOld, () => Effect.void),
                Effect.catchAll((error) =>
                  Effect.logWarning(`Could not answer a button press: ${error}`),
                ),
                Effect.as(undefined),
              )
            })

      return yield* respond(incoming, reply).pipe(
        Effect.flatMap((outcome) => {
          if (outcome === "handled") return Effect.void
          repeated = true
          return Effect.logInfo(`Update ${update.update_id} delivered again: already handled`).pipe(
            Effect.zipRight(Metric.increment(updatesRedelivered)),
          )
        }),
        observeUpdate(updateKind(update)),
        Effect.catchTag("DatabaseError", (error) =>
          Effect.logWarning(`Database unavailable: ${error.message}`).pipe(
            Effect.zipRight(reply.notice(t.unavailable)),
          ),
        ),
        Effect.catchAllDefect((defect) =>
          Effect.logError("Update failed (a bug)", Cause.die(defect)).pipe(
            Effect.zipRight(reply.notice(t.apology)),
          ),
        ),
        // Telegram refused a reply (the user blocked the bot, Telegram is down): nobody to tell.
        Effect.catchTag("TelegramError", (error) =>
          Effect.logWarning(`Telegram refused a reply: ${error.message}`),
        ),
        Effect.catchAllDefect((defect) =>
          Effect.logError("Update failed, and so did the apology", Cause.die(defect)),
        ),
        // Every path above ends here, so the press is answered whatever happened.
        Effect.zipRight(answerQuery),
        Effect.annotateLogs({ update: update.update_id, user: incoming.from.telegramId }),
      )
    })

  // The next update to take (polling). Stopping, the bot confirms what it took to Telegram, so a
  // restart does not receive (and apply) the same presses again.
  const nextOffset = yield* Ref.make(0)
  if (config.transport._tag === "Polling") {
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Ref.get(nextOffset), (offset) =>
        offset === 0
          ? Effect.void
          : callApi("getUpdates", (signal) =>
              api.getUpdates({ offset, limit: 1, timeout: 0 }, signal),
            ).pipe(
              Effect.timeout(Duration.seconds(5)),
              Effect.catchAll(() =>
                Effect.logWarning("Could not confirm the last updates; Telegram may resend them"),
              ),
            ),
      ),
    )
  }

  // Updates in flight; shutdown waits for them before the scope closes the rest, and interrupts
  // what still runs after `drainTimeout` (the set's own finalizer, which runs after this one).
  const inFlight = yield* FiberSet.make()
  yield* Effect.addFinalizer(() =>
    FiberSet.size(inFlight).pipe(
      Effect.flatMap((count) =>
        count === 0
          ? Effect.void
          : Effect.logInfo(`Finishing ${count} update(s) in flight`).pipe(
              Effect.zipRight(FiberSet.awaitEmpty(inFlight)),
              Effect.timeout(drainTimeout),
              Effect.catchAll(() =>
                Effect.logWarning("Updates still running at shutdown: interrupting them"),
              ),
            ),
      ),
    ),
  )

  /** Runs the update in its user's queue, after the ones that user sent before. */
  const work = (update: TelegramUpdate) => {
    const addressed = inputOf(update, me.username)
    if (Option.isNone(addressed)) return Effect.succeed(undefined)
    const sender = senderOf(update)
    const flow = serve(update, addressed.value)
    return sender === undefined ? flow : inOrder.run(TelegramId.make(sender))(flow)
  }

  // Run in the bot's own set, so that a webhook request that goes away does not cut it short.
  const handleUpdate = (update: TelegramUpdate): Effect.Effect<WebhookReply | undefined> =>
    FiberSet.run(inFlight, work(update)).pipe(
      Effect.flatMap((fiber) => fiber.await),
      // Interrupted (the process stopping): no answer; Telegram sends the update again.
      Effect.map(Exit.getOrElse(() => undefined)),
      Effect.withSpan("Bot.handleUpdate", {
        attributes: { "telegram.update_id": update.update_id },
        captureStackTrace: false,
      }),
    )

  if (config.transport._tag === "Polling") {
    yield* callApi("deleteWebhook", (signal) => api.deleteWebhook({}, signal)).pipe(
      Effect.catchAll((error) => Effect.logWarning(`Could not delete the webhook: ${error}`)),
    )
    yield* Effect.forkScoped(
      pollUpdates(api, nextOffset, (raw) =>
        Either.match(decodeUpdate(raw), {
          onLeft: (invalid) =>
            Effect.logWarning(`Ignored update ${String(invalid.updateId)}: ${invalid.message}`),
          onRight: (update) => FiberSet.run(inFlight, work(update)),
        }),
      ),
    )
    yield* Effect.logInfo("Taking updates by long polling")
  } else {
    const { url, secret } = config.transport
    yield* callApi("setWebhook", (signal) =>
      api.setWebhook(
        url.toString(),
        { secret_token: Redacted.value(secret), allowed_updates: [...allowedUpdates] },
        signal,
      ),
    ).pipe(
      Effect.mapError(
        (error) =>
          new BotStartError({
            reason: `Telegram refused the webhook: ${error.description}`,
            cause: error,
          }),
      ),
    )
    yield* Effect.logInfo(`Taking updates by webhook at ${url.origin}${url.pathname}`)
  }

  return Bot.of({ username: me.username, handleUpdate })
})

export const layer = Layer.scoped(Bot, make)
