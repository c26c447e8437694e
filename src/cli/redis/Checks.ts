/**
 * The checks of `tsx scripts/redis.ts test`: every Cache and Sessions operation, as an operator
 * wants to see it work on the configured backend, one named check each.
 */
import { Array as Arr, Data, Duration, Effect, Logger, LogLevel, Option, Ref, Schema } from "effect"
import { type CacheService, describeBackend } from "../../cache/Cache"
import { namespaces, sessionKey } from "../../cache/Keys"
import { InterestId, TelegramId } from "../../domain/Ids"
import { Session, type Sessions, togglePending } from "../../sessions/Sessions"
import { plural } from "./Shared"
import { namespaceCounts } from "./Status"

export class CheckFailed extends Data.TaggedError("CheckFailed")<{ readonly message: string }> {}

const ensure = (condition: boolean, message: string) =>
  condition ? Effect.void : Effect.fail(new CheckFailed({ message }))

const Probe = Schema.Struct({ n: Schema.Number, text: Schema.String })
const probe: typeof Probe.Type = { n: 42, text: "ConnectBot ✓ кэш" }
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
const show = <A>(value: Option.Option<A>) =>
  Option.match(value, { onNone: () => "nothing", onSome: (a) => JSON.stringify(a) })
const minute = Duration.minutes(1)

export interface Check {
  readonly name: string
  readonly run: Effect.Effect<void, unknown>
}

/** Every Cache and Sessions operation, each under keys of the throwaway prefix. */
export const checks = (cache: CacheService, sessions: Sessions): ReadonlyArray<Check> => {
  const alice = TelegramId.make(101)
  const coffee = InterestId.make(3)
  return [
    {
      name: "set, then get returns the value",
      run: Effect.gen(function* () {
        yield* cache.ops.set("probe:value", Probe, probe, minute)
        const read = yield* cache.ops.get("probe:value", Probe)
        yield* ensure(Option.isSome(read) && same(read.value, probe), `read back ${show(read)}`)
      }),
    },
    {
      name: "get of a missing key is a miss",
      run: Effect.gen(function* () {
        const read = yield* cache.ops.get("probe:missing", Probe)
        yield* ensure(Option.isNone(read), `read ${show(read)}`)
      }),
    },
    {
      name: "a value expires after its TTL; get with renewTtl extends it",
      run: Effect.gen(function* () {
        const ttl = Duration.millis(400)
        yield* cache.ops.set("ttl:plain", Probe, probe, ttl)
        yield* cache.ops.set("ttl:renewed", Probe, probe, ttl)
        const renewed = yield* cache.ops.get("ttl:renewed", Probe, { renewTtl: minute })
        yield* ensure(Option.isSome(renewed), "the value was gone before its TTL")
        yield* Effect.sleep(Duration.millis(700))
        yield* ensure(
          Option.isNone(yield* cache.ops.get("ttl:plain", Probe)),
          "a value outlived its TTL",
        )
        yield* ensure(
          Option.isSome(yield* cache.ops.get("ttl:renewed", Probe)),
          "get with renewTtl did not extend the TTL",
        )
      }),
    },
    {
      name: "setMany writes every entry",
      run: Effect.gen(function* () {
        const entries = [1, 2, 3].map((n) => [`batch:${n}`, { ...probe, n }] as const)
        yield* cache.ops.setMany(Probe, entries, minute)
        for (const [key, value] of entries) {
          const read = yield* cache.ops.get(key, Probe)
          yield* ensure(
            Option.isSome(read) && same(read.value, value),
            `${key}: read back ${show(read)}`,
          )
        }
      }),
    },
    {
      name: "add writes a key only when it is absent",
      run: Effect.gen(function* () {
        const first = yield* cache.ops.add("claim:1", Probe, probe, minute)
        const second = yield* cache.ops.add("claim:1", Probe, { ...probe, n: 2 }, minute)
        const read = yield* cache.ops.get("claim:1", Probe)
        yield* cache.ops.delete(["claim:1"])
        yield* ensure(first && !second, `added ${first}, then ${second}`)
        yield* ensure(Option.isSome(read) && same(read.value, probe), `read back ${show(read)}`)
      }),
    },
    {
      name: "keys lists the keys matching a pattern",
      run: Effect.gen(function* () {
        const found = [...(yield* cache.ops.keys("batch:*"))].sort()
        yield* ensure(same(found, ["batch:1", "batch:2", "batch:3"]), `found ${found.join(", ")}`)
      }),
    },
    {
      name: "delete removes the keys and counts those that existed",
      run: Effect.gen(function* () {
        const deleted = yield* cache.ops.delete(["batch:1", "batch:none"])
        yield* ensure(deleted === 1, `counted ${deleted} deleted keys instead of 1`)
        const read = yield* cache.ops.get("batch:1", Probe)
        yield* ensure(Option.isNone(read), "the deleted key is still there")
      }),
    },
    {
      name: "deleteMatching removes the matching keys only",
      run: Effect.gen(function* () {
        const deleted = yield* cache.ops.deleteMatching("batch:*")
        yield* ensure(deleted === 2, `counted ${deleted} deleted keys instead of 2`)
        const left = yield* cache.ops.keys("*")
        yield* ensure(!left.some((key) => key.startsWith("batch:")), "a matching key survived")
        yield* ensure(left.includes("probe:value"), "a key that did not match was deleted")
      }),
    },
    {
      name: "getOrLoad loads a miss once, caches it, then serves the cached value",
      run: Effect.gen(function* () {
        const loads = yield* Ref.make(0)
        const load = Ref.update(loads, (n) => n + 1).pipe(
          Effect.zipRight(Effect.sleep(Duration.millis(50))),
          Effect.as(probe),
        )
        const values = yield* Effect.all(
          Arr.makeBy(5, () => cache.getOrLoad("load:value", Probe, minute, load)),
          { concurrency: "unbounded" },
        )
        yield* ensure(
          values.every((value) => same(value, probe)),
          "a caller got a different value",
        )
        const loaded = yield* Ref.get(loads)
        yield* ensure(loaded === 1, `5 concurrent misses loaded ${plural(loaded, "time")}`)
        yield* cache.getOrLoad("load:value", Probe, minute, load)
        yield* ensure((yield* Ref.get(loads)) === 1, "the loaded value was not cached")
      }),
    },
    {
      name: "a value that does not decode is a miss and is deleted",
      run: Effect.gen(function* () {
        yield* cache.ops.set("corrupt:value", Schema.String, "not a probe", minute)
        const read = yield* cache.ops.get("corrupt:value", Probe)
        yield* ensure(Option.isNone(read), `served ${show(read)}`)
        const left = yield* cache.ops.keys("corrupt:*")
        yield* ensure(left.length === 0, "the value that does not decode is still there")
        // The warning the cache logs for a dropped value is what this check provokes.
      }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)),
    },
    {
      name: "ping answers",
      run: Effect.gen(function* () {
        const latency = yield* cache.ops.ping
        yield* ensure(Duration.isFinite(latency), "no latency measured")
      }),
    },
    {
      name: "status reports the backend and counts keys per namespace",
      run: Effect.gen(function* () {
        const perNamespace = ["emp:1", "int:1", "act:1:participants", "sess:1", "upd:1:1"]
        yield* cache.ops.setMany(
          Probe,
          perNamespace.map((key) => [key, probe] as const),
          minute,
        )
        const report = yield* cache.ops.status
        const all = yield* cache.ops.keys("*")
        yield* cache.ops.delete(perNamespace)
        yield* ensure(
          report.backend._tag === cache.backend._tag,
          `reported ${describeBackend(report.backend)}`,
        )
        yield* ensure(report.available, "reported the backend unavailable")
        const counts = namespaceCounts(report)
        yield* ensure(
          namespaces.every((namespace) => counts[namespace] === 1) &&
            counts.other === all.length - perNamespace.length,
          `counted ${JSON.stringify(counts)} for ${plural(all.length, "key")}`,
        )
      }),
    },
    {
      name: "Sessions.update creates a session that Sessions.get returns",
      run: Effect.gen(function* () {
        const created = yield* sessions.update(
          alice,
          (session) => new Session({ ...session, step: "interests" }),
        )
        const read = yield* sessions.get(alice)
        yield* ensure(
          Option.isSome(read) &&
            read.value.step === "interests" &&
            read.value.createdAt.getTime() === created.createdAt.getTime(),
          `read back ${show(read)}`,
        )
        const stored = yield* cache.ops.keys(sessionKey(alice))
        yield* ensure(stored.length === 1, `no ${sessionKey(alice)} key in the cache`)
      }),
    },
    {
      name: "Sessions.update keeps pending interest changes; a second press undoes the first",
      run: Effect.gen(function* () {
        const press = (session: Session) =>
          new Session({
            ...session,
            pendingInterests: togglePending(session.pendingInterests, coffee, false),
          })
        yield* sessions.update(alice, press)
        const pressed = yield* sessions.get(alice)
        yield* ensure(
          Option.isSome(pressed) && same(pressed.value.pendingInterests.enable, [coffee]),
          `after one press: ${show(Option.map(pressed, (s) => s.pendingInterests))}`,
        )
        yield* sessions.update(alice, press)
        const undone = yield* sessions.get(alice)
        yield* ensure(
          Option.isSome(undone) && same(undone.value.pendingInterests, { enable: [], disable: [] }),
          `after two presses: ${show(Option.map(undone, (s) => s.pendingInterests))}`,
        )
      }),
    },
    {
      name: "Sessions.clear forgets the session",
      run: Effect.gen(function* () {
        yield* sessions.clear(alice)
        const read = yield* sessions.get(alice)
        yield* ensure(Option.isNone(read), `read back ${show(read)}`)
        const stored = yield* cache.ops.keys("sess:*")
        yield* ensure(stored.length === 0, `left ${stored.join(", ")}`)
      }),
    },
    {
      name: "no keys are left under the throwaway prefix",
      run: Effect.gen(function* () {
        yield* cache.ops.deleteMatching("*")
        const left = yield* cache.ops.keys("*")
        yield* ensure(left.length === 0, `left ${left.join(", ")}`)
      }),
    },
  ]
}
