import { PassThrough } from 'node:stream';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { startServer } from '../../server/server.js';
import type { EditOrchestrator } from '../../protocol/edit-task.js';
import { LspTestClient, type ClientOptions } from '../../tools/lsp-client.js';

/** A server and a client in this process, joined by in-memory streams; the orchestrator is the test's. */
export function inProcessServer(orchestrator: EditOrchestrator, options: Omit<ClientOptions, 'streams'> = {}): LspTestClient {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const connection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(fromServer));
  startServer(connection, { version: 'test', createOrchestrator: () => orchestrator });
  // processId null: the server's parent-process watchdog (an interval) would keep jest alive.
  return new LspTestClient({ ...options, processId: null, streams: { fromServer, toServer } });
}
