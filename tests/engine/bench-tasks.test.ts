/**
 * The benchmark's edit suite is sound: enough tasks over every kind, single
 * and multi-file; every selection resolves to the scope its kind needs; fix
 * tasks really break their file and name a diagnostic whose structural fix
 * restores it; renames are ones the structural rename accepts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadBenchTasks, selection } from '../../bench/edit-tasks.js';
import { prepareEdit } from '../../engine/edit-prompt.js';
import { fixCandidates, renamedScope } from '../../engine/structural-candidates.js';
import { SpliceChecker } from '../../engine/syntax-filter.js';
import { projectRoot } from '../../engine/shipped-models.js';
import { EDIT_KINDS } from '../../protocol/edit-task.js';

const root = projectRoot();
const tasks = loadBenchTasks(join(root, 'bench', 'tasks'), root);

test('at least 30 tasks over every kind, single-scope and multi-file', () => {
  expect(tasks.length).toBeGreaterThanOrEqual(30);
  for (const kind of EDIT_KINDS) expect(tasks.filter((t) => t.kind === kind).length).toBeGreaterThanOrEqual(5);
  expect(tasks.filter((t) => new Set(t.files).size > 1).length).toBeGreaterThanOrEqual(3);
});

describe.each(tasks.map((t) => [t.id, t] as const))('%s', (_id, task) => {
  test('prepares a prompt for every scope, with the scope its kind needs', () => {
    for (const edit of task.edits) {
      const prepared = prepareEdit(edit);
      if (!prepared.ok) throw new Error(prepared.reason);
      const expectedUnit = task.kind === 'optimizeLoop' ? 'loop' : 'function';
      expect(prepared.edit.scope.unit).toBe(expectedUnit);
      expect(prepared.edit.scope.text.length).toBeLessThan(2000);
    }
  });

  if (task.kind === 'fix') {
    test('the patch breaks the file and the diagnostic names a fix that restores it', () => {
      for (const edit of task.edits) {
        const original = readFileSync(fileURLToPath(edit.document.uri), 'utf8');
        expect(edit.document.text).not.toBe(original);
        const prepared = prepareEdit(edit);
        if (!prepared.ok) throw new Error(prepared.reason);
        const { range } = prepared.edit.scope;
        const candidates = fixCandidates(edit.document.text, range, edit.range, edit.args.diagnostic!.message);
        expect(candidates.map((c) => edit.document.text.slice(0, range.start) + c.text + edit.document.text.slice(range.end))).toContain(original);
        const fixing = candidates.find((c) => edit.document.text.slice(0, range.start) + c.text + edit.document.text.slice(range.end) === original)!;
        expect(new SpliceChecker('typescript', edit.document.text, range).check(fixing.text)).toEqual({ ok: true });
      }
    });
  }

  if (task.kind === 'rename') {
    test('the structural rename accepts the new name', () => {
      const [edit] = task.edits;
      const prepared = prepareEdit(edit);
      if (!prepared.ok) throw new Error(prepared.reason);
      const renamed = renamedScope(prepared.edit.syntax.tree, edit.document.text, prepared.edit.scope.range, edit.range.start, edit.args.newName!);
      expect(renamed).toMatchObject({ ok: true });
    });
  }
});

test('selections: «» marks the range, and a select string must be unique', () => {
  expect(selection('let a = 1; let b = 2;', 'let «b» =', 't')).toEqual({ start: 15, end: 16 });
  expect(selection('let a = 1;', 'let a«»', 't')).toEqual({ start: 5, end: 5 });
  expect(selection('let a = 1;', 'a = 1', 't')).toEqual({ start: 4, end: 9 });
  expect(() => selection('a a', 'a', 'task x')).toThrow('task x: select text occurs 2 times (must be once): "a"');
});
