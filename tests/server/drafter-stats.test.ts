/**
 * `specedit/stats` shows each drafter's acceptance per edit kind, as the
 * orchestrator built from the settings loads it from the data directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrchestrator } from '../../engine/create-orchestrator.js';
import { configSchema } from '../../protocol/config.js';
import { inProcessServer } from '../helpers/in-process-server.js';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const entry = (requests: number, candidateTokens: number, acceptedTokens: number, recentAcceptance: number) => ({
  model: '1234-5678',
  requests,
  candidateTokens,
  acceptedTokens,
  recentAcceptance,
  updated: '2026-01-01T00:00:00.000Z',
});

test('specedit/stats lists per (kind, drafter) acceptance and which drafters are skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specedit-stats-'));
  writeFileSync(
    join(dir, 'drafter-stats.json'),
    JSON.stringify({ version: 1, kinds: { rename: { small: entry(40, 400, 360, 0.9) }, fix: { small: entry(12, 100, 10, 0.05), pinned: entry(12, 100, 10, 0.05) } } }),
  );
  const config = configSchema.parse({ dataDir: dir, pinnedDrafters: ['pinned'] });
  const orchestrator = createOrchestrator(config, quiet, { manifestPath: join(dir, 'no-manifest.json') });
  const client = inProcessServer(orchestrator);
  try {
    await client.initialize();
    const stats = (await client.connection.sendRequest('specedit/stats')) as { totals: { edits: number }; drafters: unknown[] };
    expect(stats.totals.edits).toBe(0);
    expect(stats.drafters).toEqual([
      { kind: 'fix', drafter: 'pinned', model: '1234-5678', requests: 12, candidateTokens: 100, acceptedTokens: 10, acceptance: 0.1, recentAcceptance: 0.05, skipped: false },
      { kind: 'fix', drafter: 'small', model: '1234-5678', requests: 12, candidateTokens: 100, acceptedTokens: 10, acceptance: 0.1, recentAcceptance: 0.05, skipped: true },
      { kind: 'rename', drafter: 'small', model: '1234-5678', requests: 40, candidateTokens: 400, acceptedTokens: 360, acceptance: 0.9, recentAcceptance: 0.9, skipped: false },
    ]);
  } finally {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
