/**
 * Database commands: `tsx scripts/db.ts migrate | seed [--demo] | import-employees FILE.csv |
 * grant-admin EMAIL [--super] [--activities] [--users] [--reports] | revoke-admin EMAIL`.
 * Without DATABASE_URL they work on the embedded database (./.data/pg). Each command is an Effect
 * over the database (src/cli/db/); src/cli/db/Commands.ts is the command line and its layers.
 */
import { runScript } from "../src/cli/Cli"
import { cli } from "../src/cli/db/Commands"

runScript(cli(process.argv))
