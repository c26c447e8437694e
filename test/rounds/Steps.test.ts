/**
 * The steps of a round against real Postgres (docs/rounds.md): who is invited, what answers do,
 * how people are placed, what each step writes to the outbox, and that each step happens once —
 * with two processes at it, and after a crash in the middle of one. The clock is the `TestClock`:
 * a test sets it to the moment it runs what is due.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import { Action, decodeAction } from "../../src/bot/CallbackData"
import { formatWhen, interestName } from "../../src/bot/Views"
import { defaultInterests } from "../../src/db/migrations/0004_reference_data"
import type { EmployeeId, RoundId } from "../../src/domain/Ids"
import { place } from "../../src/rounds/Matching"
import { ROUNDS_LOCK } from "../../src/rounds/RoundRepo"
import { Rounds } from "../../src/rounds/Rounds"
import { roundTexts } from "../../src/rounds/RoundTexts"
import {
  allIn,
  databaseAt,
  firstMonday,
  minuteAfter,
  type OutboxRow,
  plusDays,
  roundsOver,
  type World,
  week,
  world,
  zone,
} from "../support/Rounds"

const at = (date: Date) => TestClock.setTime(date.getTime())

/** Runs what is due a minute after `date`. */
const runAt = (w: World, date: Date) => Effect.zipRight(at(minuteAfter(date)), w.rounds.runDue)

const first = week(firstMonday)

const sortedPairs = (groups: ReadonlyArray<{ members: ReadonlyArray<number> }>) =>
  groups.map((group) => [...group.members].sort((a, b) => a - b).join("+")).sort()

describe("invite", () => {
  it.scoped(
    "every subscriber gets one invitation with three buttons for this round; paused, muted, unlinked, inactive and unreachable people get none; running again adds nothing",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const invited = [
          yield* w.person({ name: "Anna" }),
          yield* w.person({ name: "Boris" }, ["coffee", "lunch"]),
          yield* w.person({ name: "Vera" }),
        ]
        const paused = yield* w.person({ name: "Paused" })
        yield* w.sql`UPDATE employee_interests SET paused_until = ${plusDays(firstMonday, 1)}::date WHERE employee_id = ${paused}`
        // A pause that ended on the match day does not keep anyone out.
        const pauseOver = yield* w.person({ name: "PauseOver" })
        yield* w.sql`UPDATE employee_interests SET paused_until = ${firstMonday}::date WHERE employee_id = ${pauseOver}`
        invited.push(pauseOver)
        const muted = yield* w.person({ name: "Muted" })
        yield* w.sql`UPDATE employee_interests SET receive_notifications = false WHERE employee_id = ${muted}`
        const unsubscribed = yield* w.person({ name: "Unsubscribed" })
        yield* w.sql`UPDATE employee_interests SET is_active = false WHERE employee_id = ${unsubscribed}`
        yield* w.person({ name: "Unlinked", linked: false })
        yield* w.person({ name: "Gone", active: false })
        const unreachable = yield* w.person({ name: "Blocked" })
        yield* w.sql`UPDATE employees SET unreachable_since = now() WHERE id = ${unreachable}`
        yield* w.person({ name: "Chess only" }, [])

        // Before the invitation time nothing happens.
        yield* at(new Date(first.invite.getTime() - 60_000))
        expect(yield* w.rounds.runDue).toEqual([])
        expect(yield* w.count("outbox")).toBe(0)

        const runs = yield* runAt(w, first.invite)
        expect(
          runs
            .filter((run) => run.outcome === "done")
            .map((run) => run.interest)
            .sort(),
        ).toEqual(["coffee", "lunch", "walk"])
        const coffee = yield* w.round("coffee", firstMonday)
        expect(coffee.status).toBe("inviting")
        expect(coffee.invitedAt).toEqual(minuteAfter(first.invite))

        const invites = (yield* w.outbox("round.invite")).filter((row) =>
          row.dedupeKey.startsWith(`round:${coffee.id}:`),
        )
        expect(invites.map((row) => row.employeeId).sort()).toEqual([...invited].sort())
        for (const row of invites) {
          expect(row.text).toContain("Secret coffee")
          expect(row.callbackData).toHaveLength(3)
          expect(row.callbackData.map(decodeAction)).toEqual(
            (["in", "skip", "pause"] as const).map((answer) =>
              Option.some(Action.RoundAnswer({ roundId: coffee.id, answer })),
            ),
          )
        }
        const lunch = yield* w.round("lunch", firstMonday)
        expect(
          (yield* w.outbox("round.invite"))
            .filter((row) => row.dedupeKey.startsWith(`round:${lunch.id}:`))
            .map((row) => row.employeeId),
        ).toEqual([invited[1]])

        const total = yield* w.count("outbox")
        const again = yield* runAt(w, new Date(first.invite.getTime() + 3_600_000))
        expect(again.filter((run) => run.outcome === "done")).toEqual([])
        expect(yield* w.count("outbox")).toBe(total)
        expect(yield* w.count("match_rounds")).toBe(3)
      }),
  )

  it.scoped(
    "a round whose invitations never went out before the match time is called off; nobody is invited late; the next cycle runs as usual",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const people = [yield* w.person(), yield* w.person()]
        // The first run of any process comes after the match time.
        const late = yield* runAt(w, first.match)
        expect(late.filter((run) => run.outcome === "done")).toEqual([])
        expect(yield* w.count("outbox")).toBe(0)
        const missed = yield* w.roundOf("coffee", firstMonday)
        expect(Option.map(missed, (round) => round.status)).not.toEqual(Option.some("inviting"))
        // A round that was made but not invited (its process died in between) is called off.
        const next = week(plusDays(firstMonday, 7))
        yield* at(minuteAfter(next.invite))
        const made = yield* w.rounds.repo.ensureRound(w.interests.coffee, next.startsOn)
        yield* at(minuteAfter(next.match))
        const runs = yield* w.rounds.runDue
        expect(runs.find((run) => run.interest === "coffee")?.outcome).toBe("cancelled")
        expect((yield* w.round("coffee", next.startsOn)).status).toBe("cancelled")
        expect(made.startsOn).toBe(next.startsOn)
        expect(yield* w.count("outbox")).toBe(0)
        // The cycle after runs as usual.
        const third = week(plusDays(firstMonday, 14))
        yield* runAt(w, third.invite)
        expect((yield* w.outbox("round.invite")).map((row) => row.employeeId).sort()).toEqual(
          [...people].sort(),
        )
      }),
  )
})

describe("answers", () => {
  it.scoped(
    "in / skip / pause are recorded and may change until the match; a pause keeps the person out for 28 days; forged answers change nothing; after the match answers are closed",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const [ann, ben, cat] = [yield* w.person(), yield* w.person(), yield* w.person()]
        const lunchOnly = yield* w.person({}, ["lunch"])
        yield* runAt(w, first.invite)
        const coffee = yield* w.round("coffee", firstMonday)
        const lunch = yield* w.round("lunch", firstMonday)
        const answers = w.sql<{ employeeId: number; answer: string }>`
          SELECT employee_id, answer FROM round_answers ORDER BY employee_id`
        const pausedUntil = (id: EmployeeId) =>
          w.sql<{ pausedUntil: string | null }>`
            SELECT to_char(paused_until, 'YYYY-MM-DD') AS paused_until FROM employee_interests
            WHERE employee_id = ${id} AND interest_id = ${w.interests.coffee}`.pipe(
            Effect.map(([row]) => row?.pausedUntil ?? null),
          )

        expect((yield* w.rounds.answer(coffee.id, ann, "in"))._tag).toBe("Recorded")
        yield* w.rounds.answer(coffee.id, ann, "skip")
        expect(yield* answers).toEqual([{ employeeId: ann, answer: "skip" }])
        yield* w.rounds.answer(coffee.id, ann, "in")

        const pause = yield* w.rounds.answer(coffee.id, ben, "pause")
        const until = plusDays(firstMonday, 28)
        expect(pause).toMatchObject({ _tag: "Recorded", pausedUntil: until })
        expect(yield* pausedUntil(ben)).toBe(until)
        // A pause taken back by another answer before the match is gone.
        yield* w.rounds.answer(coffee.id, cat, "pause")
        yield* w.rounds.answer(coffee.id, cat, "in")
        expect(yield* pausedUntil(cat)).toBeNull()

        // Forged: not invited to this round, invited to another one, or no such round.
        const before = yield* answers
        expect(yield* w.rounds.answer(coffee.id, lunchOnly, "in")).toEqual({ _tag: "NotInvited" })
        expect(yield* w.rounds.answer(lunch.id, ann, "in")).toEqual({ _tag: "NotInvited" })
        expect(yield* w.rounds.answer((coffee.id + 1000) as RoundId, ann, "pause")).toEqual({
          _tag: "NotInvited",
        })
        expect(yield* answers).toEqual(before)
        expect(yield* pausedUntil(ann)).toBeNull()

        yield* runAt(w, first.match)
        expect((yield* w.round("coffee", firstMonday)).status).toBe("matched")
        expect(yield* w.rounds.answer(coffee.id, ann, "skip")).toEqual({ _tag: "Closed" })
        expect(yield* answers).toEqual(before)

        // Ben is not invited for four weeks, and is again in the cycle 28 days on.
        const invitedIn = (monday: string) =>
          Effect.gen(function* () {
            yield* runAt(w, week(monday).invite)
            const round = yield* w.round("coffee", monday)
            return (yield* w.outbox("round.invite"))
              .filter((row) => row.dedupeKey.startsWith(`round:${round.id}:`))
              .map((row) => row.employeeId)
          })
        for (const days of [7, 14, 21]) {
          expect(yield* invitedIn(plusDays(firstMonday, days))).toEqual([ann, cat])
        }
        expect(yield* invitedIn(plusDays(firstMonday, 28))).toEqual([ann, ben, cat])
      }),
  )
})

describe("match", () => {
  it.scoped(
    "an odd count makes exactly one trio; everyone who said yes is placed once and gets one intro naming their partners with 👍/👎 for their match",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const names = ["Anna Aalto", "Boris Berg", "Vera Volkova", "Gleb Gromov", "Dina Dorn"]
        const departments = ["IT", "SALES", "HR", "IT", "MARKETING"]
        const joiners: Array<EmployeeId> = []
        for (const [i, name] of names.entries()) {
          joiners.push(yield* w.person({ name, department: departments[i] as string }))
        }
        const skipper = yield* w.person({ name: "Sasha Skip" })
        yield* runAt(w, first.invite)
        const round = yield* w.round("coffee", firstMonday)
        yield* allIn(w, round.id, joiners)
        yield* w.rounds.answer(round.id, skipper, "skip")

        const runs = yield* runAt(w, first.match)
        expect(runs.find((run) => run.interest === "coffee")).toMatchObject({
          step: "match",
          outcome: "done",
          placed: 5,
          groups: 2,
          alone: 0,
        })
        expect((yield* w.round("coffee", firstMonday)).status).toBe("matched")
        const groups = yield* w.groups(round.id)
        expect(groups.map((group) => group.members.length).sort()).toEqual([2, 3])
        expect(groups.flatMap((group) => group.members).sort()).toEqual([...joiners].sort())

        const intros = yield* w.outbox("round.intro")
        expect(intros.map((row) => row.employeeId).sort()).toEqual([...joiners].sort())
        const nameOf = new Map(joiners.map((id, i) => [id as number, names[i] as string]))
        for (const group of groups) {
          for (const member of group.members) {
            const intro = intros.find((row) => row.employeeId === member)
            for (const other of group.members) {
              if (other === member) expect(intro?.text).not.toContain(nameOf.get(other))
              else expect(intro?.text).toContain(nameOf.get(other))
            }
            expect(intro?.callbackData.map(decodeAction)).toEqual([
              Option.some(Action.MatchResponse({ matchId: group.matchId, response: "confirmed" })),
              Option.some(Action.MatchResponse({ matchId: group.matchId, response: "declined" })),
            ])
          }
        }
        // Running again places nobody twice and sends nothing more.
        yield* runAt(w, new Date(first.match.getTime() + 3_600_000))
        expect(yield* w.count("match_members")).toBe(5)
        expect(yield* w.outbox("round.intro")).toHaveLength(5)
      }),
  )

  it.scoped(
    "same office (lunch): offices never mix; the one person of an office is told and remembered, and gets the better partner next round",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const office = (name: string, count: number, department = "IT") =>
          Effect.forEach(Array.from({ length: count }), () =>
            w.person({ office: name, department }, ["lunch"]),
          )
        const oko = yield* office("БЦ Око", 4)
        const city = yield* office("БЦ Москва-Сити", 3)
        const [lone] = yield* office("БЦ Федерация", 1)
        const alone = lone as EmployeeId
        yield* runAt(w, first.invite)
        const round = yield* w.round("lunch", firstMonday)
        yield* allIn(w, round.id, [...oko, ...city, alone])
        yield* runAt(w, first.match)

        const groups = yield* w.groups(round.id)
        const officeOf = new Map<number, string>([
          ...oko.map((id) => [id as number, "oko"] as const),
          ...city.map((id) => [id as number, "city"] as const),
        ])
        for (const group of groups) {
          expect(new Set(group.members.map((id) => officeOf.get(id))).size).toBe(1)
        }
        expect(groups.flatMap((group) => group.members).sort()).toEqual([...oko, ...city].sort())
        const aloneRows = yield* w.outbox("round.alone")
        expect(aloneRows.map((row) => row.employeeId)).toEqual([alone])
        expect(aloneRows[0]?.text).toContain("nobody else from your office")
        expect(
          yield* w.sql`SELECT employee_id FROM round_unplaced WHERE round_id = ${round.id}`,
        ).toEqual([{ employeeId: alone }])

        // Next round three colleagues of the same department join in that office, and one from
        // another department: the one left alone last time gets that better partner.
        const same = yield* office("БЦ Федерация", 2)
        const [other] = yield* office("БЦ Федерация", 1, "SALES")
        const next = week(plusDays(firstMonday, 7))
        yield* runAt(w, next.invite)
        const second = yield* w.round("lunch", next.startsOn)
        const federation = [alone, ...same, other as EmployeeId]
        yield* allIn(w, second.id, federation)
        // A seed with which, without the priority, someone else would get that partner: so the
        // pairing below shows the priority, not luck.
        const candidates = yield* w.sql<{
          id: number
          departmentId: number
          businessCenterId: number
        }>`SELECT id, department_id, business_center_id FROM employees WHERE id IN ${w.sql.in(federation)} ORDER BY id`
        const partnerOfAlone = (seed: number, priority: boolean) => {
          const placement = place({
            candidates: candidates.map((c) => ({ ...c, priority: priority && c.id === alone })),
            mode: "same_office",
            history: [],
            noRepeat: 6,
            seed,
          })
          return placement.groups.find((group) => group.includes(alone))?.find((id) => id !== alone)
        }
        const seed = Array.from({ length: 100 }, (_, i) => i + 1).find(
          (seed) => partnerOfAlone(seed, false) !== other,
        )
        expect(seed).toBeDefined()
        yield* w.sql`UPDATE match_rounds SET seed = ${seed as number} WHERE id = ${second.id}`
        yield* runAt(w, next.match)
        const pairs = yield* w.groups(second.id)
        expect(pairs.find((group) => group.members.includes(alone))?.members.sort()).toEqual(
          [alone, other as EmployeeId].sort(),
        )
      }),
  )

  it.scoped(
    "no pair meets twice while another placement exists: four people over three weeks meet all three others",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        // Two departments: across departments is preferred, so a repeat would be tempting.
        const people = [
          yield* w.person({ department: "IT" }),
          yield* w.person({ department: "IT" }),
          yield* w.person({ department: "SALES" }),
          yield* w.person({ department: "SALES" }),
        ]
        const seen: Array<string> = []
        for (const days of [0, 7, 14]) {
          const cycle = week(plusDays(firstMonday, days))
          yield* runAt(w, cycle.invite)
          const round = yield* w.round("coffee", cycle.startsOn)
          yield* allIn(w, round.id, people)
          yield* runAt(w, cycle.match)
          const pairs = sortedPairs(yield* w.groups(round.id))
          expect(pairs).toHaveLength(2)
          seen.push(...pairs)
        }
        expect(new Set(seen).size).toBe(6)
      }),
  )
})

describe("a round run before its times (ops, the playground)", () => {
  it.scoped(
    "taken to its close early, the next run starts the next cycle's round, which status names",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const people = [yield* w.person(), yield* w.person()]
        yield* at(minuteAfter(first.invite))
        const invite = yield* w.rounds.runNow("coffee", Option.none())
        expect(invite).toMatchObject({ step: "invite", outcome: "done", startsOn: firstMonday })
        yield* allIn(w, (yield* w.round("coffee", firstMonday)).id, people)
        // The rest of the round at once, all before its match time.
        const rest: Array<string> = []
        for (let i = 0; i < 4; i++) {
          const run = yield* w.rounds.runNow("coffee", Option.none())
          rest.push(`${run.step}:${run.outcome}`)
        }
        expect(rest).toEqual(["match:done", "remind:done", "feedback:done", "close:done"])

        const secondMonday = plusDays(firstMonday, 7)
        const coffee = (yield* w.rounds.status).find((entry) => entry.interest === "coffee")
        expect(Option.getOrThrow(coffee?.next ?? Option.none())).toMatchObject({
          step: "invite",
          startsOn: secondMonday,
        })
        const next = yield* w.rounds.runNow("coffee", Option.none())
        expect(next).toMatchObject({ step: "invite", outcome: "done", startsOn: secondMonday })
        expect(yield* w.outbox("round.invite")).toHaveLength(4)
      }),
  )
})

describe("one process per step", () => {
  it.scoped(
    "two processes running the same step at once: it happens once; one did it, the other found it busy or done",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const people = yield* Effect.forEach(Array.from({ length: 7 }), () => w.person())
        // A second process: its own pool and its own Rounds over the same database.
        const otherDb = yield* Layer.build(databaseAt(w.url))
        const other = Context.get(yield* Layer.build(roundsOver(otherDb)), Rounds)

        yield* at(minuteAfter(first.invite))
        const invites = yield* Effect.all(
          [
            w.rounds.runNow("coffee", Option.some("invite")),
            other.runNow("coffee", Option.some("invite")),
          ],
          { concurrency: 2 },
        )
        expect(invites.map((run) => run.outcome).sort()).toEqual(expect.arrayContaining(["done"]))
        expect(invites.filter((run) => run.outcome === "done")).toHaveLength(1)
        expect(invites.every((run) => ["done", "busy", "done-before"].includes(run.outcome))).toBe(
          true,
        )
        expect(yield* w.outbox("round.invite")).toHaveLength(7)

        const round = yield* w.round("coffee", firstMonday)
        yield* allIn(w, round.id, people)
        yield* at(minuteAfter(first.match))
        const [mine, theirs] = yield* Effect.all([w.rounds.runDue, other.runDue], {
          concurrency: 2,
        })
        const matchRuns = [...mine, ...theirs].filter(
          (run) => run.interest === "coffee" && run.step === "match",
        )
        expect(matchRuns.filter((run) => run.outcome === "done")).toHaveLength(1)
        expect(yield* w.count("matches")).toBe(3)
        expect(yield* w.count("match_members")).toBe(7)
        const intros = yield* w.outbox("round.intro")
        expect(intros.map((row) => row.employeeId).sort()).toEqual([...people].sort())
      }),
  )

  it.scoped(
    "while another process holds a round's step lock, a step is skipped as busy and changes nothing; afterwards it runs",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const people = [yield* w.person(), yield* w.person()]
        yield* runAt(w, first.invite)
        const round = yield* w.round("coffee", firstMonday)
        yield* allIn(w, round.id, people)
        yield* at(minuteAfter(first.match))

        const otherDb = yield* Layer.build(databaseAt(w.url))
        const otherSql = Context.get(otherDb, SqlClient.SqlClient)
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* otherSql
          .withTransaction(
            Effect.gen(function* () {
              yield* otherSql`SELECT pg_advisory_xact_lock(${ROUNDS_LOCK}, ${round.id})`
              yield* Deferred.succeed(locked, undefined)
              yield* Deferred.await(release)
            }),
          )
          .pipe(Effect.fork)
        yield* Deferred.await(locked)
        const busy = yield* w.rounds.runNow("coffee", Option.some("match"))
        expect(busy.outcome).toBe("busy")
        expect(yield* w.count("matches")).toBe(0)
        expect((yield* w.round("coffee", firstMonday)).status).toBe("inviting")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        expect((yield* w.rounds.runNow("coffee", Option.some("match"))).outcome).toBe("done")
        expect(yield* w.count("matches")).toBe(1)
      }),
  )

  it.scoped(
    "a match step that fails after inserting matches leaves nothing; the next run does it whole, each intro once",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const people = yield* Effect.forEach(Array.from({ length: 5 }), () => w.person())
        yield* runAt(w, first.invite)
        const round = yield* w.round("coffee", firstMonday)
        yield* allIn(w, round.id, people)
        // The fourth member row fails: the first match is in by then, the second half-way.
        yield* w.sql.unsafe(`
          CREATE FUNCTION fail_fourth_member() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF (SELECT count(*) FROM match_members WHERE round_id = NEW.round_id) >= 3 THEN
              RAISE EXCEPTION 'the disk is full';
            END IF;
            RETURN NEW;
          END $$`)
        yield* w.sql.unsafe(`
          CREATE TRIGGER fail_fourth_member BEFORE INSERT ON match_members
          FOR EACH ROW EXECUTE FUNCTION fail_fourth_member()`)

        const crashed = yield* Effect.exit(runAt(w, first.match))
        expect(Exit.isFailure(crashed)).toBe(true)
        expect(yield* w.count("matches")).toBe(0)
        expect(yield* w.count("match_members")).toBe(0)
        expect(yield* w.outbox("round.intro")).toEqual([])
        const after = yield* w.round("coffee", firstMonday)
        expect(after.status).toBe("inviting")
        expect(after.matchedAt).toBeNull()

        yield* w.sql.unsafe("DROP TRIGGER fail_fourth_member ON match_members")
        yield* runAt(w, new Date(first.match.getTime() + 3_600_000))
        expect((yield* w.round("coffee", firstMonday)).status).toBe("matched")
        expect(yield* w.count("matches")).toBe(2)
        const intros = yield* w.outbox("round.intro")
        expect(intros.map((row) => row.employeeId).sort()).toEqual([...people].sort())
      }),
  )
})

describe("after the match", () => {
  it.scoped(
    "a decline tells the partner once and gives them priority; reminders go to who has not answered in matches without a decline; feedback to matches without a decline; met, rating and comment are stored; the comment is never sent",
    () =>
      Effect.gen(function* () {
        const w = yield* world()
        const names = ["Anna Aalto", "Boris Berg", "Vera Volkova", "Gleb Gromov"]
        const people = yield* Effect.forEach(names, (name) => w.person({ name }))
        const nameOf = (id: EmployeeId) => names[people.indexOf(id)] as string
        yield* runAt(w, first.invite)
        const round = yield* w.round("coffee", firstMonday)
        yield* allIn(w, round.id, people)
        yield* runAt(w, first.match)
        const [declinedMatch, liveMatch] = yield* w.groups(round.id)
        if (declinedMatch === undefined || liveMatch === undefined) {
          return yield* Effect.dieMessage("expected two pairs")
        }
        const [decliner, partner] = declinedMatch.members as [EmployeeId, EmployeeId]
        const [confirmer, silent] = liveMatch.members as [EmployeeId, EmployeeId]
        const m1 = declinedMatch.matchId
        const m2 = liveMatch.matchId

        // Rating before the feedback question: not taken.
        expect(yield* w.rounds.rate(m2, confirmer, 5)).toEqual({ _tag: "Closed" })
        // Someone else's match.
        expect(yield* w.rounds.respond(m2, decliner, "confirmed")).toEqual({ _tag: "NotYours" })

        expect((yield* w.rounds.respond(m1, decliner, "declined"))._tag).toBe("Recorded")
        yield* w.rounds.respond(m1, decliner, "declined")
        const declined = yield* w.outbox("round.declined")
        expect(declined.map((row) => row.employeeId)).toEqual([partner])
        expect(declined[0]?.text).toContain(nameOf(decliner))
        yield* w.rounds.respond(m2, confirmer, "confirmed")

        const reminded = yield* runAt(w, first.remind)
        expect(reminded.find((run) => run.interest === "coffee")).toMatchObject({
          step: "remind",
          outcome: "done",
        })
        expect((yield* w.outbox("round.remind")).map((row) => row.employeeId)).toEqual([silent])

        yield* runAt(w, first.feedback)
        const feedback = yield* w.outbox("round.feedback")
        expect(feedback.map((row) => row.employeeId).sort()).toEqual([confirmer, silent].sort())
        const question = feedback.find((row) => row.employeeId === confirmer)
        expect(question?.text).toContain(nameOf(silent))
        expect(question?.callbackData.map(decodeAction)).toEqual([
          Option.some(Action.MatchMet({ matchId: m2, met: true })),
          Option.some(Action.MatchMet({ matchId: m2, met: false })),
        ])

        // Rating counts only after "yes, we met".
        expect(yield* w.rounds.rate(m2, silent, 4)).toEqual({ _tag: "Closed" })
        expect((yield* w.rounds.reportMet(m2, confirmer, true))._tag).toBe("Recorded")
        expect((yield* w.rounds.rate(m2, confirmer, 5))._tag).toBe("Recorded")
        expect((yield* w.rounds.reportMet(m2, silent, false))._tag).toBe("Recorded")
        expect(yield* w.rounds.rate(m2, silent, 4)).toEqual({ _tag: "Closed" })
        const remark = "secret remark: the coffee was cold"
        expect((yield* w.rounds.comment(m2, confirmer, remark))._tag).toBe("Recorded")
        expect(
          yield* w.sql`SELECT employee_id, met, rating, comment FROM match_members
                       WHERE match_id = ${m2} ORDER BY employee_id`,
        ).toEqual(
          [
            { employeeId: confirmer, met: true, rating: 5, comment: remark },
            { employeeId: silent, met: false, rating: null, comment: null },
          ].sort((a, b) => a.employeeId - b.employeeId),
        )

        // The partner who was let down has priority next round; the one who declined has not.
        const priority = yield* w.rounds.repo.priorityIn(
          w.interests.coffee,
          plusDays(firstMonday, 7),
        )
        expect([...priority]).toEqual([partner])

        // Until the close, and then no more answers; the comment never went out.
        yield* runAt(w, first.close)
        expect((yield* w.round("coffee", firstMonday)).status).toBe("closed")
        expect(yield* w.rounds.reportMet(m2, silent, true)).toEqual({ _tag: "Closed" })
        const all = yield* w.outbox()
        expect(all.length).toBeGreaterThan(0)
        for (const row of all) expect(row.payload).not.toContain("secret remark")
      }),
  )
})

describe("languages", () => {
  it.scoped(
    "each person is written to in the language they last wrote to the bot in; someone who never did, in BOT_DEFAULT_LOCALE",
    () =>
      Effect.gen(function* () {
        const w = yield* world({ locale: "ru" })
        const emma = yield* w.person({ name: "Emma" })
        const ivan = yield* w.person({ name: "Ivan" })
        yield* w.sql`UPDATE employees SET locale = 'en' WHERE id = ${emma}`
        const coffee = defaultInterests.find((interest) => interest.code === "coffee")
        if (coffee === undefined) return yield* Effect.dieMessage("no coffee interest")

        yield* runAt(w, first.invite)
        const round = yield* w.round("coffee", firstMonday)
        const invites = (yield* w.outbox("round.invite")).filter((row) =>
          row.dedupeKey.startsWith(`round:${round.id}:`),
        )
        const textTo = (rows: ReadonlyArray<OutboxRow>, id: EmployeeId) =>
          rows.find((row) => row.employeeId === id)?.text
        expect(textTo(invites, emma)).toBe(
          roundTexts("en").invite(interestName(coffee, "en"), formatWhen(first.match, "en", zone)),
        )
        expect(textTo(invites, ivan)).toBe(
          roundTexts("ru").invite(interestName(coffee, "ru"), formatWhen(first.match, "ru", zone)),
        )

        yield* allIn(w, round.id, [emma, ivan])
        yield* runAt(w, first.match)
        const intros = yield* w.outbox("round.intro")
        expect(textTo(intros, emma)).toMatch(
          new RegExp(`^${interestName(coffee, "en")}: your partner this time is`),
        )
        expect(textTo(intros, ivan)).toMatch(new RegExp(`^${interestName(coffee, "ru")}: `))
        expect(textTo(intros, ivan)).not.toContain("your partner")

        // Ivan cannot meet: Emma hears of it in English.
        const [match] = yield* w.groups(round.id)
        if (match === undefined) return yield* Effect.dieMessage("no match")
        yield* w.rounds.respond(match.matchId, ivan, "declined")
        expect(
          (yield* w.outbox("round.declined")).map((row) => [row.employeeId, row.text]),
        ).toEqual([[emma, roundTexts("en").partnerDeclined(interestName(coffee, "en"), "Ivan")]])
      }),
  )
})
