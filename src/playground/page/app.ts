/**
 * The playground page (docs/playground.md): someone picks who they are and talks to the real bot
 * through the playground's in-process Telegram, without Telegram. Who they are and the language
 * are kept per tab (sessionStorage), so two tabs can be two people in one round.
 *
 * Bundled by PageAssets.ts at the server's start; plain DOM, no framework.
 */
import type { ChatEntry, ChatEvent, ChatState, ChatUser } from "../BotApi"
import type { PanelState, Person } from "../PageApi"
import * as Api from "./Api"
import { makeChatView } from "./ChatView"
import { makeOrganiserPanel } from "./OrganiserPanel"
import { isLanguage, type Language, type PageTexts, textsFor } from "./Texts"

const byId = <E extends HTMLElement>(id: string, type: new () => E): E => {
  const element = document.getElementById(id)
  if (!(element instanceof type)) throw new Error(`The page has no #${id}`)
  return element
}

const personKey = "connectbot.playground.person"
const languageKey = "connectbot.playground.language"
/** How long the bot's short answers to a press stay on screen. */
const toastMillis = 4000
/** After the stream gave up (the server was away): how soon to try again. */
const reconnectMillis = 2000

const personSelect = byId("person", HTMLSelectElement)
const languageSelect = byId("language", HTMLSelectElement)
const connection = byId("connection", HTMLElement)
const composer = byId("composer", HTMLFormElement)
const input = byId("input", HTMLInputElement)
const toast = byId("toast", HTMLElement)
const alertDialog = byId("alert", HTMLDialogElement)
const alertText = byId("alert-text", HTMLElement)
const panelToggle = byId("panel-toggle", HTMLButtonElement)
const panelClose = byId("panel-close", HTMLButtonElement)
const panelTitle = byId("panel-title", HTMLElement)

let language: Language = isLanguage(sessionStorage.getItem(languageKey))
  ? (sessionStorage.getItem(languageKey) as Language)
  : "ru"
let people: ReadonlyArray<Person> = []
let person: Person | undefined
const texts = (): PageTexts => textsFor(language)

/** Who the page is to the bot: the chosen person, speaking the page's language. */
const chatUser = (): ChatUser | undefined =>
  person === undefined ? undefined : { ...person.user, languageCode: language }

// ---------------------------------------------------------------------------------------------
// Notices

let toastTimer: ReturnType<typeof setTimeout> | undefined
const showToast = (text: string) => {
  toast.textContent = text
  toast.hidden = false
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => {
    toast.hidden = true
  }, toastMillis)
}

const showAlert = (text: string) => {
  alertText.textContent = text
  alertDialog.showModal()
}

const fail = (error: unknown) =>
  showToast(texts().failed(error instanceof Error ? error.message : String(error)))

// ---------------------------------------------------------------------------------------------
// The chat

const send = async (text: string): Promise<boolean> => {
  const user = chatUser()
  if (user === undefined || text.trim() === "") return false
  try {
    const { entry } = await Api.send(user, text)
    view.apply({ _tag: "Message", entry })
    return true
  } catch (error) {
    fail(error)
    return false
  }
}

const press = async (entry: ChatEntry, data: string) => {
  const user = chatUser()
  if (user === undefined) return
  try {
    const { answer } = await Api.press(user, entry.messageId, data)
    if (answer?.text === undefined) return
    if (answer.showAlert) showAlert(answer.text)
    else showToast(answer.text)
  } catch (error) {
    fail(error)
  }
}

const view = makeChatView({
  list: byId("messages", HTMLOListElement),
  replyKeyboard: byId("reply-keyboard", HTMLElement),
  texts,
  onPress: press,
  onReply: (label) => {
    void send(label).then(() => input.focus())
  },
})

composer.addEventListener("submit", (event) => {
  event.preventDefault()
  const text = input.value
  void send(text).then((sent) => {
    if (sent && input.value === text) input.value = ""
    input.focus()
  })
})

for (const button of document.querySelectorAll<HTMLButtonElement>("[data-command]")) {
  button.addEventListener("click", () => void send(button.dataset.command ?? ""))
}

// ---------------------------------------------------------------------------------------------
// The organiser's panel

const panel = makeOrganiserPanel({
  elements: {
    now: byId("clock-now", HTMLOutputElement),
    ahead: byId("clock-ahead", HTMLElement),
    forward: byId("clock-forward", HTMLButtonElement),
    stepResult: byId("step-result", HTMLElement),
    rounds: byId("rounds", HTMLUListElement),
    outbox: byId("outbox", HTMLTableElement).tBodies[0] as HTMLTableSectionElement,
  },
  texts,
  moveClock: () => Api.moveClock(1),
  step: async (interest) => (await Api.step(interest)).run,
  refresh: Api.panel,
  fail,
})

/** On a phone the panel covers the chat; elsewhere it sits beside it, open at first. */
const phone = window.matchMedia("(max-width: 720px)")

const setPanelOpen = (open: boolean, moveFocus: boolean) => {
  document.body.classList.toggle("panel-open", open)
  panelToggle.setAttribute("aria-expanded", String(open))
  if (!moveFocus) return
  if (open) panelTitle.focus()
  else panelToggle.focus()
}

panelTitle.tabIndex = -1
panelToggle.addEventListener("click", () =>
  setPanelOpen(panelToggle.getAttribute("aria-expanded") !== "true", true),
)
panelClose.addEventListener("click", () => setPanelOpen(false, true))
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && phone.matches && document.body.classList.contains("panel-open")) {
    setPanelOpen(false, true)
  }
})
setPanelOpen(!phone.matches, false)
phone.addEventListener("change", () => setPanelOpen(!phone.matches, false))

// ---------------------------------------------------------------------------------------------
// Live: one event stream per chosen person. Its first event (`chat`) is the chat as it was when
// the stream began, so a reconnection also heals whatever was missed while away.

let source: EventSource | undefined
let retry: ReturnType<typeof setTimeout> | undefined

const connect = () => {
  source?.close()
  clearTimeout(retry)
  const user = person?.user
  if (user === undefined) return
  connection.textContent = texts().connecting
  const stream = new EventSource(Api.eventsUrl(user.id))
  source = stream

  stream.addEventListener("open", () => {
    Api.panel().then(panel.show, fail)
  })
  stream.addEventListener("chat", (message: MessageEvent<string>) => {
    view.reset(JSON.parse(message.data) as ChatState)
    connection.textContent = ""
  })
  stream.addEventListener("message", (message: MessageEvent<string>) => {
    const event = JSON.parse(message.data) as ChatEvent
    const chatId = event._tag === "Message" ? event.entry.chatId : event.chatId
    if (chatId === user.id) view.apply(event)
  })
  stream.addEventListener("panel", (message: MessageEvent<string>) => {
    panel.show(JSON.parse(message.data) as PanelState)
  })
  stream.addEventListener("error", () => {
    if (source !== stream) return
    connection.textContent = texts().reconnecting
    // The browser retries by itself while CONNECTING; once CLOSED (an error status) it is ours.
    if (stream.readyState === EventSource.CLOSED) retry = setTimeout(connect, reconnectMillis)
  })
}

// ---------------------------------------------------------------------------------------------
// Who I am, and the language

const labelOf = (candidate: Person) =>
  candidate.kind === "stranger" ? texts().stranger : candidate.label

const drawPeople = () => {
  const groups: ReadonlyArray<readonly [Person["kind"], string]> = [
    ["demo", texts().demoPeople],
    ["employee", texts().employees],
    ["stranger", texts().others],
  ]
  personSelect.replaceChildren(
    ...groups
      .map(([kind, label]) => {
        const group = document.createElement("optgroup")
        group.label = label
        for (const candidate of people.filter((p) => p.kind === kind)) {
          const option = document.createElement("option")
          option.value = String(candidate.user.id)
          option.textContent = labelOf(candidate)
          group.appendChild(option)
        }
        return group
      })
      .filter((group) => group.children.length > 0),
  )
  if (person !== undefined) personSelect.value = String(person.user.id)
}

const choose = (id: string) => {
  person = people.find((candidate) => String(candidate.user.id) === id) ?? people[0]
  if (person === undefined) return
  sessionStorage.setItem(personKey, String(person.user.id))
  personSelect.value = String(person.user.id)
  connect()
}

personSelect.addEventListener("change", () => {
  choose(personSelect.value)
  input.focus()
})

const drawTexts = () => {
  const words = texts()
  document.documentElement.lang = language
  document.title = words.title
  for (const element of document.querySelectorAll<HTMLElement>("[data-text]")) {
    const value = words[element.dataset.text as keyof PageTexts]
    if (typeof value === "string") element.textContent = value
  }
  input.placeholder = words.messagePlaceholder
  languageSelect.value = language
}

languageSelect.addEventListener("change", () => {
  if (!isLanguage(languageSelect.value)) return
  language = languageSelect.value
  sessionStorage.setItem(languageKey, language)
  drawTexts()
  drawPeople()
  view.redraw()
  panel.redraw()
})

drawTexts()
Api.people()
  .then((response) => {
    people = response.people
    if (people.length === 0) {
      connection.textContent = texts().noPeople
      return
    }
    choose(sessionStorage.getItem(personKey) ?? "")
    drawPeople()
  })
  .catch(fail)
