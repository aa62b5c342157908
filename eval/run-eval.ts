/**
 * `make eval`: specedit judged against the TypeScript language service on
 * tasks generated from fixtures/eval/ (see eval/tasks.ts and eval/judge.ts),
 * through the built server over stdio as an editor runs it. Writes
 * eval/results/latest.json (rewritten as it goes) and prints a table.
 *
 *   node dist/eval/run-eval.js [--sample N] [--limit KIND=N]... [--kinds a,b] [--projects a,b]
 *     [--project-dir DIR]... [--out FILE] [--timeout-ms 120000]
 * --project-dir DIR runs the eval on any TypeScript project (DIR holds its
 * tsconfig.json): a real repository instead of the fixtures (with --projects
 * too, both); its existing errors are the baseline an edit is judged against.
 * --sample N takes N tasks of each kind (spread over the files); without it,
 * every rename task and the capped model-backed kinds (tasks.ts FULL_LIMITS).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../engine/shipped-models.js';
import { LspTestClient } from '../tools/lsp-client.js';
import { EVAL_PROJECTS, type ProjectName } from './projects.js';
import { runEval } from './run.js';
import { FULL_LIMITS, TASK_KINDS, type KindLimits, type TaskKind } from './tasks.js';

const root = projectRoot();
const { values } = parseArgs({
  options: {
    sample: { type: 'string' },
    limit: { type: 'string', multiple: true, default: [] },
    kinds: { type: 'string' },
    projects: { type: 'string' },
    'project-dir': { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: join(root, 'eval', 'results', 'latest.json') },
    'timeout-ms': { type: 'string', default: '120000' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  const source = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
  console.log(source.slice(1, source.findIndex((l) => l.startsWith(' */'))).map((l) => l.replace(/^ \*\s?/, '')).join('\n'));
  process.exit(0);
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function list<T extends string>(name: string, v: string | undefined, known: readonly T[]): T[] | undefined {
  if (!v) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((i) => !known.includes(i as T));
  if (unknown.length > 0) throw new Error(`--${name}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return items as T[];
}

const limits: KindLimits = values.sample === undefined ? { ...FULL_LIMITS } : Object.fromEntries(TASK_KINDS.map((k) => [k, positive('--sample', values.sample!)]));
for (const l of values.limit) {
  const [kind, n] = l.split('=');
  list('limit', kind, TASK_KINDS);
  limits[kind as TaskKind] = positive(`--limit ${kind}`, n ?? '');
}

const report = await runEval({
  repoRoot: root,
  projects: list('projects', values.projects, Object.keys(EVAL_PROJECTS) as ProjectName[]),
  projectDirs: values['project-dir'],
  kinds: list('kinds', values.kinds, TASK_KINDS),
  limits,
  openClient: () => new LspTestClient(),
  processId: process.pid,
  timeoutMs: positive('--timeout-ms', values['timeout-ms']),
  out: values.out,
  server: 'dist/server/main.js over stdio',
  log: (line) => console.log(line),
});
console.log(`\nresults: ${values.out}${report.tasks.some((t) => t.status === 'error') ? ' (some tasks ended in errors: see their reason)' : ''}`);
