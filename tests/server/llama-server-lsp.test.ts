/**
 * The remote verifier end to end: a real llama-server (`make llama-server`)
 * on 127.0.0.1 at a free port with the shipped verifier (4.7M parameters),
 * the LSP server in process with `verifierServer` pointing at it, one model
 * edit through workspace/executeCommand (specedit.edit) and workspace/applyEdit. Asserted: the edit comes back tied to the
 * version it was computed on, it parses, and the statistics count one HTTP
 * request. Skipped, saying why, when llama-server is not built:
 * the test never builds it (about 20 minutes on 2 cores).
 */
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkspaceEdit, TextDocumentEdit } from 'vscode-languageserver-protocol';
import { findLlamaServer, startLlamaServer, type RunningLlamaServer } from '../../bench/llama-server.js';
import { createOrchestrator } from '../../engine/create-orchestrator.js';
import { projectRoot, readShippedModels } from '../../engine/shipped-models.js';
import { syntaxProblems } from '../../syntax/diagnostics.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';
import { positionAt } from '../helpers/text-positions.js';
import { defaultConfig } from '../../protocol/config.js';
import { inProcessServer } from '../helpers/in-process-server.js';

const found = findLlamaServer();
const shipped = readShippedModels();
const verifier = shipped.ok ? shipped.models.find((m) => m.role === 'verifier')?.path : undefined;
const skip = 'missing' in found ? found.missing : !verifier || !existsSync(verifier) ? 'the shipped verifier (models/verifier.gguf) is missing' : undefined;

// A scope where the shipped verifier writes a change that parses (most of its answers on the bench loop or do not parse).
const FILE = join(projectRoot(), 'fixtures', 'bench', 'dates.ts');
const URI = pathToFileURL(FILE).href;
const SOURCE = readFileSync(FILE, 'utf8');
const INSTRUCTION = 'Add a one-line JSDoc comment above the function saying what it returns.';

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

(skip ? describe.skip : describe)(`specedit with llama-server as the verifier${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: RunningLlamaServer;
  beforeAll(async () => {
    server = await startLlamaServer({ binary: (found as { path: string }).path, model: verifier!, args: ['--spec-type', 'ngram-mod'] });
  }, 60_000);
  afterAll(async () => server?.stop());

  test('an instruction edit through the LSP server comes back tied to its version, verified by the server', async () => {
    const orchestrator = createOrchestrator({ ...defaultConfig, verifierServer: server.url, maxOutputTokens: 256 }, silent);
    const client = inProcessServer(orchestrator);
    try {
      await client.initialize();
      await client.open(URI, SOURCE);
      const at = SOURCE.indexOf('export function toIsoDate(date: Date): string {');
      const range = { start: positionAt(SOURCE, at), end: positionAt(SOURCE, at) };
      const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.edit', arguments: [{ uri: URI, range, instruction: INSTRUCTION }] })) as {
        applied: boolean;
        mode: string;
        stats: { verifierCalls: number; outputTokens: number };
      };
      expect(result).toMatchObject({ applied: true, mode: 'exact' });
      expect(result.stats.verifierCalls).toBe(1); // one HTTP request
      expect(result.stats.outputTokens).toBeGreaterThan(0);
      const [edit] = client.appliedEdits as WorkspaceEdit[];
      const changes = edit.documentChanges as TextDocumentEdit[];
      expect(changes).toHaveLength(1);
      expect(changes[0].textDocument).toEqual({ uri: URI, version: 1 });
      const edited = client.text(URI);
      expect(edited).not.toBe(SOURCE);
      expect(syntaxProblems(new SyntaxDocument('typescript', edited).tree)).toEqual([]);
    } finally {
      await client.shutdown();
      await orchestrator.dispose?.();
    }
  }, 60_000);
});
