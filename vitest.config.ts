import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/GlobalSetup.ts"],
    // Integration tests talk to real Postgres, PGlite and child processes: give them room,
    // but a hung test still fails instead of stalling CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One file per core. Four at once on two cores was faster on an Intel machine where most files
    // wait on I/O, but on an AMD EPYC one the PGlite and tsx start-ups are CPU-bound: four at once
    // took 4 m 39 s with start-ups pushed past their 40 s limits, two at once 3 m 54 s, all green.
    poolOptions: { forks: { maxForks: availableParallelism(), minForks: 1 } },
  },
})
