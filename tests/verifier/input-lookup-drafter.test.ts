/** InputLookupDrafter as a table of cases, in characters (a fake model with one token per character), then with multi-character tokens. */
import { InputLookupDrafter } from '../../drafters/input-lookup-drafter.js';
import { FakeTargetModel } from '../../verifier/fake-target-model.js';

const model = new FakeTargetModel({ vocabulary: 'characters' });

function drafter(sources: string[], maxNgram?: number, tokenizer = model): InputLookupDrafter {
  return InputLookupDrafter.fromTexts(
    sources.map((text, i) => ({ name: `s${i}`, text })),
    (t) => tokenizer.tokenize(t),
    { maxNgram },
  );
}

function draft(d: InputLookupDrafter, output: string, max: number): string {
  return model.detokenize(d.draft(model.tokenize(output), max));
}

function check(sources: string[], output: string, max: number, expected: string): void {
  expect(draft(drafter(sources), output, max)).toBe(expected);
}

describe('InputLookupDrafter', () => {
  test.each([
    ['continues a copy', ['let a = 1;'], 'let a', 10, ' = 1;'],
    ['respects maxTokens', ['let a = 1;'], 'let a', 3, ' = '],
    ['no match: no draft', ['abc'], 'xyz', 5, ''],
    ['maxTokens 0: no draft', ['abc'], 'a', 0, ''],
    ['match at the very end: nothing left to propose', ['abc'], 'bc', 5, ''],
    ['empty output: the source from its start', ['abc'], '', 2, 'ab'],
    ['a longer suffix match wins over an earlier source', ['ab cd', 'zb ce'], 'zb c', 5, 'e'],
    ['equal matches: the earlier source', ['xa1', 'xa2'], 'xa', 5, '1'],
    ['re-aligns after an edit: the suffix after the changed part matches', ['let a = a + 1;'], 'let total = a', 20, ' + 1;'],
  ])('%s', (_name, sources, output, max, expected) => check(sources, output, max, expected));

  test('suffixes longer than maxNgram do not count: falls back to the first occurrence', () => {
    // With maxNgram 1 the two occurrences of "b" tie, so the one nearest the cursor (start) is taken.
    expect(draft(drafter(['ab1 cb2'], 1), 'cb', 5)).toBe('1 cb2');
    expect(draft(drafter(['ab1 cb2'], 2), 'cb', 5)).toBe('2');
  });

  test('equal matches: the source whose drafts were accepted most', () => {
    const d = drafter(['xa1', 'ya2']);
    expect(draft(d, 'y', 5)).toBe('a2');
    d.accept(2);
    expect(draft(d, 'za', 5)).toBe('2'); // "a" ties in both sources; source 1 has credit
    expect(d.acceptedBySource()).toEqual([0, 2]);
  });

  test('repeated n-grams: the longest suffix match picks the occurrence', () => {
    expect(draft(drafter(['a=1;a=2;a=3;']), 'a=1;a=2;a=', 5)).toBe('3;');
  });

  test('a run of repeats: continues on the diagonal of the accepted draft, past the verifier\'s own token', () => {
    const d = drafter(['aaaaaaab']);
    expect(draft(d, 'a', 3)).toBe('aaa');
    d.accept(3); // output is now 'aaaa' plus the verifier's token
    expect(draft(d, 'aaaaa', 4)).toBe('aab');
  });

  test('repeated n-grams with equal matches: the accepted alignment decides, not the raw output position', () => {
    expect(draft(drafter(['Axy1xy1xy2']), 'QQQAxy1xy', 4)).toBe('2'); // no history: source and output assumed aligned
    const d = drafter(['Axy1xy1xy2']);
    expect(draft(d, 'QQQA', 3)).toBe('xy1');
    d.accept(3); // the output runs 3 tokens ahead of the source
    expect(draft(d, 'QQQAxy1xy', 4)).toBe('1xy2');
  });

  test('begin forgets credit and alignment', () => {
    const d = drafter(['xa1', 'ya2']);
    draft(d, 'y', 5);
    d.accept(2);
    d.begin([]);
    expect(d.acceptedBySource()).toEqual([0, 0]);
    expect(draft(d, 'za', 5)).toBe('1');
  });
});

describe('InputLookupDrafter with multi-character tokens', () => {
  const words = new FakeTargetModel();

  test('drafts and counts in tokens, not characters', () => {
    const d = drafter(['let a = 1;\nreturn a;'], undefined, words);
    expect(words.tokenize(' = 1')).toHaveLength(2);
    expect(words.detokenize(d.draft(words.tokenize('let a'), 2))).toBe(' = 1');
  });

  test('names the source of its last draft', () => {
    const d = drafter(['xa1', 'ya2'], undefined, words);
    expect(d.lastDraftSource).toBeNull();
    d.draft(words.tokenize('ya'), 3);
    expect(d.lastDraftSource).toBe('s1');
    d.draft(words.tokenize('qq'), 3);
    expect(d.lastDraftSource).toBeNull();
  });
});
