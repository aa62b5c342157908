/** Where an output ends: one rule shared by the speculative loop and the plain decode. The fake's "ab" is one token, "c" another. */
import { FakeTargetModel } from '../../verifier/fake-target-model.js';
import { OutputBuffer } from '../../verifier/output-buffer.js';

const model = new FakeTargetModel();
const EOS = model.eosTokens[0];

/** Pushes `tokens` until the buffer ends; returns what it kept and why it stopped. */
function check(stops: string[], budget: number, input: string, withEos: boolean, expected: { text: string; tokens: number; reason: string | null }): void {
  const out = new OutputBuffer(model, stops, budget);
  for (const token of [...model.tokenize(input), ...(withEos ? [EOS] : [])]) if (!out.push(token)) break;
  expect({ text: out.text(), tokens: out.tokens.length, reason: out.stopReason }).toEqual(expected);
}

describe('OutputBuffer', () => {
  test.each([
    ['end of generation is not part of the output', [], 100, 'abc', true, { text: 'abc', tokens: 2, reason: 'eog' }],
    ['budget', [], 1, 'abc', true, { text: 'ab', tokens: 1, reason: 'budget' }],
    ['not ended yet', [], 10, 'abc', false, { text: 'abc', tokens: 2, reason: null }],
    ['stop string: text cut before it, its tokens kept', ['}\n'], 100, 'a }\nb', true, { text: 'a ', tokens: 3, reason: 'stop' }],
    ['a stop string inside a multi-character token', [' ='], 100, 'x = 1', false, { text: 'x', tokens: 2, reason: 'stop' }],
    ['the earliest of several stop strings', ['END', '}'], 100, 'x}yEND', false, { text: 'x', tokens: 2, reason: 'stop' }],
    ['a stop string beats the budget on the same token', ['c'], 2, 'abc', false, { text: 'ab', tokens: 2, reason: 'stop' }],
    ['a stop string far into a long output', ['<<END>>'], 1000, 'y'.repeat(300) + '<<END>>z', false, { text: 'y'.repeat(300), tokens: 307, reason: 'stop' }],
  ])('%s', (_name, stops, budget, input, withEos, expected) => check(stops, budget, input, withEos, expected));

  test('nothing is accepted after the end', () => {
    const out = new OutputBuffer(model, [], 1);
    expect(out.push(model.tokenize('a')[0])).toBe(false);
    expect(out.push(model.tokenize('b')[0])).toBe(false);
    expect(out.tokens).toHaveLength(1);
    expect(out.remaining).toBe(0);
  });
});
