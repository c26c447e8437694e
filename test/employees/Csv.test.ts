import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { CsvSyntaxError } from "../../src/domain/Errors"
import { type CsvRecord, parseCsv } from "../../src/employees/Csv"

const records = (input: string): ReadonlyArray<CsvRecord> => {
  const result = parseCsv(input)
  if (Either.isLeft(result)) throw new Error(`expected records, got ${result.left.message}`)
  return result.right
}

const syntaxError = (input: string): CsvSyntaxError => {
  const result = parseCsv(input)
  if (Either.isRight(result)) {
    throw new Error(`expected a CsvSyntaxError, got ${JSON.stringify(result.right)}`)
  }
  return result.left
}

describe("parseCsv", () => {
  it("reads a plain file into records numbered by line (the header is line 1)", () => {
    expect(records("full_name,email\nAnna,anna@example.com\nIvan,ivan@example.com\n")).toEqual([
      { line: 1, fields: ["full_name", "email"] },
      { line: 2, fields: ["Anna", "anna@example.com"] },
      { line: 3, fields: ["Ivan", "ivan@example.com"] },
    ])
  })

  it("keeps empty fields, including a trailing one", () => {
    expect(records("a,b,c\n1,,\n,2,\n")).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "", ""] },
      { line: 3, fields: ["", "2", ""] },
    ])
  })

  it("drops a UTF-8 byte order mark so it does not stick to the first column name", () => {
    const parsed = records("\uFEFFfull_name,email\nAnna,anna@example.com\n")
    expect(parsed[0]?.fields[0]).toBe("full_name")
    expect(parsed).toEqual([
      { line: 1, fields: ["full_name", "email"] },
      { line: 2, fields: ["Anna", "anna@example.com"] },
    ])
  })

  it("reads CRLF line ends without leaving \\r in the last field", () => {
    expect(records("a,b\r\n1,2\r\n3,4\r\n")).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
      { line: 3, fields: ["3", "4"] },
    ])
  })

  it("reads quoted fields holding commas and doubled quotes", () => {
    expect(records('name,position\n"Smirnova, Anna","Head of ""Fun"" dept"\n')).toEqual([
      { line: 1, fields: ["name", "position"] },
      { line: 2, fields: ["Smirnova, Anna", 'Head of "Fun" dept'] },
    ])
  })

  it("reads an empty quoted field as an empty string", () => {
    expect(records('a,b,c\n"",x,""\n')).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["", "x", ""] },
    ])
  })

  it("keeps line breaks inside quoted fields and numbers the next record by its physical line", () => {
    const input = 'a,b\n"line one\nline two\nline three",x\nnext,y\n'
    expect(records(input)).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["line one\nline two\nline three", "x"] },
      { line: 5, fields: ["next", "y"] },
    ])
  })

  it("counts CRLF inside a quoted field as one physical line", () => {
    const input = 'a,b\r\n"one\r\ntwo",x\r\nnext,y\r\n'
    expect(records(input)).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["one\r\ntwo", "x"] },
      { line: 4, fields: ["next", "y"] },
    ])
  })

  it("counts a lone CR the same inside a quoted field as between records", () => {
    // Outside quotes a lone \r ends a line, so inside quotes it must count as one too.
    expect(records('a,b\r"one\rtwo",x\rnext,y')).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["one\rtwo", "x"] },
      { line: 4, fields: ["next", "y"] },
    ])
  })

  it("reads Cyrillic text as it is", () => {
    expect(records("ФИО,офис\nАнна Смирнова,БЦ Москва-Сити\nЁжиков Пётр,БЦ Око\n")).toEqual([
      { line: 1, fields: ["ФИО", "офис"] },
      { line: 2, fields: ["Анна Смирнова", "БЦ Москва-Сити"] },
      { line: 3, fields: ["Ёжиков Пётр", "БЦ Око"] },
    ])
  })

  it("reads a ;-separated file as a Russian Excel writes it", () => {
    const input = '\uFEFFfull_name;email;position\r\n"Смирнова; Анна";anna@example.com;HR, lead\r\n'
    expect(records(input)).toEqual([
      { line: 1, fields: ["full_name", "email", "position"] },
      // A comma in a ;-separated file is an ordinary character.
      { line: 2, fields: ["Смирнова; Анна", "anna@example.com", "HR, lead"] },
    ])
  })

  it("guesses ; from the header even when the file starts with blank lines", () => {
    expect(records("\n\r\nfull_name;email\nAnna;anna@example.com\n")).toEqual([
      { line: 3, fields: ["full_name", "email"] },
      { line: 4, fields: ["Anna", "anna@example.com"] },
    ])
  })

  it("keeps , as the delimiter when the header has commas (a ; in the data stays in the field)", () => {
    expect(records("a,b\nx;y,z\n")).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x;y", "z"] },
    ])
  })

  it("skips blank and whitespace-only lines but keeps counting them", () => {
    expect(records("a,b\n\n1,2\r\n\r\n   \n3,4\n\n")).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["1", "2"] },
      { line: 6, fields: ["3", "4"] },
    ])
  })

  it("reads the last record with or without a trailing newline", () => {
    const expected = [
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
    ]
    expect(records("a,b\n1,2")).toEqual(expected)
    expect(records("a,b\n1,2\n")).toEqual(expected)
    expect(records("a,b\r\n1,2\r\n")).toEqual(expected)
    expect(records('a,b\n1,"2"')).toEqual(expected)
  })

  it("reads an empty file, or one of blank lines and a BOM, as no records", () => {
    expect(records("")).toEqual([])
    expect(records("\uFEFF")).toEqual([])
    expect(records("\n\r\n  \n")).toEqual([])
  })

  it("refuses an unterminated quote, naming the line where the quote opened", () => {
    const error = syntaxError('a,b\n1,2\n"never closed,3\n4,5\n6,7\n')
    expect(error).toBeInstanceOf(CsvSyntaxError)
    expect(error._tag).toBe("CsvSyntaxError")
    expect(error.line).toBe(3)
    expect(error.reason).toMatch(/never closed/)
    expect(error.message).toMatch(/^line 3: /)
  })

  it("names the opening line of an unterminated quote that follows a multi-line field", () => {
    const error = syntaxError('a,b\n"x\ny",1\n2,"open\n')
    expect(error.line).toBe(4)
  })

  it("refuses text after a closing quote, naming its line", () => {
    const error = syntaxError('a,b\n1,2\n"quoted"tail,3\n')
    expect(error).toBeInstanceOf(CsvSyntaxError)
    expect(error.line).toBe(3)
    expect(error.reason).toMatch(/after a closing quote/)
  })

  it("refuses text after a closing quote on a line after a multi-line field", () => {
    const error = syntaxError('a,b\n"one\ntwo",1\n"x" ,2\n')
    expect(error.line).toBe(4)
  })

  it("names the right line after CRLF line breaks inside a quoted field", () => {
    // csv-parse's own line count takes a CRLF inside quotes for two lines.
    expect(records('a,b\r\n"one\r\ntwo\r\nthree",x\r\n\r\nnext,y\r\n')).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["one\r\ntwo\r\nthree", "x"] },
      { line: 6, fields: ["next", "y"] },
    ])
    expect(syntaxError('a,b\r\n"one\r\ntwo",x\r\n"y" ,2\r\n').line).toBe(4)
  })

  it("names the line an unterminated quote opens on, not where its record starts", () => {
    const error = syntaxError('a,b,c\n"x\ny",1,"open\nstill open\n')
    expect(error.line).toBe(3)
    expect(error.reason).toMatch(/never closed/)
  })

  it("drops spaces before an opening quote", () => {
    expect(records('a,b\n  "x, y",2\n')).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", "2"] },
    ])
  })

  it("refuses a quote inside an unquoted field, naming its line", () => {
    // RFC 4180: a field holding a quote is quoted and the quote doubled. The hand-written reader
    // kept such a quote as text; csv-parse allows it only together with text after a closing quote.
    const error = syntaxError('a,b\n"one\ntwo",1\nHead of "Fun" dept,2\n')
    expect(error.line).toBe(4)
    expect(error.reason).toMatch(/quote inside an unquoted field/)
  })
})
