/**
 * What a run of a round's step did, in one English sentence: `scripts/rounds.ts run` prints it,
 * and the playground's panel shows it on its English page. It imports nothing, so the page's
 * bundle takes it as it is (tsconfig.page.json checks it with the page).
 */

/** The figures of a step's run that the sentence says (`StepRun` in ./Steps.ts has them all). */
export interface RunFigures {
  readonly startsOn: string
  readonly outcome: "done" | "busy" | "done-before" | "not-yet" | "cancelled"
  readonly messages: number
  readonly placed?: number | undefined
  readonly groups?: number | undefined
  readonly alone?: number | undefined
  readonly repeats?: number | undefined
}

/**
 * `round` names the interest (its code in the script, its name on the page), `step` the step;
 * `notYetHint` ends the "not yet" sentence with what the reader can do instead.
 */
export const describeStepRun = (
  run: RunFigures,
  round: string,
  step: string,
  notYetHint = "",
): string => {
  const ofRound = `the ${round} round of ${run.startsOn}`
  const what = `${step} of ${ofRound}`
  switch (run.outcome) {
    case "done":
      return `Done: ${what}; ${run.messages} message(s) queued${
        run.placed === undefined
          ? ""
          : `; ${run.placed} placed in ${run.groups} group(s), ${run.alone} alone, ${run.repeats} repeat pair(s)`
      }.`
    case "done-before":
      return `Nothing to do: ${what} was done already.`
    case "busy":
      return `Another process is running ${what} right now; try again in a moment.`
    case "not-yet":
      return `Not yet: an earlier step of ${ofRound} has not run; run it first${notYetHint}.`
    case "cancelled":
      return `The ${round} round of ${run.startsOn} was called off.`
  }
}
