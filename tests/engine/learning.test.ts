/**
 * Learning from edits (engine/learning/): per (kind, drafter) acceptance
 * decides which drafters run, survives a restart, shrugs off a corrupt file;
 * the opt-in accepted-edit log is written in the training pipeline's format.
 * Scripted verifier, stub drafters, temporary data directories.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CandidateDrafter } from '../../engine/candidates.js';
import { ACCEPTED_EDITS_FILE } from '../../engine/learning/accepted-edit-log.js';
import { resolveDataDir } from '../../engine/learning/data-dir.js';
import type { DrafterSelectionPolicy } from '../../engine/learning/drafter-selection.js';
import { DRAFTER_STATS_FILE, DrafterStatsStore } from '../../engine/learning/drafter-stats.js';
import { EditLearning } from '../../engine/learning/edit-learning.js';
import fc from 'fast-check';
import { commonSubsequence, tokenAcceptance } from '../../engine/learning/token-acceptance.js';
import { SpeculativeEngine } from '../../engine/speculative-engine.js';
import { configSchema } from '../../protocol/config.js';
import { buildCompletion } from '../../protocol/prompt-format.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { applyReplacements } from '../../protocol/text.js';
import { SOURCE, applied, okResult, originalOf, stubDrafter, task, taskAt } from './engine-helpers.js';
import { ScriptedTargetModel } from './scripted-model.js';

const LOOP = 'for (let i = 0; i < items.length; i++) {\n    const item = items[i];\n    t += item.price * item.quantity;\n  }';
const OPTIMIZED = 'for (const item of items) {\n    t += item.price * item.quantity;\n  }';
/** Parses in place of the loop and shares one character (`;`) with the edit: acceptance 1/10. */
const POOR = 'QQQQQQQQQ;';

let dir: string;
const verifiers: GreedyVerifier[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'specedit-learning-'));
});
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => void warnings.push(m), debug: () => undefined };
}

const POLICY: DrafterSelectionPolicy = { floor: 0.3, minRequests: 3, exploreEvery: 3, pinned: [] };

function learningAt(file: string, policy: Partial<DrafterSelectionPolicy> = {}, logger = recordingLogger()) {
  return new EditLearning({ stats: DrafterStatsStore.load(file, logger, { saveDelayMs: 20 }), policy: { ...POLICY, ...policy }, logger });
}

/** The scripted verifier writes OPTIMIZED for the loop (or `edited` when given). */
function engineWith(learning: EditLearning, drafters: CandidateDrafter[], edited = OPTIMIZED) {
  const model = new ScriptedTargetModel({ script: (prompt) => buildCompletion(originalOf(prompt) === LOOP ? edited : 'unscripted') });
  const verifier = new GreedyVerifier(model, { sequences: 2, maxDraftTokens: 16 });
  verifiers.push(verifier);
  return new SpeculativeEngine({ verifier, drafters, maxOutputTokens: 2000, workspaceRoot: '/workspace', learning });
}

const good = () => stubDrafter('good', ['optimizeLoop'], () => `${OPTIMIZED}\n`);
const poor = (model?: string) => Object.assign(stubDrafter('poor', ['optimizeLoop'], () => `${POOR}\n`), model ? { model } : {});

/** Runs `n` loop edits one after another; returns, per request, whether each drafter was asked. */
async function loopEdits(engine: SpeculativeEngine, drafters: Array<ReturnType<typeof stubDrafter>>, n: number): Promise<string[]> {
  const asked: string[] = [];
  for (let i = 0; i < n; i++) {
    const before = drafters.map((d) => d.requests.length);
    const result = okResult(await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), { signal: new AbortController().signal }));
    expect(applied(result)).toBe(SOURCE.replace(LOOP, OPTIMIZED));
    asked.push(drafters.map((d, k) => (d.requests.length > before[k] ? d.name : '-')).join(' '));
  }
  return asked;
}

describe('token acceptance: candidate tokens the output contains in order', () => {
  test.each([
    { candidate: [1, 2, 3, 4], output: [1, 3, 4, 5], accepted: 3 },
    { candidate: [1, 2, 3], output: [1, 2, 3], accepted: 3 },
    { candidate: [4, 3, 2, 1], output: [1, 2, 3, 4], accepted: 1 },
    { candidate: [7, 7], output: [], accepted: 0 },
    { candidate: [], output: [1], accepted: 0 },
  ])('$candidate in $output: $accepted', ({ candidate, output, accepted }) => {
    expect(tokenAcceptance(candidate, output)).toEqual({ candidateTokens: candidate.length, acceptedTokens: accepted });
  });
});

test('the common subsequence equals the textbook table on random token sequences', () => {
  const textbook = (a: number[], b: number[]) => {
    const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
    return t[a.length][b.length];
  };
  const tokens = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 });
  fc.assert(fc.property(tokens, tokens, (a, b) => commonSubsequence(a, b) === textbook(a, b)), { numRuns: 500 });
});

describe('adaptive drafter selection', () => {
  test('a drafter below the floor is skipped after the minimum requests and tried again on every n-th request', async () => {
    const learning = learningAt(join(dir, DRAFTER_STATS_FILE));
    const drafters = [good(), poor()];
    const asked = await loopEdits(engineWith(learning, drafters), drafters, 9);
    expect(asked).toEqual(['good poor', 'good poor', 'good poor', 'good -', 'good -', 'good poor', 'good -', 'good -', 'good poor']);
    const report = learning.report();
    expect(report.find((r) => r.drafter === 'poor')).toMatchObject({ kind: 'optimizeLoop', requests: 5, candidateTokens: 50, acceptedTokens: 5, acceptance: 0.1, skipped: true });
    expect(report.find((r) => r.drafter === 'good')).toMatchObject({ requests: 9, acceptance: 1, recentAcceptance: 1, skipped: false });
  });

  test('a skipped drafter that does well when explored again is no longer skipped', async () => {
    const learning = learningAt(join(dir, DRAFTER_STATS_FILE), { exploreEvery: 2 });
    let text = `${POOR}\n`;
    const drafter = stubDrafter('poor', ['optimizeLoop'], () => text);
    const engine = engineWith(learning, [drafter]);
    expect(await loopEdits(engine, [drafter], 4)).toEqual(['poor', 'poor', 'poor', '-']);
    text = `${OPTIMIZED}\n`;
    // Explored on every 2nd request: 0.1 → 0.28 (still below 0.3) → 0.42, then it runs every time.
    expect(await loopEdits(engine, [drafter], 6)).toEqual(['poor', '-', 'poor', 'poor', 'poor', 'poor']);
    expect(learning.report()[0]).toMatchObject({ skipped: false });
  });

  test('a pinned drafter is never skipped', async () => {
    const learning = learningAt(join(dir, DRAFTER_STATS_FILE), { pinned: ['poor'] });
    const drafters = [good(), poor()];
    expect(await loopEdits(engineWith(learning, drafters), drafters, 6)).toEqual(Array(6).fill('good poor'));
    expect(learning.report().find((r) => r.drafter === 'poor')).toMatchObject({ requests: 6, skipped: false });
  });

  test('floor 0 never skips', async () => {
    const learning = learningAt(join(dir, DRAFTER_STATS_FILE), { floor: 0 });
    const drafters = [poor()];
    expect(await loopEdits(engineWith(learning, drafters), drafters, 5)).toEqual(Array(5).fill('poor'));
  });

  test('a candidate dropped by the syntax check counts as nothing accepted', async () => {
    const learning = learningAt(join(dir, DRAFTER_STATS_FILE));
    const broken = stubDrafter('broken', ['optimizeLoop'], () => `${OPTIMIZED.replace('{', '{{')}\n`);
    await loopEdits(engineWith(learning, [broken]), [broken], 1);
    const [entry] = learning.report();
    expect(entry.acceptedTokens).toBe(0);
    expect(entry.candidateTokens).toBeGreaterThan(OPTIMIZED.length);
  });
});

describe('statistics across restarts', () => {
  test('they are saved (debounced) and a new engine skips the poor drafter at once', async () => {
    const file = join(dir, 'nested', DRAFTER_STATS_FILE);
    const first = [good(), poor()];
    await loopEdits(engineWith(learningAt(file), first), first, 3);
    await new Promise((r) => setTimeout(r, 100)); // the debounced save, without a flush
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.kinds.optimizeLoop.poor).toMatchObject({ requests: 3, candidateTokens: 30, acceptedTokens: 3 });

    const again = [good(), poor()];
    expect(await loopEdits(engineWith(learningAt(file), again), again, 1)).toEqual(['good -']);
  });

  test('a changed drafter model starts its statistics over', async () => {
    const file = join(dir, DRAFTER_STATS_FILE);
    const learning = learningAt(file);
    const before = [poor('100-1')];
    await loopEdits(engineWith(learning, before), before, 4);
    expect(before[0].requests).toHaveLength(3);
    const rebuilt = [poor('100-2')];
    expect(await loopEdits(engineWith(learning, rebuilt), rebuilt, 3)).toEqual(['poor', 'poor', 'poor']);
    expect(learning.report()).toEqual([expect.objectContaining({ drafter: 'poor', model: '100-2', requests: 3 })]);
  });

  test.each([
    { name: 'not JSON', text: '{"version":1,"kinds":', warning: /not valid JSON.*starting fresh/ },
    { name: 'wrong shape', text: '{"version":1,"kinds":{"optimizeLoop":{"poor":{"requests":-4}}}}', warning: /unexpected shape.*starting fresh/ },
    { name: 'unknown version', text: '{"version":7,"kinds":{}}', warning: /unexpected shape/ },
  ])('a corrupt file ($name): one warning, fresh statistics, replaced on save', async ({ text, warning }) => {
    const file = join(dir, DRAFTER_STATS_FILE);
    writeFileSync(file, text);
    const logger = recordingLogger();
    const learning = learningAt(file, {}, logger);
    expect(logger.warnings).toEqual([expect.stringMatching(warning)]);
    expect(learning.report()).toEqual([]);
    const drafters = [poor()];
    await loopEdits(engineWith(learning, drafters), drafters, 1);
    await learning.flush();
    expect(JSON.parse(readFileSync(file, 'utf8')).kinds.optimizeLoop.poor.requests).toBe(1);
  });

  test('an unwritable data directory is a warning, and edits go on', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const logger = recordingLogger();
    const learning = learningAt(join(blocker, DRAFTER_STATS_FILE), {}, logger);
    const drafters = [poor()];
    await loopEdits(engineWith(learning, drafters), drafters, 2);
    await learning.flush();
    await loopEdits(engineWith(learning, drafters), drafters, 1);
    await learning.flush();
    // One warning per distinct failure, not one per save.
    expect(logger.warnings).toEqual([expect.stringMatching(/cannot be read \(ENOTDIR.*starting fresh$/), expect.stringMatching(/drafter statistics could not be saved to .*; set "dataDir"/)]);
  });
});

describe('the accepted-edit log', () => {
  const config = (extra: object) => configSchema.parse({ dataDir: dir, ...extra });

  test('off by default: no file', async () => {
    const learning = EditLearning.fromConfig(config({}), recordingLogger());
    await loopEdits(engineWith(learning, [good()]), [], 2);
    await learning.flush();
    expect(existsSync(join(dir, ACCEPTED_EDITS_FILE))).toBe(false);
    expect(existsSync(join(dir, DRAFTER_STATS_FILE))).toBe(true);
  });

  test('on: one line per returned edit, with the fields the training pipeline reads', async () => {
    const learning = EditLearning.fromConfig(config({ logAcceptedEdits: true }), recordingLogger());
    await loopEdits(engineWith(learning, [good()]), [], 2);
    // An edit that was not returned (the model left the loop as it was) is not logged.
    const unchanged = await engineWith(learning, [], LOOP).computeEdit(taskAt('optimizeLoop', 'for (let i'), { signal: new AbortController().signal });
    expect(unchanged).toMatchObject({ status: 'unavailable' });
    await learning.flush();
    const lines = readFileSync(join(dir, ACCEPTED_EDITS_FILE), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2);
    const edit = JSON.parse(lines[0]);
    expect(edit).toMatchObject({
      kind: 'optimizeLoop',
      split: 'accepted',
      file: 'src/cart.ts',
      uri: 'file:///workspace/src/cart.ts',
      instruction: 'Optimize this loop without changing its behaviour.',
      original: LOOP,
      edited: OPTIMIZED,
      completion: buildCompletion(OPTIMIZED),
      mode: 'exact',
      stats: expect.objectContaining({ outputTokens: buildCompletion(OPTIMIZED).length, acceptance: expect.any(Number) }),
    });
    // training/data.py tokenizes prompt and completion separately: the prompt ends where the model starts writing.
    expect(edit.prompt).toMatch(/<\|task\|>optimizeLoop\n<\|file\|>src\/cart\.ts\n[\s\S]*<\|original\|>\nfor \(let i[\s\S]*<\|edited\|>\n$/);
    expect(Date.parse(edit.at)).not.toBeNaN();
  });
});

test('an extraction is logged with its function, as the verifier ranks it', async () => {
  const learning = EditLearning.fromConfig(configSchema.parse({ dataDir: dir, logAcceptedEdits: true }), recordingLogger());
  const nested = 'export function outer(items: number[]) {\n  function inner() {\n    let t = 0;\n    for (const x of items) t += x;\n    return t;\n  }\n  return inner();\n}\n';
  const start = nested.indexOf('let t');
  const end = nested.indexOf('t += x;') + 't += x;'.length;
  const engine = engineWith(learning, []);
  const outcome = await engine.computeEdit(task('extract', start, end, {}, nested), { signal: new AbortController().signal });
  const result = okResult(outcome);
  await learning.flush();
  const edit = JSON.parse(readFileSync(join(dir, ACCEPTED_EDITS_FILE), 'utf8'));
  const after = applyReplacements(nested, result.edits[0].replacements);
  // The scope is \`inner\`; the function goes after \`outer\`, outside it, and follows the scope in the log.
  expect(edit.original).toBe(nested.slice(nested.indexOf('function inner'), nested.indexOf('  return inner')).trimEnd());
  expect(edit.edited).toMatch(/^function inner\(\) \{\n    let t = extracted\(items\);\n    return t;\n  \}\n\nfunction extracted\(items: number\[\]\) \{/);
  expect(after).toContain(edit.edited.slice(edit.edited.indexOf('function extracted')));
  expect(edit.completion).toBe(buildCompletion(edit.edited));
});

describe('data directory', () => {
  const home = '/home/u';
  test.each([
    { configured: '/data/specedit', platform: 'linux', env: {}, expected: '/data/specedit' },
    { configured: null, platform: 'linux', env: { XDG_DATA_HOME: '/x/share' }, expected: '/x/share/specedit' },
    { configured: null, platform: 'linux', env: { XDG_DATA_HOME: 'relative' }, expected: '/home/u/.local/share/specedit' },
    { configured: null, platform: 'darwin', env: {}, expected: '/home/u/.local/share/specedit' },
  ] as const)('$configured on $platform with $env: $expected', ({ configured, platform, env, expected }) => {
    expect(resolveDataDir(configured, { platform, env, home })).toBe(expected);
  });
  test('Windows: %LOCALAPPDATA%', () => {
    expect(resolveDataDir(null, { platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, home: 'C:\\Users\\u' })).toMatch(/AppData.Local.specedit$/);
  });
});
