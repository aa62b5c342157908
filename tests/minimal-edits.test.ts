import fc from 'fast-check';
import { minimalReplacements } from '../engine/minimal-edits.js';
import { applyReplacements } from '../protocol/text.js';

function check(oldText: string, newText: string, expected: Array<[number, number, string]>) {
  const reps = minimalReplacements(oldText, newText);
  expect(reps.map((r) => [r.start, r.end, r.newText])).toEqual(expected);
  expect(applyReplacements(oldText, reps)).toBe(newText);
}

describe('minimal edits', () => {
  test.each([
    ['identical', 'const a = 1;', 'const a = 1;', []],
    ['one word', 'let total = a + b;', 'let sum = a + b;', [[4, 9, 'sum']]],
    ['insertion', 'f(a)', 'f(a, b)', [[3, 3, ', b']]],
    ['deletion', 'f(a, b)', 'f(a)', [[3, 6, '']]],
  ] as Array<[string, string, string, Array<[number, number, string]>]>)('%s', (_name, a, b, expected) => check(a, b, expected));

  test('long texts get word-level replacements that apply exactly', () => {
    const oldText = 'for (let i = 0; i < items.length; i++) {\n  total += items[i].price;\n}\n'.repeat(5);
    const newText = oldText.replace(/items/g, 'products');
    const reps = minimalReplacements(oldText, newText, 100);
    expect(reps.every((r) => r.newText === 'products')).toBe(true);
    expect(applyReplacements('x'.repeat(100) + oldText, reps)).toBe('x'.repeat(100) + newText);
  });

  test('any pair of texts round-trips', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (a, b) => {
        expect(applyReplacements(a, minimalReplacements(a, b))).toBe(b);
      }),
      { numRuns: 300 },
    );
  });
});
