/**
 * How much of a drafter's candidate an edit kept: the share of the
 * candidate's tokens (verifier tokenizer) that the returned edit contains in
 * order, i.e. the longest common subsequence over the candidate's length.
 *
 * Why this and not the verify loop's own attribution (which source proposed
 * each accepted draft token, in drafters/input-lookup-drafter.ts): there,
 * the original scope and every candidate usually propose the same tokens, so
 * credit goes to whichever source the lookup happened to pick; a drafter
 * that arrives after the verifier has passed its part gets nothing however
 * good it is; and rank mode and name suggestions have no such loop. The
 * subsequence share judges each candidate on its own, in every mode. Its
 * weakness: a drafter that only copies the original also scores high on
 * edits that change little; it then costs CPU time but does not mislead.
 */
import type { Token } from '../../verifier/target-model.js';

export interface TokenAcceptance {
  candidateTokens: number;
  acceptedTokens: number;
}

/** Above this many table cells (a 4,000 × 4,000-token scope), the exact subsequence gives way to a greedy lower bound. */
const MAX_TABLE_CELLS = 16_000_000;

export function tokenAcceptance(candidate: readonly Token[], output: readonly Token[]): TokenAcceptance {
  return { candidateTokens: candidate.length, acceptedTokens: commonSubsequence(candidate, output) };
}

/**
 * Length of a longest common subsequence. It runs in the request's path,
 * so: common prefix and suffix first (an edit's candidates share most of
 * both), then the classic table over what is left, one row at a time (a
 * 1,000-token scope that differs throughout takes a few ms; a general diff
 * library took half a second).
 */
export function commonSubsequence(a: readonly Token[], b: readonly Token[]): number {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const shared = start + (a.length - endA);
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return shared;
  if (n * m > MAX_TABLE_CELLS) return shared + greedyInOrder(a.slice(start, endA), b.slice(start, endB));
  let previous = new Int32Array(m + 1);
  let current = new Int32Array(m + 1);
  for (let i = 0; i < n; i++) {
    const token = a[start + i];
    for (let j = 0; j < m; j++) {
      current[j + 1] = token === b[start + j] ? previous[j] + 1 : Math.max(previous[j + 1], current[j]);
    }
    [previous, current] = [current, previous];
  }
  return shared + previous[m];
}

/** Each token of `a` matched to its next occurrence in `b`: a common subsequence, not always a longest one. */
function greedyInOrder(a: readonly Token[], b: readonly Token[]): number {
  const positions = new Map<Token, number[]>();
  b.forEach((t, i) => {
    const list = positions.get(t);
    if (list) list.push(i);
    else positions.set(t, [i]);
  });
  let at = -1;
  let matched = 0;
  for (const t of a) {
    const list = positions.get(t);
    if (!list) continue;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] > at) hi = mid;
      else lo = mid + 1;
    }
    if (lo < list.length) {
      at = list[lo];
      matched++;
    }
  }
  return matched;
}
