import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests talk to real Postgres, PGlite and child processes: give them room,
    // but a hung test still fails instead of stalling CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most files wait on Postgres, Redis, child processes and HTTP rather than compute: more
    // files at once than cores keeps both cores busy.
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
  },
})
