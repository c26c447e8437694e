import { describe, expect, it } from "@effect/vitest"
import { makeRouter, senderOf } from "../../bench/pipeline/Proxy"

const press = (userId: number, updateId: number) =>
  JSON.stringify({
    update_id: updateId,
    callback_query: { id: "q", from: { id: userId, is_bot: false, first_name: "U" }, data: "x" },
  })
const message = (userId: number, updateId: number) =>
  JSON.stringify({
    update_id: updateId,
    message: { message_id: 1, chat: { id: userId, type: "private" }, from: { id: userId } },
  })

describe("the benchmark's proxy: one user's updates reach one process", () => {
  it("reads the sender of any kind of update, and none of a body without one", () => {
    expect(senderOf(press(7, 1))).toBe(7)
    expect(senderOf(message(8, 2))).toBe(8)
    expect(
      senderOf(
        JSON.stringify({ update_id: 3, channel_post: { message_id: 1, chat: { id: -100 } } }),
      ),
    ).toBe(-100)
    expect(senderOf(JSON.stringify({ update_id: 4 }))).toBeUndefined()
    expect(senderOf("not json")).toBeUndefined()
    expect(senderOf("[1,2]")).toBeUndefined()
  })

  it("sticky: every update of a user goes to the same process, users spread over both", () => {
    const route = makeRouter(2, "sticky")
    const backends = new Map<number, Set<number>>()
    for (let updateId = 0; updateId < 6; updateId++) {
      for (let user = 1_000; user < 1_300; user++) {
        const body = updateId % 2 === 0 ? press(user, updateId) : message(user, updateId)
        const { backend, sender } = route(body)
        expect(sender).toBe(user)
        backends.set(user, (backends.get(user) ?? new Set()).add(backend))
      }
    }
    expect([...backends.values()].every((used) => used.size === 1)).toBe(true)
    const onFirst = [...backends.values()].filter((used) => used.has(0)).length
    expect(onFirst).toBeGreaterThan(100)
    expect(onFirst).toBeLessThan(200)
  })

  it("a body without a sender, or not JSON, goes round-robin; so does every body with round-robin", () => {
    const sticky = makeRouter(2, "sticky")
    expect(["{}", "oops", "{}", "oops"].map((body) => sticky(body).backend)).toEqual([0, 1, 0, 1])
    const roundRobin = makeRouter(3, "round-robin")
    expect([1, 1, 1, 1].map((user) => roundRobin(press(user, 1)).backend)).toEqual([0, 1, 2, 0])
  })
})
