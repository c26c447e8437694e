import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { Effect } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"
import { projectRoot } from "./Scripts"

/** Debian's Chromium (.ci/run installs it): no browser download in the tests. */
export const chromiumPath = "/usr/bin/chromium"

/**
 * What keeps a headless Chromium quiet and quick in a test: no sandbox (CI runs as root), no GPU,
 * and none of its own traffic (QUIC, updates, sync, first-run pages) beside the page's.
 */
const launchArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

/** One Chromium for the surrounding scope. */
export const launchChromium = Effect.acquireRelease(
  Effect.promise(() => chromium.launch({ executablePath: chromiumPath, args: launchArgs })),
  (browser: Browser) => Effect.promise(() => browser.close()),
)

/**
 * Screenshots numbered in the order taken, under test-artifacts/<dir>/ (git-ignored): what a
 * person saw at each step, to look at when a test fails or the page changes.
 */
export const screenshots = (dir: string) => {
  const root = Path.join(projectRoot, "test-artifacts", dir)
  let taken = 0
  let ready: Promise<unknown> | undefined
  return async (page: Page, step: string) => {
    ready ??= Fs.rm(root, { recursive: true, force: true }).then(() =>
      Fs.mkdir(root, { recursive: true }),
    )
    await ready
    taken += 1
    const path = Path.join(root, `${String(taken).padStart(2, "0")}-${step}.png`)
    await page.screenshot({ path })
    return path
  }
}
