/**
 * The playground page's files (src/playground/page), made once when the server starts:
 * `app.ts` and the modules it imports bundled by esbuild into one browser script, next to
 * `index.html` and `style.css`.
 *
 * Bundled at start rather than by a build step because the playground is for someone who has
 * just cloned the project and typed `npm start`: there is no build to forget, nothing built to go
 * stale against the sources, and nothing generated to commit. esbuild (already under tsx) bundles
 * these few modules in tens of milliseconds.
 *
 * Each asset carries a strong ETag (a hash of its bytes), so a browser revalidates instead of
 * downloading again, and sees a change as soon as the server restarts with it.
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { Data, Effect } from "effect"
import { build } from "esbuild"
import type { PageAsset } from "./Routes"

export class PageAssetsError extends Data.TaggedError("PageAssetsError")<{
  readonly reason: string
  readonly cause: unknown
}> {
  /** The line start-up prints: what could not be done, and why. */
  override get message(): string {
    return `Playground: ${this.reason}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

const pageDir = fileURLToPath(new URL("./page/", import.meta.url))

const asset = (path: PageAsset["path"], contentType: string, body: string): PageAsset => ({
  path,
  contentType,
  body,
  // Strong: a hash of the bytes, quoted as the header wants it.
  etag: `"${createHash("sha256").update(body, "utf8").digest("base64url")}"`,
})

const readPageFile = (name: string) =>
  Effect.tryPromise({
    try: () => Fs.readFile(`${pageDir}${name}`, "utf8"),
    catch: (cause) => new PageAssetsError({ reason: `Cannot read the page's ${name}`, cause }),
  })

const bundleApp = Effect.tryPromise({
  try: () =>
    build({
      entryPoints: [`${pageDir}app.ts`],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      // What evergreen browsers run as is; the page is for people trying the bot on their own.
      target: "es2022",
      // Russian texts stay readable in the browser's sources instead of \u escapes.
      charset: "utf8",
      logLevel: "silent",
    }),
  catch: (cause) => new PageAssetsError({ reason: "Cannot bundle the page's app.ts", cause }),
}).pipe(
  Effect.flatMap(({ outputFiles }) => {
    const script = outputFiles[0]
    return script === undefined
      ? Effect.fail(new PageAssetsError({ reason: "esbuild made no script", cause: outputFiles }))
      : Effect.succeed(script.text)
  }),
)

/** Under /playground: `/` (the page), `/app.js` and `/style.css`. */
export const buildPageAssets: Effect.Effect<ReadonlyArray<PageAsset>, PageAssetsError> = Effect.all(
  [
    readPageFile("index.html").pipe(
      Effect.map((body) => asset("/", "text/html; charset=utf-8", body)),
    ),
    bundleApp.pipe(Effect.map((body) => asset("/app.js", "text/javascript; charset=utf-8", body))),
    readPageFile("style.css").pipe(
      Effect.map((body) => asset("/style.css", "text/css; charset=utf-8", body)),
    ),
  ],
  { concurrency: "unbounded" },
).pipe(Effect.withSpan("PageAssets.build"))
