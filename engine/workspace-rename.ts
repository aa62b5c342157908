/**
 * Rename to a given name, exactly (layer 1), across the workspace when the
 * binding is declared `export`ed, as TypeScript's rename (with prefix and
 * suffix text) does it: every file that imports it, and its namespace
 * members `ns.a`, are renamed too; `export {a} from` keeps its public name
 * (`export {b as a} from`) and `export * from` passes the new name on to its
 * own importers; `export * as ns from` makes it the member `ns.a` for the
 * importers of `ns`. A rename started at an import or its uses stays in its file
 * (`import {a as b}`); one started at `ns.a` renames the export. The
 * workspace index only says which files to look at; every edit is computed
 * on the text `EditContext.readFile` returns (the open document, else the
 * disk), so it matches the version it is sent for.
 *
 * All or nothing: when one file's part is refused (a capture, a file that
 * cannot be read) the whole rename is refused with that file's reason.
 */
import type Parser from 'tree-sitter';
import type { DocumentSnapshot, EditContext, EditOutcome, FileEdit } from '../protocol/edit-task.js';
import { structuralStats } from '../protocol/stats.js';
import type { TextReplacement } from '../protocol/text.js';
import type { ModuleSummary, WorkspaceView } from '../protocol/workspace.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { languageFor } from '../syntax/language.js';
import { summarizeModule } from '../syntax/module-summary.js';
import { namespaceMemberAt, type NamespaceMember } from '../syntax/namespace-member.js';
import { declarationNameOffset, renameInImporter, renameInNamespaceImporter } from '../drafters/structural/export-rename.js';
import { renameBinding } from '../drafters/structural/rename.js';
import { declarationOfExport } from '../workspace/export-resolution.js';

interface ParsedFile {
  snapshot: DocumentSnapshot;
  tree: Parser.Tree;
  summary: ModuleSummary;
}

type Loaded = { ok: true; file: ParsedFile } | { ok: false; reason: string };

export async function renameInWorkspace(document: DocumentSnapshot, offset: number, newName: string, context: EditContext): Promise<EditOutcome> {
  const started = performance.now();
  const files = new FileCache(document, context);
  const own = files.parsed(document);
  const finish = (oldName: string, edits: FileEdit[]): EditOutcome => {
    const occurrences = edits.reduce((n, e) => n + e.replacements.length, 0);
    return {
      status: 'ok',
      result: {
        title: `Rename \`${oldName}\` to \`${newName}\` (${occurrences} occurrences${edits.length > 1 ? ` in ${edits.length} files` : ''})`,
        mode: 'structural',
        edits,
        stats: structuralStats(performance.now() - started),
      },
    };
  };
  const member = namespaceMemberAt(own.tree, document.text, offset);
  if (member) return renameNamespaceMember(own, member, newName, files, context, (edits) => finish(member.name, edits));

  const local = renameBinding(own.tree, document.text, offset, newName);
  if (!local.ok) return { status: 'unavailable', reason: local.reason };
  const oldName = document.text.slice(local.declaration.start, local.declaration.end);
  const singleFile = () => finish(oldName, [{ uri: document.uri, version: document.version, replacements: local.replacements }]);
  // Only a declaration exported under its own name changes what other files see. An import (and
  // its uses) is renamed here alone, as `import {a as b}`; `export {a}` of a local keeps its public
  // name as `export {b as a}`. That is TypeScript's rename.
  const workspace = context.workspace;
  if (!workspace || !context.readFile || newName === oldName || !local.changesExports) return singleFile();
  await Promise.race([workspace.whenReady(), aborted(context.signal)]);
  if (context.signal.aborted) return { status: 'cancelled' };
  const walk = await renameExports(workspace, files, own, offset, newName, context.signal);
  return walk.status === 'ok' ? finish(oldName, walk.edits) : walk;
}

/**
 * A rename started on `ns.a` renames the export itself, as TypeScript does:
 * at the declaration that exports it, followed through `export *`. An export
 * that is itself a re-export or an export clause (`export {a}`,
 * `export {a} from`) would need its public name renamed, which the
 * structural rename does not do: refused with the place to rename instead.
 */
async function renameNamespaceMember(
  own: ParsedFile,
  member: NamespaceMember,
  newName: string,
  files: FileCache,
  context: EditContext,
  finish: (edits: FileEdit[]) => EditOutcome,
): Promise<EditOutcome> {
  const workspace = context.workspace;
  if (workspace) await Promise.race([workspace.whenReady(), aborted(context.signal)]);
  if (context.signal.aborted) return { status: 'cancelled' };
  const imported = own.summary.imports.find((i) => i.imported === '*' && i.importedRange.start === member.namespaceAt);
  const target = imported && workspace?.resolve(own.snapshot.uri, imported.specifier);
  if (!workspace || !context.readFile || !target) {
    return { status: 'unavailable', reason: `\`${member.name}\` here is a member of a module that is not a workspace file; rename it where it is declared` };
  }
  const origin = declarationOfExport(workspace, target, member.name);
  if (!origin) {
    return { status: 'unavailable', reason: `\`${member.name}\` is not declared with \`export\` in ${displayPath(target)} (a re-export or an export clause); rename it in the file that declares it` };
  }
  const loaded = await files.load(origin.uri);
  if (!loaded.ok) return { status: 'unavailable', reason: loaded.reason };
  const declaration = loaded.file.summary.declarations.find((d) => d.names.includes(member.name));
  const at = declaration && declarationNameOffset(loaded.file.tree, loaded.file.snapshot.text, declaration.range.start, declaration.range.end, member.name);
  if (at === undefined) return { status: 'unavailable', reason: `\`${member.name}\` is no longer declared in ${displayPath(origin.uri)}; save your files and try again` };
  if (newName === member.name) return finish([]);
  const walk = await renameExports(workspace, files, loaded.file, at, newName, context.signal);
  return walk.status === 'ok' ? finish(walk.edits) : walk;
}

type Walk = { status: 'ok'; edits: FileEdit[] } | { status: 'cancelled' } | { status: 'unavailable'; reason: string };

/** Renames the declaration, then every importer of each export name that changed (through `export *`), breadth first. */
async function renameExports(workspace: WorkspaceView, files: FileCache, origin: ParsedFile, offset: number, newName: string, signal: AbortSignal): Promise<Walk> {
  const edits = new FileEdits();
  const first = renameBinding(origin.tree, origin.snapshot.text, offset, newName);
  if (!first.ok) return { status: 'unavailable', reason: first.reason };
  const added = edits.add(origin.snapshot, first.replacements);
  if (added) return { status: 'unavailable', reason: added };
  const oldName = origin.snapshot.text.slice(first.declaration.start, first.declaration.end);
  // `name` as `uri` exports it; with `namespace`, the member `name` of the namespace `uri` exports as `namespace` (`export * as ns`).
  const queue: Array<{ uri: string; name: string; namespace?: string }> = first.changesExports ? [{ uri: origin.snapshot.uri, name: oldName }] : [];
  const seen = new Set<string>();
  const enqueue = (item: { uri: string; name: string; namespace?: string }) => {
    const key = `${item.uri}\u0000${item.name}\u0000${item.namespace ?? ''}`;
    if (!seen.has(key)) queue.push(item), seen.add(key);
  };
  for (const item of queue) seen.add(`${item.uri}\u0000${item.name}\u0000`);
  while (queue.length > 0) {
    if (signal.aborted) return { status: 'cancelled' };
    const { uri, name, namespace } = queue.shift()!;
    for (const importerUri of workspace.importersOf(uri)) {
      const loaded = await files.load(importerUri);
      if (!loaded.ok) return { status: 'unavailable', reason: loaded.reason };
      const { snapshot, tree, summary } = loaded.file;
      const fromTarget = (specifier: string) => workspace.resolve(snapshot.uri, specifier) === uri;
      const part = namespace === undefined
        ? renameInImporter(tree, snapshot.text, summary, fromTarget, name, newName)
        : renameInNamespaceImporter(tree, snapshot.text, summary, fromTarget, namespace, name, newName);
      if (!part.ok) return { status: 'unavailable', reason: `${displayPath(snapshot.uri)}: ${part.reason}` };
      const problem = edits.add(snapshot, part.replacements);
      if (problem) return { status: 'unavailable', reason: problem };
      for (const reexported of part.reexports) enqueue(namespace === undefined ? { uri: snapshot.uri, name: reexported } : { uri: snapshot.uri, name, namespace: reexported });
      for (const ns of part.namespaces) enqueue({ uri: snapshot.uri, name, namespace: ns });
    }
  }
  return { status: 'ok', edits: edits.list() };
}

/** Replacements per file, each file once; the same replacement reached twice counts once, different overlapping ones refuse. */
class FileEdits {
  private readonly byUri = new Map<string, FileEdit>();

  add(snapshot: DocumentSnapshot, replacements: TextReplacement[]): string | undefined {
    let edit = this.byUri.get(snapshot.uri);
    if (!edit) this.byUri.set(snapshot.uri, (edit = { uri: snapshot.uri, version: snapshot.version, replacements: [] }));
    for (const r of replacements) {
      const same = edit.replacements.find((o) => o.start === r.start && o.end === r.end);
      if (same && same.newText === r.newText) continue;
      if (same || edit.replacements.some((o) => o.start < r.end && r.start < o.end)) {
        return `${displayPath(snapshot.uri)}: two parts of the rename change the same text (offset ${r.start}); rename by hand`;
      }
      edit.replacements.push(r);
    }
    return undefined;
  }

  list(): FileEdit[] {
    return [...this.byUri.values()]
      .filter((e) => e.replacements.length > 0)
      .map((e) => ({ ...e, replacements: e.replacements.sort((a, b) => a.start - b.start) }));
  }
}

/** Each file read and parsed once per rename, from the text the edit will be sent for. */
class FileCache {
  private readonly files = new Map<string, Promise<Loaded>>();

  constructor(private readonly document: DocumentSnapshot, private readonly context: EditContext) {}

  parsed(snapshot: DocumentSnapshot): ParsedFile {
    const { tree } = new SyntaxDocument(snapshot.languageId, snapshot.text);
    const file = { snapshot, tree, summary: summarizeModule(tree, snapshot.text) };
    this.files.set(snapshot.uri, Promise.resolve({ ok: true, file }));
    return file;
  }

  load(uri: string): Promise<Loaded> {
    let loaded = this.files.get(uri);
    if (!loaded) this.files.set(uri, (loaded = this.read(uri)));
    return loaded;
  }

  private async read(uri: string): Promise<Loaded> {
    const snapshot = uri === this.document.uri ? this.document : await this.context.readFile?.(uri).catch(() => undefined);
    if (!snapshot) return { ok: false, reason: `${displayPath(uri)} imports the renamed name but could not be read; nothing was renamed` };
    if (!languageFor(snapshot.languageId)) return { ok: false, reason: `${displayPath(uri)} (${snapshot.languageId}) cannot be parsed; nothing was renamed` };
    const { tree } = new SyntaxDocument(snapshot.languageId, snapshot.text);
    return { ok: true, file: { snapshot, tree, summary: summarizeModule(tree, snapshot.text) } };
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** The last two path segments: enough to name a file in a message. */
function displayPath(uri: string): string {
  return decodeURIComponent(uri).split('/').slice(-2).join('/');
}
