/**
 * llama-server as the bench's peer (issue 15 part 2): the same GGUF as our
 * verifier, the exact prompt tokens our verifier sees (sent as token ids, so
 * no BOS is added twice), the same budgets (n_predict) and stop strings,
 * 1 thread, 1 slot, F32 KV cache, one server started per configuration:
 * plain greedy, its n-gram speculation types, and draft-simple with a
 * drafter whose vocabulary is the verifier's. Every request starts from an
 * empty KV cache (cache_prompt false), as each of our runs does. Outputs are
 * compared with our plain greedy decode as text (the server's `content`
 * against our tokens detokenized, cut before the stop string).
 */
import { readGgufFileInfo } from 'node-llama-cpp';
import { startLlamaServer } from './llama-server.js';

export interface ServerScope {
  /** The prompt as token ids (our verifier's, BOS included). */
  prompt: number[];
  nPredict: number;
  stop: string[];
  /** Our plain greedy decode as text, cut before the stop string. */
  expected: string;
}

export interface ServerPeerConfig {
  name: string;
  args: string[];
}

export interface ServerPeerResult {
  name: string;
  args: string[];
  /** Sum over the tasks of the wall time of their requests (HTTP round trips included). */
  wallMs: number;
  perTaskMs: number[];
  /** Scopes whose output is our plain greedy decode (text), of `scopes`. */
  identical: number;
  scopes: number;
  drafted: number;
  accepted: number;
  outputTokens: number;
  speedupOverOwnPlain?: number;
  error?: string;
}

/** The configurations: plain, the n-gram types, and draft-simple with each drafter sharing the verifier's vocabulary. */
export async function serverPeerConfigs(verifier: string, drafters: { name: string; path: string }[]): Promise<{ configs: ServerPeerConfig[]; skipped: string[] }> {
  const configs: ServerPeerConfig[] = [
    { name: 'plain', args: [] },
    { name: 'ngram-simple', args: ['--spec-type', 'ngram-simple', '--spec-draft-n-max', '16'] },
    { name: 'ngram-map-k', args: ['--spec-type', 'ngram-map-k', '--spec-draft-n-max', '16'] },
    { name: 'ngram-mod', args: ['--spec-type', 'ngram-mod'] },
  ];
  const skipped: string[] = [];
  const vocabulary = await tokensOf(verifier);
  for (const d of drafters) {
    const theirs = await tokensOf(d.path);
    if (vocabulary && theirs && vocabulary.length === theirs.length && vocabulary.every((t, i) => t === theirs[i])) {
      configs.push({ name: `draft-simple:${d.name}`, args: ['--spec-type', 'draft-simple', '--spec-draft-model', d.path, '--spec-draft-n-max', '16', '--spec-draft-threads', '1', '--spec-draft-threads-batch', '1', '--spec-draft-type-k', 'f32', '--spec-draft-type-v', 'f32'] });
    } else skipped.push(`draft-simple:${d.name} (its vocabulary is not the verifier's)`);
  }
  return { configs, skipped };
}

async function tokensOf(path: string): Promise<readonly string[] | undefined> {
  const info = await readGgufFileInfo(path, { readTensorInfo: false, logWarnings: false, sourceType: 'filesystem' });
  const tokens = (info.metadata as unknown as { tokenizer?: { ggml?: { tokens?: readonly string[] } } }).tokenizer?.ggml?.tokens;
  return Array.isArray(tokens) ? tokens : undefined;
}

/** Runs every task's scopes, in order, on one server per configuration; a configuration that fails to start is reported, not fatal. */
export async function runServerPeers(binary: string, model: string, contextSize: number, configs: ServerPeerConfig[], tasks: ServerScope[][], log: (line: string) => void): Promise<ServerPeerResult[]> {
  const results: ServerPeerResult[] = [];
  const scopes = tasks.reduce((n, t) => n + t.length, 0);
  for (const config of configs) {
    const result: ServerPeerResult = { name: config.name, args: config.args, wallMs: 0, perTaskMs: [], identical: 0, scopes, drafted: 0, accepted: 0, outputTokens: 0 };
    let server;
    try {
      server = await startLlamaServer({ binary, model, contextSize, args: config.args });
      await complete(server.url, tasks[0][0]); // warm-up, not recorded
      for (const task of tasks) {
        const started = performance.now();
        const answers = [];
        for (const scope of task) answers.push(await complete(server.url, scope));
        result.perTaskMs.push(performance.now() - started);
        for (const [i, a] of answers.entries()) {
          if (a.content === task[i].expected) result.identical++;
          result.drafted += a.timings?.draft_n ?? 0;
          result.accepted += a.timings?.draft_n_accepted ?? 0;
          result.outputTokens += a.tokens_predicted ?? 0;
        }
      }
      result.wallMs = result.perTaskMs.reduce((a, b) => a + b, 0);
      log(`llama-server ${config.name}: ${(result.wallMs / 1000).toFixed(1)} s, ${result.identical}/${scopes} outputs identical to our plain greedy, drafted ${result.drafted}, accepted ${result.accepted}`);
    } catch (error) {
      result.error = (error as Error).message.slice(0, 500);
      log(`llama-server ${config.name}: failed: ${result.error}`);
    } finally {
      await server?.stop();
    }
    results.push(result);
  }
  const plain = results.find((r) => r.name === 'plain' && !r.error);
  for (const r of results) if (plain && !r.error && r.wallMs > 0) r.speedupOverOwnPlain = Number((plain.wallMs / r.wallMs).toFixed(3));
  return results;
}

interface Answer {
  content: string;
  tokens_predicted?: number;
  timings?: { draft_n?: number; draft_n_accepted?: number };
}

async function complete(url: string, scope: ServerScope): Promise<Answer> {
  const response = await fetch(`${url}/completion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: scope.prompt, n_predict: scope.nPredict, stop: scope.stop, temperature: 0, top_k: 1, cache_prompt: false, stream: false }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as Answer;
}
