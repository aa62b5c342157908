/**
 * Turns a configured model reference (a GGUF path or an `hf:` URI) into a
 * checked local file. Downloads happen only when allowed; every failure names
 * the file and what to do. The GGUF header is validated in JS first because
 * llama.cpp aborts the whole process (SIGABRT) on some missing keys and on
 * some values (GGML_ASSERT); what this check cannot see, a test load in a
 * child process catches (model-probe.ts).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readGgufFileInfo, resolveModelFile } from 'node-llama-cpp';

export class ModelFileError extends Error {
  constructor(
    readonly reference: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelFileError';
  }
}

export interface ResolveModelOptions {
  /** Fetch `hf:` models that are not on disk yet. */
  allowDownload?: boolean;
  /** Where `hf:` models live; node-llama-cpp's default (~/.node-llama-cpp/models) when absent. */
  directory?: string;
  /** Base for relative paths (the server's working directory by default). */
  baseDir?: string;
  signal?: AbortSignal;
}

/** Keys llama.cpp needs for attention-based architectures; missing ones abort the process instead of throwing. */
const REQUIRED_ARCHITECTURE_KEYS = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
const CHECKED_ARCHITECTURES = new Set(['llama', 'qwen2', 'qwen3', 'mistral3', 'gemma2', 'gemma3', 'phi3', 'starcoder2', 'granite']);

function isUri(reference: string): boolean {
  return /^(hf:|https?:\/\/)/.test(reference);
}

export async function resolveModelReference(reference: string, options: ResolveModelOptions = {}): Promise<string> {
  const path = isUri(reference) ? await resolveUri(reference, options) : resolve(options.baseDir ?? process.cwd(), reference);
  await checkGgufFile(path, reference);
  return path;
}

async function assertFile(path: string, reference: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info?.isFile()) return;
  throw new ModelFileError(
    reference,
    `model file not found: ${path}${info ? ' (it is a directory)' : ''}. ` +
      'Point the setting at a GGUF file, or name an hf: URI (e.g. "hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF:Q8_0") ' +
      'and fetch it with `npx --no node-llama-cpp pull <uri>` or set "allowDownload": true.',
  );
}

async function resolveUri(reference: string, options: ResolveModelOptions): Promise<string> {
  try {
    return await resolveModelFile(reference, {
      directory: options.directory,
      download: options.allowDownload ? 'auto' : false,
      cli: false,
      signal: options.signal,
    });
  } catch (error) {
    const dir = options.directory ? ` --dir ${JSON.stringify(options.directory)}` : '';
    const hint = options.allowDownload
      ? 'the download failed; check the URI and the network'
      : `downloads are off: fetch it with \`npx --no node-llama-cpp pull${dir} ${reference}\` or set "allowDownload": true`;
    throw new ModelFileError(reference, `model ${reference} is not available: ${(error as Error).message}; ${hint}.`, { cause: error });
  }
}

/** Rejects files llama.cpp would fail on, or crash on, with a message naming the file and the problem. */
export async function checkGgufFile(path: string, reference = path): Promise<void> {
  await assertFile(path, reference);
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(path, { readTensorInfo: false, logWarnings: false, sourceType: 'filesystem' });
  } catch (error) {
    throw new ModelFileError(reference, `${path} is not a readable GGUF model (${(error as Error).message}); re-download or re-export it.`, { cause: error });
  }
  const metadata = info.metadata as unknown as Record<string, unknown>;
  const missing = missingKeys(metadata);
  if (missing.length > 0) {
    throw new ModelFileError(reference, `${path} is an incomplete GGUF model: missing ${missing.join(', ')}; re-export it with these keys.`);
  }
  const bad = badValues(metadata, Number(info.tensorCount));
  if (bad.length > 0) {
    throw new ModelFileError(reference, `${path} is a corrupt GGUF model: ${bad.join('; ')}; re-download or re-export it.`);
  }
}

function missingKeys(metadata: Record<string, unknown>): string[] {
  const architecture = lookup(metadata, 'general.architecture');
  if (typeof architecture !== 'string') return ['general.architecture'];
  const keys = ['tokenizer.ggml.model', 'tokenizer.ggml.tokens'];
  if (CHECKED_ARCHITECTURES.has(architecture)) keys.push(...REQUIRED_ARCHITECTURE_KEYS.map((k) => `${architecture}.${k}`));
  return keys.filter((k) => lookup(metadata, k) === undefined);
}

/** llama.cpp's LLAMA_MAX_LAYERS: block_count is asserted to be in 1..512. */
const MAX_LAYERS = 512;

/**
 * Values llama.cpp asserts on (a GGML_ASSERT aborts the process) or builds a
 * tensor shape of 0 from, measured with node-llama-cpp 3.21.1: a head count,
 * key/value head count, value length or feed-forward length of 0, a block
 * count outside 1..512, an empty vocabulary, an expert count the used-expert
 * count does not fit. The divisibility checks give a clearer message than
 * llama.cpp's tensor-shape error. Not checked: special token ids outside the
 * vocabulary (llama.cpp warns and uses a default), tensor shapes, types and
 * offsets (llama.cpp checks them against these values and throws).
 * Architectures without attention (mamba, rwkv) legitimately have 0 heads, so
 * the attention keys are checked only for CHECKED_ARCHITECTURES.
 */
function badValues(metadata: Record<string, unknown>, tensorCount: number): string[] {
  const architecture = lookup(metadata, 'general.architecture') as string;
  const key = (name: string) => `${architecture}.${name}`;
  const value = (name: string) => numberAt(metadata, key(name));
  const problems: string[] = [];
  if (tensorCount === 0) problems.push('it has no tensors');
  const tokens = lookup(metadata, 'tokenizer.ggml.tokens');
  if (Array.isArray(tokens) && tokens.length === 0) problems.push('tokenizer.ggml.tokens (the vocabulary) is empty');
  const blocks = value('block_count');
  if (blocks !== undefined && (blocks < 1 || blocks > MAX_LAYERS)) problems.push(`${key('block_count')} is ${blocks}, outside 1 to ${MAX_LAYERS}`);
  if (CHECKED_ARCHITECTURES.has(architecture)) {
    const positive = ['context_length', 'embedding_length', 'feed_forward_length', 'attention.head_count', 'attention.head_count_kv', 'attention.key_length', 'attention.value_length'];
    for (const name of positive) if (value(name) === 0) problems.push(`${key(name)} is 0`);
    const [embedding, heads, kvHeads] = [value('embedding_length'), value('attention.head_count'), value('attention.head_count_kv')];
    if (heads && kvHeads && heads % kvHeads !== 0) problems.push(`${key('attention.head_count')} (${heads}) is not a multiple of ${key('attention.head_count_kv')} (${kvHeads})`);
    if (embedding && heads && value('attention.key_length') === undefined && embedding % heads !== 0) {
      problems.push(`${key('embedding_length')} (${embedding}) is not a multiple of ${key('attention.head_count')} (${heads})`);
    }
  }
  const [experts, used] = [value('expert_count') ?? 0, value('expert_used_count') ?? 0];
  if (experts > 0 && (used < 1 || used > experts)) problems.push(`${key('expert_used_count')} is ${used}, outside 1 to ${key('expert_count')} (${experts})`);
  return problems;
}

/** A scalar number; undefined when absent or per-layer (an array, which llama.cpp reads layer by layer). */
function numberAt(metadata: Record<string, unknown>, dotted: string): number | undefined {
  const v = lookup(metadata, dotted);
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

/** readGgufFileInfo nests dotted keys as objects. */
function lookup(metadata: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), metadata);
}
