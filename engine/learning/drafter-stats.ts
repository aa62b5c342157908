/**
 * Per (edit kind, drafter) acceptance statistics, kept across restarts in
 * `<dataDir>/drafter-stats.json`. The file is untrusted input: an unreadable
 * or invalid one is reported once and the statistics start fresh (it is
 * replaced on the next save); the server never fails over it. Saves are
 * debounced and atomic (temporary file + rename), so a crash mid-write
 * leaves the previous file intact.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { TokenAcceptance } from './token-acceptance.js';

export const DRAFTER_STATS_FILE = 'drafter-stats.json';

/**
 * Weight of the newest request in the moving average: the last ~10 requests
 * count, the weight halving every 3, so a drafter that got worse (or better,
 * through exploration) changes sides of the floor within a few requests.
 */
export const RECENT_WEIGHT = 0.2;

const entrySchema = z.object({
  /** Model file identity the numbers belong to (null: unknown). */
  model: z.string().nullable(),
  requests: z.number().int().min(0),
  candidateTokens: z.number().int().min(0),
  acceptedTokens: z.number().int().min(0),
  recentAcceptance: z.number().min(0).max(1),
  updated: z.string(),
});
const fileSchema = z.object({
  version: z.literal(1),
  /** kind → drafter name → statistics. */
  kinds: z.record(z.string(), z.record(z.string(), entrySchema)),
});

export type DrafterStatsEntry = z.infer<typeof entrySchema>;
type StatsFile = z.infer<typeof fileSchema>;

export interface StatsLogger {
  warn(message: string): void;
  debug(message: string): void;
}

export interface DrafterStatsOptions {
  /** Delay between a change and its save, ms (changes meanwhile share one write). */
  saveDelayMs?: number;
}

export class DrafterStatsStore {
  private data: StatsFile;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private lastSaveError: string | undefined;

  private constructor(
    readonly file: string,
    private readonly logger: StatsLogger,
    private readonly saveDelayMs: number,
    data: StatsFile,
  ) {
    this.data = data;
  }

  /** Reads `file` (absent: empty statistics; unreadable or invalid: a warning and empty statistics). */
  static load(file: string, logger: StatsLogger, options: DrafterStatsOptions = {}): DrafterStatsStore {
    return new DrafterStatsStore(file, logger, options.saveDelayMs ?? 2000, readStats(file, logger));
  }

  /** The statistics of `drafter` for `kind`, if they belong to `model`. */
  get(kind: string, drafter: string, model: string | undefined): DrafterStatsEntry | undefined {
    const entry = this.data.kinds[kind]?.[drafter];
    return entry && entry.model === (model ?? null) ? entry : undefined;
  }

  /** Adds one request's outcome; a different model than the recorded one starts the drafter's statistics over. */
  record(kind: string, drafter: string, model: string | undefined, outcome: TokenAcceptance): DrafterStatsEntry {
    const share = outcome.candidateTokens === 0 ? 0 : outcome.acceptedTokens / outcome.candidateTokens;
    const previous = this.get(kind, drafter, model);
    const entry: DrafterStatsEntry = {
      model: model ?? null,
      requests: (previous?.requests ?? 0) + 1,
      candidateTokens: (previous?.candidateTokens ?? 0) + outcome.candidateTokens,
      acceptedTokens: (previous?.acceptedTokens ?? 0) + outcome.acceptedTokens,
      recentAcceptance: previous ? previous.recentAcceptance + RECENT_WEIGHT * (share - previous.recentAcceptance) : share,
      updated: new Date().toISOString(),
    };
    (this.data.kinds[kind] ??= {})[drafter] = entry;
    this.scheduleSave();
    return entry;
  }

  entries(): Array<{ kind: string; drafter: string; entry: DrafterStatsEntry }> {
    return Object.entries(this.data.kinds).flatMap(([kind, drafters]) => Object.entries(drafters).map(([drafter, entry]) => ({ kind, drafter, entry })));
  }

  /** Writes pending changes now (shutdown, tests). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) this.save();
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, this.saveDelayMs);
    this.timer.unref(); // a pending save never keeps the process alive; shutdown flushes
  }

  private save(): void {
    this.dirty = false;
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(temporary, `${JSON.stringify(this.data, null, 1)}\n`);
      renameSync(temporary, this.file);
      this.lastSaveError = undefined;
    } catch (error) {
      const message = (error as Error).message;
      // One warning per distinct failure, not one per request.
      if (message !== this.lastSaveError) this.logger.warn(`drafter statistics could not be saved to ${this.file}: ${message}; set "dataDir" to a writable directory`);
      this.lastSaveError = message;
    }
  }
}

function readStats(file: string, logger: StatsLogger): StatsFile {
  const fresh: StatsFile = { version: 1, kinds: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`drafter statistics in ${file} cannot be read (${(error as Error).message}); starting fresh`);
    return fresh;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    logger.warn(`drafter statistics in ${file} are not valid JSON (${(error as Error).message}); starting fresh, the file will be replaced`);
    return fresh;
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    logger.warn(`drafter statistics in ${file} have an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'}); starting fresh, the file will be replaced`);
    return fresh;
  }
  logger.debug(`drafter statistics loaded from ${file}`);
  return parsed.data;
}
