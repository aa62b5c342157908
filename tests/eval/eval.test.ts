/**
 * The CI sample of `make eval` (eval/): the same generation, server session
 * and judging code on a small deterministic sample, with the server in
 * process and the shipped models (threads 1; the fast ones: not SmolLM2). Asserted: rename to a given
 * name is exactly the TypeScript language service's rename with no new
 * diagnostics (local ones, one of them an imported name, and one multi-file
 * rename of an exported function);
 * extraction of the selections the oracle can extract adds no diagnostics;
 * every fix the server answers with parses; the results file has the shape
 * of eval/results/latest.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrchestrator } from '../../engine/create-orchestrator.js';
import { projectRoot } from '../../engine/shipped-models.js';
import { defaultConfig } from '../../protocol/config.js';
import { runEval, type EvalReport } from '../../eval/run.js';
import type { TaskResult } from '../../eval/judge.js';
import { spread, type KindLimits } from '../../eval/tasks.js';
import { inProcessServer } from '../helpers/in-process-server.js';
import { compileWorker } from '../verifier/compile-worker.js';

/** A few tasks of each kind, spread over the fixture files; renameSuggest is left to the full run (slow, and no oracle name). */
const SAMPLE: KindLimits = { extract: 3, fixSpelling: 2, fixSyntax: 4, renameSuggest: 0 };
const LOCAL_RENAMES = 6;
/** A local rename of an imported name: the oracle aliases it in this file (`money as renamed_money`), the export stays. */
const IMPORT_BINDING = 'rename:fixtures/eval/shop/catalog.ts:86:money';
/**
 * The multi-file rename: an exported function imported by name in another file of the NodeNext project.
 * Local renames run first in the same session, one of them in the importing file (opened and closed
 * before, as an editor does), so the workspace index must still know that file from disk.
 */
const MULTI_FILE = 'renameExported:fixtures/eval/tracker/model.ts:666:canMove';
const IN_IMPORTER = 'rename:fixtures/eval/tracker/store.ts:607:issue';
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

let dir: string;
let report: EvalReport;
const of = (kind: string): TaskResult[] => report.tasks.filter((t) => t.kind === kind);
const explain = (results: TaskResult[]) => results.map((r) => `${r.id}: ${r.status} ${r.reason ?? ''} ${(r.detail ?? []).join(' | ')}`).join('\n');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'specedit-eval-'));
  const workerFile = await compileWorker('drafters/model-drafter-worker.ts');
  report = await runEval({
    repoRoot: projectRoot(),
    limits: SAMPLE,
    select: (tasks) => [
      ...spread(tasks.filter((t) => t.kind === 'rename'), LOCAL_RENAMES),
      ...tasks.filter((t) => t.id === IMPORT_BINDING || t.id === IN_IMPORTER || t.id === MULTI_FILE),
      ...tasks.filter((t) => !t.kind.startsWith('rename')),
    ],
    openClient: () => inProcessServer(createOrchestrator(defaultConfig, quiet, { workerFile, gpu: false, pretrainedVerifier: null })),
    processId: null,
    timeoutMs: 30_000,
    out: join(dir, 'latest.json'),
    server: 'in-process (jest)',
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the sample has every kind it asked for', () => {
  expect(report.tasks.map((t) => t.kind).sort()).toEqual([...Array(8).fill('rename'), 'renameExported', ...Array(3).fill('extract'), 'fixSpelling', 'fixSpelling', ...Array(4).fill('fixSyntax')].sort());
  expect(report.tasks.map((t) => t.id)).toEqual(expect.arrayContaining([IMPORT_BINDING, IN_IMPORTER, MULTI_FILE]));
});

test('rename to a given name: identical to the oracle, no new diagnostics', () => {
  const rename = of('rename');
  expect(explain(rename.filter((r) => !(r.status === 'ok' && r.matchOracle && r.newDiagnostics === 0)))).toBe('');
  expect(report.byKind.rename).toMatchObject({ tasks: 8, matchOracle: 8, matchOracleRate: 1, newDiagnostics: 0 });
});

// Needs the workspace index + multi-file rename of exported symbols.
test('rename of an exported function across files: identical to the oracle, no new diagnostics', () => {
  const [multi] = of('renameExported');
  expect(multi.id).toBe(MULTI_FILE);
  expect(explain([multi].filter((r) => !(r.status === 'ok' && r.matchOracle && r.newDiagnostics === 0)))).toBe('');
});

// Needs the structural extract-function.
test('extract: the selections the oracle extracts, answered with no new diagnostics and parse-valid', () => {
  const extract = of('extract');
  expect(extract.length).toBe(3);
  expect(explain(extract.filter((r) => !(r.status === 'ok' && r.newDiagnostics === 0 && r.syntaxValid)))).toBe('');
});

// Every fix the server answers with must parse (a refusal is allowed: the full run counts those).
test('fixes the server answers with parse', () => {
  const fixes = [...of('fixSpelling'), ...of('fixSyntax')];
  expect(fixes.length).toBe(6);
  for (const r of fixes) expect(['ok', 'refused']).toContain(r.status);
  expect(explain(fixes.filter((r) => r.status === 'ok' && !r.syntaxValid))).toBe('');
});

test('the results file has the shape of eval/results/latest.json', () => {
  const written = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as EvalReport;
  expect(written.partial).toBe(false);
  for (const kind of ['rename', 'renameExported', 'extract', 'fixSpelling', 'fixSyntax']) {
    const s = written.byKind[kind as keyof EvalReport['byKind']]!;
    expect(s).toEqual(expect.objectContaining({ tasks: expect.any(Number), matchOracle: expect.any(Number), newDiagnostics: expect.any(Number) }));
    expect(s.medianMs === null || typeof s.medianMs === 'number').toBe(true);
  }
  expect(written.tasks).toHaveLength(18);
  for (const t of written.tasks) {
    expect(t).toEqual(expect.objectContaining({ id: expect.any(String), kind: expect.any(String), file: expect.stringMatching(/^fixtures\//), status: expect.stringMatching(/^(ok|refused|error|skipped)$/) }));
    if (t.status === 'ok') expect(typeof t.ms).toBe('number');
  }
  expect(written.machine).toEqual(expect.objectContaining({ cores: expect.any(Number), node: process.version }));
  expect(JSON.stringify(written)).not.toContain(projectRoot());
});

describe('an outside project (--project-dir)', () => {
  let outside: string;
  let result: EvalReport;
  const lines: string[] = [];

  beforeAll(async () => {
    outside = mkdtempSync(join(tmpdir(), 'specedit-outside-'));
    // An option this TypeScript refuses in a tsconfig, an existing type error, and a dist/ folder the project keeps sources in.
    writeFileSync(join(outside, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', noEmit: true, locale: 'en' }, include: ['dist/src'] }));
    mkdirSync(join(outside, 'dist', 'src'), { recursive: true });
    writeFileSync(join(outside, 'dist', 'src', 'shapes.ts'), 'export function area(width: number, height: number): number {\n  const product = width * height;\n  return product;\n}\nexport const broken: number = "not a number";\n');
    writeFileSync(join(outside, 'dist', 'src', 'use.ts'), "import { area } from './shapes';\nexport const room = area(3, 4);\n");
    const workerFile = await compileWorker('drafters/model-drafter-worker.ts');
    result = await runEval({
      repoRoot: projectRoot(),
      projectDirs: [outside],
      kinds: ['rename', 'renameExported'],
      limits: { rename: 3, renameExported: 1 },
      openClient: () => inProcessServer(createOrchestrator(defaultConfig, quiet, { workerFile, gpu: false, pretrainedVerifier: null })),
      processId: null,
      timeoutMs: 30_000,
      server: 'in-process (jest)',
      log: (line) => lines.push(line),
    });
  }, 60_000);

  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  test('its own errors are the baseline, its tsconfig problems are reported, its renames match the oracle', () => {
    const name = outside.split('/').pop();
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${name}: tsconfig.json: Option 'locale' can only be specified on command line\\. \\(ignored\\)$`)),
      `${name}: 1 errors before any edit; an edit is charged only for errors beyond these`,
    ]));
    expect(result.tasks.map((t) => t.kind).sort()).toEqual(['rename', 'rename', 'rename', 'renameExported']);
    expect(explain(result.tasks.filter((r) => !(r.status === 'ok' && r.matchOracle && r.newDiagnostics === 0)))).toBe('');
    // Paths are relative to the project's folder.
    for (const t of result.tasks) expect(t.file).toMatch(/^dist\/src\/\w+\.ts$/);
  });
});
