import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { syntaxProblems } from '../syntax/diagnostics.js';
import type { OpenDocument } from './document-store.js';
import { toLspRange } from './positions.js';

export const DIAGNOSTIC_SOURCE = 'specedit';

export function syntaxDiagnostics(doc: OpenDocument): Diagnostic[] {
  if (!doc.syntax) return [];
  return syntaxProblems(doc.syntax.tree).map((p) => ({
    range: toLspRange(doc.text, p.range),
    severity: DiagnosticSeverity.Error,
    source: DIAGNOSTIC_SOURCE,
    message: p.message,
  }));
}

/** Publishes syntax diagnostics a short while after the last change (typing is not interrupted by a flood). */
export class DiagnosticsPublisher {
  private timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private publish: (uri: string, version: number | undefined, diagnostics: Diagnostic[]) => void,
    public debounceMs: number,
  ) {}

  schedule(doc: OpenDocument, get: (uri: string) => OpenDocument | undefined): void {
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        const current = get(doc.uri);
        if (current) this.publish(current.uri, current.text.version, syntaxDiagnostics(current));
      }, this.debounceMs),
    );
  }

  clear(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.publish(uri, undefined, []);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
