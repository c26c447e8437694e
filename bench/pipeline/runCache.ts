/**
 * `npm run bench:cache`: runs the cache benchmark (bench/cache.ts) as it is, then puts the
 * pipeline and scale benchmarks' sections of bench/RESULTS.md back after it — cache.ts writes the
 * whole file.
 * Its settings (DATABASE_URL, REDIS_URL, BENCH_ITERATIONS…) pass through; its exit code is this
 * one's.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { scaleSectionOf, sectionOf, withScaleSection, withSection } from "./Report"

const benchDir = Path.dirname(Path.dirname(fileURLToPath(import.meta.url)))
const resultsPath = Path.join(benchDir, "RESULTS.md")
const tsx = Path.join(benchDir, "../node_modules/.bin/tsx")

const before = await Fs.readFile(resultsPath, "utf8").catch(() => "")
const kept = sectionOf(before)
const keptScale = scaleSectionOf(before)
const child = spawn(tsx, [Path.join(benchDir, "cache.ts"), ...process.argv.slice(2)], {
  stdio: "inherit",
})
// Ctrl-C reaches the child as well (same process group): wait for it to finish.
process.on("SIGINT", () => {})
const code = await new Promise<number>((resolve) =>
  child.once("close", (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 130))),
)
if (kept !== "" || keptScale !== "") {
  const current = await Fs.readFile(resultsPath, "utf8").catch(() => "")
  const withPipeline = kept === "" || current.includes(kept) ? current : withSection(current, kept)
  const restored =
    keptScale === "" || withPipeline.includes(keptScale)
      ? withPipeline
      : withScaleSection(withPipeline, keptScale)
  if (restored !== current) await Fs.writeFile(resultsPath, restored)
}
process.exit(code)
