/**
 * Turns a configured model reference (a GGUF path or an `hf:` URI) into a
 * checked local file. Downloads happen only when allowed; every failure names
 * the file and what to do. The GGUF header is validated in JS first because
 * llama.cpp aborts the whole process (SIGABRT) on some missing keys.
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
  const missing = missingKeys(info.metadata as unknown as Record<string, unknown>);
  if (missing.length > 0) {
    throw new ModelFileError(reference, `${path} is an incomplete GGUF model: missing ${missing.join(', ')}; re-export it with these keys.`);
  }
}

function missingKeys(metadata: Record<string, unknown>): string[] {
  const architecture = lookup(metadata, 'general.architecture');
  if (typeof architecture !== 'string') return ['general.architecture'];
  const keys = ['tokenizer.ggml.model', 'tokenizer.ggml.tokens'];
  if (CHECKED_ARCHITECTURES.has(architecture)) keys.push(...REQUIRED_ARCHITECTURE_KEYS.map((k) => `${architecture}.${k}`));
  return keys.filter((k) => lookup(metadata, k) === undefined);
}

/** readGgufFileInfo nests dotted keys as objects. */
function lookup(metadata: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), metadata);
}
