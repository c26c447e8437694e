import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/GlobalSetup.ts"],
    setupFiles: ["test/support/PristineIt.ts"],
    // Integration tests talk to real Postgres, PGlite and child processes: give them room,
    // but a hung test still fails instead of stalling CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Test files share a worker's modules instead of importing Effect, the app and its
    // dependencies anew for each: the whole run went from 276–309 s to 168 s on this 2-core
    // machine, all 632 tests green. What a file must not inherit is put back before each
    // (test/support/PristineIt.ts); tests keep their state in layers and databases of their own.
    isolate: false,
    // One file per core. Four at once on two cores was faster on an Intel machine where most files
    // wait on I/O, but on an AMD EPYC one the PGlite and tsx start-ups are CPU-bound: four at once
    // took 4 m 39 s with start-ups pushed past their 40 s limits, two at once 3 m 54 s, all green.
    poolOptions: { forks: { maxForks: availableParallelism(), minForks: 1 } },
  },
})
