import { readFileSync } from 'node:fs';
import { startServer } from './server.js';
import { createServerConnection } from './connection.js';
import { createOrchestrator } from '../engine/create-orchestrator.js';
import { setLlamaLogSink } from '../verifier/llama-log.js';

const HELP = `specedit: a TypeScript language server for fast LLM code edits (multi-layer speculation)

Usage:
  specedit --stdio        start the language server on stdin/stdout (what editors run)
  specedit --help         this help
  specedit --version      print the version

Code actions it offers (textDocument/codeAction, computed in codeAction/resolve):
  Rename (refactor.rewrite), Extract function (refactor.extract.function),
  Optimize loop (refactor.rewrite), Fix <diagnostic> (quickfix),
  Edit with instruction (command specedit.edit {uri, range, instruction}).
It also answers textDocument/rename (rename to a name you type) and the
custom request specedit/stats.

Settings (initializationOptions or workspace/didChangeConfiguration, key "specedit"):
  see README.md, "Settings". Environment: SPECEDIT_LOG_LEVEL=error|warn|info|debug.
`;

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
} else if (args.includes('--version')) {
  process.stdout.write(`${version}\n`);
} else if (args.includes('--stdio')) {
  serveStdio();
} else {
  process.stderr.write(`specedit: unknown arguments ${JSON.stringify(args)}\n\n${HELP}`);
  process.exit(2);
}

/**
 * The server on stdin/stdout. stdout carries only the protocol: console output
 * goes to stderr. A broken message stream ends the process with 1, so the
 * editor restarts the server; errors nobody caught are logged and the server
 * keeps running.
 */
function serveStdio(): void {
  for (const level of ['log', 'info', 'debug', 'warn', 'error'] as const) {
    console[level] = (...parts: unknown[]) => void process.stderr.write(`${parts.map(String).join(' ')}\n`);
  }
  const { connection, incoming } = createServerConnection(process.stdin, process.stdout, {
    onBroken: (error) => {
      process.stderr.write(`specedit: cannot read the client's messages any more (${error.message}); exiting so that the editor restarts the server\n`);
      // A moment for answers already on their way out.
      setTimeout(() => process.exit(1), 200);
    },
  });
  // The editor closed our input: end as LSP's exit would.
  for (const event of ['end', 'close'] as const) process.stdin.on(event, () => process.exit(incoming.shutdownReceived ? 0 : 1));
  // llama.cpp's own lines go to the editor's log beside ours (stdout is the protocol).
  setLlamaLogSink((level, message) => connection.console[level](`llama.cpp: ${message}`));
  const uncaught = (what: string) => (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`specedit: ${what} (the server keeps running): ${text}\n`);
    try {
      connection.console.error(`specedit: ${what}: ${text}`);
    } catch {
      // the connection itself may be what failed
    }
  };
  process.on('unhandledRejection', uncaught('unhandled promise rejection'));
  process.on('uncaughtException', uncaught('uncaught exception'));
  startServer(connection, { version, createOrchestrator, incoming });
}
