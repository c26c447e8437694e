/**
 * Reading a Bot API request as Telegram does: the parameters (query, form or JSON), the checks of
 * keyboards and texts, and the failures with Telegram's codes and texts.
 */

import type * as Http from "node:http"
import { text } from "node:stream/consumers"
import { Schema } from "effect"
import type { InlineKeyboardMarkup, MessageEntity } from "grammy/types"
import { parseHtml } from "./BotApiHtml"

export type ApiResponse =
  | { readonly ok: true; readonly result: unknown }
  | {
      readonly ok: false
      readonly error_code: number
      readonly description: string
      readonly parameters?: { readonly retry_after: number }
    }

/** A failure answered to the bot, thrown out of a method's handler. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description)
  }
}

export const badRequest = (description: string) => new ApiError(400, `Bad Request: ${description}`)
export const conflict = (description: string) => new ApiError(409, `Conflict: ${description}`)

export const failureOf = (error: ApiError): ApiResponse => ({
  ok: false,
  error_code: error.code,
  description: error.description,
  ...(error.retryAfter === undefined ? {} : { parameters: { retry_after: error.retryAfter } }),
})

/** A bug in a method is the caller's 500, not the server's end. */
export const internalError = (error: unknown): ApiResponse =>
  failureOf(
    new ApiError(
      500,
      `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`,
    ),
  )

export type Params = Readonly<Record<string, unknown>>

export const integerParam = (params: Params, name: string): number | undefined => {
  const value = params[name]
  if (value === undefined || value === null || value === "") return undefined
  const number = typeof value === "string" ? Number(value.trim()) : value
  if (typeof number !== "number" || !Number.isSafeInteger(number)) {
    throw badRequest(`field "${name}" must be an Integer`)
  }
  return number
}

export const stringParam = (params: Params, name: string): string | undefined => {
  const value = params[name]
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined
}

export const booleanParam = (params: Params, name: string): boolean => {
  const value = params[name]
  return value === true || value === "true" || value === "1" || value === 1
}

/** Structured params come as JSON strings in forms and queries, as objects in JSON bodies. */
export const jsonParam = (params: Params, name: string, complaint: string): unknown => {
  const value = params[name]
  if (typeof value !== "string") return value
  try {
    return JSON.parse(value)
  } catch {
    throw badRequest(complaint)
  }
}

export const markupParam = (params: Params): unknown =>
  jsonParam(params, "reply_markup", "can't parse reply keyboard markup JSON object")

const InlineButton = Schema.Struct({
  text: Schema.String,
  callback_data: Schema.optional(Schema.Unknown),
})
const InlineKeyboard = Schema.Struct({
  inline_keyboard: Schema.Array(Schema.Array(InlineButton)),
})
const ReplyKeyboard = Schema.Struct({
  keyboard: Schema.Array(
    Schema.Array(Schema.Union(Schema.String, Schema.Struct({ text: Schema.String }))),
  ),
})
const RemoveKeyboard = Schema.Struct({ remove_keyboard: Schema.Literal(true) })
export const Commands = Schema.Array(
  Schema.Struct({ command: Schema.String, description: Schema.String }),
)

const buttonActions = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
]

/** The message's inline keyboard (none if empty), checked as Telegram checks it. */
export const inlineKeyboardParam = (params: Params): InlineKeyboardMarkup | undefined => {
  const markup = markupParam(params)
  if (!Schema.is(InlineKeyboard)(markup)) return undefined
  const buttons = markup.inline_keyboard.flat()
  for (const button of buttons) {
    if (!buttonActions.some((action) => action in button)) {
      throw badRequest("text buttons are unallowed in the inline keyboard")
    }
    const data = button.callback_data
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : 0
    if ("callback_data" in button && (bytes < 1 || bytes > 64)) {
      throw badRequest("BUTTON_DATA_INVALID")
    }
  }
  // Checked above; the markup is kept as the bot sent it, as Telegram echoes it.
  return buttons.length === 0 ? undefined : (markup as unknown as InlineKeyboardMarkup)
}

/**
 * What a sendMessage does to the reply keyboard under the input: shows one (labels), removes it
 * (`null`), or leaves it (`undefined`).
 */
export const replyKeyboardOf = (
  markup: unknown,
): ReadonlyArray<ReadonlyArray<string>> | null | undefined =>
  Schema.is(ReplyKeyboard)(markup)
    ? markup.keyboard.map((row) =>
        row.map((button) => (typeof button === "string" ? button : button.text)),
      )
    : Schema.is(RemoveKeyboard)(markup)
      ? null
      : undefined

/**
 * The text of sendMessage/editMessageText as Telegram would store it, with its entities.
 * MarkdownV2 text is kept as sent, without entities.
 */
export const textParam = (
  params: Params,
): { readonly text: string; readonly entities: ReadonlyArray<MessageEntity> } => {
  const raw = stringParam(params, "text") ?? ""
  const parsed =
    stringParam(params, "parse_mode")?.toLowerCase() === "html"
      ? parseHtml(raw, (reason) => badRequest(`can't parse entities: ${reason}`))
      : { text: raw, entities: [] }
  if (parsed.text.trim() === "") throw badRequest("message text is empty")
  if (parsed.text.length > 4096) throw badRequest("message is too long")
  return parsed
}

/** Query parameters, overridden by the body: JSON, or a urlencoded form. */
export const paramsOf = async (request: Http.IncomingMessage, url: URL): Promise<Params> => {
  const query = Object.fromEntries(url.searchParams)
  const body = await text(request)
  const type = request.headers["content-type"] ?? ""
  if (body.trim() === "") return query
  if (type.includes("application/x-www-form-urlencoded")) {
    return { ...query, ...Object.fromEntries(new URLSearchParams(body)) }
  }
  if (type.includes("multipart/form-data")) {
    throw badRequest("multipart/form-data (file uploads) is not supported by the local server")
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw badRequest("can't parse JSON object")
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw badRequest("can't parse JSON object")
  }
  return { ...query, ...(parsed as Params) }
}
