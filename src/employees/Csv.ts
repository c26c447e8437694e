import { Either } from "effect"
import { CsvSyntaxError } from "../domain/Errors"

/** One record of a CSV file, with the line it starts on (the header is line 1). */
export interface CsvRecord {
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

/**
 * Guesses the delimiter from the header (the first non-blank line, as blank lines are skipped):
 * spreadsheets in a Russian locale export `;`-separated files, everything else uses `,`.
 */
const detectDelimiter = (text: string): "," | ";" => {
  const header = text.split(/\r\n|\r|\n/).find((line) => line.trim() !== "") ?? ""
  return header.includes(";") && !header.includes(",") ? ";" : ","
}

/**
 * Parses CSV as spreadsheets write it (RFC 4180): an optional UTF-8 BOM, LF or CRLF line ends,
 * quoted fields holding delimiters, quotes (`""`) and line breaks. Blank lines are skipped.
 */
export const parseCsv = (
  input: string,
): Either.Either<ReadonlyArray<CsvRecord>, CsvSyntaxError> => {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const delimiter = detectDelimiter(text)
  const records: Array<CsvRecord> = []
  let fields: Array<string> = []
  let field = ""
  let line = 1
  let recordLine = 1
  let quoted = false
  let quoteLine = 0
  // After a closing quote only a delimiter or a line end may follow.
  let afterQuote = false

  const endRecord = () => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0]?.trim() === ""))
      records.push({ line: recordLine, fields })
    fields = []
    field = ""
  }

  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else {
          quoted = false
          afterQuote = true
        }
      } else {
        // A line break inside a quoted field is part of the value, but still a physical line:
        // `\n`, `\r\n` and a lone `\r` (which ends a record outside quotes) each count once.
        if (char === "\n" || (char === "\r" && text[i + 1] !== "\n")) line++
        field += char
      }
      continue
    }
    if (char === delimiter) {
      fields.push(field)
      field = ""
      afterQuote = false
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++
      endRecord()
      afterQuote = false
      line++
      recordLine = line
    } else if (afterQuote) {
      return Either.left(new CsvSyntaxError({ line, reason: "text after a closing quote" }))
    } else if (char === '"' && field.trim() === "") {
      quoted = true
      quoteLine = line
      field = ""
    } else {
      field += char
    }
  }
  if (quoted) {
    return Either.left(
      new CsvSyntaxError({ line: quoteLine, reason: "a quoted field is never closed" }),
    )
  }
  if (field !== "" || fields.length > 0) endRecord()
  return Either.right(records)
}
