/**
 * The process's own copy of the Redis values it reads and writes most (recognition, interests,
 * the catalogue, participants, sessions), so that a hit costs no round trip. It stays coherent
 * with Redis through Redis's server-assisted client tracking in broadcast mode: Redis tells a
 * second connection of ours about every key under the tracked prefixes that any other client
 * changes, deletes or lets expire, and the copy drops it. Our own writes update the copy directly
 * (`NOLOOP`: Redis does not echo them).
 *
 * Written as a plain class over ioredis's events rather than as Effects: tracking is a state of
 * the connections (on, lost on any reconnect, on again), driven by their event callbacks.
 *
 * Whenever tracking cannot be vouched for — at start, after either connection dropped, after a
 * command failed — the copy is empty and bypassed until tracking is on again, so a value changed
 * meanwhile is never served from it.
 *
 * A read or write in flight races with invalidations: a placeholder is put under the key before
 * the command is sent, an invalidation removes it, and the answer is kept only if the placeholder
 * is still there (Redis's documented pattern for client-side caching).
 */
import type IORedis from "ioredis"

interface Entry {
  /** `undefined` while the command that will fill it is in flight. */
  readonly raw: string | undefined
  readonly expiresAt: number
  readonly ticket: number
}

export interface NearCacheOptions {
  /** Key prefixes (full keys) whose values are kept. */
  readonly prefixes: ReadonlyArray<string>
  readonly maxEntries: number
  /** The longest an entry is kept, whatever its TTL in Redis. */
  readonly maxAgeMillis: number
  readonly now: () => number
}

export class NearCache {
  private readonly entries = new Map<string, Entry>()
  private tracking = false
  private nextTicket = 0
  private tracker: IORedis | undefined
  private enabling: Promise<void> | undefined
  private closed = false

  constructor(
    private readonly client: IORedis,
    private readonly options: NearCacheOptions,
  ) {}

  /** Whether `key` is one whose value is kept. */
  private kept(key: string): boolean {
    return this.options.prefixes.some((prefix) => key.startsWith(prefix))
  }

  /** A fresh value from the copy, if tracking is on and it holds one. */
  get(key: string): string | undefined {
    if (!this.tracking) return undefined
    const entry = this.entries.get(key)
    if (entry?.raw === undefined) return undefined
    if (entry.expiresAt <= this.options.now()) {
      this.entries.delete(key)
      return undefined
    }
    // Least recently used first: a hit moves the entry to the end.
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.raw
  }

  /** Before a command that will read or write `key`: a ticket for `settle`. */
  reserve(key: string): number | undefined {
    if (!this.tracking || !this.kept(key)) return undefined
    const ticket = ++this.nextTicket
    this.entries.delete(key)
    this.entries.set(key, { raw: undefined, expiresAt: 0, ticket })
    this.evict()
    return ticket
  }

  /** The command's value for `key`, kept unless `key` was invalidated since `reserve`. */
  settle(key: string, ticket: number | undefined, raw: string | undefined, ttlMillis?: number) {
    if (ticket === undefined) return
    const entry = this.entries.get(key)
    if (entry?.ticket !== ticket) return
    if (raw === undefined || !this.tracking) {
      this.entries.delete(key)
      return
    }
    const age = Math.min(ttlMillis ?? this.options.maxAgeMillis, this.options.maxAgeMillis)
    this.entries.set(key, { raw, expiresAt: this.options.now() + age, ticket })
  }

  /** Drops keys (our own deletions, and the invalidations Redis sends). */
  drop(keys: Iterable<string>) {
    for (const key of keys) this.entries.delete(key)
  }

  dropMatching(matches: (key: string) => boolean) {
    for (const key of [...this.entries.keys()]) if (matches(key)) this.entries.delete(key)
  }

  /** Forgets every value (a command failed: what Redis holds is uncertain for a while). */
  clear() {
    this.entries.clear()
  }

  /** Tracking can no longer be vouched for: nothing is served until it is on again. */
  suspend() {
    this.tracking = false
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }

  get active(): boolean {
    return this.tracking
  }

  private evict() {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break
      this.entries.delete(key)
    }
  }

  /**
   * Opens the invalidation connection and turns tracking on; again after either connection comes
   * back (a reconnected connection has lost its tracking; a reconnected tracker has a new id).
   */
  async start(): Promise<void> {
    // Not resubscribed by ioredis: a subscribed connection could not be asked for its id.
    const tracker = this.client.duplicate({ lazyConnect: true, autoResubscribe: false })
    this.tracker = tracker
    tracker.on("error", () => {
      // Reconnection is ioredis's; `suspend` keeps the copy honest meanwhile.
    })
    tracker.on("messageBuffer", (_channel: Buffer, message: unknown) => {
      // `null`: the whole database was flushed.
      if (!Array.isArray(message)) return this.entries.clear()
      this.drop(message.map((key: Buffer) => key.toString("utf8")))
    })
    tracker.on("close", () => {
      this.generation++
      this.trackerId = undefined
      this.suspend()
    })
    this.client.on("close", () => {
      this.generation++
      this.suspend()
    })
    this.client.on("ready", () => void this.enable())
    await tracker.connect()
    await this.listen()
    // Only reconnections from here on: the first "ready" was this start's own.
    tracker.on("ready", () => void this.listen())
  }

  private trackerId: number | undefined

  /** The tracker (re)connected: it takes its id, subscribes, and tracking is turned on. */
  private async listen() {
    const tracker = this.tracker
    if (tracker === undefined || this.closed) return
    try {
      const id = (await tracker.client("ID")) as number
      await tracker.subscribe("__redis__:invalidate")
      this.trackerId = id
      await this.enable()
    } catch {
      this.suspend()
    }
  }

  /** Bumped whenever either connection closes: tracking set up before then is gone. */
  private generation = 0

  /** Tracking on the command connection, redirected to the tracker; attempts run one after another. */
  private enable(): Promise<void> {
    const previous = this.enabling ?? Promise.resolve()
    const attempt = previous.then(async () => {
      this.suspend()
      const trackerId = this.trackerId
      const generation = this.generation
      if (this.closed || trackerId === undefined || this.client.status !== "ready") return
      try {
        await this.client.call("CLIENT", "TRACKING", "OFF")
        await this.client.call(
          "CLIENT",
          "TRACKING",
          "ON",
          "REDIRECT",
          String(trackerId),
          "BCAST",
          ...this.options.prefixes.flatMap((prefix) => ["PREFIX", prefix]),
          "NOLOOP",
        )
        // Neither connection closed meanwhile: the copy may be used.
        if (generation === this.generation && this.trackerId === trackerId) this.tracking = true
      } catch {
        this.suspend()
      }
    })
    this.enabling = attempt
    void attempt.finally(() => {
      if (this.enabling === attempt) this.enabling = undefined
    })
    return attempt
  }

  close() {
    this.closed = true
    this.suspend()
    this.tracker?.disconnect()
  }
}
