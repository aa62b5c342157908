/**
 * Corrupt copies of a GGUF file for tests: a numeric metadata value or a
 * tensor's type changed in place, so a copy of a shipped model stays that
 * model in every other byte. Layout as in gguf-writer.ts.
 */

/** Byte sizes of the scalar metadata value types (gguf.md "gguf_metadata_value_type"); 8 is a string, 9 an array. */
const SCALAR_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

/** ggml tensor types used by the tests. */
export const GGML_TYPE = { F32: 0, F16: 1, I32: 26 } as const;

export interface GgufPatch {
  /** Numeric metadata keys and their new values (written in the key's own type). */
  metadata?: Record<string, number>;
  /** Tensor names and their new ggml type; the data stays as it is. */
  tensorTypes?: Record<string, number>;
}

interface Layout {
  values: Map<string, { type: number; offset: number }>;
  tensorTypeOffsets: Map<string, number>;
}

function layout(bytes: Buffer): Layout {
  if (bytes.toString('ascii', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  let at = 8;
  const u32 = () => ((at += 4), bytes.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), Number(bytes.readBigUInt64LE(at - 8)));
  const string = () => {
    const length = u64();
    at += length;
    return bytes.toString('utf8', at - length, at);
  };
  const skip = (type: number): void => {
    if (type === STRING) string();
    else if (type === ARRAY) {
      const elementType = u32();
      for (let n = u64(); n > 0; n--) skip(elementType);
    } else at += SCALAR_SIZES[type];
  };
  const tensors = u64();
  const keys = u64();
  const values = new Map<string, { type: number; offset: number }>();
  for (let i = 0; i < keys; i++) {
    const key = string();
    const type = u32();
    values.set(key, { type, offset: at });
    skip(type);
  }
  const tensorTypeOffsets = new Map<string, number>();
  for (let i = 0; i < tensors; i++) {
    const name = string();
    const dimensions = u32();
    at += 8 * dimensions;
    tensorTypeOffsets.set(name, at);
    at += 4 + 8; // type, data offset
  }
  return { values, tensorTypeOffsets };
}

function writeNumber(bytes: Buffer, type: number, offset: number, value: number): void {
  switch (type) {
    case 4: bytes.writeUInt32LE(value, offset); return;
    case 5: bytes.writeInt32LE(value, offset); return;
    case 6: bytes.writeFloatLE(value, offset); return;
    case 10: bytes.writeBigUInt64LE(BigInt(value), offset); return;
    case 11: bytes.writeBigInt64LE(BigInt(value), offset); return;
    default: throw new Error(`metadata type ${type} is not patched by this helper`);
  }
}

/** A patched copy of `original`. */
export function patchGguf(original: Buffer, patch: GgufPatch): Buffer {
  const bytes = Buffer.from(original);
  const { values, tensorTypeOffsets } = layout(bytes);
  for (const [key, value] of Object.entries(patch.metadata ?? {})) {
    const entry = values.get(key);
    if (!entry) throw new Error(`no metadata key ${key}`);
    writeNumber(bytes, entry.type, entry.offset, value);
  }
  for (const [name, type] of Object.entries(patch.tensorTypes ?? {})) {
    const offset = tensorTypeOffsets.get(name);
    if (offset === undefined) throw new Error(`no tensor ${name}`);
    bytes.writeUInt32LE(type, offset);
  }
  return bytes;
}
