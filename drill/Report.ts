/**
 * The drill's report: the figures, what each failing measure saw (a few examples each), and the
 * verdict. Printed as text, or as one JSON object with `--json`. Every figure comes from what was
 * measured; a measure that must be zero and is not is a failure, and any failure means exit 1.
 */
import type { Crash } from "./BotProcess"
import type { Metrics, Tally } from "./Metrics"
import type { DrillOptions } from "./Options"
import type { Attempt } from "./Relay"
import { outOfOrderFailed } from "./Scenarios"

export interface RunFacts {
  readonly options: DrillOptions
  readonly environment: {
    readonly node: string
    readonly cores: number
    readonly postgres: string
    readonly redis: string
  }
  readonly attempts: ReadonlyArray<Attempt>
  readonly crashes: ReadonlyArray<Crash>
  readonly rss: {
    readonly before: number | undefined
    readonly after: number | undefined
    readonly peak: number | undefined
  }
  readonly botLog: {
    readonly errors: number
    readonly warnings: number
    readonly firstErrors: ReadonlyArray<string>
  }
  readonly seconds: number
  /** Why the run did not finish: the deadline, a setup failure, Ctrl-C. */
  readonly aborted: string | undefined
}

const count = (n: number) => n.toLocaleString("en-US")
const mb = (bytes: number | undefined) =>
  bytes === undefined ? "n/a" : `${(bytes / 1024 / 1024).toFixed(0)} MB`
const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value)
    ? "n/a"
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${value.toFixed(1)} ms`

const percentile = (ascending: ReadonlyArray<number>, q: number): number | undefined =>
  ascending.length === 0 ? undefined : ascending[Math.max(0, Math.ceil(q * ascending.length) - 1)]

const statusKey = (attempt: Attempt) =>
  attempt.status === undefined ? "no answer" : String(attempt.status)

const histogram = (attempts: ReadonlyArray<Attempt>) => {
  const counts = new Map<string, number>()
  for (const attempt of attempts) {
    const key = statusKey(attempt)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b))
}

const showHistogram = (entries: ReadonlyArray<readonly [string, number]>) =>
  entries.length === 0 ? "none" : entries.map(([key, n]) => `${key}: ${count(n)}`).join(" · ")

export interface Report {
  readonly text: string
  readonly json: unknown
  readonly failures: ReadonlyArray<string>
}

export const render = (metrics: Metrics, facts: RunFacts): Report => {
  const { options } = facts
  const delivered = facts.attempts.filter((a) => a.kind === "relayed" || a.kind === "retry")
  const redeliveries = facts.attempts.filter((a) => a.kind === "redelivery")
  const hostile = facts.attempts.filter((a) => a.kind === "hostile")
  const latencies = delivered
    .filter((a) => a.status !== undefined)
    .map((a) => a.millis)
    .sort((a, b) => a - b)
  const p50 = percentile(latencies, 0.5)
  const p99 = percentile(latencies, 0.99)
  const max = latencies.at(-1)
  const serverErrors = facts.attempts.filter(
    (a) => a.kind !== "hostile" && a.status !== undefined && a.status >= 500,
  )
  const fiveXX = metrics.serverErrors.count + serverErrors.length
  const fiveXXExamples = [
    ...metrics.serverErrors.examples,
    ...serverErrors.slice(0, 3).map((a) => `${a.kind} update #${a.updateId}: ${a.status}`),
  ]
  const totalUpdates =
    metrics.updates.load +
    metrics.updates.scenario +
    metrics.updates.probe +
    metrics.updates.hostile
  const staleCount = metrics.stale.count + metrics.staleAfterSave.count
  const capacityCount = metrics.capacityDatabase.count + metrics.capacityShown.count
  const sessionsLost = metrics.idleLost.count + metrics.loadSessionsLost.count
  const outOfOrderFailures = metrics.outOfOrder.filter(outOfOrderFailed)

  const failures: Array<string> = []
  const fail = (condition: boolean, what: string) => {
    if (condition) failures.push(what)
  }
  fail(facts.aborted !== undefined, `the run did not finish: ${facts.aborted}`)
  fail(metrics.lost.count > 0, `${metrics.lost.count} acknowledged save(s) lost`)
  fail(staleCount > 0, `${staleCount} stale screen(s)`)
  fail(capacityCount > 0, `${capacityCount} capacity violation(s)`)
  fail(facts.crashes.length > 0, `${facts.crashes.length} crash(es) of the bot`)
  fail(sessionsLost > 0, `${sessionsLost} session(s) lost`)
  fail(
    metrics.doubleApplied.count > 0,
    `${metrics.doubleApplied.count} redelivered update(s) applied twice`,
  )
  fail(
    metrics.distinctMerged.count > 0,
    `${metrics.distinctMerged.count} pair(s) of distinct presses merged`,
  )
  fail(fiveXX > 0, `${fiveXX} 5xx answer(s)`)
  fail(
    metrics.hostileUnexpected.count > 0,
    `${metrics.hostileUnexpected.count} hostile body(ies) answered unexpectedly`,
  )
  fail(
    metrics.forgedChangedState.count + metrics.forgedWrongAnswer.count > 0,
    `${metrics.forgedChangedState.count + metrics.forgedWrongAnswer.count} forged press(es) changed state or went unanswered`,
  )
  fail(metrics.unanswered.count > 0, `${metrics.unanswered.count} update(s) never answered 2xx`)
  fail(
    outOfOrderFailures.length > 0,
    `${outOfOrderFailures.length} of ${metrics.outOfOrder.length} deactivation(s) not refused within 2 s of the COMMIT`,
  )

  const lines: Array<string> = []
  const row = (label: string, value: string) => lines.push(`${label.padEnd(30)}${value}`)
  const examples = (tally: Tally) => {
    for (const example of tally.examples) lines.push(`${"".padEnd(32)}- ${example}`)
  }

  lines.push(
    `ConnectBot fault drill: ${count(options.users)} users, seed ${options.seed}${options.quick ? ", --quick" : ""}; ${facts.seconds.toFixed(0)} s (deadline ${options.deadlineSeconds} s)`,
    `Node ${facts.environment.node} on ${facts.environment.cores} cores; private Postgres ${facts.environment.postgres} and Redis ${facts.environment.redis} on 127.0.0.1; the bot (src/main.ts) in webhook mode`,
    `Faults: Redis kill -9 + restart ×${metrics.phases.filter((p) => p.name.startsWith("Redis kill")).length}, Postgres stopped ${metrics.phases.some((p) => p.name === "Postgres stopped") ? `${options.postgresDownSeconds} s` : "never"}, out-of-order commit ×${metrics.outOfOrder.length}, ${metrics.idleChecked} idle session(s) across a Redis restart, ${metrics.redeliveriesChecked} redelivered update(s), ${count(metrics.hostileSent)} hostile bodies + ${metrics.forgedSent} forged presses`,
    "",
  )
  row(
    "Updates sent",
    `${count(totalUpdates)}: through Telegram ${count(totalUpdates - metrics.updates.hostile)} (load ${count(metrics.updates.load)} · scenarios ${count(metrics.updates.scenario)} · probes ${count(metrics.updates.probe)}) + ${count(metrics.updates.hostile)} hostile bodies posted directly`,
  )
  row("Answered (webhook deliveries)", showHistogram(histogram(delivered)))
  row("Answered (redeliveries)", showHistogram(histogram(redeliveries)))
  row("Answered (hostile bodies)", showHistogram(histogram(hostile)))
  row("Never answered 2xx", count(metrics.unanswered.count))
  examples(metrics.unanswered)
  row(
    "Latency POST → answer",
    `p50 ${ms(p50)} · p99 ${ms(p99)} · max ${ms(max)} (${count(latencies.length)} deliveries)`,
  )
  row(
    "Bot RSS",
    `before ${mb(facts.rss.before)} · after ${mb(facts.rss.after)} · peak ${mb(facts.rss.peak)}`,
  )
  lines.push("")
  row(
    "Acknowledged saves lost",
    `${count(metrics.lost.count)} (of ${count(metrics.savesAcknowledged)} interest saves and ${count(metrics.placesAcknowledged)} joins/leaves acknowledged)`,
  )
  examples(metrics.lost)
  row(
    "Stale screens after recovery",
    `${count(metrics.stale.count)} (of ${count(metrics.screensCompared)} screens compared after ${metrics.recoveries} recoveries); right after a save: ${count(metrics.staleAfterSave.count)}`,
  )
  examples(metrics.stale)
  examples(metrics.staleAfterSave)
  row(
    "Capacity violations",
    `${count(capacityCount)} (database ${metrics.capacityDatabase.count}, shown ${metrics.capacityShown.count}; ${count(metrics.fullRefusals)} joins refused as full)`,
  )
  examples(metrics.capacityDatabase)
  examples(metrics.capacityShown)
  row(
    "Sessions lost",
    `${count(sessionsLost)} (idle across a Redis restart: ${metrics.idleLost.count} of ${metrics.idleChecked}; during the load: ${metrics.loadSessionsLost.count})`,
  )
  examples(metrics.idleLost)
  examples(metrics.loadSessionsLost)
  row("Crashes", count(facts.crashes.length))
  for (const crash of facts.crashes.slice(0, 3)) {
    lines.push(`${"".padEnd(32)}- exit code ${crash.code}, signal ${crash.signal}; last lines:`)
    for (const line of crash.lastLines.slice(-5))
      lines.push(`${"".padEnd(34)}${line.slice(0, 200)}`)
  }
  lines.push("")
  row(
    "Deactivation, out-of-order",
    metrics.outOfOrder.length === 0
      ? "not run"
      : metrics.outOfOrder
          .map((run) =>
            run.refusedAfterMs === null
              ? `#${run.run} NOT refused within ${run.waitedMs / 1000} s of the COMMIT`
              : `#${run.run} refused ${(run.refusedAfterMs / 1000).toFixed(2)} s after the COMMIT`,
          )
          .join(" · "),
  )
  for (const run of metrics.outOfOrder) {
    if (run.note !== "") lines.push(`${"".padEnd(32)}- #${run.run}: ${run.note}`)
  }
  row(
    "Redeliveries applied twice",
    `${count(metrics.doubleApplied.count)} of ${metrics.redeliveriesChecked}; distinct presses merged: ${metrics.distinctMerged.count} of ${metrics.distinctChecked}`,
  )
  examples(metrics.doubleApplied)
  examples(metrics.distinctMerged)
  row(
    "5xx answers",
    `${count(fiveXX)} (hostile ${metrics.serverErrors.count} of ${count(metrics.hostileSent)})`,
  )
  for (const example of fiveXXExamples.slice(0, 12)) lines.push(`${"".padEnd(32)}- ${example}`)
  if (fiveXX > 12) lines.push(`${"".padEnd(32)}- … (every case in --json: hostile.results)`)
  row(
    "Hostile input",
    `answers ${showHistogram([...metrics.hostileStatuses].sort(([a], [b]) => a.localeCompare(b)))}; unexpected ${metrics.hostileUnexpected.count}; forged presses that changed state ${metrics.forgedChangedState.count}, unanswered ${metrics.forgedWrongAnswer.count}`,
  )
  examples(metrics.hostileUnexpected)
  examples(metrics.forgedChangedState)
  examples(metrics.forgedWrongAnswer)
  row(
    "Bot log",
    `${count(facts.botLog.errors)} error line(s), ${count(facts.botLog.warnings)} warning(s)`,
  )
  for (const line of facts.botLog.firstErrors.slice(0, 3)) {
    lines.push(`${"".padEnd(32)}- ${line.slice(0, 220)}`)
  }
  if (metrics.oddities.count > 0) {
    row("Unexpected screens (info)", count(metrics.oddities.count))
    examples(metrics.oddities)
  }
  lines.push("")
  lines.push(failures.length === 0 ? "PASS: every measure holds." : `FAIL: ${failures.join("; ")}.`)

  const json = {
    verdict: failures.length === 0 ? "pass" : "fail",
    failures,
    options,
    environment: facts.environment,
    seconds: Math.round(facts.seconds),
    aborted: facts.aborted ?? null,
    updates: { ...metrics.updates, total: totalUpdates },
    answers: {
      deliveries: Object.fromEntries(histogram(delivered)),
      redeliveries: Object.fromEntries(histogram(redeliveries)),
      hostile: Object.fromEntries(histogram(hostile)),
      neverAnswered: metrics.unanswered.count,
    },
    latencyMs: { p50: p50 ?? null, p99: p99 ?? null, max: max ?? null, samples: latencies.length },
    rssBytes: {
      before: facts.rss.before ?? null,
      after: facts.rss.after ?? null,
      peak: facts.rss.peak ?? null,
    },
    acknowledgedSavesLost: metrics.lost.count,
    acknowledged: { interestSaves: metrics.savesAcknowledged, places: metrics.placesAcknowledged },
    staleScreens: {
      afterRecovery: metrics.stale.count,
      afterSave: metrics.staleAfterSave.count,
      compared: metrics.screensCompared,
      recoveries: metrics.recoveries,
    },
    capacityViolations: {
      database: metrics.capacityDatabase.count,
      shown: metrics.capacityShown.count,
      fullRefusals: metrics.fullRefusals,
    },
    sessionsLost: {
      idleAcrossRedisRestart: metrics.idleLost.count,
      idleChecked: metrics.idleChecked,
      duringLoad: metrics.loadSessionsLost.count,
    },
    crashes: facts.crashes.length,
    outOfOrderDeactivation: metrics.outOfOrder,
    redelivery: {
      checked: metrics.redeliveriesChecked,
      appliedTwice: metrics.doubleApplied.count,
      distinctChecked: metrics.distinctChecked,
      distinctMerged: metrics.distinctMerged.count,
    },
    serverErrors: fiveXX,
    hostile: {
      sent: metrics.hostileSent,
      answers: Object.fromEntries(metrics.hostileStatuses),
      unexpected: metrics.hostileUnexpected.count,
      forged: metrics.forgedSent,
      forgedChangedState: metrics.forgedChangedState.count,
      forgedUnanswered: metrics.forgedWrongAnswer.count,
      results: metrics.hostileResults,
    },
    botLog: { errors: facts.botLog.errors, warnings: facts.botLog.warnings },
    examples: {
      lost: metrics.lost.examples,
      stale: [...metrics.stale.examples, ...metrics.staleAfterSave.examples],
      capacity: [...metrics.capacityDatabase.examples, ...metrics.capacityShown.examples],
      sessionsLost: [...metrics.idleLost.examples, ...metrics.loadSessionsLost.examples],
      appliedTwice: metrics.doubleApplied.examples,
      serverErrors: fiveXXExamples,
      hostileUnexpected: metrics.hostileUnexpected.examples,
      unanswered: metrics.unanswered.examples,
      oddities: metrics.oddities.examples,
      histories: metrics.histories,
    },
    phases: metrics.phases.map((phase) => ({
      at: Math.round((phase.at - metrics.startedAt) / 100) / 10,
      name: phase.name,
    })),
  }
  return { text: lines.join("\n"), json, failures }
}
