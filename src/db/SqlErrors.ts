/**
 * SQL failures as the app's errors, in a module of their own so that what uses it (the
 * repositories, and their tests over in-memory fakes) does not load the Postgres driver.
 */
import { SqlError } from "@effect/sql/SqlError"
import { Cause, Effect, ParseResult } from "effect"
import { DatabaseError } from "../domain/Errors"

/**
 * A driver failure is the expected `DatabaseError` (Postgres down, a statement refused); a row
 * that does not decode means the schema and the code disagree: a bug, so a defect.
 */
const isSqlError = (error: unknown): error is SqlError => error instanceof SqlError

export const orDatabaseError = <A, E, R>(
  self: Effect.Effect<A, E, R>,
): Effect.Effect<
  A,
  Exclude<E, SqlError | ParseResult.ParseError | Cause.NoSuchElementException> | DatabaseError,
  R
> =>
  self.pipe(
    Effect.catchIf(isSqlError, (cause) => Effect.fail(new DatabaseError({ cause }))),
    Effect.catchIf(ParseResult.isParseError, Effect.die),
    // `SqlSchema.single` on a query that always returns a row (a count) found none: a bug.
    Effect.catchIf(Cause.isNoSuchElementException, Effect.die),
  ) as Effect.Effect<
    A,
    Exclude<E, SqlError | ParseResult.ParseError | Cause.NoSuchElementException> | DatabaseError,
    R
  >
