import type { EditKind, EditMode } from '../protocol/edit-task.js';
import type { DrafterAcceptance, EditStats } from '../protocol/stats.js';

export interface EditRecord {
  kind: EditKind;
  mode: EditMode;
  uri: string;
  stats: EditStats;
  at: string;
}

/**
 * Answers `specedit/stats`: the last edits and totals since the server
 * started, and each drafter's acceptance per edit kind (kept across restarts
 * by the engine, passed in).
 */
export class StatsRegistry {
  private recent: EditRecord[] = [];
  private totals = { edits: 0, drafted: 0, accepted: 0, verifierCalls: 0, outputTokens: 0, wallMs: 0 };

  constructor(private keep = 50) {}

  record(record: EditRecord): void {
    this.recent.push(record);
    if (this.recent.length > this.keep) this.recent.shift();
    const t = this.totals;
    t.edits += 1;
    t.drafted += record.stats.drafted;
    t.accepted += record.stats.accepted;
    t.verifierCalls += record.stats.verifierCalls;
    t.outputTokens += record.stats.outputTokens;
    t.wallMs += record.stats.wallMs;
  }

  report(drafters: readonly DrafterAcceptance[] = []) {
    const t = this.totals;
    return {
      totals: {
        ...t,
        acceptance: t.drafted === 0 ? 0 : t.accepted / t.drafted,
        tokensPerCall: t.verifierCalls === 0 ? 0 : t.outputTokens / t.verifierCalls,
      },
      last: this.recent.at(-1) ?? null,
      recent: [...this.recent],
      drafters: [...drafters].sort((a, b) => a.kind.localeCompare(b.kind) || a.drafter.localeCompare(b.drafter)),
    };
  }
}
