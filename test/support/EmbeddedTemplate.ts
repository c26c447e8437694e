import { randomBytes } from "node:crypto"
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

const makeTemplate = async () => {
  const template = Path.join(inject("runDir"), "pglite-template")
  if (await isDataDir(template)) return template
  // Workers may build it at the same time: each builds its own, the first rename wins.
  const building = `${template}.${process.pid}.${randomBytes(4).toString("hex")}`
  const db = await PGlite.create(building)
  await db.close()
  try {
    await Fs.rename(building, template)
  } catch (error) {
    if (!(await isDataDir(template))) throw error
    await Fs.rm(building, { recursive: true, force: true })
  }
  return template
}

const isDataDir = (dir: string) =>
  Fs.access(Path.join(dir, "PG_VERSION")).then(
    () => true,
    () => false,
  )

/** Fills `dataDir` (which must not exist yet) with a copy of the initialised template. */
export const initialisedDataDir = (dataDir: string) =>
  Effect.promise(async () => {
    made ??= makeTemplate()
    await Fs.cp(await made, dataDir, { recursive: true })
  })
