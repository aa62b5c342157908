/**
 * The server's connection: vscode-languageserver over streams, with every
 * incoming byte passing through IncomingMessages (framing, JSON, lifecycle,
 * document notices). main.ts uses stdin/stdout; tests use in-memory streams.
 */
import type { Readable, Writable } from 'node:stream';
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { IncomingMessages, type IncomingOptions } from './incoming.js';
import { ImmediateMessageWriter } from './outgoing.js';

export interface ServerConnection {
  connection: Connection;
  incoming: IncomingMessages;
}

export function createServerConnection(input: Readable, output: Writable, options: IncomingOptions): ServerConnection {
  const writer = new ImmediateMessageWriter(output);
  const incoming = new IncomingMessages(input, writer, options);
  const connection = createConnection(ProposedFeatures.all, incoming, writer);
  return { connection, incoming };
}
