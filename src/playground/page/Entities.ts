/**
 * A message's text with its Telegram entities as DOM nodes. Text only ever goes in through
 * `textContent` / text nodes, never markup: the bot's messages quote what people typed (titles,
 * names, descriptions), and the page must show `<b>` typed by someone as the five characters.
 *
 * Entities' offsets are UTF-16 code units, which is what JavaScript strings index by, so they
 * slice the text directly. Telegram nests entities; one that overruns its parent is cut at the
 * parent's end rather than dropped.
 */
import type { MessageEntity } from "grammy/types"

/** Only these leave the page as links; a `javascript:` URL in a message is shown as text. */
const safeProtocols = new Set(["http:", "https:", "mailto:"])

const safeUrl = (url: string): string | undefined => {
  try {
    const parsed = new URL(url)
    return safeProtocols.has(parsed.protocol) ? parsed.href : undefined
  } catch {
    return undefined
  }
}

interface Texts {
  readonly spoiler: string
  readonly opensInNewTab: string
}

const link = (href: string | undefined, texts: Texts): HTMLElement => {
  if (href === undefined) return document.createElement("span")
  const anchor = document.createElement("a")
  anchor.href = href
  anchor.target = "_blank"
  anchor.rel = "noopener noreferrer"
  anchor.title = texts.opensInNewTab
  return anchor
}

const spoiler = (texts: Texts): HTMLElement => {
  const element = document.createElement("span")
  element.className = "spoiler"
  element.tabIndex = 0
  element.setAttribute("role", "button")
  element.setAttribute("aria-label", texts.spoiler)
  const reveal = () => {
    element.classList.add("revealed")
    element.removeAttribute("role")
    element.removeAttribute("aria-label")
    element.removeAttribute("tabindex")
  }
  element.addEventListener("click", reveal)
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault()
      reveal()
    }
  })
  return element
}

/** The element an entity wraps its text in; `text` is the entity's own text (for plain URLs). */
const elementFor = (entity: MessageEntity, text: string, texts: Texts): HTMLElement => {
  switch (entity.type) {
    case "bold":
      return document.createElement("strong")
    case "italic":
      return document.createElement("em")
    case "underline":
      return document.createElement("u")
    case "strikethrough":
      return document.createElement("s")
    case "code":
      return document.createElement("code")
    case "pre": {
      const pre = document.createElement("pre")
      if (entity.language !== undefined) pre.dataset.language = entity.language
      return pre
    }
    case "text_link":
      return link(safeUrl(entity.url), texts)
    case "url":
      return link(safeUrl(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`), texts)
    case "email":
      return link(safeUrl(`mailto:${text}`), texts)
    case "spoiler":
      return spoiler(texts)
    case "blockquote":
    case "expandable_blockquote":
      return document.createElement("blockquote")
    default:
      // Mentions, hashtags, commands, custom emoji: shown as their text.
      return document.createElement("span")
  }
}

const appendRange = (
  parent: Node,
  text: string,
  entities: ReadonlyArray<MessageEntity>,
  start: number,
  end: number,
  texts: Texts,
): void => {
  let position = start
  let index = 0
  while (index < entities.length) {
    const entity = entities[index] as MessageEntity
    const from = Math.max(entity.offset, position)
    const to = Math.min(entity.offset + entity.length, end)
    // Its children are the entities after it that start inside it.
    let next = index + 1
    while (next < entities.length && (entities[next] as MessageEntity).offset < to) next++
    if (from < to) {
      if (from > position) parent.appendChild(document.createTextNode(text.slice(position, from)))
      const element = elementFor(entity, text.slice(from, to), texts)
      appendRange(element, text, entities.slice(index + 1, next), from, to, texts)
      parent.appendChild(element)
      position = to
    }
    index = next
  }
  if (position < end) parent.appendChild(document.createTextNode(text.slice(position, end)))
}

export const renderText = (
  text: string,
  entities: ReadonlyArray<MessageEntity>,
  texts: Texts,
): DocumentFragment => {
  const fragment = document.createDocumentFragment()
  // Outer before inner: by start, then the longer first.
  const ordered = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length)
  appendRange(fragment, text, ordered, 0, text.length, texts)
  return fragment
}
