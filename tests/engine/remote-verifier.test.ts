/**
 * The remote verifier (engine/remote-verifier.ts) against a fake llama-server
 * (node:http): a good answer becomes a version-tied minimal edit; a server
 * that is down, slow or answers garbage gives a reason naming its URL and
 * structural features keep working; cancelling aborts the HTTP request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EditContext } from '../../protocol/edit-task.js';
import { EditPipeline } from '../../engine/edit-pipeline.js';
import { RemoteVerifierEngine } from '../../engine/remote-verifier.js';
import { mergeConfig, defaultConfig } from '../../protocol/config.js';
import { applied, okResult, originalOf, SOURCE, taskAt } from './engine-helpers.js';

type Answer = (body: Record<string, unknown>, res: ServerResponse) => void;

interface FakeServer {
  url: string;
  requests: Record<string, unknown>[];
  /** Requests whose connection closed before an answer (aborted by the client). */
  aborted: number;
  answer: Answer;
  close(): Promise<void>;
}

async function fakeServer(answer: Answer): Promise<FakeServer> {
  const state = { requests: [] as Record<string, unknown>[], aborted: 0, answer };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      const body = JSON.parse(data) as Record<string, unknown>;
      state.requests.push(body);
      res.on('close', () => {
        if (!res.writableEnded) state.aborted++;
      });
      state.answer(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}

const json = (res: ServerResponse, value: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

/** Answers the prompt's original scope with `rewrite` applied, as llama-server would (the stop string left out). */
const rewriting = (rewrite: (scope: string) => string): Answer => (body, res) => {
  const scope = originalOf(body.prompt as string);
  json(res, { content: `${rewrite(scope)}\n`, stop_type: 'word', tokens_predicted: 40, timings: { predicted_n: 40, draft_n: 48, draft_n_accepted: 36 } });
};

const context = (extra: Partial<EditContext> = {}): EditContext => ({ signal: new AbortController().signal, ...extra });
const instruction = () => taskAt('instruction', 'return lines.join', { instruction: 'join with commas' });

function pipeline(url: string, timeoutMs = 2000) {
  return new EditPipeline({ models: new RemoteVerifierEngine({ url, maxOutputTokens: 200, timeoutMs }) });
}

describe('remote verifier', () => {
  let server: FakeServer;
  afterEach(async () => server?.close());

  it('sends the prompt greedily with the budget and stop string, and returns a version-tied minimal edit with the server statistics', async () => {
    server = await fakeServer(rewriting((scope) => scope.replace("lines.join('\\n')", "lines.join(', ')")));
    const outcome = await pipeline(server.url).computeEdit(instruction(), context());
    const result = okResult(outcome);
    expect(applied(result)).toBe(SOURCE.replace("lines.join('\\n')", "lines.join(', ')"));
    expect(result.edits[0].version).toBe(3);
    expect(result.mode).toBe('exact');
    expect(result.stats).toMatchObject({ verifierCalls: 1, drafted: 48, accepted: 36, outputTokens: 40 });
    const [request] = server.requests;
    expect(request).toMatchObject({ temperature: 0, cache_prompt: true, n_predict: 200, stop: ['<|end|>'] });
    expect(request.prompt).toContain('lines.join');
  });

  it.each([
    ['not JSON', (_b: unknown, res: ServerResponse) => { res.writeHead(200); res.end('<html>proxy error</html>'); }, /not JSON/],
    ['JSON without content', (_b: unknown, res: ServerResponse) => json(res, { error: 'nope' }), /not a completion \(content/],
    ['an HTTP error', (_b: unknown, res: ServerResponse) => json(res, { error: { message: 'model not loaded' } }, 503), /HTTP 503/],
    ['nothing within the timeout', () => undefined, /did not answer within/],
  ])('a server answering %s gives an unavailable edit naming the URL', async (_what, answer, reason) => {
    server = await fakeServer(answer as Answer);
    const outcome = await pipeline(server.url, 300).computeEdit(instruction(), context());
    expect(outcome.status).toBe('unavailable');
    const text = (outcome as { reason: string }).reason;
    expect(text).toMatch(reason);
    expect(text).toContain(`${server.url}/completion`);
  });

  it('a server that is down gives a clear reason, and structural features keep working', async () => {
    server = await fakeServer(() => undefined);
    const url = server.url;
    await server.close();
    const models = pipeline(url);
    const outcome = await models.computeEdit(instruction(), context());
    expect(outcome).toMatchObject({ status: 'unavailable' });
    expect((outcome as { reason: string }).reason).toMatch(new RegExp(`${url}/completion cannot be reached`));
    // Rename to a given name is structural; extract falls back to its default name.
    const renamed = okResult(await models.computeEdit(taskAt('rename', 'lines', { newName: 'rows' }), context()));
    expect(applied(renamed)).toContain('return rows.join');
    const extracted = await models.computeEdit(taskAt('extract', "const taxed = t * (1 + TAX_RATE);"), context());
    expect(extracted.status).toBe('ok');
  });

  it('cancelling the edit aborts its HTTP request', async () => {
    server = await fakeServer(() => undefined); // never answers
    const controller = new AbortController();
    const pending = pipeline(server.url, 10_000).computeEdit(instruction(), context({ signal: controller.signal }));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await pending).toEqual({ status: 'cancelled' });
    for (let i = 0; i < 100 && server.aborted === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.aborted).toBe(1);
  });

  it('a model answer that adds a syntax error is refused', async () => {
    server = await fakeServer(rewriting((scope) => scope.replace('return lines', 'return (lines')));
    const outcome = await pipeline(server.url).computeEdit(instruction(), context());
    expect(outcome).toMatchObject({ status: 'unavailable' });
    expect((outcome as { reason: string }).reason).toMatch(/syntax error/);
  });

  it('the verifierServer setting is a URL, null by default', () => {
    expect(defaultConfig.verifierServer).toBeNull();
    expect(mergeConfig(defaultConfig, { verifierServer: 'http://gpu-box:8080' }).config.verifierServer).toBe('http://gpu-box:8080');
    expect(mergeConfig(defaultConfig, { verifierServer: 'not a url' }).problems).toHaveLength(1);
  });
});
