/**
 * Runs work for one key strictly in the order it arrives, and work for different keys
 * concurrently: the bot's per-user serialisation. A ticket queue, not a semaphore: Effect's
 * semaphore lets a newcomer overtake a waiter, and a user's presses must apply in order.
 *
 * Re-entrant: work already running for a key may run more work for the same key (a handler that
 * updates the session) without waiting for itself.
 */
import { Deferred, Effect, FiberId, FiberRef, HashSet } from "effect"

export interface InOrder<K> {
  readonly run: (key: K) => <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Keys with work running or waiting (for tests and metrics). */
  readonly busyKeys: Effect.Effect<number>
}

export const makeInOrder = <K>(): Effect.Effect<InOrder<K>> =>
  Effect.sync(() => {
    // The last ticket issued per key; each ticket opens when the work holding it ends.
    const tails = new Map<K, Deferred.Deferred<void>>()
    const held = FiberRef.unsafeMake(HashSet.empty<K>())

    const run =
      (key: K) =>
      <A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.flatMap(FiberRef.get(held), (keys) => {
          if (HashSet.has(keys, key)) return work
          return Effect.suspend(() => {
            const ticket = Deferred.unsafeMake<void>(FiberId.none)
            const previous = tails.get(key)
            tails.set(key, ticket)
            const open = Deferred.succeed(ticket, undefined).pipe(
              Effect.zipRight(
                Effect.sync(() => {
                  if (tails.get(key) === ticket) tails.delete(key)
                }),
              ),
            )
            // Interrupted while waiting, the successor must still wait for the predecessor.
            const release =
              previous === undefined
                ? open
                : Effect.asVoid(Effect.forkDaemon(Effect.zipRight(Deferred.await(previous), open)))
            return (previous === undefined ? Effect.void : Deferred.await(previous)).pipe(
              Effect.zipRight(Effect.locally(work, held, HashSet.add(keys, key))),
              Effect.ensuring(release),
            )
          })
        })

    return { run, busyKeys: Effect.sync(() => tails.size) }
  })
