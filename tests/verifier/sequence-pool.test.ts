/**
 * The sequence LRU: longest cached prefix first when it is worth reusing, a
 * fresh sequence before evicting, least recently used evicted. Prompts are
 * tokenized as the verifier does (BOS first), so every prompt shares a token.
 */
import { promptTokens } from '../../verifier/decode-session.js';
import { FakeTargetModel } from '../../verifier/fake-target-model.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { SequencePool, sharedPrefixLength, worthReusing } from '../../verifier/sequence-pool.js';
import type { TargetSequence } from '../../verifier/target-model.js';
import { okResult, oracleDecode } from './fake-helpers.js';

const model = new FakeTargetModel({ maxSequences: 3 });
const t = (text: string) => promptTokens(model, text);

/** Leases a sequence for `text`, fills its cache with it, and releases it. */
async function use(pool: SequencePool, text: string): Promise<TargetSequence> {
  const sequence = (await pool.acquire(t(text)))!;
  await sequence.erase(0);
  await sequence.evaluate(t(text), 'last');
  pool.release(sequence);
  return sequence;
}

describe('SequencePool', () => {
  test('reuses the sequence with the longest shared prefix', async () => {
    const pool = new SequencePool(model, 2);
    const a = await use(pool, 'A: abc');
    const b = await use(pool, 'B: xyz');
    expect(b).not.toBe(a); // nothing shared: a free slot is opened rather than overwrite A's cache
    expect(await pool.acquire(t('A: abd'))).toBe(a);
    expect(await pool.acquire(t('B: xyw'))).toBe(b);
    await pool.dispose();
  });

  test('a worthwhile shared prefix is reused, the longest first, then the most recently used', async () => {
    const pool = new SequencePool(model, 3);
    const a = await use(pool, 'header; task A');
    const b = await use(pool, 'header; task B');
    expect(b).toBe(a); // the shared header is kept in the cache
    const c = await use(pool, 'other');
    expect(c).not.toBe(a);
    await use(pool, 'header; task C');
    expect(await pool.acquire(t('header; task Cx'))).toBe(a);
    await pool.dispose();
  });

  test('nothing shared and no free slot: the least recently used sequence is evicted', async () => {
    const pool = new SequencePool(model, 2);
    const a = await use(pool, 'aaa');
    const b = await use(pool, 'bbb');
    await use(pool, 'aaa!');
    expect(await pool.acquire(t('ccc'))).toBe(b);
    expect(pool.cachedContents()[0]).toEqual(t('bbb')); // leased most recently; its cache is the caller's to change
    expect(a).not.toBe(b);
    await pool.dispose();
  });

  test('waits while all sequences are busy; an abort while waiting returns null', async () => {
    const pool = new SequencePool(model, 1);
    const held = (await pool.acquire(t('x')))!;
    const controller = new AbortController();
    const cancelled = pool.acquire(t('y'), controller.signal);
    const waiting = pool.acquire(t('z'));
    controller.abort();
    expect(await cancelled).toBeNull();
    pool.release(held);
    expect(await waiting).toBe(held);
    await pool.dispose();
  });

  test('disposal closes every sequence; size is checked against the model', async () => {
    const counting = new FakeTargetModel({ maxSequences: 2 });
    expect(() => new SequencePool(counting, 3)).toThrow(/between 1 and the model's 2/);
    const pool = new SequencePool(counting, 2);
    await pool.acquire([1]);
    await pool.acquire([2]);
    expect(counting.openSequences).toBe(2);
    await pool.dispose();
    expect(counting.openSequences).toBe(0);
    await expect(pool.acquire([1])).rejects.toThrow(/disposed/);
  });
});

describe('which sequence a prompt takes', () => {
  test.each([
    ['an empty cache loses nothing', '', 'A: abc', true],
    ['a cache that is a prefix of the prompt loses nothing', 'A: ab', 'A: abc', true],
    ['the same scope after a small change shares most of it', 'let total = a + b;', 'let total = a + c;', true],
    ['only the BOS token shared', 'A: abc', 'B: xyz', false],
    ['a header shorter than half the prompt', 'header; the scope of task A', 'header; a longer scope of task B', false],
  ])('%s', (_name, cached, prompt, expected) => {
    const cache = cached === '' ? [] : t(cached);
    expect(worthReusing(cache, sharedPrefixLength(cache, t(prompt)), t(prompt))).toBe(expected);
  });

  test('two alternating prompts keep two caches: after the first round each prefill evaluates one token', async () => {
    const options = { seed: 2, copyPercent: 60, eosPercent: 0 };
    const prefills: number[] = [];
    let firstCall = false;
    const fake = new FakeTargetModel({
      ...options,
      onEvaluate: (batch) => {
        if (firstCall) prefills.push(batch.length);
        firstCall = false;
      },
    });
    const verifier = new GreedyVerifier(fake, { sequences: 2 });
    const prompts = ['function add(a, b) {\n  return a + b;\n}\n', 'const names = items.map((item) => item.name);\n'];
    for (const prompt of [...prompts, ...prompts, ...prompts]) {
      firstCall = true;
      const request = { prompt, maxOutputTokens: 20 };
      expect(okResult(await verifier.verify(request)).tokens).toEqual((await oracleDecode(options, request)).tokens);
    }
    expect(prefills.slice(0, 2)).toEqual(prompts.map((p) => t(p).length));
    expect(prefills.slice(2)).toEqual([1, 1, 1, 1]); // the last prompt token, whose prediction is not cached
    await verifier.dispose();
  });
});
