/**
 * The page's calls to its server (PageApi.ts). A refusal comes back as `{ error }` with a 4xx or
 * 5xx status: it is thrown as an `ApiError` carrying that text, for the page to show.
 */
import type { CallbackAnswer, ChatEntry, ChatUser } from "../BotApi"
import type { PanelState, PeopleResponse, StepResponse } from "../PageApi"

const base = "/playground/api"

export class ApiError extends Error {}

const call = async <A>(path: string, init?: { readonly body: unknown }): Promise<A> => {
  let response: Response
  try {
    response = await fetch(
      `${base}/${path}`,
      init === undefined
        ? { headers: { accept: "application/json" } }
        : {
            method: "POST",
            headers: { accept: "application/json", "content-type": "application/json" },
            body: JSON.stringify(init.body),
          },
    )
  } catch (cause) {
    throw new ApiError(cause instanceof Error ? cause.message : String(cause))
  }
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    const error =
      typeof body === "object" && body !== null && "error" in body ? String(body.error) : undefined
    throw new ApiError(error ?? `${response.status} ${response.statusText}`)
  }
  return body as A
}

export const people = () => call<PeopleResponse>("people")

export const send = (user: ChatUser, text: string) =>
  call<{ readonly entry: ChatEntry }>("send", { body: { user, text } })

export const press = (user: ChatUser, messageId: number, data: string) =>
  call<{ readonly answer: CallbackAnswer | null }>("press", { body: { user, messageId, data } })

export const panel = () => call<PanelState>("panel")

export const step = (interest: string) => call<StepResponse>("rounds/step", { body: { interest } })

export const moveClock = (days: number) => call<PanelState>("clock", { body: { days } })

export const eventsUrl = (userId: number) => `${base}/events?user=${userId}`
