/**
 * Cache commands: `tsx scripts/redis.ts status [--json] | test | clear … | warmup [--batch-size N]`.
 * They act on the Redis of REDIS_URL under CACHE_PREFIX, as the bot does (src/cli/redis/; the
 * command line and its layers in src/cli/redis/Commands.ts).
 */
import { runScript } from "../src/cli/Cli"
import { cli } from "../src/cli/redis/Commands"

runScript(cli(process.argv))
