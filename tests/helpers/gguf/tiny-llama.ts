/**
 * Builds a tiny llama-architecture GGUF with seeded random F32 weights and a
 * byte-level BPE tokenizer, so real-llama.cpp tests run offline in seconds.
 * The keys llama.cpp requires for "llama" (measured in our model trials): a missing feed_forward_length or
 * head_count aborts the whole process instead of throwing, so all are written.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGguf, type GgufTensor, type GgufValue } from './gguf-writer.js';

export interface TinyLlamaOptions {
  seed?: number;
  embedding?: number;
  heads?: number;
  layers?: number;
  feedForward?: number;
  contextLength?: number;
  /** Standard deviation of the output projection: larger = more peaked logits, fewer near-ties. */
  outputScale?: number;
  /**
   * Only single-byte printable ASCII and newline can win the argmax (the other
   * output rows are zero, so their logit is 0 while the best printable one is
   * far above). Outputs are then readable text instead of invalid UTF-8.
   */
  printableOnly?: boolean;
  /** Metadata keys to leave out, to test how broken files are rejected. */
  omitKeys?: readonly string[];
  /** Metadata keys to add or replace, likewise. */
  setKeys?: Readonly<Record<string, GgufValue>>;
}

const END_OF_TEXT = '<|endoftext|>';

/** A few merges over GPT-2 byte symbols (Ġ = space, Ċ = newline), so tokens are not all single bytes. */
const MERGES: readonly [string, string][] = [
  ['Ġ', 'Ġ'], ['ĠĠ', 'ĠĠ'], ['e', 'r'], ['i', 'n'], ['o', 'n'], ['r', 'e'], ['Ġ', 't'], ['Ġ', '='],
  ['t', 'h'], ['e', 't'], ['Ġ', 'c'], ['a', 'l'], ['Ċ', 'ĠĠ'], ['(', ')'], ['r', 'n'],
];

/** GPT-2's reversible byte-to-unicode table (every byte maps to a printable code point). */
export function byteToUnicode(): string[] {
  const direct: number[] = [];
  for (let c = 0x21; c <= 0x7e; c++) direct.push(c);
  for (let c = 0xa1; c <= 0xac; c++) direct.push(c);
  for (let c = 0xae; c <= 0xff; c++) direct.push(c);
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(direct.includes(b) ? b : 256 + shifted++);
  }
  return table;
}

/** Vocabulary: 256 byte tokens (id = byte value), the merge results, then `<|endoftext|>`. */
export function tinyVocabulary(): { tokens: string[]; merges: string[]; eos: number } {
  const tokens = byteToUnicode();
  const merges: string[] = [];
  for (const [a, b] of MERGES) {
    if (tokens.includes(a + b)) continue;
    tokens.push(a + b);
    merges.push(`${a} ${b}`);
  }
  tokens.push(END_OF_TEXT);
  return { tokens, merges, eos: tokens.length - 1 };
}

/** mulberry32: small, seeded, good enough for test weights. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussianTensor(random: () => number, name: string, dims: number[], std: number): GgufTensor {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) {
    const u = Math.max(random(), 1e-12);
    data[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return { name, dims, data };
}

function onesTensor(name: string, size: number): GgufTensor {
  return { name, dims: [size], data: new Float32Array(size).fill(1) };
}

interface Shape {
  vocab: number;
  embedding: number;
  heads: number;
  layers: number;
  feedForward: number;
  contextLength: number;
}

function isPrintableByte(token: number): boolean {
  return token === 0x0a || (token >= 0x20 && token <= 0x7e);
}

/** Zeroes the output rows (one row of E values per token) of tokens that must never be chosen. */
function keepPrintableRows(output: GgufTensor, embedding: number): GgufTensor {
  for (let token = 0; token * embedding < output.data.length; token++) {
    if (!isPrintableByte(token)) output.data.fill(0, token * embedding, (token + 1) * embedding);
  }
  return output;
}

function tinyTensors(shape: Shape, random: () => number, outputScale: number, printableOnly: boolean): GgufTensor[] {
  const { vocab: V, embedding: E, feedForward: F } = shape;
  const w = 1 / Math.sqrt(E);
  const tensors = [gaussianTensor(random, 'token_embd.weight', [E, V], 1)];
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      onesTensor(`${p}attn_norm.weight`, E),
      gaussianTensor(random, `${p}attn_q.weight`, [E, E], 2 * w),
      gaussianTensor(random, `${p}attn_k.weight`, [E, E], 2 * w),
      gaussianTensor(random, `${p}attn_v.weight`, [E, E], w),
      gaussianTensor(random, `${p}attn_output.weight`, [E, E], w),
      onesTensor(`${p}ffn_norm.weight`, E),
      gaussianTensor(random, `${p}ffn_gate.weight`, [E, F], w),
      gaussianTensor(random, `${p}ffn_up.weight`, [E, F], w),
      gaussianTensor(random, `${p}ffn_down.weight`, [F, E], 1 / Math.sqrt(F)),
    );
  }
  const output = gaussianTensor(random, 'output.weight', [E, V], outputScale);
  tensors.push(onesTensor('output_norm.weight', E), printableOnly ? keepPrintableRows(output, E) : output);
  return tensors;
}

function tinyMetadata(shape: Shape, vocabulary: ReturnType<typeof tinyVocabulary>): Map<string, GgufValue> {
  const { tokens, merges, eos } = vocabulary;
  const tokenTypes = tokens.map((_, id) => (id === eos ? 3 : 1)); // 1 normal, 3 control
  return new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'specedit-tiny-test' }],
    ['general.alignment', { type: 'u32', value: 32 }],
    ['llama.context_length', { type: 'u32', value: shape.contextLength }],
    ['llama.embedding_length', { type: 'u32', value: shape.embedding }],
    ['llama.block_count', { type: 'u32', value: shape.layers }],
    ['llama.feed_forward_length', { type: 'u32', value: shape.feedForward }],
    ['llama.attention.head_count', { type: 'u32', value: shape.heads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: shape.heads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.rope.dimension_count', { type: 'u32', value: shape.embedding / shape.heads }],
    ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
    ['llama.vocab_size', { type: 'u32', value: shape.vocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: merges }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: eos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: eos }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ]);
}

/** The bytes of a tiny random llama model. */
export function tinyLlamaGguf(options: TinyLlamaOptions = {}): Buffer {
  const vocabulary = tinyVocabulary();
  const shape: Shape = {
    vocab: vocabulary.tokens.length,
    embedding: options.embedding ?? 64,
    heads: options.heads ?? 4,
    layers: options.layers ?? 2,
    feedForward: options.feedForward ?? 128,
    contextLength: options.contextLength ?? 1024,
  };
  const random = seededRandom(options.seed ?? 1);
  const metadata = tinyMetadata(shape, vocabulary);
  for (const key of options.omitKeys ?? []) metadata.delete(key);
  for (const [key, value] of Object.entries(options.setKeys ?? {})) metadata.set(key, value);
  return encodeGguf(metadata, tinyTensors(shape, random, options.outputScale ?? 1, options.printableOnly ?? true));
}

/** Writes a tiny model into a fresh temp directory; `cleanup` removes it. */
export function writeTinyLlama(options: TinyLlamaOptions = {}): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'specedit-gguf-'));
  const path = join(dir, 'tiny-llama.gguf');
  writeFileSync(path, tinyLlamaGguf(options));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
