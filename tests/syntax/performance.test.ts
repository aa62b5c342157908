import { performance } from 'node:perf_hooks';
import { findActionScopes } from '../../syntax/scopes.js';
import { renameBinding } from '../../drafters/structural/rename.js';
import { syntaxProblems } from '../../syntax/diagnostics.js';
import { languageFor } from '../../syntax/language.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';
import { largeTypeScriptSource } from './large-source.js';

const text = largeTypeScriptSource(5000);
const lines = text.split('\n').length;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(run: () => void, repeat: number): number[] {
  const samples: number[] = [];
  for (let k = 0; k < repeat; k++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Offsets of `needle` spread over the whole file. */
function positions(needle: string, count: number, delta = 0): number[] {
  const all: number[] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) all.push(at + delta);
  return Array.from({ length: count }, (_, k) => all[Math.floor((k * all.length) / count)]);
}

describe(`performance on a ${lines}-line file`, () => {
  const parser = languageFor('typescript')!.parser;
  const tree = parser.parse(text);

  it('is a clean, realistic file', () => {
    expect(lines).toBeGreaterThanOrEqual(5000);
    expect(syntaxProblems(tree)).toEqual([]);
  });

  it('full parse vs incremental keystroke', () => {
    const full = median(time(() => parser.parse(text), 5));
    const doc = new SyntaxDocument('typescript', text);
    const middle = text.indexOf('total += item', text.length / 2);
    let typed = 0;
    const incremental = median(time(() => doc.applyChange(middle, middle, typed++ % 2 ? ' ' : ''), 20));
    console.log(`full parse: ${full.toFixed(1)} ms; incremental keystroke: ${incremental.toFixed(2)} ms`);
    expect(incremental).toBeLessThan(full);
  });

  it('findActionScopes stays well under 1 ms', () => {
    // Each case: positions, and whether the cursor there is on a binding (so the resolution path really ran).
    const cases: [string, number[], boolean][] = [
      ['local variable', positions('total += item', 40), true],
      ['global (console)', positions('console.log', 40), false],
      ['class or enum name', positions('Status', 40), true],
      ['whitespace in a loop', positions('    const row', 40, -1), false],
    ];
    const report: string[] = [];
    for (const [name, offsets, onBinding] of cases) {
      for (const offset of offsets) expect(findActionScopes(tree, text, { start: offset, end: offset }).identifier !== undefined).toBe(onBinding);
      // Best of 3 per position: the cost of the code, without garbage-collection pauses and machine noise.
      const samples = offsets.map(offset => Math.min(...time(() => findActionScopes(tree, text, { start: offset, end: offset }), 3)));
      report.push(`${name}: median ${(median(samples) * 1000).toFixed(0)} µs, max ${(Math.max(...samples) * 1000).toFixed(0)} µs`);
      expect(median(samples)).toBeLessThan(1);
    }
    const selections = positions('  let total = 0;\n', 40).map(start => ({ start, end: text.indexOf('return total;', start) + 'return total;'.length }));
    for (const range of selections) expect(findActionScopes(tree, text, range).statements?.count).toBe(3);
    const samples = selections.map(range => Math.min(...time(() => findActionScopes(tree, text, range), 3)));
    report.push(`selection of 3 statements: median ${(median(samples) * 1000).toFixed(0)} µs`);
    expect(median(samples)).toBeLessThan(1);
    console.log(report.join('\n'));
  });

  it('renames a local quickly and a file-wide name in a few ms', () => {
    const local = positions('total += item', 20);
    const localTimes = local.map(offset => time(() => expect(renameBinding(tree, text, offset, 'sum')).toMatchObject({ ok: true, references: 2 }), 1)[0]);
    const topLevel = text.indexOf('readFileSync');
    const topTimes = time(() => expect(renameBinding(tree, text, topLevel, 'readFile')).toMatchObject({ ok: true }), 5);
    console.log(`rename local: median ${(median(localTimes) * 1000).toFixed(0)} µs; rename top-level import: median ${median(topTimes).toFixed(2)} ms`);
    expect(median(localTimes)).toBeLessThan(5);
  });
});
