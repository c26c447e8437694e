/**
 * Where a profiled process spent its CPU: a `.cpuprofile` (from `node --cpu-prof`) summed by self
 * time per package or source file, and the functions with the most self time. For
 * `BENCH_CPU_PROF=DIR npm run bench:pipeline`; open the profile itself in Chrome DevTools or
 * speedscope for the call tree.
 */
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { projectRoot } from "../../test/support/Scripts"

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples?: ReadonlyArray<number>
  readonly timeDeltas?: ReadonlyArray<number>
}

const projectUrl = `file://${projectRoot}/`

/** What a frame belongs to: an npm package, a file of the project, a part of Node, or V8. */
const ownerOf = (frame: ProfileNode["callFrame"]): string => {
  const { url, functionName } = frame
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)"
  const modules = url.lastIndexOf("/node_modules/")
  if (modules !== -1) {
    const [first = "", second = ""] = url.slice(modules + "/node_modules/".length).split("/")
    return first.startsWith("@") ? `${first}/${second}` : first
  }
  if (url.startsWith(projectUrl)) return url.slice(projectUrl.length)
  if (url.startsWith("node:")) {
    const parts = url.slice(5).split("/")
    return `node:${parts.slice(0, parts[0] === "internal" && parts.length > 2 ? 2 : 1).join("/")}`
  }
  return url
}

/** Where a function is: its file (within its package), and line. */
const placeOf = (frame: ProfileNode["callFrame"]): string => {
  const { url, lineNumber } = frame
  if (url === "") return ""
  const modules = url.lastIndexOf("/node_modules/")
  const file =
    modules !== -1
      ? url.slice(modules + "/node_modules/".length).replace(/\/dist\/(esm|cjs)\//, "/")
      : url.startsWith(projectUrl)
        ? url.slice(projectUrl.length)
        : url
  return ` ${file}:${lineNumber + 1}`
}

const share = (part: number, total: number) => `${((100 * part) / total).toFixed(1)}%`

/** Node samples every 1 ms; a gap of 100 ms between samples is a stopped process. */
const stoppedAfterMicros = 100_000

/** A text summary of one profile. */
export const summarizeProfile = (profile: CpuProfile, top = 25): string => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  // As DevTools does: each sample's time is the interval until the next one; except that an
  // interval far longer than the sampling period is time the process was stopped (the benchmark
  // SIGSTOPs the bot it is not measuring), not time spent in whatever was on the stack before.
  let stopped = 0
  for (let index = 0; index < samples.length; index++) {
    const id = samples[index] as number
    const micros = Math.max(0, deltas[index + 1] ?? 0)
    if (micros > stoppedAfterMicros) {
      stopped += micros
      continue
    }
    self.set(id, (self.get(id) ?? 0) + micros)
  }
  const byOwner = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const [id, micros] of self) {
    const frame = nodes.get(id)?.callFrame
    if (frame === undefined) continue
    total += micros
    if (frame.functionName === "(idle)") {
      idle += micros
      continue
    }
    const owner = ownerOf(frame)
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + micros)
    const name = `${frame.functionName || "(anonymous)"}${placeOf(frame)}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  }
  const busy = total - idle

  // Inclusive: the time with each package or file anywhere on the stack (counted once per sample).
  const parents = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id)
  const stacks = new Map<number, ReadonlySet<string>>()
  const ownersOnStack = (id: number): ReadonlySet<string> => {
    const known = stacks.get(id)
    if (known !== undefined) return known
    const frame = nodes.get(id)?.callFrame
    const parent = parents.get(id)
    const owners = new Set(parent === undefined ? [] : ownersOnStack(parent))
    if (frame !== undefined && frame.url !== "") owners.add(ownerOf(frame))
    stacks.set(id, owners)
    return owners
  }
  const inclusive = new Map<string, number>()
  for (const [id, micros] of self) {
    if (nodes.get(id)?.callFrame.functionName === "(idle)") continue
    for (const owner of ownersOnStack(id))
      inclusive.set(owner, (inclusive.get(owner) ?? 0) + micros)
  }
  const rows = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          `  ${share(micros, busy).padStart(6)}  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
      )
  return [
    `Sampled ${(total / 1e6).toFixed(1)} s, of which busy ${(busy / 1e6).toFixed(1)} s (idle ${(idle / 1e6).toFixed(1)} s; stopped, left out: ${(stopped / 1e6).toFixed(1)} s). Self time of the busy part:`,
    "By package or file:",
    ...rows(byOwner),
    "Inclusive (time with the package or file anywhere on the stack):",
    ...rows(inclusive),
    "By function:",
    ...rows(byFunction),
  ].join("\n")
}

/**
 * Summaries of the main-thread profiles written to `dir` since `since` (ms since the epoch). Node
 * names them CPU.DATE.TIME.PID.THREAD.SEQ.cpuprofile; thread 0 is the main thread (the others are
 * tsx's module loader).
 */
export const summarizeProfilesIn = async (dir: string, since: number): Promise<string> => {
  const names = (await Fs.readdir(dir)).filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name))
  const fresh: Array<string> = []
  for (const name of names) {
    const path = Path.join(dir, name)
    if ((await Fs.stat(path)).mtimeMs >= since) fresh.push(path)
  }
  if (fresh.length === 0) return `No profile was written to ${dir}.`
  const parts: Array<string> = []
  for (const path of fresh.sort()) {
    const profile = JSON.parse(await Fs.readFile(path, "utf8")) as CpuProfile
    parts.push(`${path}\n${summarizeProfile(profile)}`)
  }
  return parts.join("\n\n")
}
