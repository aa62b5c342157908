/**
 * Messages of several megabytes (a didOpen of a 50 MB file) are decoded in a
 * worker thread: decoding and JSON.parse of 50 MB take ~250 ms, and on the
 * main thread every other file would wait that long. The worker also drops a
 * document text above the size limit before it comes back (only its length
 * does, as `textSize`), so such a text never reaches the server's heap.
 * IncomingMessages lets messages about other documents go ahead meanwhile.
 */
import { Worker } from 'node:worker_threads';

/** Bodies from this size on are decoded off the main thread. */
export const LARGE_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The worker's whole program (evaluated, so it needs no separate built file).
 * A document text above `maxChars` becomes '' with its length in `textSize`:
 * the text of a didOpen, and whole-text replacements of a didChange.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
function strip(holder, maxChars) {
  if (holder && typeof holder.text === 'string' && holder.text.length > maxChars && !holder.range) {
    holder.textSize = holder.text.length;
    holder.text = '';
  }
}
parentPort.on('message', ({ id, bytes, charset, maxChars }) => {
  let message;
  try {
    message = JSON.parse(new TextDecoder(charset).decode(bytes));
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
    return;
  }
  const params = message && message.params;
  if (message && message.method === 'textDocument/didOpen' && params) strip(params.textDocument, maxChars);
  if (message && message.method === 'textDocument/didChange' && params && Array.isArray(params.contentChanges)) {
    for (const change of params.contentChanges) strip(change, maxChars);
  }
  parentPort.postMessage({ id, message });
});
`;

interface Job {
  resolve: (message: unknown) => void;
  reject: (error: Error) => void;
}

export class LargeMessageDecoder {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;

  /** The decoded message; rejects with the parse error for a body that is not JSON. */
  decode(bytes: Uint8Array, charset: string, maxChars: number): Promise<unknown> {
    const worker = this.start();
    const id = ++this.nextId;
    // Hand the bytes over without a copy when they own their whole buffer.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const data = own ? bytes : bytes.slice();
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      worker.postMessage({ id, bytes: data, charset, maxChars }, [data.buffer as ArrayBuffer]);
    });
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ id, message, error }: { id: number; message?: unknown; error?: string }) => {
      const job = this.jobs.get(id);
      this.jobs.delete(id);
      if (error !== undefined) job?.reject(new Error(error));
      else job?.resolve(message);
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`the decoding worker exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker again. An idle decoder never keeps the process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** A failed worker fails its jobs; the next large message starts a new one. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
  }
}

/**
 * The document a large message is about, from its first bytes, when the
 * `uri` comes before the text (as every client we know writes it); else
 * undefined, and nothing may go ahead of the message.
 */
export function sniffDocumentUri(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('utf8');
  const match = /"uri"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(head);
  if (!match) return undefined;
  const before = head.slice(0, match.index);
  if (before.includes('"text"')) return undefined; // a text came first: this `uri` could be inside it
  try {
    return JSON.parse(match[1]) as string;
  } catch {
    return undefined;
  }
}
