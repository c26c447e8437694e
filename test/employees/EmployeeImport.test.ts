import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ImportFileError } from "../../src/domain/Errors"
import { EmployeeRepo } from "../../src/employees/EmployeeRepo"
import { RepoLive, unique } from "../support/Fixtures"

const header =
  "full_name,email,telegram_username,phone,department_code,business_center,position,hire_date"

/** A CSV file from its lines (header included), with the given line end and a final one. */
const file = (lines: ReadonlyArray<string>, eol = "\n") => `${lines.join(eol)}${eol}`

interface StoredEmployee {
  readonly id: number
  readonly fullName: string
  readonly email: string
  readonly telegramUsername: string | null
  readonly normalizedUsername: string | null
  readonly phone: string | null
  readonly departmentId: number | null
  readonly departmentCode: string | null
  readonly businessCenterId: number | null
  readonly businessCenterName: string | null
  readonly position: string | null
  readonly hireDate: string | null
  readonly telegramId: string | null
  readonly isActive: boolean
  readonly authorized: boolean
  readonly updatedAt: Date
}

/** The stored employees whose email (lower-cased) is one of these, by email. */
const stored = (emails: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<StoredEmployee>`
      SELECT e.id, e.full_name, e.email, e.telegram_username, e.normalized_username, e.phone,
             e.department_id, d.code AS department_code,
             e.business_center_id, b.name AS business_center_name,
             e.position, e.hire_date, e.telegram_id, e.is_active, e.authorized, e.updated_at
      FROM employees e
      LEFT JOIN departments d ON d.id = e.department_id
      LEFT JOIN business_centers b ON b.id = e.business_center_id
      WHERE lower(e.email) IN ${sql.in(emails.map((email) => email.toLowerCase()))}
      ORDER BY e.email`
  })

const storedOne = (email: string) =>
  Effect.map(stored([email]), (rows) => {
    expect(rows).toHaveLength(1)
    return rows[0] as StoredEmployee
  })

const departmentId = (code: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: number }>`SELECT id FROM departments WHERE code = ${code}`
    expect(rows).toHaveLength(1)
    return rows[0]?.id
  })

const businessCenterId = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: number }>`SELECT id FROM business_centers WHERE name = ${name}`
    expect(rows).toHaveLength(1)
    return rows[0]?.id
  })

const importEmployees = (csv: string) =>
  Effect.flatMap(EmployeeRepo, (repo) => repo.importEmployees(csv))

describe("importEmployees", () => {
  it.layer(RepoLive)((it) => {
    it.effect("inserts every row of a clean file with the right columns", () =>
      Effect.gen(function* () {
        const u = unique()
        const anna = `anna.${u}@clean.test`
        const ivan = `ivan.${u}@clean.test`
        const olga = `olga.${u}@clean.test`
        const csv = file([
          header,
          `Anna Smirnova,${anna},@Anna.Smirnova_HR,+7 900 000-00-01,HR,БЦ Москва-Сити,HR manager,2021-03-15`,
          `Ivan Petrov,${ivan},ivan-petrov,,DEVELOPMENT,БЦ Око,Developer,2019-11-01`,
          // Department and business center may be empty; so may everything but name and email.
          `Olga Ivanova,${olga},,,,,,`,
        ])

        const report = yield* importEmployees(csv)

        expect(report).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, skipped: [] })
        const rows = yield* stored([anna, ivan, olga])
        expect(rows.map((row) => row.email)).toEqual([anna, ivan, olga])
        const [a, i, o] = rows as [StoredEmployee, StoredEmployee, StoredEmployee]

        expect(a).toMatchObject({
          fullName: "Anna Smirnova",
          telegramUsername: "Anna.Smirnova_HR",
          normalizedUsername: "annasmirnovahr",
          phone: "+7 900 000-00-01",
          departmentId: yield* departmentId("HR"),
          departmentCode: "HR",
          businessCenterId: yield* businessCenterId("БЦ Москва-Сити"),
          businessCenterName: "БЦ Москва-Сити",
          position: "HR manager",
          hireDate: "2021-03-15",
          telegramId: null,
          isActive: true,
          authorized: false,
        })
        expect(i).toMatchObject({
          fullName: "Ivan Petrov",
          telegramUsername: "ivan-petrov",
          normalizedUsername: "ivanpetrov",
          phone: null,
          departmentId: yield* departmentId("DEVELOPMENT"),
          businessCenterId: yield* businessCenterId("БЦ Око"),
          position: "Developer",
          hireDate: "2019-11-01",
        })
        expect(o).toMatchObject({
          fullName: "Olga Ivanova",
          telegramUsername: null,
          normalizedUsername: null,
          phone: null,
          departmentId: null,
          businessCenterId: null,
          position: null,
          hireDate: null,
          isActive: true,
        })
        // The report names every employee it inserted (the cache drops what it holds of them).
        expect(report.changed.map((change) => change.employeeId).sort()).toEqual(
          rows.map((row) => row.id).sort(),
        )
        expect(report.changed.every((change) => change.outcome === "inserted")).toBe(true)
      }),
    )

    it.effect("matches department codes and business center names ignoring case and spaces", () =>
      Effect.gen(function* () {
        const u = unique()
        const email = `case.${u}@lookup.test`
        const report = yield* importEmployees(
          file([header, `Case Person,${email},,, sales ,бц гринвич ,,`]),
        )
        expect(report).toMatchObject({ inserted: 1, skipped: [] })
        expect(yield* storedOne(email)).toMatchObject({
          departmentCode: "SALES",
          businessCenterName: "БЦ Гринвич",
        })
      }),
    )

    it.effect("imports a spreadsheet export: BOM, CRLF, quoted commas, Cyrillic, DD.MM.YYYY", () =>
      Effect.gen(function* () {
        const u = unique()
        const anna = `anna.${u}@sheet.test`
        const petr = `petr.${u}@sheet.test`
        const csv = file(
          [
            `\uFEFF${header}`,
            `"Смирнова, Анна Сергеевна",${anna},@anna_smirnova,"+7 (900) 000-00-01",MARKETING,"БЦ Федерация","Маркетолог, SMM",15.03.2021`,
            `Ёжиков Пётр,${petr},,,ACCOUNTING,БЦ Гринвич,"Бухгалтер ""старший""",5.7.2020`,
          ],
          "\r\n",
        )

        const report = yield* importEmployees(csv)

        expect(report).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, skipped: [] })
        expect(yield* storedOne(anna)).toMatchObject({
          fullName: "Смирнова, Анна Сергеевна",
          telegramUsername: "anna_smirnova",
          normalizedUsername: "annasmirnova",
          phone: "+7 (900) 000-00-01",
          departmentCode: "MARKETING",
          businessCenterName: "БЦ Федерация",
          position: "Маркетолог, SMM",
          hireDate: "2021-03-15",
        })
        expect(yield* storedOne(petr)).toMatchObject({
          fullName: "Ёжиков Пётр",
          departmentCode: "ACCOUNTING",
          businessCenterName: "БЦ Гринвич",
          position: 'Бухгалтер "старший"',
          hireDate: "2020-07-05",
        })
      }),
    )

    it.effect("imports a ;-separated export (Russian Excel), columns in any order", () =>
      Effect.gen(function* () {
        const u = unique()
        const maria = `maria.${u}@semicolon.test`
        const dmitry = `dmitry.${u}@semicolon.test`
        const csv = file(
          [
            "\uFEFFemail;full_name;department_code;business_center;hire_date;position;phone;telegram_username;comment",
            `${maria};Козлова Мария;SUPPORT;БЦ Око;01.02.2022;"Специалист; 2 линия";;maria_k;"есть, и с запятой"`,
            `${dmitry};"Волков, Дмитрий";IT;"БЦ Москва-Сити";2018-12-31;"Инженер${"\r\n"}по сетям";+79000000002;;`,
          ],
          "\r\n",
        )

        const report = yield* importEmployees(csv)

        expect(report).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, skipped: [] })
        expect(yield* storedOne(maria)).toMatchObject({
          fullName: "Козлова Мария",
          telegramUsername: "maria_k",
          phone: null,
          departmentCode: "SUPPORT",
          businessCenterName: "БЦ Око",
          position: "Специалист; 2 линия",
          hireDate: "2022-02-01",
        })
        expect(yield* storedOne(dmitry)).toMatchObject({
          fullName: "Волков, Дмитрий",
          telegramUsername: null,
          phone: "+79000000002",
          departmentCode: "IT",
          businessCenterName: "БЦ Москва-Сити",
          position: "Инженер\r\nпо сетям",
          hireDate: "2018-12-31",
        })
      }),
    )

    it.effect("ignores the empty rows a spreadsheet exports after the data", () =>
      Effect.gen(function* () {
        const u = unique()
        const email = `padded.${u}@sheet.test`
        const csv = file(
          [
            `\uFEFF${header.replaceAll(",", ";")}`,
            `Padded Person;${email};;;HR;;;`,
            ";;;;;;;",
            " ; ;;;;;; ",
          ],
          "\r\n",
        )
        const report = yield* importEmployees(csv)
        expect(report).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, skipped: [] })
        expect(yield* storedOne(email)).toMatchObject({ fullName: "Padded Person" })
      }),
    )

    it.effect("reports each bad row with its line and reason, and lands the good rows", () =>
      Effect.gen(function* () {
        const u = unique()
        const good1 = `good1.${u}@bad.test`
        const good2 = `good2.${u}@bad.test`
        const bad = (name: string) => `${name}.${u}@bad.test`
        const noEmailName = `Nobody ${u}`
        const csv = file([
          header,
          `Good One,${good1},,,IT,БЦ Око,,2020-01-01`, // 2
          `${noEmailName},,nobody_${u},,IT,БЦ Око,,2020-01-01`, // 3
          `Unknown Dept,${bad("dept")},,,LEGAL,БЦ Око,,2020-01-01`, // 4
          `Unknown Office,${bad("office")},,,IT,БЦ Нигде,,2020-01-01`, // 5
          `Feb Thirty,${bad("feb30")},,,IT,,,2021-02-30`, // 6
          `Yesterday,${bad("yesterday")},,,IT,,,yesterday`, // 7
          `Dotted Feb,${bad("dotted")},,,IT,,,31.02.2021`, // 8
          `Too Few,${bad("few")},,,IT,БЦ Око,2020-01-01`, // 9: 7 fields
          "", // 10: blank, skipped silently
          `Good Two,${good2},,,,,,`, // 11
          `Too Many,${bad("many")},,,IT,БЦ Око,,2020-01-01,extra`, // 12: 9 fields
        ])

        const report = yield* importEmployees(csv)

        expect(report.inserted).toBe(2)
        expect(report.updated).toBe(0)
        expect(report.unchanged).toBe(0)
        expect(report.skipped.map((row) => row.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 12])
        const reasons = new Map(report.skipped.map((row) => [row.line, row.reason]))
        expect(reasons.get(3)).toMatch(/no email/)
        expect(reasons.get(4)).toMatch(/unknown department "LEGAL"/)
        expect(reasons.get(5)).toMatch(/unknown business center "БЦ Нигде"/)
        expect(reasons.get(6)).toMatch(/hire date "2021-02-30"/)
        expect(reasons.get(7)).toMatch(/hire date "yesterday"/)
        expect(reasons.get(8)).toMatch(/hire date "31\.02\.2021"/)
        expect(reasons.get(9)).toMatch(/expected 8 fields, found 7/)
        expect(reasons.get(12)).toMatch(/expected 8 fields, found 9/)

        expect((yield* stored([good1, good2])).map((row) => row.email)).toEqual([good1, good2])
        const badEmails = ["dept", "office", "feb30", "yesterday", "dotted", "few", "many"]
        expect(yield* stored(badEmails.map(bad))).toEqual([])
        const sql = yield* SqlClient.SqlClient
        const nameless = yield* sql`SELECT id FROM employees WHERE full_name = ${noEmailName}`
        expect(nameless).toEqual([])
      }),
    )

    it.effect("skips a row for its first bad cell, in the words the report has always used", () =>
      Effect.gen(function* () {
        const u = unique()
        const bad = (name: string) => `${name}.${u}@cells.test`
        const csv = file([
          header,
          `No Email,,,,IT,,,`, // 2
          `Bad Mail,Not-An-Email,,,IT,,,`, // 3: reported lower-case, as it would be stored
          `,${bad("nameless")},,,IT,,,`, // 4
          `Bad Nick,${bad("nick")},x!,,IT,,,`, // 5
          // Several bad cells: the email is checked first, then name, username, department,
          // business center, hire date.
          `Worse Mail,broken,,,LEGAL,БЦ Нигде,,yesterday`, // 6
          `Worse Dept,${bad("dept")},,,LEGAL,БЦ Нигде,,yesterday`, // 7
          `Worse Date,${bad("date")},,,IT,,,yesterday`, // 8
        ])

        const report = yield* importEmployees(csv)

        expect(report.inserted).toBe(0)
        expect(report.skipped).toEqual([
          { line: 2, reason: "no email" },
          { line: 3, reason: 'malformed email "not-an-email"' },
          { line: 4, reason: "no full name" },
          { line: 5, reason: 'malformed Telegram username "x!"' },
          { line: 6, reason: 'malformed email "broken"' },
          { line: 7, reason: 'unknown department "LEGAL"' },
          {
            line: 8,
            reason: 'malformed hire date "yesterday" (expected YYYY-MM-DD or DD.MM.YYYY)',
          },
        ])
      }),
    )

    it.effect("numbers a bad row by its physical line after a multi-line quoted cell (CRLF)", () =>
      Effect.gen(function* () {
        const u = unique()
        const multiLine = `multi.${u}@lines.test`
        const csv = file(
          [
            header,
            `Multi Line,${multiLine},,,IT,,"Dev\r\nand\r\nQA",2020-01-01`, // lines 2-4
            `Late Bad,late.${u}@lines.test,,,LEGAL,,,`, // 5
          ],
          "\r\n",
        )

        const report = yield* importEmployees(csv)

        expect(report.inserted).toBe(1)
        expect(report.skipped).toEqual([{ line: 5, reason: 'unknown department "LEGAL"' }])
        expect((yield* storedOne(multiLine)).position).toBe("Dev\r\nand\r\nQA")
      }),
    )

    it.effect("re-importing the same file changes nothing", () =>
      Effect.gen(function* () {
        const u = unique()
        const emails = [1, 2, 3].map((n) => `same${n}.${u}@again.test`)
        const csv = file([
          header,
          `Первый Сотрудник,${emails[0]},@first_${u},+7 900 111-11-11,IT,БЦ Око,Dev,01.06.2020`,
          `Second Person,${emails[1]},,,SALES,,Seller,`,
          `"Third, Person",${emails[2]},third.${u},,,"БЦ Федерация",,2022-12-01`,
        ])
        expect(yield* importEmployees(csv)).toMatchObject({ inserted: 3, updated: 0 })
        const before = yield* stored(emails)

        const again = yield* importEmployees(csv)

        expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 3, skipped: [], changed: [] })
        const after = yield* stored(emails)
        expect(after.map((row) => row.updatedAt.getTime())).toEqual(
          before.map((row) => row.updatedAt.getTime()),
        )
        expect(after).toEqual(before)
      }),
    )

    it.effect("re-importing with one field changed updates exactly that employee", () =>
      Effect.gen(function* () {
        const u = unique()
        const [e1, e2, e3] = [1, 2, 3].map((n) => `change${n}.${u}@again.test`) as [
          string,
          string,
          string,
        ]
        const one = `One,${e1},,,IT,БЦ Око,Dev,2020-01-01`
        const three = `Three,${e3},,,IT,БЦ Око,Dev,2020-01-01`
        yield* importEmployees(file([header, one, `Two,${e2},,,IT,БЦ Око,Dev,2020-01-01`, three]))
        // The bot links a Telegram account and ops deactivate someone: an import keeps both.
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE employees SET telegram_id = 770000001, authorized = true, is_active = false
                   WHERE email = ${e2}`
        const before = yield* stored([e1, e2, e3])

        const report = yield* importEmployees(
          file([header, one, `Two,${e2},,,IT,БЦ Око,Team lead,2020-01-01`, three]),
        )

        expect(report).toMatchObject({ inserted: 0, updated: 1, unchanged: 2, skipped: [] })
        const changed = before.find((row) => row.email === e2) as StoredEmployee
        expect(report.changed).toEqual([
          { outcome: "updated", employeeId: changed.id, telegramId: 770000001 },
        ])
        const [a1, a2, a3] = (yield* stored([e1, e2, e3])) as [
          StoredEmployee,
          StoredEmployee,
          StoredEmployee,
        ]
        const [b1, b2, b3] = before as [StoredEmployee, StoredEmployee, StoredEmployee]
        expect(a2).toMatchObject({
          position: "Team lead",
          telegramId: "770000001",
          authorized: true,
          isActive: false,
        })
        expect(a2.updatedAt.getTime()).toBeGreaterThan(b2.updatedAt.getTime())
        expect(a1).toEqual(b1)
        expect(a3).toEqual(b3)
      }),
    )

    it.effect("an empty cell keeps the stored value", () =>
      Effect.gen(function* () {
        const u = unique()
        const email = `keep.${u}@again.test`
        yield* importEmployees(
          file([
            header,
            `Keep Me,${email},@keep_${u},+7 900 222-22-22,HR,БЦ Гринвич,Recruiter,2017-05-20`,
          ]),
        )
        const before = yield* storedOne(email)

        const report = yield* importEmployees(file([header, `Keep Me,${email},,,,,,`]))

        expect(report).toMatchObject({ inserted: 0, updated: 0, unchanged: 1, skipped: [] })
        const after = yield* storedOne(email)
        expect(after).toEqual(before)
        expect(after).toMatchObject({
          telegramUsername: `keep_${u}`,
          phone: "+7 900 222-22-22",
          departmentCode: "HR",
          businessCenterName: "БЦ Гринвич",
          position: "Recruiter",
          hireDate: "2017-05-20",
        })

        // A filled cell next to empty ones still updates, and the empty ones still keep.
        const update = yield* importEmployees(file([header, `Keep Me,${email},,,,,Head,`]))
        expect(update).toMatchObject({ updated: 1, unchanged: 0 })
        expect(yield* storedOne(email)).toMatchObject({
          telegramUsername: `keep_${u}`,
          phone: "+7 900 222-22-22",
          departmentCode: "HR",
          position: "Head",
          hireDate: "2017-05-20",
        })
      }),
    )

    it.effect("writes no row when the database refuses one of them (one transaction)", () =>
      Effect.gen(function* () {
        const u = unique()
        const first = `first.${u}@atomic.test`
        const refused = `refused.${u}@atomic.test`
        const sql = yield* SqlClient.SqlClient
        // Postgres refuses this one email, as it would refuse a row breaking a constraint.
        const fn = `refuse_${u}`
        yield* sql.unsafe(`
          CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.email = '${refused}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
            RETURN NEW;
          END $$`)
        yield* sql.unsafe(
          `CREATE TRIGGER ${fn} BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
        )
        const dropTrigger = sql
          .unsafe(`DROP TRIGGER ${fn} ON employees; DROP FUNCTION ${fn}()`)
          .pipe(Effect.orDie)

        const error = yield* Effect.flip(
          importEmployees(
            file([header, `First,${first},,,IT,,,2020-01-01`, `Refused,${refused},,,IT,,,`]),
          ),
        ).pipe(Effect.ensuring(dropTrigger))

        expect(error._tag).toBe("DatabaseError")
        expect(yield* stored([first, refused])).toEqual([])
      }),
    )

    it.effect("refuses a file whose header lacks columns and writes nothing", () =>
      Effect.gen(function* () {
        const u = unique()
        const email = `noheader.${u}@file.test`
        const csv = file([
          "full_name,email,telegram_username,department_code,business_center,position",
          `Header Less,${email},,IT,БЦ Око,Dev`,
        ])
        const error = yield* Effect.flip(importEmployees(csv))
        expect(error).toBeInstanceOf(ImportFileError)
        expect(error.message).toMatch(/phone/)
        expect(error.message).toMatch(/hire_date/)
        expect(yield* stored([email])).toEqual([])
      }),
    )

    it.effect("refuses a file without a header (data on line 1) and writes nothing", () =>
      Effect.gen(function* () {
        const u = unique()
        const email = `headless.${u}@file.test`
        const other = `headless2.${u}@file.test`
        const csv = file([
          `Head Less,${email},,,IT,БЦ Око,Dev,2020-01-01`,
          `Head Less Two,${other},,,IT,БЦ Око,Dev,2020-01-01`,
        ])
        const error = yield* Effect.flip(importEmployees(csv))
        expect(error).toBeInstanceOf(ImportFileError)
        expect(yield* stored([email, other])).toEqual([])
      }),
    )

    it.effect("refuses an empty file", () =>
      Effect.gen(function* () {
        for (const empty of ["", "\uFEFF", "\r\n\r\n", "  \n"]) {
          const error = yield* Effect.flip(importEmployees(empty))
          expect(error).toBeInstanceOf(ImportFileError)
          expect(error.message).toMatch(/empty/)
        }
      }),
    )

    it.effect("refuses a file with an unterminated quote and writes none of its rows", () =>
      Effect.gen(function* () {
        const u = unique()
        const before = `before.${u}@quote.test`
        const inside = `inside.${u}@quote.test`
        const csv = file([
          header,
          `Before Quote,${before},,,IT,БЦ Око,Dev,2020-01-01`,
          `"Open Quote,${inside},,,IT,БЦ Око,Dev,2020-01-01`, // line 3
          `After Quote,after.${u}@quote.test,,,IT,БЦ Око,Dev,2020-01-01`,
        ])
        const error = yield* Effect.flip(importEmployees(csv))
        expect(error).toBeInstanceOf(ImportFileError)
        expect(error.message).toMatch(/line 3\b/)
        expect(yield* stored([before, inside, `after.${u}@quote.test`])).toEqual([])
      }),
    )

    it.effect("matches emails ignoring case and stores them lower-case", () =>
      Effect.gen(function* () {
        const u = unique()
        const mixed = `Anna.Case.${u}@Example.COM`
        const lower = mixed.toLowerCase()
        const first = yield* importEmployees(file([header, `Anna Case,${mixed},,,IT,,Dev,`]))
        expect(first).toMatchObject({ inserted: 1, skipped: [] })
        expect((yield* storedOne(lower)).email).toBe(lower)

        const second = yield* importEmployees(
          file([header, `Anna Case,${mixed.toUpperCase()},,,IT,,Lead,`]),
        )

        expect(second).toMatchObject({ inserted: 0, updated: 1, unchanged: 0, skipped: [] })
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ email: string; position: string }>`
          SELECT email, position FROM employees WHERE lower(email) = ${lower}`
        expect(rows).toEqual([{ email: lower, position: "Lead" }])
      }),
    )

    it.effect("skips a duplicate email inside one file, naming the first line", () =>
      Effect.gen(function* () {
        const u = unique()
        const dup = `dup.${u}@dup.test`
        const other = `other.${u}@dup.test`
        const csv = file([
          header,
          `First Dup,${dup},,,IT,,First,`, // 2
          `Other,${other},,,IT,,,`, // 3
          `Second Dup,${dup.toUpperCase()},,,HR,,Second,`, // 4
          `Third Dup,${dup},,,SALES,,Third,`, // 5
        ])

        const report = yield* importEmployees(csv)

        expect(report).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 })
        expect(report.skipped).toHaveLength(2)
        expect(report.skipped.map((row) => row.line)).toEqual([4, 5])
        for (const row of report.skipped) expect(row.reason).toMatch(/line 2\b/)
        expect(yield* storedOne(dup)).toMatchObject({
          fullName: "First Dup",
          departmentCode: "IT",
          position: "First",
        })
        expect(yield* stored([other])).toHaveLength(1)
      }),
    )

    it.effect("updates an employee whom ops added by SQL with a capitalised email", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const u = unique()
        yield* sql`
          INSERT INTO employees (full_name, email) VALUES ('Ops Added', ${`Ops.Added.${u}@Corp.Test`})`
        const report = yield* importEmployees(
          file([header, `Ops Added,ops.added.${u}@corp.test,,,IT,,Analyst,`]),
        )
        expect(report).toMatchObject({ inserted: 0, updated: 1, skipped: [] })
        expect(yield* stored([`ops.added.${u}@corp.test`])).toHaveLength(1)
      }),
    )

    it.effect("refuses a file that is not UTF-8 (a Windows-1251 export) and writes nothing", () =>
      Effect.gen(function* () {
        const u = unique()
        // What TextDecoder makes of "Иванов" saved in Windows-1251.
        const decoded = new TextDecoder().decode(
          new Uint8Array([0xc8, 0xe2, 0xe0, 0xed, 0xee, 0xe2]),
        )
        const error = yield* Effect.flip(
          importEmployees(file([header, `${decoded},cp.${u}@corp.test,,,IT,,,`])),
        )
        expect(error).toBeInstanceOf(ImportFileError)
        expect(error.message).toContain("UTF-8")
        expect(yield* stored([`cp.${u}@corp.test`])).toHaveLength(0)
      }),
    )

    it.effect("refuses a header that names a column twice", () =>
      Effect.gen(function* () {
        const u = unique()
        const error = yield* Effect.flip(
          importEmployees(
            file([`${header},email`, `Twice,a.${u}@corp.test,,,IT,,,,b.${u}@corp.test`]),
          ),
        )
        expect(error).toBeInstanceOf(ImportFileError)
        expect(error.message).toContain("repeats email")
        expect(yield* stored([`a.${u}@corp.test`, `b.${u}@corp.test`])).toHaveLength(0)
      }),
    )
  })
})
