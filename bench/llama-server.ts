/**
 * llama-server as the bench's peer and the tests' remote verifier: where
 * `make llama-server` (tools/build-llama-server.sh) caches the binary, found
 * without building it, and one server process started on 127.0.0.1 at a free
 * port, ready when `/health` says so, stopped by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../engine/shipped-models.js';

/** The cached binary's path as tools/build-llama-server.sh writes it (CPU build), whether or not it exists. */
export function llamaServerCachePath(cuda = false): string {
  const info = join(projectRoot(), 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json');
  const tag = (JSON.parse(readFileSync(info, 'utf8')) as { tag: string }).tag;
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string] ?? process.arch;
  const cache = process.env.SPECEDIT_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'specedit');
  return join(cache, 'llama-server', `${tag}-${arch}${cuda ? '-cuda' : ''}`, 'llama-server');
}

/** The built llama-server, or why there is none (never builds: `make llama-server` does, in ~20 minutes on 2 cores). */
export function findLlamaServer(): { path: string } | { missing: string } {
  const explicit = process.env.SPECEDIT_LLAMA_SERVER;
  if (explicit) return existsSync(explicit) ? { path: explicit } : { missing: `SPECEDIT_LLAMA_SERVER=${explicit} does not exist` };
  try {
    const path = llamaServerCachePath();
    return existsSync(path) ? { path } : { missing: `llama-server is not built (${path}); \`make llama-server\` builds it (about 20 minutes on 2 cores)` };
  } catch (error) {
    return { missing: `llama-server's cache path is unknown: ${(error as Error).message}` };
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningLlamaServer {
  url: string;
  process: ChildProcess;
  /** The server's output so far (for an error message). */
  log(): string;
  stop(): Promise<void>;
}

export interface LlamaServerOptions {
  binary: string;
  model: string;
  /** Extra arguments, e.g. ['--spec-type', 'ngram-mod']. */
  args?: string[];
  contextSize?: number;
  /** Ready within this long or the start fails (ms). */
  startTimeoutMs?: number;
}

/** One llama-server: 1 thread, 1 slot, F32 KV cache (as our verifier), on 127.0.0.1 at a free port. */
export async function startLlamaServer(options: LlamaServerOptions): Promise<RunningLlamaServer> {
  const port = await freePort();
  const args = [
    '-m', options.model, '--host', '127.0.0.1', '--port', String(port),
    '--threads', '1', '--threads-batch', '1', '-np', '1', '-c', String(options.contextSize ?? 2048),
    '--cache-type-k', 'f32', '--cache-type-v', 'f32', '--no-webui',
    ...(options.args ?? []),
  ];
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}: ${output.slice(-2000)}`);
    try {
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (health.ok) return { url, process: child, log: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`llama-server did not become ready within ${options.startTimeoutMs ?? 60_000} ms: ${output.slice(-2000)}`);
}
