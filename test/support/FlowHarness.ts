/**
 * The flows (`makeFlows`) over the in-memory repositories (`InMemory.ts`) and organisers'
 * services (`InMemoryAdmin.ts`), memory sessions and
 * the settings the e2e bot runs with: users send text and press buttons, and see what a Reply was
 * asked to show. No Postgres, Redis or Telegram server, so a flow test takes milliseconds.
 *
 * The clock is the test's: sessions expire and activities start when a test moves it
 * (`TestClock.adjust`), so run the tests with `it.effect`.
 */
import { Effect, Layer, Option, Redacted, TestClock } from "effect"
import type { Roles } from "../../src/admins/Roles"
import { type Incoming, makeFlows } from "../../src/bot/Flows"
import { commands } from "../../src/bot/Input"
import { spokenLocaleOf } from "../../src/bot/Messages"
import type { View } from "../../src/bot/Views"
import type { Reply } from "../../src/bot/Visit"
import * as MemoryCache from "../../src/cache/MemoryCache"
import { BotConfig, CacheConfig } from "../../src/config"
import { type EmployeeId, TelegramId } from "../../src/domain/Ids"
import type { Locale } from "../../src/domain/Models"
import { Sessions } from "../../src/sessions/Sessions"
import * as InMemory from "./InMemory"
import * as InMemoryAdmin from "./InMemoryAdmin"

/** As the e2e harness names them (test/support/BotHarness.ts). */
export const adminContact = "@hr_connect"
export const timeZone = "Europe/Moscow"

/** A Monday morning in Moscow: a realistic start for dates, streaks and week boundaries. */
const startOfTest = Date.parse("2026-03-02T06:00:00Z")

export interface Notice {
  readonly text: string
  readonly alert: boolean
}

/** What one update made the bot do. */
export interface Answer {
  readonly result: "handled" | "redelivered"
  readonly screens: ReadonlyArray<View>
  readonly notices: ReadonlyArray<Notice>
  /** The last screen this update showed. */
  readonly screen: View | undefined
  readonly text: string | undefined
  /** Labels, row by row, of the last screen this update showed. */
  readonly buttons: ReadonlyArray<ReadonlyArray<string>>
  /** The first notice (a button's pop-up, or the reply to a message). */
  readonly notice: Notice | undefined
}

export const labelsOf = (view: View | undefined): ReadonlyArray<ReadonlyArray<string>> =>
  view?.keyboard.inline_keyboard.map((row) => row.map((button) => button.text)) ?? []

const dataOf = (view: View | undefined, label: string): string | undefined => {
  for (const row of view?.keyboard.inline_keyboard ?? []) {
    for (const button of row) {
      if (button.text === label && "callback_data" in button) return button.callback_data
    }
  }
  return undefined
}

export interface UserOptions {
  readonly telegramId?: TelegramId
  readonly username?: string
  readonly firstName?: string
  readonly languageCode?: string
}

/** The repositories over `world`, memory sessions, and the e2e bot's settings. */
const servicesOver = (
  world: InMemory.World,
  admins: InMemoryAdmin.AdminWorld,
  defaultLocale: Locale,
) =>
  Layer.mergeAll(
    InMemory.layer(world),
    InMemoryAdmin.layer(world, admins, timeZone),
    Sessions.Default.pipe(
      Layer.provideMerge(MemoryCache.layer({ reason: "flow tests" })),
      Layer.provide(Layer.succeed(CacheConfig, { redisUrl: Option.none(), prefix: "flows:" })),
    ),
    Layer.succeed(BotConfig, {
      token: Redacted.make("1:flow-tests-token-0123456789"),
      // Never called: the flows talk through the Reply they are given.
      apiRoot: "http://127.0.0.1:9",
      transport: { _tag: "Polling" },
      port: 8080,
      defaultLocale,
      adminContact,
      timeZone,
    }),
  )

/**
 * A fresh world (the seeded interest catalogue, no employees, no activities) and the flows over
 * it, at a fixed moment of the test clock.
 */
export const make = (options: { readonly defaultLocale?: Locale } = {}) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(startOfTest)
    const world = InMemory.makeWorld()
    const admins = InMemoryAdmin.makeAdminWorld()
    const { flows, sessions } = yield* Effect.all({ flows: makeFlows, sessions: Sessions }).pipe(
      Effect.provide(servicesOver(world, admins, options.defaultLocale ?? "ru")),
    )
    let nextUpdateId = 1
    let nextTelegramId = 1_000_000

    /** A Telegram user talking to the bot in their own chat. */
    const user = (userOptions: UserOptions = {}) => {
      const telegramId = userOptions.telegramId ?? TelegramId.make(nextTelegramId++)
      const from: Incoming["from"] = {
        telegramId,
        username: userOptions.username,
        firstName: userOptions.firstName ?? "Test",
        languageCode: userOptions.languageCode,
      }
      let lastScreen: View | undefined
      let lastIncoming: Incoming | undefined

      const deliver = (incoming: Incoming) =>
        Effect.gen(function* () {
          const screens: Array<View> = []
          const notices: Array<Notice> = []
          const reply: Reply = {
            show: (view) => Effect.sync(() => void screens.push(view)),
            notice: (text, noticeOptions) =>
              Effect.sync(() => void notices.push({ text, alert: noticeOptions?.alert ?? false })),
          }
          lastIncoming = incoming
          const result = yield* flows.respond(incoming, reply)
          const screen = screens.at(-1)
          if (screen !== undefined) lastScreen = screen
          return {
            result,
            screens,
            notices,
            screen,
            text: screen?.text,
            buttons: labelsOf(screen),
            notice: notices[0],
          } satisfies Answer
        })

      const updateOf = (input: Incoming["input"]): Incoming => ({
        updateId: nextUpdateId++,
        from,
        input,
      })

      /** A message: one of the bot's commands, or text (another `/word` is text, as Input reads it). */
      const send = (text: string) => {
        const name = text.startsWith("/") ? text.slice(1) : undefined
        return deliver(
          updateOf(
            name !== undefined && commands.has(name)
              ? { _tag: "Command", name }
              : { _tag: "Text", text },
          ),
        )
      }

      /** Presses whatever data, as a forged or stale button would. */
      const pressData = (data: string, pressOptions: { readonly foreign?: boolean } = {}) =>
        deliver(updateOf({ _tag: "Button", data, foreign: pressOptions.foreign ?? false }))

      /** Presses the button with this label on the last screen the user was shown. */
      const press = (label: string) =>
        Effect.suspend(() => {
          const data = dataOf(lastScreen, label)
          return data === undefined
            ? Effect.dieMessage(
                `no button ${JSON.stringify(label)} on the last screen: ${JSON.stringify(labelsOf(lastScreen))}`,
              )
            : pressData(data)
        })

      /** Telegram delivers the last update again (it got no answer in time). */
      const redeliver = () =>
        Effect.suspend(() =>
          lastIncoming === undefined
            ? Effect.dieMessage("nothing was delivered yet")
            : deliver(lastIncoming),
        )

      return {
        telegramId,
        send,
        press,
        pressData,
        redeliver,
        get lastScreen() {
          return lastScreen
        },
      }
    }

    /** An active employee and their Telegram user (linked by Telegram id unless `linked: false`). */
    const employee = (
      employeeOptions: {
        readonly fullName?: string
        readonly languageCode?: string
        /** The language stored for them; default: the one `languageCode` names. */
        readonly storedLocale?: Locale | null
        readonly linked?: boolean
        readonly departmentName?: string
        readonly businessCenterName?: string
        /** A `bot_admins` row with these roles on. */
        readonly roles?: Partial<Roles>
      } = {},
    ) =>
      Effect.gen(function* () {
        const telegramId = TelegramId.make(nextTelegramId++)
        const username = `user_${telegramId}`
        const fullName = employeeOptions.fullName ?? "Test User"
        const employeeId: EmployeeId = yield* InMemory.addEmployee(world, {
          fullName,
          username,
          // Someone who has used the bot in their language before: the flows' tests are not
          // about the first time the bot hears of it (test/bot/Flows.e2e.test.ts is).
          locale:
            employeeOptions.storedLocale === undefined
              ? spokenLocaleOf(employeeOptions.languageCode)
              : employeeOptions.storedLocale,
          telegramId: employeeOptions.linked === false ? null : telegramId,
          ...(employeeOptions.departmentName === undefined
            ? {}
            : { departmentName: employeeOptions.departmentName }),
          ...(employeeOptions.businessCenterName === undefined
            ? {}
            : { businessCenterName: employeeOptions.businessCenterName }),
        })
        if (employeeOptions.roles !== undefined) grant(employeeId, employeeOptions.roles)
        return {
          employeeId,
          telegramId,
          user: user({
            telegramId,
            username,
            firstName: fullName.split(" ")[0] ?? "Test",
            ...(employeeOptions.languageCode === undefined
              ? {}
              : { languageCode: employeeOptions.languageCode }),
          }),
        }
      })

    /** Gives roles, as `grant-admin` does (the roles held stay). */
    const grant = (employeeId: EmployeeId, roles: Partial<Roles>) => {
      const held = admins.admins.get(employeeId) ?? InMemoryAdmin.rolesWith({})
      const granted = InMemoryAdmin.rolesWith(roles)
      admins.admins.set(employeeId, {
        superAdmin: held.superAdmin || granted.superAdmin,
        manageActivities: held.manageActivities || granted.manageActivities,
        manageUsers: held.manageUsers || granted.manageUsers,
        viewReports: held.viewReports || granted.viewReports,
      })
    }

    /** Takes every role, as `revoke-admin` does. */
    const revoke = (employeeId: EmployeeId) => void admins.admins.delete(employeeId)

    return { world, admins, sessions, user, employee, grant, revoke }
  })

export type FlowHarness = Effect.Effect.Success<ReturnType<typeof make>>
export type User = ReturnType<FlowHarness["user"]>
