/**
 * The chat as Telegram draws it: the bot's messages on the left, the user's on the right, each
 * with its inline keyboard; an edited message changes in place and a deleted one goes; the reply
 * keyboard sits above the input. It applies `ChatEvent`s in the order they come, and a fresh
 * `ChatState` after every (re)connection, so missing an event while disconnected heals.
 */
import type { ChatButton, ChatEntry, ChatEvent, ChatState } from "../BotApi"
import { renderText } from "./Entities"
import type { PageTexts } from "./Texts"

export interface ChatViewOptions {
  readonly list: HTMLOListElement
  readonly replyKeyboard: HTMLElement
  readonly texts: () => PageTexts
  /** A callback button was pressed; settles once the bot has answered (or not). */
  readonly onPress: (entry: ChatEntry, data: string) => Promise<void>
  /** A reply keyboard button: its label is sent as the user's text. */
  readonly onReply: (label: string) => void
}

export interface ChatView {
  readonly reset: (state: ChatState) => void
  readonly apply: (event: ChatEvent) => void
  /** Draws everything again in the page's current language. */
  readonly redraw: () => void
}

const timeOf = (date: number, locale: string) => {
  const time = document.createElement("time")
  const at = new Date(date * 1000)
  time.dateTime = at.toISOString()
  time.textContent = at.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })
  return time
}

export const makeChatView = (options: ChatViewOptions): ChatView => {
  const { list, replyKeyboard, texts } = options
  const entries = new Map<number, ChatEntry>()
  const items = new Map<number, HTMLLIElement>()
  let keyboard: ChatState["keyboard"]

  const inlineButton = (entry: ChatEntry, button: ChatButton): HTMLElement => {
    if (button.url !== undefined) {
      const anchor = document.createElement("a")
      anchor.className = "inline-button"
      anchor.href = button.url
      anchor.target = "_blank"
      anchor.rel = "noopener noreferrer"
      anchor.textContent = button.text
      anchor.title = texts().opensInNewTab
      return anchor
    }
    const element = document.createElement("button")
    element.type = "button"
    element.className = "inline-button"
    element.textContent = button.text
    const data = button.data
    if (data === undefined) {
      element.disabled = true
      return element
    }
    element.addEventListener("click", () => {
      // Like Telegram's spinner: one press at a time until the bot answers. Not `disabled`, which
      // would drop keyboard focus before the edit that `replace` keeps it through.
      if (element.getAttribute("aria-busy") === "true") return
      element.setAttribute("aria-busy", "true")
      void options.onPress(entry, data).finally(() => element.removeAttribute("aria-busy"))
    })
    return element
  }

  const itemFor = (entry: ChatEntry): HTMLLIElement => {
    const item = document.createElement("li")
    item.className = `message from-${entry.from}`
    item.dataset.messageId = String(entry.messageId)
    item.tabIndex = -1

    const bubble = document.createElement("div")
    bubble.className = "bubble"
    const text = document.createElement("div")
    text.className = "text"
    text.appendChild(renderText(entry.text, entry.entities, texts()))
    const meta = document.createElement("div")
    meta.className = "meta"
    if (entry.edited) {
      const edited = document.createElement("span")
      edited.className = "edited"
      edited.textContent = texts().edited
      meta.append(edited, " ")
    }
    meta.appendChild(timeOf(entry.date, texts().locale))
    bubble.append(text, meta)
    item.appendChild(bubble)

    if (entry.buttons.length > 0) {
      const group = document.createElement("div")
      group.className = "inline-keyboard"
      group.setAttribute("role", "group")
      group.setAttribute("aria-label", texts().inlineKeyboard)
      for (const row of entry.buttons) {
        const line = document.createElement("div")
        line.className = "keyboard-row"
        for (const button of row) line.appendChild(inlineButton(entry, button))
        group.appendChild(line)
      }
      item.appendChild(group)
    }
    return item
  }

  const controlsOf = (item: Element) => [...item.querySelectorAll<HTMLElement>("button, a[href]")]

  /** An edit replaces the message's buttons: keep keyboard focus where it was, not on <body>. */
  const replace = (old: HTMLLIElement, item: HTMLLIElement) => {
    const focused = document.activeElement
    const hadFocus = focused !== null && old.contains(focused)
    const index = hadFocus ? controlsOf(old).indexOf(focused as HTMLElement) : -1
    old.replaceWith(item)
    if (!hadFocus) return
    const controls = controlsOf(item)
    const target = controls[Math.min(Math.max(index, 0), controls.length - 1)] ?? item
    target.focus()
  }

  const scrollToEnd = () => {
    list.scrollTop = list.scrollHeight
  }

  const put = (entry: ChatEntry) => {
    entries.set(entry.messageId, entry)
    const item = itemFor(entry)
    const old = items.get(entry.messageId)
    items.set(entry.messageId, item)
    if (old !== undefined) return replace(old, item)
    // Messages arrive in order almost always; one that does not goes where its id says.
    const later = [...items.keys()]
      .filter((id) => id > entry.messageId)
      .sort((a, b) => a - b)
      .map((id) => items.get(id))
      .find((element) => element?.isConnected)
    if (later === undefined) {
      list.appendChild(item)
      scrollToEnd()
    } else {
      list.insertBefore(item, later)
    }
  }

  const remove = (messageId: number) => {
    const item = items.get(messageId)
    entries.delete(messageId)
    items.delete(messageId)
    if (item === undefined) return
    const hadFocus = document.activeElement !== null && item.contains(document.activeElement)
    const next = item.nextElementSibling ?? item.previousElementSibling
    item.remove()
    if (hadFocus && next instanceof HTMLElement) next.focus()
  }

  const drawKeyboard = () => {
    replyKeyboard.replaceChildren()
    const rows = keyboard ?? []
    replyKeyboard.hidden = rows.length === 0
    replyKeyboard.setAttribute("role", "group")
    replyKeyboard.setAttribute("aria-label", texts().replyKeyboard)
    for (const row of rows) {
      const line = document.createElement("div")
      line.className = "keyboard-row"
      for (const label of row) {
        const button = document.createElement("button")
        button.type = "button"
        button.className = "reply-button"
        button.textContent = label
        button.addEventListener("click", () => options.onReply(label))
        line.appendChild(button)
      }
      replyKeyboard.appendChild(line)
    }
  }

  const reset = (state: ChatState) => {
    entries.clear()
    items.clear()
    list.replaceChildren()
    for (const entry of state.messages) put(entry)
    keyboard = state.keyboard
    drawKeyboard()
    scrollToEnd()
  }

  const apply = (event: ChatEvent) => {
    switch (event._tag) {
      case "Message":
        return put(event.entry)
      case "Deleted":
        return remove(event.messageId)
      case "Keyboard":
        keyboard = event.keyboard
        return drawKeyboard()
    }
  }

  const redraw = () => {
    for (const entry of [...entries.values()]) put(entry)
    drawKeyboard()
  }

  return { reset, apply, redraw }
}
