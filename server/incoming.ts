/**
 * Everything the client sends passes here before vscode-languageserver sees
 * it: framing is checked (framing-guard.ts), bodies that are not JSON get
 * JSON-RPC's -32700 and the stream goes on, the LSP lifecycle is enforced
 * (requests before `initialize` get -32002, after `shutdown` -32600, a second
 * `initialize` -32600; notifications outside the session are dropped), and
 * document notifications are counted as they are read, so an edit can be
 * refused when a change to its document has arrived but is not applied yet
 * (server/edit-service.ts).
 */
import type { Readable } from 'node:stream';
import {
  Emitter,
  ErrorCodes,
  StreamMessageReader,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
  type PartialMessageInfo,
} from 'vscode-languageserver/node';
import { FramingGuard } from './framing-guard.js';
import { LARGE_MESSAGE_BYTES, LargeMessageDecoder, sniffDocumentUri } from './large-messages.js';
import { DEFAULT_MAX_DOCUMENT_SIZE } from './document-store.js';

/** Where the session is in LSP's lifecycle. */
type Phase = 'new' | 'running' | 'shutdown';

const INVALID_JSON = Symbol('invalid JSON');
/** A large message still being decoded in the worker, and the document it is about when that could be told. */
const DEFERRED = Symbol('decoding');
/** What may go ahead of a large message being decoded: messages about one other document, cancellations and responses. */
const MAY_GO_AHEAD = new Set(['textDocument/codeAction', 'codeAction/resolve', 'textDocument/rename', 'textDocument/prepareRename', ...['textDocument/didOpen', 'textDocument/didChange', 'textDocument/didClose'], '$/cancelRequest']);
const DOCUMENT_NOTICES = new Set(['textDocument/didOpen', 'textDocument/didChange', 'textDocument/didClose']);

interface RawMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
  [INVALID_JSON]?: string;
  [DEFERRED]?: { uri: string | undefined; message: Promise<unknown> };
}

/** A message waiting for a large message before it to be decoded. */
interface Held {
  message: RawMessage | undefined;
  /** The document of a large message being decoded. */
  deferredUri?: string;
}

export interface IncomingOptions {
  /** Framing is lost (or the stream failed): nothing more can be read. The server logs and exits non-zero. */
  onBroken: (error: Error) => void;
  maxMessageBytes?: number;
}

export class IncomingMessages implements MessageReader {
  private readonly reader: StreamMessageReader;
  private phase: Phase = 'new';
  private noticesRead = 0;
  private noticesApplied = 0;
  /** Per document, the sequence number of the last didOpen/didChange/didClose read for it. */
  private readonly lastNotice = new Map<string, number>();
  private readonly noticeEmitter = new Emitter<string>();
  private readonly large = new LargeMessageDecoder();
  /** Messages behind a large one being decoded, in arrival order. */
  private readonly held: Held[] = [];
  /** Document texts longer than this are dropped by the large-message decoder (the store's limit; the server keeps it in step). */
  maxDocumentSize = DEFAULT_MAX_DOCUMENT_SIZE;
  /**
   * A didOpen/didChange/didClose for this document was read (its handler runs
   * later, in turn): work on the document can stop now.
   */
  readonly onDocumentNotice = this.noticeEmitter.event;

  /** Where messages refused here are logged (the server sets its logger, at debug level). */
  log: (message: string) => void = () => undefined;

  constructor(
    input: Readable,
    private readonly writer: MessageWriter,
    private readonly options: IncomingOptions,
  ) {
    const guard = new FramingGuard(options.maxMessageBytes);
    guard.on('error', (error) => this.broken(error));
    input.on('error', (error) => this.broken(error));
    input.pipe(guard);
    const decode = (bytes: Uint8Array, options: { charset: string }) => this.decode(bytes, options.charset);
    this.reader = new StreamMessageReader(guard, { contentTypeDecoder: { name: 'application/json', decode } });
    this.reader.onError((error) => this.broken(error));
  }

  /** True once `shutdown` was received: `exit` then ends with 0, else 1. */
  get shutdownReceived(): boolean {
    return this.phase === 'shutdown';
  }

  get onError() {
    return this.reader.onError;
  }
  get onClose() {
    return this.reader.onClose;
  }
  get onPartialMessage(): (listener: (info: PartialMessageInfo) => void) => Disposable {
    return this.reader.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.reader.listen((message) => this.arrive(message as RawMessage, callback));
  }

  dispose(): void {
    this.reader.dispose();
    this.large.dispose();
    this.noticeEmitter.dispose();
  }

  /** The server applied one document notification (called first thing in each of the three handlers, valid or not). */
  noticeApplied(): void {
    this.noticesApplied++;
  }

  /** A didOpen/didChange/didClose for `uri` has been read but its handler has not run yet. */
  noticePending(uri: string): boolean {
    if (this.held.some((h) => h.deferredUri === uri)) return true;
    const seq = this.lastNotice.get(uri);
    if (seq === undefined) return false;
    if (seq > this.noticesApplied) return true;
    this.lastNotice.delete(uri);
    return false;
  }

  /** JSON bodies: large ones in the worker (a placeholder stands in meanwhile), others here; what is not JSON becomes a marked message. */
  private async decode(bytes: Uint8Array, charset: string): Promise<Message> {
    if (bytes.byteLength >= LARGE_MESSAGE_BYTES) {
      const uri = sniffDocumentUri(bytes); // before the bytes move to the worker
      const message = this.large.decode(bytes, charset, this.maxDocumentSize).catch((error: Error) => ({ [INVALID_JSON]: error.message }));
      return { jsonrpc: '2.0', [DEFERRED]: { uri, message } } as unknown as Message;
    }
    const text = new TextDecoder(charset).decode(bytes);
    try {
      return JSON.parse(text) as Message;
    } catch (error) {
      return { jsonrpc: '2.0', [INVALID_JSON]: (error as Error).message } as unknown as Message;
    }
  }

  /**
   * In arrival order, except that while a large message is being decoded,
   * messages about other documents (and cancellations, and responses) go
   * ahead; anything else waits, and so does everything after it.
   */
  private arrive(message: RawMessage, pass: DataCallback): void {
    const deferred = typeof message === 'object' && message !== null ? message[DEFERRED] : undefined;
    if (deferred) {
      const held: Held = { message: undefined, deferredUri: deferred.uri };
      this.held.push(held);
      if (deferred.uri) this.noticeEmitter.fire(deferred.uri); // work on that document is stale already
      void deferred.message.then((decoded) => {
        held.message = decoded as RawMessage;
        this.release(pass);
      });
      return;
    }
    if (this.held.length === 0 || this.mayGoAhead(message)) return this.receive(message, pass);
    this.held.push({ message });
  }

  private mayGoAhead(message: RawMessage): boolean {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
    if (message.method === undefined && message.id !== undefined) return true; // a response to the server
    if (typeof message.method !== 'string' || !MAY_GO_AHEAD.has(message.method)) return false;
    // Only past large messages whose document is known, and only when nothing is queued behind them already.
    if (this.held.some((h) => h.deferredUri === undefined)) return false;
    const params = message.params as { textDocument?: { uri?: unknown }; data?: { uri?: unknown } } | undefined;
    if (message.method === '$/cancelRequest') return true;
    const uri = params?.textDocument?.uri ?? params?.data?.uri;
    return typeof uri === 'string' && !this.held.some((h) => h.deferredUri === uri);
  }

  /** Delivers held messages from the front while they are decoded. */
  private release(pass: DataCallback): void {
    while (this.held.length > 0 && this.held[0].message !== undefined) {
      const { message } = this.held.shift()!;
      this.receive(message!, pass);
    }
  }

  private receive(message: RawMessage, pass: DataCallback): void {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return this.reply(null, ErrorCodes.InvalidRequest, 'specedit: a message must be one JSON-RPC object (batches are not supported)');
    }
    if (message[INVALID_JSON] !== undefined) return this.reply(null, ErrorCodes.ParseError, `specedit: the message is not valid JSON (${message[INVALID_JSON]}); it was ignored`);
    const isRequest = typeof message.method === 'string' && (typeof message.id === 'number' || typeof message.id === 'string');
    const isNotification = typeof message.method === 'string' && message.id === undefined;
    const isResponse = message.method === undefined && message.id !== undefined && ('result' in message || 'error' in message);
    if (!isRequest && !isNotification && !isResponse) {
      const id = typeof message.id === 'number' || typeof message.id === 'string' ? message.id : null;
      return this.reply(id, ErrorCodes.InvalidRequest, 'specedit: not a JSON-RPC request, notification or response');
    }
    if (isResponse) return pass(message as Message);
    const method = message.method as string;
    if (isRequest) {
      const refusal = this.requestRefusal(method);
      if (refusal) return this.reply(message.id as number | string, refusal.code, refusal.message);
      if (method === 'initialize') this.phase = 'running';
      if (method === 'shutdown') this.phase = 'shutdown';
      return pass(message as Message);
    }
    if (method === 'exit') return pass(message as Message);
    if (this.phase !== 'running') return this.log(`${method} outside the session (${this.phase}): ignored`);
    if (method === '$/cancelRequest' && !isCancelParams(message.params)) return this.log('$/cancelRequest without an id: ignored');
    if (DOCUMENT_NOTICES.has(method)) this.recordNotice(message.params);
    pass(message as Message);
  }

  private requestRefusal(method: string): { code: number; message: string } | undefined {
    if (this.phase === 'shutdown') return { code: ErrorCodes.InvalidRequest, message: `specedit: ${method} after shutdown; the server only accepts exit now` };
    if (method === 'initialize') {
      return this.phase === 'new' ? undefined : { code: ErrorCodes.InvalidRequest, message: 'specedit: initialize was already received; it may be sent once per session' };
    }
    if (this.phase === 'new') return { code: ErrorCodes.ServerNotInitialized, message: `specedit: ${method} before initialize; send initialize first` };
    return undefined;
  }

  private recordNotice(params: unknown): void {
    const seq = ++this.noticesRead;
    const uri = (params as { textDocument?: { uri?: unknown } } | undefined)?.textDocument?.uri;
    if (typeof uri !== 'string') return;
    this.lastNotice.set(uri, seq);
    this.noticeEmitter.fire(uri);
    // Entries already applied are dropped when asked about; a flood of URIs never asked about is swept here.
    if (this.lastNotice.size > 10_000) {
      for (const [key, at] of this.lastNotice) if (at <= this.noticesApplied) this.lastNotice.delete(key);
    }
  }

  private reply(id: number | string | null, code: number, message: string): void {
    this.log(message);
    void this.writer.write({ jsonrpc: '2.0', id, error: { code, message } } as Message).catch(() => undefined);
  }

  private broken(error: Error): void {
    this.options.onBroken(error);
  }
}

function isCancelParams(params: unknown): boolean {
  const id = (params as { id?: unknown } | undefined)?.id;
  return typeof id === 'number' || typeof id === 'string';
}
