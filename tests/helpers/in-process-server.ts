import { PassThrough } from 'node:stream';
import { startServer } from '../../server/server.js';
import { createServerConnection } from '../../server/connection.js';
import type { IncomingMessages } from '../../server/incoming.js';
import type { EditOrchestrator } from '../../protocol/edit-task.js';
import { LspTestClient, type ClientOptions } from '../../tools/lsp-client.js';

export interface InProcessServer extends LspTestClient {
  /** Framing errors the server reported (a stdio server would exit with 1). */
  readonly broken: Error[];
  /** The server's reader of this client's messages. */
  readonly incoming: IncomingMessages;
}

/** A server and a client in this process, joined by in-memory streams; the orchestrator is the test's. */
export function inProcessServer(orchestrator: EditOrchestrator, options: Omit<ClientOptions, 'streams'> = {}, streams = { toServer: new PassThrough(), fromServer: new PassThrough() }): InProcessServer {
  const broken: Error[] = [];
  const { connection, incoming } = createServerConnection(streams.toServer, streams.fromServer, { onBroken: (error) => void broken.push(error) });
  startServer(connection, { version: 'test', createOrchestrator: () => orchestrator, incoming });
  // processId null: the server's parent-process watchdog (an interval) would keep jest alive.
  const client = new LspTestClient({ ...options, processId: null, streams }) as InProcessServer;
  Object.assign(client, { broken, incoming });
  return client;
}
