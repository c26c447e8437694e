/**
 * What `scripts/rounds.ts` gives its commands: the rounds over the database of DATABASE_URL (or
 * the embedded one) and the outbox, with the round settings the bot uses. The database's settings
 * and the rounds' are read together first, so that one line names every one at fault.
 */
import { Effect, Layer } from "effect"
import { checkSettings, DatabaseConfig, databaseSettingsConfig } from "../../config"
import * as Database from "../../db/Database"
import { Outbox } from "../../outbox/Outbox"
import { Rounds } from "../../rounds/Rounds"
import { RoundsConfig, roundsSettingsConfig } from "../../rounds/RoundsSettings"

export const RoundsLive = Rounds.layer.pipe(
  Layer.provideMerge(Outbox.layer),
  Layer.provideMerge(Database.layer.pipe(Layer.provide(DatabaseConfig.layer))),
  Layer.provideMerge(RoundsConfig.layer),
)

export const withRounds = <A, E>(program: Effect.Effect<A, E, Rounds>) =>
  checkSettings([databaseSettingsConfig, roundsSettingsConfig]).pipe(
    Effect.zipRight(program),
    Effect.provide(RoundsLive),
  )
