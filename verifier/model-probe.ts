/**
 * A test load of a model file in a child process, before the file is loaded
 * where a crash would take the server down (the verifier in the main thread,
 * drafters in worker threads, which share the process). Model files are
 * untrusted input, and llama.cpp answers some corrupt ones with a GGML_ASSERT
 * that aborts the process (SIGABRT): checkGgufFile catches the metadata it
 * knows of, this catches the rest (a tensor of the wrong type aborts only at
 * the first evaluation). The child loads the file with the caller's options,
 * evaluates a few tokens and exits; a child that is killed by a signal, exits
 * with an error or runs past the time limit refuses the file, with llama.cpp's
 * last lines quoted. Verdicts are remembered per file identity (path, size,
 * modification time): in memory for the process, so a failing file is not
 * forked again on every request, and passes also in `cacheFile` (the data
 * directory), so an unchanged model costs the test once, not at every start.
 * The child also times a few greedy steps: a pass carries the model's plain
 * decoding speed on this machine, kept with it (the drafter admission rule).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError } from './model-resolver.js';

export interface ModelProbeOptions {
  gpu: 'auto' | false;
  threads: number;
  kvCacheType?: 'F16' | 'F32';
  /** The compiled child module (default: model-probe-child.js next to this module; from the sources, dist's). */
  childFile?: string | URL;
  /** A child still running after this long is killed and the file refused, ms. */
  timeoutMs?: number;
  /** A JSON file remembering the files that passed, across processes; none: memory only. */
  cacheFile?: string;
}

/** What the parent sends the child (argv[2], JSON). */
export interface ProbeRequest {
  modelPath: string;
  gpu: 'auto' | false;
  threads: number;
  kvCacheType?: 'F16' | 'F32';
}

/** What the child answers over IPC before it exits. */
export type ProbeReply = { ok: true; tokensPerSecond?: number } | { ok: false; message: string };

/** A file that passed: its plain greedy decoding speed in the test load (undefined when unknown). */
export interface ProbePass {
  tokensPerSecond: number | undefined;
}

/** A remembered pass in the cache file. */
interface PassEntry {
  at: string;
  tokensPerSecond: number;
}

/** Loading a 7B model and evaluating a few tokens on one CPU thread takes seconds; a hung child must not hold the models back forever. */
export const DEFAULT_PROBE_TIMEOUT_MS = 120_000;
const STDERR_KEPT = 16 * 1024;
const QUOTED_LINES = 3;
const CACHE_ENTRIES = 100;

/** A test's outcome: the failure message, or null for a pass; `lasting` when it is about the file, not about starting the test. */
interface Verdict {
  failure: string | null;
  lasting: boolean;
  tokensPerSecond?: number;
}

/** Per file identity and options. Failures stay for the process only: a newer llama.cpp may load the file. */
const verdicts = new Map<string, Promise<Verdict>>();

/** Throws ModelFileError naming the file when a test load in a child process fails; resolves when it passed (now or before). */
export async function probeModelFile(path: string, options: ModelProbeOptions): Promise<ProbePass> {
  const key = await identity(path, options);
  let verdict = key === null ? undefined : verdicts.get(key);
  if (!verdict) {
    verdict = decide(path, key, options);
    if (key !== null) verdicts.set(key, verdict);
  }
  const { failure, lasting, tokensPerSecond } = await verdict;
  if (!lasting && key !== null && verdicts.get(key) === verdict) verdicts.delete(key);
  if (failure !== null) throw new ModelFileError(path, failure);
  return { tokensPerSecond };
}

async function decide(path: string, key: string | null, options: ModelProbeOptions): Promise<Verdict> {
  const remembered = key !== null && options.cacheFile ? (await readPassed(options.cacheFile))[key] : undefined;
  if (remembered) return { failure: null, lasting: true, tokensPerSecond: remembered.tokensPerSecond };
  const childFile = resolveChildFile(options.childFile);
  if (!existsSync(childFile)) {
    return { failure: `${path} could not be tested before loading: the model probe module ${childFile} is missing; build the project (npm run build)`, lasting: false };
  }
  const verdict = await runChild(childFile, path, options);
  if (verdict.failure === null && key !== null && options.cacheFile) await rememberPass(options.cacheFile, key, verdict.tokensPerSecond);
  return verdict;
}

/** Path, size and modification time, with the options that change what llama.cpp does; null when the file cannot be read (the load names the problem). */
async function identity(path: string, options: ModelProbeOptions): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  return JSON.stringify([path, info.size, Math.round(info.mtimeMs), options.gpu, options.kvCacheType ?? 'F16']);
}

function resolveChildFile(file: string | URL | undefined): string {
  if (file) return file instanceof URL ? fileURLToPath(file) : file;
  const sibling = fileURLToPath(new URL('./model-probe-child.js', import.meta.url));
  // Running from the TypeScript sources (jest), the child is the build's: `make test` builds first.
  return existsSync(sibling) ? sibling : fileURLToPath(new URL('../dist/verifier/model-probe-child.js', import.meta.url));
}

function runChild(childFile: string, path: string, options: ModelProbeOptions): Promise<Verdict> {
  const request: ProbeRequest = { modelPath: path, gpu: options.gpu, threads: options.threads, kvCacheType: options.kvCacheType };
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = fork(childFile, [JSON.stringify(request)], {
      // No inherited --inspect or jest flags; GGML_NO_BACKTRACE: ggml would otherwise attach gdb to print a backtrace before aborting.
      execArgv: [],
      env: { ...process.env, GGML_NO_BACKTRACE: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let reply: ProbeReply | undefined;
    let timedOut = false;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEPT)));
    child.on('message', (message) => (reply = message as ProbeReply));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ failure: `${path} could not be tested before loading: ${error.message}`, lasting: false });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ failure: `loading ${path} in a separate test process did not finish within ${timeoutMs / 1000} s; the file is corrupt or too large for this machine`, lasting: true });
      else if (reply?.ok && code === 0) resolve({ failure: null, lasting: true, tokensPerSecond: reply.tokensPerSecond });
      else resolve({ failure: reply && !reply.ok ? reply.message : crashMessage(path, code, signal, stderr), lasting: true });
    });
  });
}

function crashMessage(path: string, code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal === 'SIGABRT' ? 'llama.cpp aborted (SIGABRT)' : signal ? `the test load was killed (${signal})` : `the test load exited with code ${code}`;
  const said = llamaLines(stderr);
  return (
    `${how} on ${path}, loaded first in a separate process so the server keeps running` +
    (said ? `: ${said}` : '') +
    '; the file is corrupt or not supported by this version of llama.cpp: re-download or re-export it'
  );
}

/** The child's last meaningful stderr lines: llama.cpp's errors and assert messages, without Node's stack or the CI build paths. */
export function llamaLines(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(at |Node\.js v|\[llama\.cpp\] (info|warn):)/.test(line))
    .slice(-QUOTED_LINES)
    .map((line) => line.replace(/^\S*\/llama\.cpp\/(?=(src|ggml)\/)/, ''))
    .join(' ');
}

/** The remembered passes; an entry without a speed (written before the speed was measured) or of another shape is left out: tested again. */
async function readPassed(cacheFile: string): Promise<Record<string, PassEntry>> {
  try {
    const parsed = JSON.parse(await readFile(cacheFile, 'utf8')) as { passed?: unknown };
    if (!parsed.passed || typeof parsed.passed !== 'object') return {};
    const entries = Object.entries(parsed.passed as Record<string, unknown>).filter(
      (e): e is [string, PassEntry] => typeof e[1] === 'object' && e[1] !== null && typeof (e[1] as PassEntry).at === 'string' && Number.isFinite((e[1] as PassEntry).tokensPerSecond),
    );
    return Object.fromEntries(entries);
  } catch {
    return {}; // absent or unreadable: the files are tested again
  }
}

let writes: Promise<void> = Promise.resolve();

/** Read-modify-write, one at a time in this process; a failed write only costs a test load later. */
function rememberPass(cacheFile: string, key: string, tokensPerSecond: number | undefined): Promise<void> {
  if (tokensPerSecond === undefined || !Number.isFinite(tokensPerSecond)) return writes;
  writes = writes.then(async () => {
    const passed = await readPassed(cacheFile);
    passed[key] = { at: new Date().toISOString(), tokensPerSecond: Math.round(tokensPerSecond * 10) / 10 };
    const kept = Object.entries(passed).sort((a, b) => b[1].at.localeCompare(a[1].at)).slice(0, CACHE_ENTRIES);
    await mkdir(dirname(cacheFile), { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ passed: Object.fromEntries(kept) }, null, 1));
    await rename(temporary, cacheFile);
  }).catch(() => undefined);
  return writes;
}
