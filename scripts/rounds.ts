/**
 * Pairing rounds: `tsx scripts/rounds.ts status | preview | run | stats | simulate` (docs/rounds.md).
 * They work on the database of DATABASE_URL (or the embedded one) with the round settings the bot
 * uses; `run` puts messages into the outbox, which the running bot sends. `simulate` needs nothing.
 * The command line and its layers: src/cli/rounds/Commands.ts.
 */
import { runScript } from "../src/cli/Cli"
import { cli } from "../src/cli/rounds/Commands"

runScript(cli(process.argv))
