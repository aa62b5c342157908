/**
 * Where TypeScript's own parser reports syntax errors. tree-sitter's error
 * recovery can wrap a whole file in one ERROR node for a single missing `;`
 * in a `for` header or a missing `}`; TypeScript's parser names the token and
 * its position ("';' expected." right where it belongs). The fix search uses
 * these positions to know where to try repairs.
 *
 * The typescript package (about 9 MB of JavaScript) is loaded on the first
 * call, synchronously, and only by code that needs it; a parse of a few
 * hundred lines takes a few milliseconds after that.
 */
import type * as TypeScript from 'typescript';
import { typescript } from './typescript.js';

export interface ParseError {
  start: number;
  length: number;
  message: string;
}

/** TypeScript's parse errors of `text`, in document order. */
export function typescriptParseErrors(languageId: string, text: string): ParseError[] {
  const t = typescript();
  const kind = scriptKind(t, languageId);
  const file = t.createSourceFile(`file.${extension(languageId)}`, text, t.ScriptTarget.Latest, false, kind);
  // parseDiagnostics is internal but stable across releases; the public getSyntacticDiagnostics needs a Program.
  const diagnostics = (file as unknown as { parseDiagnostics?: TypeScript.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  return diagnostics
    .map((d) => ({ start: d.start, length: d.length, message: t.flattenDiagnosticMessageText(d.messageText, ' ') }))
    .sort((a, b) => a.start - b.start);
}

function scriptKind(t: typeof TypeScript, languageId: string): TypeScript.ScriptKind {
  switch (languageId) {
    case 'typescriptreact':
      return t.ScriptKind.TSX;
    case 'javascript':
      return t.ScriptKind.JS;
    case 'javascriptreact':
      return t.ScriptKind.JSX;
    default:
      return t.ScriptKind.TS;
  }
}

function extension(languageId: string): string {
  return { typescriptreact: 'tsx', javascript: 'js', javascriptreact: 'jsx' }[languageId] ?? 'ts';
}
