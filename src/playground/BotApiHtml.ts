/**
 * Telegram's HTML parse mode: the text without tags, HTML entities decoded, and the formatting as
 * Telegram's `MessageEntity`s over that text (UTF-16 offsets, as the Bot API counts), so that a
 * page can draw the formatting without ever rendering the bot's HTML.
 */
import type { MessageEntity } from "grammy/types"

const htmlTags = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "tg-emoji",
  "code",
  "pre",
  "blockquote",
])

const simpleEntities: Readonly<Record<string, MessageEntity["type"]>> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  span: "spoiler",
  "tg-spoiler": "spoiler",
  code: "code",
}

const namedCharacters: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"' }

/** The character reference at the start of `html` (`&lt;`, `&#60;`, `&#x3c;`), if one is there. */
const characterAt = (
  html: string,
): { readonly length: number; readonly char: string } | undefined => {
  const reference = /^&(#\d+|#x[0-9a-f]+|[a-z]+);/i.exec(html)
  const name = reference?.[1]
  if (reference === null || name === undefined) return undefined
  const char = name.startsWith("#")
    ? String.fromCodePoint(Number(name.startsWith("#x") ? `0${name.slice(1)}` : name.slice(1)))
    : namedCharacters[name.toLowerCase()]
  return char === undefined ? undefined : { length: reference[0].length, char }
}

const decode = (html: string): string => {
  let text = ""
  for (let at = 0; at < html.length; ) {
    const reference = html.charAt(at) === "&" ? characterAt(html.slice(at)) : undefined
    text += reference?.char ?? html.charAt(at)
    at += reference?.length ?? 1
  }
  return text
}

const attributesOf = (tag: string): ReadonlyMap<string, string> =>
  new Map(
    [...tag.matchAll(/([a-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?/gi)]
      .slice(1)
      .map((match) => [
        (match[1] ?? "").toLowerCase(),
        decode(match[2] ?? match[3] ?? match[4] ?? ""),
      ]),
  )

interface OpenTag {
  readonly name: string
  readonly offset: number
  readonly attributes: ReadonlyMap<string, string>
  /** `<pre><code class="language-x">`: the language of the enclosing pre block. */
  language?: string
}

/** The entity a closed tag makes over [offset, end), or none (a link Telegram would drop). */
const entityOf = (tag: OpenTag, length: number): MessageEntity | undefined => {
  const { name, offset, attributes } = tag
  const simple = simpleEntities[name]
  if (simple !== undefined) return { type: simple, offset, length } as MessageEntity
  if (name === "pre") {
    return tag.language === undefined
      ? { type: "pre", offset, length }
      : { type: "pre", offset, length, language: tag.language }
  }
  if (name === "blockquote") {
    return {
      type: attributes.has("expandable") ? "expandable_blockquote" : "blockquote",
      offset,
      length,
    }
  }
  if (name === "tg-emoji") {
    const id = attributes.get("emoji-id")
    return id === undefined
      ? undefined
      : { type: "custom_emoji", offset, length, custom_emoji_id: id }
  }
  // Telegram drops a link it cannot open; only web and tg: links are kept.
  const url = attributes.get("href")?.trim() ?? ""
  return /^(https?:\/\/|tg:\/\/)\S+$/i.test(url)
    ? { type: "text_link", offset, length, url }
    : undefined
}

/**
 * The text and entities of `html`, or `cantParse` with Telegram's complaint (a stray `<` or an
 * unsupported tag such as `<br>` fails the whole message in production).
 */
export const parseHtml = (
  html: string,
  cantParse: (reason: string) => Error,
): { readonly text: string; readonly entities: ReadonlyArray<MessageEntity> } => {
  const byteOffset = (index: number) => Buffer.byteLength(html.slice(0, index))
  const open: Array<OpenTag> = []
  const entities: Array<MessageEntity> = []
  let text = ""
  let at = 0
  while (at < html.length) {
    const char = html.charAt(at)
    const reference = char === "&" ? characterAt(html.slice(at)) : undefined
    if (reference !== undefined) {
      text += reference.char
      at += reference.length
    } else if (char !== "<") {
      text += char
      at++
    } else {
      const end = html.indexOf(">", at)
      if (end === -1) throw cantParse(`Unclosed start tag at byte offset ${byteOffset(at)}`)
      const tag = html.slice(at + 1, end)
      if (tag.startsWith("/")) {
        const closing = tag.slice(1).trim().toLowerCase()
        const expected = open.pop()
        if (expected === undefined) {
          throw cantParse(`Unexpected end tag at byte offset ${byteOffset(at)}`)
        }
        if (closing !== "" && closing !== expected.name) {
          throw cantParse(
            `Unmatched end tag at byte offset ${byteOffset(at)}, expected "</${expected.name}>", found "</${closing}>"`,
          )
        }
        const entity =
          expected.language === undefined || expected.name !== "code"
            ? entityOf(expected, text.length - expected.offset)
            : undefined
        if (entity !== undefined && entity.length > 0) entities.push(entity)
      } else {
        const name = (/^[^\s/>]*/.exec(tag)?.[0] ?? "").toLowerCase()
        if (!htmlTags.has(name)) {
          throw cantParse(`Unsupported start tag "${name}" at byte offset ${byteOffset(at)}`)
        }
        const attributes = attributesOf(tag)
        if (name === "span" && attributes.get("class") !== "tg-spoiler") {
          throw cantParse(
            `Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(at)}`,
          )
        }
        const opened: OpenTag = { name, offset: text.length, attributes }
        const parent = open.at(-1)
        const language = /^language-(\S+)$/.exec(attributes.get("class") ?? "")?.[1]
        // A code block's language is said on its inner code tag; that tag makes no entity itself.
        if (name === "code" && parent?.name === "pre" && language !== undefined) {
          parent.language = language
          opened.language = language
        }
        open.push(opened)
      }
      at = end + 1
    }
  }
  const unclosed = open.pop()
  if (unclosed !== undefined) {
    throw cantParse(`Can't find end tag corresponding to start tag "${unclosed.name}"`)
  }
  // Telegram lists entities by where they start, an enclosing one before what it encloses.
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text, entities }
}
