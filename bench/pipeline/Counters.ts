/**
 * What the pipeline benchmark counts around each measured run, from the servers rather than from
 * the bots: SQL statements from `pg_stat_statements` (by the bot's own database role and
 * database), Redis commands from `INFO commandstats` and round trips from `INFO stats`
 * (`total_reads_processed`), the servers' CPU (Postgres: its processes in /proc; Redis: `INFO
 * cpu`). The benchmark's own statements run as another role and are not counted; its own Redis
 * calls inside a window (two INFOs) are measured once with nothing else running and subtracted.
 */
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import IORedis from "ioredis"
import type Pg from "pg"
import { procTimes } from "./Child"

export interface Statement {
  readonly query: string
  readonly calls: number
}

export const resetStatements = (admin: Pg.Client) =>
  admin.query("SELECT pg_stat_statements_reset()").then(() => undefined)

/** Every statement `role` ran in `database` since the last reset, most frequent first. */
export const statementsOf = async (
  admin: Pg.Client,
  role: string,
  database: string,
): Promise<ReadonlyArray<Statement>> => {
  const { rows } = await admin.query<{ query: string; calls: string }>(
    `SELECT s.query, sum(s.calls)::text AS calls
     FROM pg_stat_statements s
     JOIN pg_roles r ON r.oid = s.userid
     JOIN pg_database d ON d.oid = s.dbid
     WHERE r.rolname = $1 AND d.datname = $2
     GROUP BY s.query
     ORDER BY sum(s.calls) DESC, s.query`,
    [role, database],
  )
  return rows.map((row) => ({ query: row.query, calls: Number(row.calls) }))
}

// -- Redis ------------------------------------------------------------------------------------

export interface RedisCounts {
  /** Calls by command name (`get`, `set`, `eval`, `client|setname`…). */
  readonly commands: ReadonlyMap<string, number>
  /** Reads of client requests by the server: one per round trip (a pipeline or MULTI…EXEC sent at once is one). */
  readonly reads: number
}

const parseInfo = (info: string) => {
  const commands = new Map<string, number>()
  const fields = new Map<string, number>()
  for (const line of info.split(/\r?\n/)) {
    const stat = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (stat !== null) {
      commands.set(stat[1] ?? "", Number(stat[2]))
      continue
    }
    const field = /^([a-z_]+):([\d.]+)$/.exec(line)
    if (field !== null) fields.set(field[1] ?? "", Number(field[2]))
  }
  return { commands, fields }
}

const redisCpuMillis = (fields: ReadonlyMap<string, number>) =>
  ((fields.get("used_cpu_sys") ?? 0) + (fields.get("used_cpu_user") ?? 0)) * 1000

/**
 * A window on the Redis server's counters: `open` resets them (CONFIG RESETSTAT) and reads the CPU
 * so far; `close` reads every counter since.
 */
export const redisWindow = (client: IORedis) => {
  const info = (...sections: Array<string>) =>
    client.call("INFO", ...sections).then((reply) => parseInfo(String(reply)))
  const open = async () => {
    await client.call("CONFIG", "RESETSTAT")
    return redisCpuMillis((await info("cpu")).fields)
  }
  const close = async (openedCpu: number) => {
    const { commands, fields } = await info("commandstats", "stats", "cpu")
    return {
      counts: { commands, reads: fields.get("total_reads_processed") ?? 0 } as RedisCounts,
      cpuMillis: redisCpuMillis(fields) - openedCpu,
    }
  }
  return { open, close }
}

/** `counts` less what the benchmark's own calls add to a window (`baseline`). */
export const subtract = (counts: RedisCounts, baseline: RedisCounts): RedisCounts => {
  const commands = new Map<string, number>()
  for (const [name, calls] of counts.commands) {
    const left = calls - (baseline.commands.get(name) ?? 0)
    if (left > 0) commands.set(name, left)
  }
  return { commands, reads: Math.max(0, counts.reads - baseline.reads) }
}

export const totalCommands = (counts: RedisCounts) =>
  [...counts.commands.values()].reduce((total, calls) => total + calls, 0)

/**
 * Redis commands by name and key namespace (`set upd`, `getex sess`…), seen through MONITOR on a
 * connection of its own: for the warm-up runs only, whose figures are discarded (MONITOR costs
 * the server time). The namespace is the key's first segment after the bot's prefix.
 */
export const monitorRedis = async (url: string, prefixes: ReadonlyArray<string>) => {
  const client = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  client.on("error", () => {})
  await client.connect()
  const monitor = await client.monitor()
  const counts = new Map<string, number>()
  monitor.on("monitor", (_time: string, args: ReadonlyArray<string>) => {
    const command = (args[0] ?? "").toLowerCase()
    // The benchmark's own window on the counters.
    if (command === "info" || command === "config") return
    const key = command === "eval" || command === "evalsha" ? args[3] : args[1]
    const bare = prefixes.reduce(
      (rest, prefix) => (rest.startsWith(prefix) ? rest.slice(prefix.length) : rest),
      key ?? "",
    )
    const label = key === undefined ? command : `${command} ${bare.split(":")[0]}:`
    counts.set(label, (counts.get(label) ?? 0) + 1)
  })
  return {
    stop: () => {
      monitor.disconnect()
      client.disconnect()
      return counts as ReadonlyMap<string, number>
    },
  }
}

// -- Postgres CPU -----------------------------------------------------------------------------

/** The postmaster's pid, from `postmaster.pid` in the data directory. */
export const postmasterPid = async (admin: Pg.Client): Promise<number> => {
  const { rows } = await admin.query<{ dir: string }>(
    "SELECT current_setting('data_directory') AS dir",
  )
  const text = await Fs.readFile(Path.join(rows[0]?.dir ?? "", "postmaster.pid"), "utf8")
  return Number(text.split("\n")[0])
}

/**
 * CPU of the whole Postgres server so far, ms: the postmaster, its live children (backends,
 * background workers) and the children that exited (in the postmaster's cutime + cstime).
 */
export const postgresCpuMillis = async (postmaster: number): Promise<number> => {
  const own = await procTimes(postmaster)
  if (own === undefined) return Number.NaN
  let total = own.ownMillis + own.childrenMillis
  const entries = await Fs.readdir("/proc")
  const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number)
  const times = await Promise.all(pids.map((pid) => procTimes(pid)))
  for (const child of times) {
    if (child !== undefined && child.ppid === postmaster) total += child.ownMillis
  }
  return total
}
