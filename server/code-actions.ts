import { CodeActionKind, type CodeAction, type CodeActionParams, type Command, type Diagnostic } from 'vscode-languageserver/node';
import { findActionScopes } from '../syntax/scopes.js';
import { COMMANDS } from '../protocol/commands.js';
import type { EditKind, EditArgs } from '../protocol/edit-task.js';
import type { OpenDocument } from './document-store.js';
import type { ActionDataSent } from './action-data.js';
import { offsetRange, toLspRange } from './positions.js';
import { syntaxDiagnostics } from './diagnostics.js';
import { rangesTouch } from '../protocol/text.js';

export interface ActionClientSupport {
  /** The client can resolve `edit` lazily (codeAction/resolve). */
  resolveEdit: boolean;
  /** The client understands CodeAction literals (else only Commands). */
  literals: boolean;
}

/**
 * textDocument/codeAction: offers actions from the syntax tree at the range,
 * with no model work (must answer in a few ms on large files). The edit is
 * computed later, in codeAction/resolve or workspace/executeCommand.
 */
export function codeActionsAt(doc: OpenDocument, params: CodeActionParams, support: ActionClientSupport): Array<CodeAction | Command> {
  const range = offsetRange(doc.text, params.range);
  const version = doc.text.version;
  const actions: CodeAction[] = [];
  const offer = (title: string, lspKind: string, kind: EditKind, target: { start: number; end: number }, args: EditArgs = {}, diagnostics?: Diagnostic[]) => {
    const data: ActionDataSent = { uri: doc.uri, version, kind, range: toLspRange(doc.text, target), ...(Object.keys(args).length > 0 ? { args } : {}) };
    const action: CodeAction = { title, kind: lspKind, data };
    if (diagnostics) action.diagnostics = diagnostics;
    if (!support.resolveEdit) action.command = { title, command: COMMANDS.apply, arguments: [data] };
    actions.push(action);
  };

  const scopes = doc.syntax ? findActionScopes(doc.syntax.tree, doc.syntax.text, range) : {};
  if (scopes.identifier) offer(`Rename \`${scopes.identifier.name}\` (suggest a name)`, CodeActionKind.RefactorRewrite, 'rename', scopes.identifier.range);
  if (scopes.statements) offer(`Extract ${scopes.statements.count === 1 ? 'statement' : `${scopes.statements.count} statements`} to a function`, CodeActionKind.RefactorExtract + '.function', 'extract', scopes.statements.range);
  if (scopes.loop) offer('Optimize this loop', CodeActionKind.RefactorRewrite, 'optimizeLoop', scopes.loop.range);
  for (const diagnostic of fixableDiagnostics(doc, params, range)) {
    const target = offsetRange(doc.text, diagnostic.range);
    const message = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    const args: EditArgs = { diagnostic: { message, source: diagnostic.source, code: diagnostic.code ?? undefined } };
    offer(`Fix: ${firstLine(message)}`, CodeActionKind.QuickFix, 'fix', target, args, [diagnostic]);
  }
  const instructionScope = range.end > range.start ? range : scopes.function?.range;
  const commands: Command[] = [];
  if (instructionScope) {
    const title = 'Edit with instruction…';
    const command: Command = { title, command: COMMANDS.edit, arguments: [{ uri: doc.uri, version, range: toLspRange(doc.text, instructionScope) }] };
    actions.push({ title, kind: CodeActionKind.Refactor, command });
    commands.push(command);
  }

  const only = params.context.only;
  const wanted = only && only.length > 0 ? actions.filter((a) => only.some((k) => a.kind === k || a.kind?.startsWith(k + '.'))) : actions;
  if (support.literals) return wanted;
  return wanted.map((a) => a.command).filter((c): c is Command => c !== undefined);
}

/** Diagnostics the client sent for this range, plus our own syntax errors there; one fix each. */
function fixableDiagnostics(doc: OpenDocument, params: CodeActionParams, range: { start: number; end: number }): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const own = doc.syntax ? syntaxDiagnostics(doc).filter((d) => rangesTouch(offsetRange(doc.text, d.range), range)) : [];
  for (const d of [...(params.context.diagnostics ?? []), ...own]) {
    const key = `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}


function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 80 ? line.slice(0, 77) + '…' : line;
}
