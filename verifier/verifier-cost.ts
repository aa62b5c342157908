/**
 * t(n): what one verifier call costs when it evaluates n tokens in one batch
 * (bench/batch-ceiling.ts measures the same curve). The draft policy
 * (draft-policy.ts) weighs expected output against it. A GPU evaluates 64
 * tokens for about twice the time of one, a CPU running a small model for
 * about 15 times (../shared/notes/peers-and-limits.md), so the curve, not a
 * constant, decides how long a draft is worth proposing.
 */

export interface CostCurve {
  /** Time of one call evaluating `tokens` (>= 1) tokens; any unit, only ratios matter. */
  time(tokens: number): number;
}

/** A curve given as measured points (tokens, time): linear between them, and beyond them along the nearest segment. */
export function costCurveFromPoints(points: readonly (readonly [number, number])[]): CostCurve {
  const sorted = [...points].sort((a, b) => a[0] - b[0]).map(([n, ms]) => ({ n, ms }));
  if (sorted.length === 0 || sorted.some((p) => !(p.n >= 1 && p.ms > 0))) throw new RangeError('a cost curve needs points with tokens >= 1 and a positive time');
  const slope = (a: { n: number; ms: number }, b: { n: number; ms: number }) => (b.ms - a.ms) / (b.n - a.n);
  return {
    time(tokens: number): number {
      if (sorted.length === 1) return sorted[0].ms * tokens / sorted[0].n;
      return Math.max(interpolate(sorted, tokens, slope(sorted[0], sorted[1]), slope(sorted[sorted.length - 2], sorted[sorted.length - 1])), Number.EPSILON);
    },
  };
}

/** Before any call is measured: t(n) = t(1) * (1 + PRIOR_SLOPE * (n - 1)), about a small model on a CPU core, the cautious case. */
const PRIOR_SLOPE = 0.25;
/** Calls a bucket remembers. */
const MEMORY = 8;
/** Calls before a bucket's own time is believed when it is slower than the other buckets' trend says. */
const TRUSTED = 3;
/** The learned slope never goes below this fraction of t(1) per token: noise must not make long batches look free. */
const MIN_RELATIVE_SLOPE = 0.001;

interface Point {
  n: number;
  ms: number;
  count: number;
}

/**
 * t(n) learned from the calls the verify loop makes, per model. Calls are
 * grouped in buckets of batch sizes (1, 2, 3, 4-5, 6-9, 10-17, ..., the
 * sizes the policy's K + 1 falls in); a bucket's time is the fastest of its
 * last calls, since on a shared machine every disturbance only adds time (as
 * bench/batch-ceiling.ts measures). A bucket with fewer than TRUSTED calls is
 * priced at most at what the trusted buckets' trend predicts, so one slow
 * first call does not keep a K from being tried again. The times are then
 * made to agree with what batching can do (a larger batch never takes less
 * time, nor more time per token). Between buckets the curve is linear;
 * beyond the measured ones it follows the least-squares slope of all of
 * them, so a K never tried is priced from the trend and tried when that
 * price is right.
 */
export class LearnedCostCurve implements CostCurve {
  private readonly buckets = new Map<number, { n: number[]; ms: number[] }>();
  private points: Point[] = [];
  private trend = 0;

  observe(tokens: number, ms: number): void {
    if (!(tokens >= 1) || !(ms > 0)) return;
    const key = bucketOf(tokens);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { n: [], ms: [] }));
    bucket.n.push(tokens);
    bucket.ms.push(ms);
    if (bucket.ms.length > MEMORY) {
      bucket.n.shift();
      bucket.ms.shift();
    }
    this.refit();
  }

  time(tokens: number): number {
    return this.points.length === 0 ? 1 + PRIOR_SLOPE * (tokens - 1) : curveAt(this.points, this.trend, tokens);
  }

  /** The curve's points: per bucket, its average batch size, fitted time and calls (for tests and diagnostics). */
  measured(): { tokens: number; ms: number; calls: number }[] {
    return this.points.map((p) => ({ tokens: p.n, ms: p.ms, calls: p.count }));
  }

  private refit(): void {
    const raw: Point[] = [...this.buckets.values()]
      .map((b) => ({ n: b.n.reduce((x, y) => x + y, 0) / b.n.length, ms: Math.min(...b.ms), count: b.ms.length }))
      .sort((a, b) => a.n - b.n);
    const trusted = shapeConstrained(raw.filter((p) => p.count >= TRUSTED));
    const trustedSlope = fitSlope(trusted);
    const optimistic = trusted.length === 0 ? raw : raw.map((p) => (p.count >= TRUSTED ? p : { ...p, ms: Math.min(p.ms, curveAt(trusted, trustedSlope, p.n)) }));
    this.points = shapeConstrained(optimistic);
    this.trend = fitSlope(this.points);
  }
}

/** The curve through `points` (sorted, non-empty) at n: extrapolated along `slope`, and below the smallest batch no cheaper per token than it. */
function curveAt(points: readonly Point[], slope: number, n: number): number {
  const value = interpolate(points, n, slope, slope);
  return n < points[0].n ? Math.max(value, (points[0].ms * n) / points[0].n) : value;
}

/** Weighted least-squares slope of the points, at least MIN_RELATIVE_SLOPE of the first point's time per token; one point: the prior's. */
function fitSlope(points: readonly Point[]): number {
  if (points.length === 0) return 0;
  const floor = MIN_RELATIVE_SLOPE * (points[0].ms / points[0].n);
  if (points.length === 1) return Math.max(floor, (points[0].ms * PRIOR_SLOPE) / (1 + PRIOR_SLOPE * (points[0].n - 1)));
  let w = 0;
  let sn = 0;
  let st = 0;
  for (const p of points) {
    w += p.count;
    sn += p.count * p.n;
    st += p.count * p.ms;
  }
  let cov = 0;
  let varN = 0;
  for (const p of points) {
    cov += p.count * (p.n - sn / w) * (p.ms - st / w);
    varN += p.count * (p.n - sn / w) ** 2;
  }
  return Math.max(floor, varN === 0 ? 0 : cov / varN);
}

/**
 * The times (sorted by n) fitted to the two things batching guarantees:
 * t is non-decreasing in n (pool-adjacent-violators, weighted by calls), and
 * t(n) / n is non-increasing (a batch never costs more than its tokens one
 * call each at a smaller batch's rate).
 */
function shapeConstrained(buckets: readonly Point[]): Point[] {
  const blocks: { ms: number; count: number; size: number }[] = [];
  for (const b of buckets) {
    blocks.push({ ms: b.ms, count: b.count, size: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].ms > blocks[blocks.length - 1].ms) {
      const top = blocks.pop()!;
      const below = blocks[blocks.length - 1];
      below.ms = (below.ms * below.count + top.ms * top.count) / (below.count + top.count);
      below.count += top.count;
      below.size += top.size;
    }
  }
  const fitted = blocks.flatMap((block) => Array.from({ length: block.size }, () => block.ms));
  const points = buckets.map((b, i) => ({ ...b, ms: fitted[i] }));
  for (let i = 1; i < points.length; i++) points[i].ms = Math.min(points[i].ms, (points[i - 1].ms * points[i].n) / points[i - 1].n);
  return points;
}

/** 1, 2, 3, then the powers of two plus one that a draft of 2^j tokens makes (4-5 → 5, 6-9 → 9, ...). */
function bucketOf(tokens: number): number {
  return tokens <= 3 ? tokens : 2 ** Math.ceil(Math.log2(tokens - 1)) + 1;
}

/** Linear between the points (sorted by n); before the first and after the last along the given slopes. */
function interpolate(points: readonly { n: number; ms: number }[], n: number, before: number, after: number): number {
  const first = points[0];
  const last = points[points.length - 1];
  if (n <= first.n) return first.ms - before * (first.n - n);
  if (n >= last.n) return last.ms + after * (n - last.n);
  let i = 1;
  while (points[i].n < n) i++;
  const a = points[i - 1];
  const b = points[i];
  return a.ms + ((b.ms - a.ms) * (n - a.n)) / (b.n - a.n);
}

const learned = new WeakMap<object, LearnedCostCurve>();

/** The curve learned for `model`, shared by every verifier of that model (a bench makes one per task). */
export function learnedCostCurve(model: object): LearnedCostCurve {
  let curve = learned.get(model);
  if (!curve) {
    curve = new LearnedCostCurve();
    learned.set(model, curve);
  }
  return curve;
}
