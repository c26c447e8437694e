import { mkdir, readFile, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { embeddedServer } from "../../src/db/Embedded"
import { tempDir } from "../support/Scripts"

/** Real time for the file operations between two steps of the test clock. */
const letFilesSettle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))

describe("Embedded database lock", () => {
  it.scoped("a live owner that never serves is waited for 60 s, then named", () =>
    Effect.gen(function* () {
      const dir = join(yield* tempDir, "pg")
      const lockPath = `${dir}.lock`
      yield* Effect.promise(() => mkdir(dirname(dir), { recursive: true }))
      // A live process other than us (vitest's parent) that holds the lock and has no port yet.
      const owner = process.ppid
      yield* Effect.promise(() => writeFile(lockPath, JSON.stringify({ pid: owner, port: null })))

      const fiber = yield* Effect.fork(Effect.flip(embeddedServer(dir)))
      yield* letFilesSettle
      for (let second = 0; second < 59; second++) {
        yield* TestClock.adjust("1 second")
        yield* letFilesSettle
      }
      expect(fiber.unsafePoll()).toBeNull()
      for (let second = 0; second < 5 && fiber.unsafePoll() === null; second++) {
        yield* TestClock.adjust("1 second")
        yield* letFilesSettle
      }
      const error = yield* Fiber.join(fiber)
      expect(error.message).toBe(
        `the embedded database is held by process ${owner}, which does not answer; stop it, or remove ${lockPath} if it is not ConnectBot`,
      )
      // Someone else's lock is left alone.
      expect(JSON.parse(yield* Effect.promise(() => readFile(lockPath, "utf8")))).toEqual({
        pid: owner,
        port: null,
      })
    }),
  )
})
