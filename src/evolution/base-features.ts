/**
 * The reward model's base set (DESIGN §6): four simple daily price/volume features every
 * trajectory's factors are added to, so the reward measures what a trajectory adds on top of the
 * obvious, not the obvious itself. Written as quanta expressions (evaluated like any factor):
 *
 *  - OPEN_RET  = $open/DELAY($close,1)-1   overnight return (today's open vs yesterday's close)
 *  - VOL_RATIO = $volume/TS_MEAN($volume,20) today's volume against its 20-day average
 *  - RANGE_RET = ($high-$low)/$close        the day's range relative to the close
 *  - CLOSE_RET = $close/DELAY($close,1)-1   close-to-close daily return
 *
 * All four read only data known at the close of t.
 */
export interface BaseFeature {
  readonly name: string;
  readonly expression: string;
}

export const BASE_FEATURES: readonly BaseFeature[] = Object.freeze([
  { name: "OPEN_RET", expression: "$open/DELAY($close,1)-1" },
  { name: "VOL_RATIO", expression: "$volume/TS_MEAN($volume,20)" },
  { name: "RANGE_RET", expression: "($high-$low)/$close" },
  { name: "CLOSE_RET", expression: "$close/DELAY($close,1)-1" },
]);
