/**
 * The editor's document notifications (didOpen, didChange, didClose) and the
 * watched-file events, checked and applied to the store. Each document
 * notification is counted as applied first thing, valid or not, so that
 * IncomingMessages knows which changes read from the wire are still pending
 * (the version check in edit-service.ts refuses an edit while one is).
 */
import { FileChangeType, MessageType, type Connection, type FileEvent, type TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import type { DiagnosticsPublisher } from './diagnostics.js';
import type { DocumentStore, LargeDocument, OpenDocument } from './document-store.js';
import { guardedNotification } from './guarded.js';
import type { IncomingMessages } from './incoming.js';
import type { Logger } from './logger.js';
import { didChangeSchema, didChangeWatchedFilesSchema, didCloseSchema, didOpenSchema, fileEventSchema } from './params.js';
import { applyWatchedFileEvents } from './workspace-files.js';
import type { WorkspaceIndex } from '../workspace/workspace-index.js';

export interface DocumentSyncDeps {
  connection: Connection;
  store: DocumentStore;
  diagnostics: DiagnosticsPublisher;
  workspace: WorkspaceIndex;
  logger: Logger;
  incoming: IncomingMessages | undefined;
}

export function bindDocumentSync({ connection, store, diagnostics, workspace, logger, incoming }: DocumentSyncDeps): void {
  const afterUpdate = (doc: OpenDocument | LargeDocument) => {
    if ('text' in doc) diagnostics.schedule(doc, (uri) => store.get(uri));
    else announceLarge(connection, doc, store.maxDocumentSize, diagnostics);
  };
  const counted = <P>(handler: (params: P) => void) => (params: P) => {
    incoming?.noticeApplied();
    handler(params);
  };

  connection.onDidOpenTextDocument(
    counted(
      guardedNotification(logger, 'didOpen', didOpenSchema, ({ textDocument: d }) => {
        afterUpdate(store.open(d.uri, d.languageId, d.version, d.text, d.textSize));
      }),
    ),
  );
  connection.onDidChangeTextDocument(
    counted(
      guardedNotification(logger, 'didChange', didChangeSchema, ({ textDocument, contentChanges }) => {
        const doc = store.change(textDocument.uri, textDocument.version, contentChanges as TextDocumentContentChangeEvent[]);
        if (doc) afterUpdate(doc);
        else logger.warn(`didChange for ${textDocument.uri}, which is not open: ignored`);
      }),
    ),
  );
  connection.onDidCloseTextDocument(
    counted(
      guardedNotification(logger, 'didClose', didCloseSchema, ({ textDocument }) => {
        store.close(textDocument.uri);
        diagnostics.clear(textDocument.uri);
      }),
    ),
  );
  connection.onDidChangeWatchedFiles(
    guardedNotification(logger, 'didChangeWatchedFiles', didChangeWatchedFilesSchema, ({ changes }) => {
      const events: FileEvent[] = [];
      for (const c of changes) {
        const parsed = fileEventSchema.safeParse(c);
        if (parsed.success) events.push({ uri: parsed.data.uri, type: parsed.data.type as FileChangeType });
        else logger.warn(`didChangeWatchedFiles: an event that is not {uri, type 1-3} ignored: ${JSON.stringify(c)?.slice(0, 200)}`);
      }
      return applyWatchedFileEvents(workspace, events);
    }),
  );
}

/** Once per open (and per full replacement): why this document gets no features. */
function announceLarge(connection: Connection, doc: LargeDocument, limit: number, diagnostics: DiagnosticsPublisher): void {
  if (doc.announced) return;
  doc.announced = true;
  diagnostics.clear(doc.uri);
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} M`;
  void connection.sendNotification('window/showMessage', {
    type: MessageType.Warning,
    message: `specedit: ${doc.uri} has ${mb(doc.size)} characters, more than the ${mb(limit)} of the "maxDocumentSize" setting; specedit's actions, rename and diagnostics are off for it (other files are not affected).`,
  });
}
