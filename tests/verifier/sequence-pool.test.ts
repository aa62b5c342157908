/** The sequence LRU: longest cached prefix first, a fresh sequence before evicting, least recently used evicted. */
import { FakeTargetModel } from '../../verifier/fake-target-model.js';
import { SequencePool } from '../../verifier/sequence-pool.js';
import type { TargetSequence } from '../../verifier/target-model.js';

const model = new FakeTargetModel({ maxSequences: 3 });
const t = (text: string) => model.tokenize(text);

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

  test('any shared prefix is reused, the longest first, then the most recently used', async () => {
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
