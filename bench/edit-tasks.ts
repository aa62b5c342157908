/**
 * The benchmark's edit suite: bench/tasks/*.json over the sources in
 * fixtures/bench/. A task names a kind, its arguments and one scope per file
 * (several for multi-file edits). A scope is found by a `select` string that
 * must occur exactly once in the (patched) file; «» marks the range inside it
 * (empty for a cursor), as an editor's selection would be. `patch` breaks the
 * file first (fix tasks); `diagnostic` is the message a fix answers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { EDIT_KINDS, type EditKind, type EditTask } from '../protocol/edit-task.js';

const scopeSchema = z
  .object({
    /** Relative to the project root. */
    file: z.string().min(1),
    patch: z.array(z.object({ find: z.string().min(1), replace: z.string() }).strict()).default([]),
    select: z.string().min(1),
    diagnostic: z.string().min(1).optional(),
  })
  .strict();

const taskSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.enum(EDIT_KINDS),
    description: z.string().optional(),
    args: z.object({ newName: z.string().min(1).optional(), instruction: z.string().min(1).optional() }).strict().default({}),
    scopes: z.array(scopeSchema).min(1).max(3),
  })
  .strict();

const fileSchema = z.object({ tasks: z.array(taskSchema) }).strict();

export interface BenchTask {
  id: string;
  kind: EditKind;
  /** One edit task per scope; several for a multi-file edit. */
  edits: EditTask[];
  files: string[];
}

const OPEN = '«';
const CLOSE = '»';

/** Loads and resolves every task of every JSON file in `dir`, in file and task order; throws naming the task on any mismatch. */
export function loadBenchTasks(dir: string, root: string): BenchTask[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const tasks: BenchTask[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    for (const task of parsed.data.tasks) {
      if (ids.has(task.id)) throw new Error(`${file}: task id ${task.id} is used twice`);
      ids.add(task.id);
      tasks.push(resolveTask(task, root, file));
    }
  }
  return tasks;
}

function resolveTask(task: z.infer<typeof taskSchema>, root: string, file: string): BenchTask {
  const where = `${file}: task ${task.id}`;
  if (task.kind === 'rename' && !task.args.newName) throw new Error(`${where}: a benchmark rename names its new name (the verifier writes the renamed scope)`);
  if (task.kind === 'instruction' && !task.args.instruction) throw new Error(`${where}: an instruction task needs args.instruction`);
  const edits = task.scopes.map((scope, i) => {
    const path = resolve(root, scope.file);
    let text = readFileSync(path, 'utf8');
    for (const p of scope.patch) {
      if (count(text, p.find) !== 1) throw new Error(`${where}, scope ${i}: patch text must occur once in ${scope.file}: ${JSON.stringify(p.find)}`);
      text = text.replace(p.find, () => p.replace);
    }
    const range = selection(text, scope.select, `${where}, scope ${i}`);
    if (task.kind === 'fix' && !scope.diagnostic) throw new Error(`${where}, scope ${i}: a fix names its diagnostic`);
    const edit: EditTask = {
      kind: task.kind,
      document: { uri: pathToFileURL(path).href, languageId: 'typescript', version: 1, text },
      range,
      args: { ...task.args, ...(scope.diagnostic ? { diagnostic: { message: scope.diagnostic, source: 'ts' } } : {}) },
    };
    return edit;
  });
  return { id: task.id, kind: task.kind, edits, files: task.scopes.map((s) => s.file) };
}

/** The range that «» marks inside `select`, located in `text`; no markers select the whole string. */
export function selection(text: string, select: string, where: string): { start: number; end: number } {
  const open = select.indexOf(OPEN);
  const close = select.indexOf(CLOSE);
  if ((open < 0) !== (close < 0) || close < open) throw new Error(`${where}: select needs both «» markers, in order, or none`);
  const plain = select.replace(OPEN, '').replace(CLOSE, '');
  const n = count(text, plain);
  if (n !== 1) throw new Error(`${where}: select text occurs ${n} times (must be once): ${JSON.stringify(plain)}`);
  const at = text.indexOf(plain);
  if (open < 0) return { start: at, end: at + plain.length };
  return { start: at + open, end: at + close - OPEN.length };
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}
