import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { Effect } from "effect"
import { inject } from "vitest"

/**
 * A PGlite data directory as PGlite's initdb leaves it, made once per run by the first test that
 * asks (any worker) and kept in the run's directory (test/support/GlobalSetup.ts).
 *
 * initdb is most of an embedded database's start: seconds of CPU where copying its 40 MB takes a
 * fraction of one. Tests of the creation itself (a first start on a new directory) keep an empty
 * directory; the others start from a copy, as from a directory a previous run created.
 */
let made: Promise<string> | undefined

/** How long a worker waits for another worker's initdb (seconds of CPU, longer under load). */
const BUILD_WAIT_MS = 120_000

const makeTemplate = async (): Promise<string> => {
  const template = Path.join(inject("runDir"), "pglite-template")
  const claim = `${template}.claim`
  // One worker builds it (mkdir is atomic: the first one wins); the others wait for the rename
  // rather than spend the same seconds of CPU on a copy of their own.
  const claimed = await Fs.mkdir(claim).then(
    () => true,
    () => false,
  )
  if (claimed) {
    const building = `${template}.building`
    try {
      const db = await PGlite.create(building)
      await db.close()
      await Fs.rename(building, template)
    } catch (error) {
      // Another worker may take over.
      await Fs.rm(building, { recursive: true, force: true })
      await Fs.rmdir(claim)
      throw error
    }
    return template
  }
  const deadline = Date.now() + BUILD_WAIT_MS
  while (!(await isDataDir(template))) {
    // The builder failed and gave up its claim: try again, perhaps as the builder.
    if (!(await exists(claim))) return makeTemplate()
    if (Date.now() > deadline) throw new Error(`${template} was not built within 120 s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return template
}

const exists = (path: string) =>
  Fs.access(path).then(
    () => true,
    () => false,
  )

const isDataDir = (dir: string) => exists(Path.join(dir, "PG_VERSION"))

/** Fills `dataDir` (which must not exist yet) with a copy of the initialised template. */
export const initialisedDataDir = (dataDir: string) =>
  Effect.promise(async () => {
    made ??= makeTemplate()
    await Fs.cp(await made, dataDir, { recursive: true })
  })
