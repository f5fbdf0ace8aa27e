/** Figures shared by the benchmark scenarios. */

/** The median of `values` (the mean of the middle two for an even count). */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** `value` rounded to `digits` decimals, as a number. */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
