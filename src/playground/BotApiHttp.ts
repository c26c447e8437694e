/**
 * The core's HTTP side: `/bot<token>/<method>` on a free loopback port, the token checked as
 * Telegram checks it (another token is 401 `Unauthorized`, another path 404 `Not Found`).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { ApiCall } from "./BotApiChats"
import {
  ApiError,
  type ApiResponse,
  failureOf,
  internalError,
  type Params,
  paramsOf,
} from "./BotApiRequests"

export interface ServeOptions {
  readonly token: string
  /** The method's own spelling (Telegram's method names are case-insensitive). */
  readonly canonical: (requested: string) => string
  readonly invoke: (method: string, params: Params, clientGone: AbortSignal) => Promise<ApiResponse>
  /** Every request, once answered. */
  readonly answered: (call: ApiCall) => void
}

export interface Served {
  readonly apiRoot: string
  /** Waits for the requests in flight (end pending polls first), then closes every connection. */
  readonly close: () => Promise<void>
}

export const serve = async (options: ServeOptions): Promise<Served> => {
  const answer = async (
    request: Http.IncomingMessage,
    clientGone: AbortSignal,
  ): Promise<ApiResponse> => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const route = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname)
    if (route === null) return failureOf(new ApiError(404, "Not Found"))
    const [, requestToken = "", requested = ""] = route
    const method = options.canonical(requested)
    const at = new Date()
    let params: Params = {}
    let response: ApiResponse
    try {
      params = await paramsOf(request, url)
      response =
        requestToken === options.token
          ? await options.invoke(method, params, clientGone)
          : failureOf(new ApiError(401, "Unauthorized"))
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      response = failureOf(error)
    }
    options.answered({ method, params, at, response })
    return response
  }

  const inFlight = new Set<Promise<void>>()
  const server = Http.createServer((request, response) => {
    const clientGone = new AbortController()
    response.on("close", () => {
      if (!response.writableFinished) clientGone.abort()
    })
    const handled = answer(request, clientGone.signal)
      .catch(internalError)
      .then((body) => {
        if (response.destroyed) return
        response.writeHead(body.ok ? 200 : body.error_code, { "content-type": "application/json" })
        response.end(JSON.stringify(body))
      })
    inFlight.add(handled)
    void handled.finally(() => inFlight.delete(handled))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })

  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await Promise.allSettled([...inFlight])
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
