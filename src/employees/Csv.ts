import { CsvError, type Options } from "csv-parse"
import { parse } from "csv-parse/sync"
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

const lineBreaks = (text: string): number => text.match(/\r\n|\r|\n/g)?.length ?? 0

/** What csv-parse hands `on_record` with `raw: true` (its typings only know `string[]`). */
interface RawRecord {
  readonly record: ReadonlyArray<string>
  readonly raw: string
}

const options = (delimiter: "," | ";"): Options => ({
  bom: true,
  delimiter,
  // Stated rather than auto-detected: csv-parse detects one line end per file and then splits
  // on it alone, while exports mix them (a lone `\r` ends a line too).
  record_delimiter: ["\r\n", "\n", "\r"],
  // Spaces before an opening quote are dropped (` "x"` reads as `x`); every field is trimmed
  // by the import anyway.
  ltrim: true,
  // A row with too many or too few fields is the import's to report, per line.
  relax_column_count: true,
  // No `relax_quotes`: it would let a quote inside an unquoted field through (as the hand-written
  // reader did), but also text after a closing quote, which is broken quoting to refuse.
  // Errors carry the raw text of the record they stopped in, to find the line in it.
  raw: true,
})

/**
 * Parses CSV as spreadsheets write it (RFC 4180): an optional UTF-8 BOM, LF or CRLF line ends,
 * quoted fields holding delimiters, quotes (`""`) and line breaks. Blank lines are skipped.
 *
 * csv-parse's sync API: the import holds the whole file as a string anyway (it lands in one
 * transaction), and a few thousand rows are a few hundred kilobytes, so a stream would bound
 * nothing and add async plumbing.
 *
 * Line numbers are counted here, not taken from csv-parse's `info.lines`, which counts a CRLF
 * inside a quoted field twice: every line end outside quotes ends a record (blank lines come
 * through as one empty field), so a record starts on the line after the previous one ends.
 */
export const parseCsv = (
  input: string,
): Either.Either<ReadonlyArray<CsvRecord>, CsvSyntaxError> => {
  const delimiter = detectDelimiter(input)
  const records: Array<CsvRecord> = []
  let line = 1
  try {
    parse(input, {
      ...options(delimiter),
      on_record: (entry) => {
        const { record } = entry as unknown as RawRecord
        if (!(record.length === 1 && record[0]?.trim() === "")) {
          records.push({ line, fields: record })
        }
        line += 1 + record.reduce((breaks, field) => breaks + lineBreaks(field), 0)
        // Collected above; csv-parse need not keep a second copy.
        return null
      },
    })
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    return Either.left(syntaxError(error, line, delimiter))
  }
  return Either.right(records)
}

/** csv-parse's error in our words, at the line it concerns; `line` is where its record starts. */
const syntaxError = (error: CsvError, line: number, delimiter: "," | ";"): CsvSyntaxError => {
  const raw = typeof error.raw === "string" ? error.raw : ""
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED": {
      // `raw` runs from the record's start to the end of the file. Closing the quote there
      // gives back the fields before the open one, and so the line the quote opened on.
      const [closed] = parse(`${raw}"`, options(delimiter)) as unknown as ReadonlyArray<RawRecord>
      const before = closed?.record.slice(0, Number(error.column)) ?? []
      return new CsvSyntaxError({
        line: line + before.reduce((breaks, field) => breaks + lineBreaks(field), 0),
        reason: "a quoted field is never closed",
      })
    }
    // `raw` is the record up to the character that stopped the parser.
    case "CSV_INVALID_CLOSING_QUOTE":
      return new CsvSyntaxError({
        line: line + lineBreaks(raw),
        reason: "text after a closing quote",
      })
    case "INVALID_OPENING_QUOTE":
      return new CsvSyntaxError({
        line: line + lineBreaks(raw),
        reason:
          'a quote inside an unquoted field (quote the field and double its quotes: "a ""b""")',
      })
    // The other codes are about options or limits this parser does not set; should one come,
    // the user still gets csv-parse's words and the line.
    default:
      return new CsvSyntaxError({ line: line + lineBreaks(raw), reason: error.message })
  }
}
