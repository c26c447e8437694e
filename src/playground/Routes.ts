/**
 * The playground's routes under `/playground` (docs/playground.md, PageApi.ts): the page, and the
 * API it acts through. A request that does not decode is answered 400 with what was expected and
 * changes nothing. The routes close over their services, taken once when the layer is built.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Deferred, Effect, Option, ParseResult, Schema, Stream } from "effect"
import type { DatabaseError } from "../domain/Errors"
import type { BotApiService, ChatEvent } from "./BotApi"
import {
  ClockRequest,
  type PeopleResponse,
  type Person,
  PressRequest,
  SendRequest,
  StepRequest,
} from "./PageApi"
import type { PanelService } from "./Panel"

/** One file of the page, built when the server starts. */
export interface PageAsset {
  /** Under /playground: "/" for the page itself, "/app.js", "/style.css". */
  readonly path: `/${string}`
  readonly contentType: string
  readonly body: string
  readonly etag: string
}

export interface RouteServices {
  /** Done when the server is closing: every event stream ends then. */
  readonly closing: Deferred.Deferred<void>
  readonly botApi: BotApiService
  readonly panel: PanelService
  readonly people: Effect.Effect<ReadonlyArray<Person>, DatabaseError>
  readonly assets: ReadonlyArray<PageAsset>
}

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })
const badRequest = (error: string) => json({ error }, 400)

/** The first problem of a request that did not decode, for a person to read. */
const explain = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ")

const UserQuery = Schema.Struct({
  user: Schema.NumberFromString.pipe(Schema.int(), Schema.positive()),
})

const body = <A, I>(schema: Schema.Schema<A, I>) =>
  HttpServerRequest.schemaBodyJson(schema).pipe(
    Effect.catchTags({
      ParseError: (error) => Effect.fail(badRequest(explain(error))),
      RequestError: () => Effect.fail(badRequest("the body is not JSON")),
    }),
  )

const userQuery = HttpServerRequest.schemaSearchParams(UserQuery).pipe(
  Effect.mapError(() => badRequest("expected ?user= and a Telegram user id")),
)

/**
 * A handler whose early answer (a 400) comes as its failure; the database away is a 503 that says
 * so, and the page shows it.
 */
const answering = <R>(
  handler: Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    HttpServerResponse.HttpServerResponse | DatabaseError,
    R
  >,
) =>
  Effect.catchAll(handler, (early) =>
    Effect.succeed(
      HttpServerResponse.isServerResponse(early)
        ? early
        : json({ error: `the database did not answer: ${early.message}` }, 503),
    ),
  )

const chatOf = (event: ChatEvent) => (event._tag === "Message" ? event.entry.chatId : event.chatId)

const sse = (event: string | undefined, data: unknown) =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`

export const router = ({ closing, botApi, panel, people, assets }: RouteServices) => {
  /**
   * The chat's changes and the panel's as server-sent events. The first event (`chat`) is the
   * chat as it is once the subscription holds, so that nothing falls between a page's load and
   * its first change.
   */
  const events = (chatId: number) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const chatChanges = yield* botApi.subscribe
        const panelChanges = yield* panel.subscribe
        const snapshot = yield* botApi.chat(chatId)
        return Stream.make(sse("chat", snapshot)).pipe(
          Stream.concat(
            Stream.merge(
              Stream.fromQueue(chatChanges).pipe(
                Stream.filter((event) => chatOf(event) === chatId),
                Stream.map((event) => sse(undefined, event)),
              ),
              Stream.fromQueue(panelChanges).pipe(Stream.map((state) => sse("panel", state))),
            ),
          ),
        )
      }),
    ).pipe(Stream.interruptWhen(Deferred.await(closing)), Stream.encodeText)

  const api = HttpRouter.empty.pipe(
    HttpRouter.get(
      "/people",
      answering(Effect.map(people, (list) => json({ people: list } satisfies PeopleResponse))),
    ),
    HttpRouter.get(
      "/chat",
      answering(
        Effect.flatMap(userQuery, ({ user }) =>
          Effect.map(botApi.chat(user), (state) => json(state)),
        ),
      ),
    ),
    HttpRouter.get(
      "/events",
      answering(
        Effect.map(userQuery, ({ user }) =>
          HttpServerResponse.stream(events(user), {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-store", "x-accel-buffering": "no" },
          }),
        ),
      ),
    ),
    HttpRouter.post(
      "/send",
      answering(
        Effect.flatMap(body(SendRequest), ({ user, text }) =>
          Effect.map(botApi.sendText(user, text), (entry) => json({ entry })),
        ),
      ),
    ),
    HttpRouter.post(
      "/press",
      answering(
        Effect.flatMap(body(PressRequest), ({ user, messageId, data }) =>
          Effect.map(botApi.press(user, messageId, data), (answer) =>
            json({ answer: Option.getOrNull(answer) }),
          ),
        ),
      ),
    ),
    HttpRouter.get("/panel", answering(Effect.map(panel.state, (state) => json(state)))),
    HttpRouter.post(
      "/rounds/step",
      answering(
        Effect.flatMap(body(StepRequest), ({ interest }) =>
          panel.runStep(interest).pipe(
            Effect.map((answer) => json(answer)),
            Effect.catchTag("NotAMatchingInterest", (error) =>
              Effect.succeed(badRequest(error.message)),
            ),
          ),
        ),
      ),
    ),
    HttpRouter.post(
      "/clock",
      answering(
        Effect.flatMap(body(ClockRequest), ({ days }) =>
          Effect.map(panel.moveClock(days), (state) => json(state)),
        ),
      ),
    ),
  )

  const page = assets.reduce(
    (routes, asset) =>
      HttpRouter.get(
        routes,
        asset.path,
        Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
          request.headers["if-none-match"] === asset.etag
            ? HttpServerResponse.empty({ status: 304, headers: { etag: asset.etag } })
            : HttpServerResponse.text(asset.body, {
                contentType: asset.contentType,
                headers: { etag: asset.etag, "cache-control": "no-cache" },
              }),
        ),
      ),
    HttpRouter.empty,
  )

  return page.pipe(HttpRouter.mount("/api", api))
}
