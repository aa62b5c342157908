/**
 * Input lookup that holds back after a miss: it proposes again only once the
 * output's last tokens match a source over `minMatch` tokens.
 */
import { InputLookupDrafter } from '../../drafters/input-lookup-drafter.js';
import { ConfidentLookupDrafter, selfContinuation } from '../../engine/confident-lookup.js';

// Source: 1 2 3 4 5 6 7 8 9
const source = { name: 'original', tokens: [1, 2, 3, 4, 5, 6, 7, 8, 9] };

function drafter(minMatch = 3) {
  const d = new ConfidentLookupDrafter(new InputLookupDrafter([source]), { minMatch, selfLookup: false });
  d.begin([]);
  return d;
}

test('before any miss it proposes on a one-token match', () => {
  expect(drafter().draft([42, 5], 3)).toEqual([6, 7, 8]);
});

test('after a refuted draft a one-token match is not enough; a three-token match is', () => {
  const d = drafter();
  expect(d.draft([1, 2], 2)).toEqual([3, 4]);
  d.accept(0);
  expect(d.draft([1, 2, 77, 5], 3)).toEqual([]);
  expect(d.draft([1, 2, 77, 4, 5], 3)).toEqual([]); // two tokens
  expect(d.draft([77, 3, 4, 5], 3)).toEqual([6, 7, 8]); // three tokens: copying again
  d.accept(3);
  expect(d.draft([9, 9, 1], 2)).toEqual([2, 3]); // confident again after an accepted draft
});

test('minMatch 1 never holds back', () => {
  const d = drafter(1);
  d.draft([1, 2], 2);
  d.accept(0);
  expect(d.draft([77, 5], 2)).toEqual([6, 7]);
});

test('begin forgets the miss', () => {
  const d = drafter();
  d.draft([1, 2], 2);
  d.accept(0);
  d.begin([]);
  expect(d.draft([77, 5], 2)).toEqual([6, 7]);
});

describe('self-lookup', () => {
  test('continues the output at its longest earlier match, repeating the period it found', () => {
    expect(selfContinuation([1, 2, 3, 1, 2, 3, 1, 2], 5)).toEqual({ tokens: [3, 1, 2, 3, 1], length: 5 });
    expect(selfContinuation([7, 8, 9, 5, 8, 9], 2)).toEqual({ tokens: [5, 8], length: 2 });
  });

  test('no match of two tokens, no proposal', () => {
    expect(selfContinuation([1, 2, 3, 4, 1], 3)).toEqual({ tokens: [], length: 0 });
    expect(selfContinuation([1, 2], 3)).toEqual({ tokens: [], length: 0 });
  });

  test('the sources are proposed first; once they keep failing, the output itself is', () => {
    // The output loops "5 6 7" where the source continues "5 6 8".
    const loop = new ConfidentLookupDrafter(new InputLookupDrafter([{ name: 'original', tokens: [1, 5, 6, 8, 9, 9, 9, 9] }]), { minMatch: 2 });
    loop.begin([]);
    const output = [5, 6, 7, 5, 6];
    expect(loop.draft(output, 3)).toEqual([8, 9, 9]);
    loop.accept(0);
    expect(loop.draft(output, 3)).toEqual([8, 9, 9]); // one miss: the sources still score higher
    loop.accept(0);
    expect(loop.draft(output, 3)).toEqual([7, 5, 6]); // two misses: the output's own loop wins
    loop.accept(3);
    expect(loop.draft([...output, 7, 5, 6], 4)).toEqual([7, 5, 6, 7]);
  });
});
