import * as Net from "node:net"
import { Effect } from "effect"

/** A loopback port nothing listens on right now (for a server of the test's own, or a refusal). */
export const freePort = Effect.promise(
  () =>
    new Promise<number>((resolve, reject) => {
      const server = Net.createServer()
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address() as Net.AddressInfo
        server.close(() => resolve(address.port))
      })
    }),
)
