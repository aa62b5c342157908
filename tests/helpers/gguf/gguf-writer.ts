/**
 * A minimal GGUF v3 writer: metadata key/values and F32 tensors, enough to
 * build test models that llama.cpp loads. Layout (ggml docs/gguf.md): header,
 * metadata, tensor infos, padding to `general.alignment` (32), tensor data with
 * every tensor's offset aligned.
 */

/** GGUF metadata value types (gguf.md "gguf_metadata_value_type"). */
const enum ValueType {
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
}

const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] }
  | { type: 'f32[]'; value: readonly number[] };

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the contiguous (input) dimension. */
  dims: readonly number[];
  data: Float32Array;
}

/** Appends little-endian values to a growing list of chunks. */
class ByteSink {
  private readonly chunks: Buffer[] = [];
  length = 0;

  bytes(b: Buffer | Uint8Array): void {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.chunks.push(buf);
    this.length += buf.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.bytes(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.bytes(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.bytes(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.bytes(b);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad > 0) this.bytes(Buffer.alloc(pad));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'u32': sink.u32(ValueType.Uint32); sink.u32(v.value); return;
    case 'i32': sink.u32(ValueType.Int32); sink.i32(v.value); return;
    case 'f32': sink.u32(ValueType.Float32); sink.f32(v.value); return;
    case 'bool': sink.u32(ValueType.Bool); sink.bytes(Buffer.from([v.value ? 1 : 0])); return;
    case 'string': sink.u32(ValueType.String); sink.string(v.value); return;
    case 'string[]': writeArray(sink, ValueType.String, v.value, (s) => sink.string(s)); return;
    case 'i32[]': writeArray(sink, ValueType.Int32, v.value, (n) => sink.i32(n)); return;
    case 'f32[]': writeArray(sink, ValueType.Float32, v.value, (n) => sink.f32(n)); return;
  }
}

function writeArray<T>(sink: ByteSink, elementType: ValueType, items: readonly T[], write: (item: T) => void): void {
  sink.u32(ValueType.Array);
  sink.u32(elementType);
  sink.u64(items.length);
  for (const item of items) write(item);
}

function checkTensor(t: GgufTensor): void {
  const elements = t.dims.reduce((a, b) => a * b, 1);
  if (elements !== t.data.length) {
    throw new RangeError(`tensor ${t.name}: dims [${t.dims.join(', ')}] need ${elements} values, got ${t.data.length}`);
  }
}

/** Serializes a complete GGUF v3 file. */
export function encodeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Buffer {
  tensors.forEach(checkTensor);
  const sink = new ByteSink();
  sink.bytes(Buffer.from('GGUF', 'ascii'));
  sink.u32(3);
  sink.u64(tensors.length);
  sink.u64(metadata.size);
  for (const [key, value] of metadata) {
    sink.string(key);
    writeValue(sink, value);
  }
  let offset = 0;
  for (const t of tensors) {
    sink.string(t.name);
    sink.u32(t.dims.length);
    t.dims.forEach((d) => sink.u64(d));
    sink.u32(GGML_TYPE_F32);
    sink.u64(offset);
    offset += Math.ceil(t.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  sink.padTo(ALIGNMENT);
  for (const t of tensors) {
    sink.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    sink.padTo(ALIGNMENT);
  }
  return sink.toBuffer();
}
