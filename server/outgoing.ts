/**
 * Writes messages to the client at once, header and body in one synchronous
 * write. vscode-jsonrpc's stream writer queues each message behind a
 * semaphore that waits a turn of the event loop, and in that turn the server
 * can read a change to the document whose edit is on its way out. Written at
 * once, an edit leaves in the same turn as the version check that let it go
 * (server/edit-service.ts), so a change read before the write always refuses
 * the edit. Node keeps writes to one stream in order.
 */
import type { Writable } from 'node:stream';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-languageserver/node';

export class ImmediateMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly output: Writable) {
    super();
    output.on('error', (error: Error) => this.fireError(error));
    output.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    try {
      const body = Buffer.from(JSON.stringify(message), 'utf8');
      this.output.write(Buffer.concat([Buffer.from(`Content-Length: ${body.byteLength}\r\n\r\n`, 'ascii'), body]));
      return Promise.resolve();
    } catch (error) {
      this.fireError(error as Error, message, ++this.errors);
      return Promise.reject(error);
    }
  }

  end(): void {
    this.output.end();
  }
}
