/**
 * Runs before every test file. `@effect/vitest`'s `layer(...)` (0.30) assigns its own `effect`,
 * `scoped`, … onto vitest's shared `it` object, so a file run after one with a `layer` block in the
 * same worker (files share modules: `isolate: false`) would get that block's runtime for its
 * plain `it.effect` — without the TestClock when the block excluded the test services. The
 * methods as the package first made them are kept here and put back before each file. (Fixed
 * upstream on the v4 line only: Effect-TS/effect-smol#2177 stops mutating the shared API.)
 */
import { it } from "@effect/vitest"

const methods = ["effect", "scoped", "live", "scopedLive", "flakyTest", "layer", "prop"] as const
type Methods = Pick<typeof it, (typeof methods)[number]>

const key = Symbol.for("connectbot/test/pristine-it")
const store = globalThis as { [key]?: Methods }
const kept = store[key]
if (kept === undefined) {
  store[key] = Object.fromEntries(methods.map((name) => [name, it[name]])) as unknown as Methods
} else {
  Object.assign(it, kept)
}
