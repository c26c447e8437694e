/**
 * What the database commands of `tsx scripts/db.ts` share: each applies the pending migrations
 * first (seed and import need the tables too) and says what they did. Each command is an Effect
 * over the services it uses; `scripts/db.ts` provides the layers.
 */
import { Console, Effect, Option } from "effect"
import { migrateWithReferenceData, type ReferenceDataAdded } from "../../db/Seed"

/**
 * Applies pending migrations and says which. Returns what the reference data migration added if
 * it ran now: the callers say so, each in its own words.
 */
export const migrateAndReport = Effect.gen(function* () {
  const { applied, referenceData } = yield* migrateWithReferenceData
  for (const [id, name] of applied) yield* Console.log(`Applied migration ${id}_${name}`)
  return { applied, referenceData }
})

export const describeReferenceData = (added: ReferenceDataAdded) =>
  `${added.interests} interests, ${added.departments} departments, ${added.businessCenters} business centers`

/** One line when the migrations just gave empty reference tables their defaults. */
export const reportReferenceData = (referenceData: Option.Option<ReferenceDataAdded>) =>
  Option.match(
    Option.filter(
      referenceData,
      (added) => added.interests + added.departments + added.businessCenters > 0,
    ),
    {
      onNone: () => Effect.void,
      onSome: (added) =>
        Console.log(`Added the default reference data: ${describeReferenceData(added)}.`),
    },
  )
