import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/GlobalSetup.ts"],
    setupFiles: ["test/support/PristineIt.ts"],
    // Integration tests talk to real Postgres, PGlite and child processes: give them room,
    // but a hung test still fails instead of stalling CI. These are hang guards, not speed
    // checks: machines of the same kind here differ by 2× (PGlite's initdb takes 4–5 s of CPU on
    // one, a `tsx` start 3 s on one and 6 s on another), and a test that fails for the machine
    // tells nothing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Test files share a worker's modules instead of importing Effect, the app and its
    // dependencies anew for each: the whole run went from 276–309 s to 168 s on this 2-core
    // machine, all 632 tests green. What a file must not inherit is put back before each
    // (test/support/PristineIt.ts); tests keep their state in layers and databases of their own.
    isolate: false,
    // One file per core, and one more: a file waiting on a child process, Postgres, Redis or a
    // real-time pause leaves its core to the third. On this 2-core AMD EPYC machine, all 654 tests
    // green: two at once 165 s, three at once 151–156 s; on a slower one, 667 tests: three at once
    // 182–202 s, four 186 s (no gain). All the workers start at once and stay: with fewer at the
    // start, tinypool ended a worker mid-run twice ("Terminating worker thread").
    poolOptions: {
      forks: { maxForks: availableParallelism() + 1, minForks: availableParallelism() + 1 },
    },
  },
})
