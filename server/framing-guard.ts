/**
 * Checks the base protocol's framing (`Content-Length: N\r\n\r\n` + N bytes)
 * before vscode-jsonrpc reads the stream, and passes the bytes on unchanged.
 * vscode-jsonrpc reports a missing or non-numeric length once and then waits
 * forever, takes a negative length as a slice, and waits for a huge one: the
 * server stays alive but deaf. Once framing is lost nothing later on the
 * stream can be trusted, so the guard reports it (the server logs it and
 * exits non-zero; the editor then restarts it).
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Longest header block accepted, bytes. Real clients send one or two short lines. */
const MAX_HEADER_BYTES = 8 * 1024;
/** A header line as far as it has arrived: a field name, then `:` and anything. */
const PARTIAL_HEADER_LINE = /^[A-Za-z0-9-]*(:.*)?$/s;

export class FramingError extends Error {
  override name = 'FramingError';
  /** Bytes of the chunk before the bad header: whole messages, passed on before the error. */
  validBytes = 0;
}

export class FramingGuard extends Transform {
  /** Body bytes still to pass through; -1 while reading headers. */
  private bodyLeft = -1;
  private header = Buffer.alloc(0);
  private failed = false;

  /** `maxMessageBytes`: a larger Content-Length is refused (a 50 MB document fits the default). */
  constructor(private readonly maxMessageBytes = 256 * 1024 * 1024) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.failed) return done();
    try {
      this.scan(chunk);
      done(null, chunk);
    } catch (error) {
      this.failed = true;
      // Messages before the bad header are still answered.
      if (error instanceof FramingError && error.validBytes > 0) this.push(chunk.subarray(0, error.validBytes));
      done(error as Error);
    }
  }

  private scan(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= take;
        at += take;
        if (this.bodyLeft === 0) this.bodyLeft = -1;
        continue;
      }
      // Reading headers: up to and including the blank line.
      const rest = chunk.subarray(at);
      const joined = this.header.length > 0 ? Buffer.concat([this.header, rest]) : rest;
      const end = joined.indexOf('\r\n\r\n');
      const headerStart = this.header.length > 0 ? 0 : at;
      try {
        if (end < 0) {
          this.checkPartialHeader(joined);
          this.header = Buffer.from(joined);
          return;
        }
        this.bodyLeft = contentLength(joined.subarray(0, end).toString('ascii'), this.maxMessageBytes);
      } catch (error) {
        if (error instanceof FramingError) error.validBytes = headerStart;
        throw error;
      }
      const consumed = end + 4 - this.header.length;
      this.header = Buffer.alloc(0);
      at += consumed;
      if (this.bodyLeft === 0) this.bodyLeft = -1;
    }
  }

  /** Fails as soon as what has arrived cannot become a header block (e.g. the rest of a body after a too-short length). */
  private checkPartialHeader(bytes: Buffer): void {
    if (bytes.length > MAX_HEADER_BYTES) throw new FramingError(`a message header is longer than ${MAX_HEADER_BYTES} bytes`);
    const lines = bytes.toString('ascii').split('\r\n');
    for (const line of lines) {
      if (!PARTIAL_HEADER_LINE.test(line)) throw new FramingError(`expected a message header, got ${JSON.stringify(bytes.subarray(0, 60).toString('utf8'))}`);
    }
  }
}

function contentLength(headers: string, max: number): number {
  let length: number | undefined;
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new FramingError(`malformed header line ${JSON.stringify(line.slice(0, 60))}`);
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,12}$/.test(value)) throw new FramingError(`Content-Length must be a non-negative integer, got ${JSON.stringify(value.slice(0, 40))}`);
    length = Number(value);
  }
  if (length === undefined) throw new FramingError(`a message header has no Content-Length (${JSON.stringify(headers.slice(0, 80))})`);
  if (length > max) throw new FramingError(`Content-Length ${length} is larger than the ${max} bytes a message may have`);
  return length;
}
