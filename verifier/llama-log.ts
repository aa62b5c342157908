/**
 * Where llama.cpp's own log lines go. node-llama-cpp's default logger writes
 * them with `console`, from a native callback that can fire after the call it
 * belongs to has failed; this module sends them to one replaceable sink
 * instead (stderr by default, window/logMessage in the server) and lets a
 * model load collect the error lines it caused, so the error the user sees
 * says why llama.cpp refused the file.
 */
import { LlamaLogLevel } from 'node-llama-cpp';

export type LlamaLogSink = (level: 'error' | 'warn' | 'info', message: string) => void;

const stderrSink: LlamaLogSink = (level, message) => {
  process.stderr.write(`[llama.cpp] ${level}: ${message}\n`);
};

/**
 * The native binding and its log callback are per thread, not per module
 * instance (jest loads this module afresh for every test file, but the
 * callback registered first stays), so the routing state is thread-global.
 */
interface LogRouting {
  sink: LlamaLogSink;
  listeners: Set<(message: string) => void>;
}
const KEY = Symbol.for('specedit.llamaLog');
const routing: LogRouting = ((globalThis as Record<symbol, LogRouting | undefined>)[KEY] ??= { sink: stderrSink, listeners: new Set() });
const listeners = routing.listeners;

/** The server routes llama.cpp's log to the editor; null restores stderr. */
export function setLlamaLogSink(next: LlamaLogSink | null): void {
  routing.sink = next ?? stderrSink;
}

/** The `logger` option for `getLlama`. */
export function llamaLogger(level: LlamaLogLevel, message: string): void {
  const text = message.trim();
  if (text === '') return;
  if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) for (const listener of listeners) listener(text);
  routing.sink(level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? 'error' : level === LlamaLogLevel.warn ? 'warn' : 'info', text);
}

/** llama.cpp's last line when a model load fails; it arrives shortly after the failure. */
const FINAL_LOAD_ERROR = /failed to load model/;
const LATE_LOG_MS = 200;

/**
 * Runs `load`; if it fails, returns the llama.cpp error lines logged meanwhile
 * (waiting briefly for the ones still in flight) with the error. Loads running
 * at the same time in this thread may see each other's lines.
 */
export async function withLlamaErrors<T>(load: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown; lines: string[] }> {
  const lines: string[] = [];
  let finished: (() => void) | null = null;
  const listener = (message: string) => {
    lines.push(message);
    if (FINAL_LOAD_ERROR.test(message)) finished?.();
  };
  listeners.add(listener);
  try {
    return { ok: true, value: await load() };
  } catch (error) {
    if (!lines.some((l) => FINAL_LOAD_ERROR.test(l))) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, LATE_LOG_MS);
        finished = () => { clearTimeout(timer); resolve(); };
      });
    }
    return { ok: false, error, lines };
  } finally {
    listeners.delete(listener);
  }
}

/** The informative part of llama.cpp's load error lines: "llama_model_load: error loading model: X" gives X. */
export function loadErrorReason(lines: readonly string[]): string | null {
  const reasons = lines
    .filter((l) => !FINAL_LOAD_ERROR.test(l))
    .map((l) => l.replace(/^[\w.]+: (error loading model: )?/, ''));
  return reasons.length > 0 ? reasons.join('; ') : null;
}
