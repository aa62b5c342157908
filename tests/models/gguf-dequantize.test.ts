/** tools/gguf-dequantize.ts: the F16 conversion it writes (the whole-file copy is `make smollm2-f16`). */
import { fromHalf, toHalf } from '../../tools/gguf-dequantize.js';

test('every finite half survives a round trip through a float', () => {
  const changed: number[] = [];
  for (let h = 0; h < 0x10000; h++) {
    if (((h >>> 10) & 0x1f) === 0x1f) continue; // infinities and NaN
    if (toHalf(fromHalf(h)) !== h) changed.push(h);
  }
  expect(changed).toEqual([]);
});

test.each([
  [1 + 2 ** -11, 1], // a tie rounds to even (down)
  [1 + 3 * 2 ** -11, 1 + 2 ** -9], // a tie rounds to even (up)
  [65520, Infinity], // past the largest half
  [2 ** -25, 0], // below half the smallest subnormal
  [-0.1, fromHalf(0xae66)],
])('%p becomes the half %p', (value, expected) => {
  expect(fromHalf(toHalf(value))).toBe(expected);
});
