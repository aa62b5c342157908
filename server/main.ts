import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { readFileSync } from 'node:fs';
import { startServer } from './server.js';
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
  const connection = createConnection(ProposedFeatures.all);
  // llama.cpp's own lines go to the editor's log beside ours (stdout is the protocol).
  setLlamaLogSink((level, message) => connection.console[level](`llama.cpp: ${message}`));
  startServer(connection, { version, createOrchestrator });
} else {
  process.stderr.write(`specedit: unknown arguments ${JSON.stringify(args)}\n\n${HELP}`);
  process.exit(2);
}
