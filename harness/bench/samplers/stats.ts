/** Quartiles by linear interpolation between order statistics (numpy's default). */
export function quartiles(values: readonly number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  return [at(0.25), at(0.5), at(0.75)];
}

/** Three significant digits, small values in exponent form. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) return v.toExponential(2);
  return v.toPrecision(3);
}

export function fmtQuartiles(values: readonly number[]): string {
  const [q1, median, q3] = quartiles(values);
  return `**${fmt(median)}** (${fmt(q1)}–${fmt(q3)})`;
}
