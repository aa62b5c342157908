/**
 * Which drafters run for an edit kind. A drafter whose recent acceptance for
 * the kind stays below the floor, after enough requests to judge it, is
 * skipped: its candidates cost CPU time (shared with the verifier on small
 * machines) and bring little. It is still tried on every n-th request of the
 * kind, so a drafter that does better on today's code can climb back; pinned
 * drafters always run.
 */
import type { EditKind } from '../../protocol/edit-task.js';
import type { CandidateDrafter } from '../candidates.js';
import type { DrafterStatsStore } from './drafter-stats.js';

export interface DrafterSelectionPolicy {
  /** Skip below this recent acceptance (0: never skip). */
  floor: number;
  /** Requests answered before a drafter can be skipped. */
  minRequests: number;
  /** A skipped drafter runs again on every n-th request. */
  exploreEvery: number;
  /** Names that are never skipped. */
  pinned: readonly string[];
}

export class DrafterSelection {
  /** Requests skipped in a row, per kind and drafter (since the last try). */
  private skippedInARow = new Map<string, number>();

  constructor(
    private readonly stats: DrafterStatsStore,
    private readonly policy: DrafterSelectionPolicy,
    private readonly logger?: { debug(message: string): void },
  ) {}

  /** True when the statistics say `drafter` does not pay for `kind` (exploration aside). */
  belowFloor(kind: string, drafter: string, model: string | undefined): boolean {
    const { floor, minRequests, pinned } = this.policy;
    if (floor <= 0 || pinned.includes(drafter)) return false;
    const entry = this.stats.get(kind, drafter, model);
    return entry !== undefined && entry.requests >= minRequests && entry.recentAcceptance < floor;
  }

  /** The drafters to run for one request of `kind`; call once per request (it counts skips). */
  select(kind: EditKind, drafters: readonly CandidateDrafter[]): CandidateDrafter[] {
    return drafters.filter((d) => {
      if (!this.belowFloor(kind, d.name, d.model)) return true;
      const key = `${kind}\u0000${d.name}`;
      const skipped = (this.skippedInARow.get(key) ?? 0) + 1;
      if (skipped >= this.policy.exploreEvery) {
        this.skippedInARow.set(key, 0);
        this.logger?.debug(`drafter ${d.name} is below the acceptance floor for ${kind}; trying it again (every ${this.policy.exploreEvery} requests)`);
        return true;
      }
      this.skippedInARow.set(key, skipped);
      this.logger?.debug(`drafter ${d.name} skipped for ${kind}: recent acceptance below ${this.policy.floor}`);
      return false;
    });
  }
}
