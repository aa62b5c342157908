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
import { treeOf, type TreeLease } from '../syntax/syntax-document.js';
import { languageFor } from '../syntax/language.js';
import { summarizeModule } from '../syntax/module-summary.js';
import { namespaceMemberAt, type NamespaceMember } from '../syntax/namespace-member.js';
import { runInSlices, type Steps } from '../syntax/steps.js';
import { declarationNameOffset, renamingInImporter, renamingInNamespaceImporter } from '../drafters/structural/export-rename.js';
import { renaming, type RenameResult } from '../drafters/structural/rename.js';
import { newNameProblem } from '../drafters/structural/identifier-name.js';
import type { RenameLocation, RenameLocations } from '../protocol/type-view.js';
import { declarationOfExport } from '../workspace/export-resolution.js';

/** A file of the rename with its tree (an open document's own, when the text is the same: no second parse). */
class ParsedFile {
  private cachedSummary: ModuleSummary | undefined;

  constructor(readonly snapshot: DocumentSnapshot, private readonly lease: TreeLease) {}

  get tree(): Parser.Tree {
    return this.lease.tree;
  }

  /** False once the document lending the tree has changed (its tree was edited in place). */
  get current(): boolean {
    return this.lease.current();
  }

  /** Only read for imports and exports: a summary of a 5 MB file is a pass over its statements. */
  get summary(): ModuleSummary {
    return (this.cachedSummary ??= summarizeModule(this.tree, this.snapshot.text));
  }
}

type Loaded = { ok: true; file: ParsedFile } | { ok: false; reason: string };

/**
 * The structural rename runs in slices (syntax/steps.ts), a few milliseconds
 * each, letting other requests and `didChange` in between; it stops when the
 * request is cancelled (the server cancels it when its document changes) or
 * when a file whose tree it borrowed changes.
 */
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
  if (member) {
    const widened = (edits: FileEdit[]) => finish(member.name, edits);
    return renameNamespaceMember(own, member, newName, files, context, widened, () => renameWithTypes(document, offset, newName, context, finish));
  }

  const local = await files.run(renaming(own.tree, document.text, offset, newName));
  if (local.status !== 'done') return local;
  if (!local.value.ok) {
    if (local.value.needsTypes && context.types?.renameLocations) return renameWithTypes(document, offset, newName, context, finish);
    return { status: 'unavailable', reason: local.value.reason };
  }
  const { replacements, declaration, changesExports, sharesName, kind } = local.value;
  // A namespace's exported member is reached from other files as `Ns.member`, which only the checker follows;
  // a value and a type of one name, and a parameter's `@param` in JSDoc, TypeScript renames together.
  // An `export default class X` is imported as `import X from`, which TypeScript renames with it.
  const together = sharesName || (kind === 'parameter' && document.text.includes(`@param`)) || exportedAsDefault(own.tree, declaration.start);
  if (context.types?.renameLocations && (together || (changesExports && insideNamespace(own.tree, declaration.start)))) {
    return renameWithTypes(document, offset, newName, context, finish);
  }
  const oldName = document.text.slice(declaration.start, declaration.end);
  const singleFile = () => finish(oldName, [{ uri: document.uri, version: document.version, replacements }]);
  // Only a declaration exported under its own name changes what other files see. An import (and
  // its uses) is renamed here alone, as `import {a as b}`; `export {a}` of a local keeps its public
  // name as `export {b as a}`. That is TypeScript's rename.
  const workspace = context.workspace;
  if (!workspace || !context.readFile || newName === oldName || !changesExports) return singleFile();
  await Promise.race([workspace.whenReady(), aborted(context.signal)]);
  if (context.signal.aborted) return { status: 'cancelled' };
  const walk = await renameExports(workspace, files, own, local.value, newName, context.signal);
  if (walk.status === 'unavailable' && walk.needsTypes && context.types?.renameLocations) return renameWithTypes(document, offset, newName, context, finish);
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
  withTypes: () => Promise<EditOutcome>,
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
  const renamed = await files.run(renaming(loaded.file.tree, loaded.file.snapshot.text, at, newName));
  if (renamed.status !== 'done') return renamed;
  if (!renamed.value.ok) return { status: 'unavailable', reason: renamed.value.reason };
  // A value and a type of one name (`const k` and `type k = typeof k`): TypeScript renames both.
  if (renamed.value.sharesName && context.types?.renameLocations) return withTypes();
  const walk = await renameExports(workspace, files, loaded.file, renamed.value, newName, context.signal);
  if (walk.status === 'unavailable' && walk.needsTypes && context.types?.renameLocations) return withTypes();
  return walk.status === 'ok' ? finish(walk.edits) : walk;
}

/**
 * A rename scope analysis cannot decide (class and interface members,
 * enum members, a namespace's members used from other files): TypeScript's
 * own rename over the project (`TypeView.renameLocations`), taken as it is
 * (TypeScript does not look for captures, and neither does this path).
 * Every location is checked against the text the edit is sent for (the
 * open document, else the disk): a file that changed since the checker
 * read it refuses the whole rename. All or nothing, like the structural one.
 */
async function renameWithTypes(
  document: DocumentSnapshot,
  offset: number,
  newName: string,
  context: EditContext,
  finish: (oldName: string, edits: FileEdit[]) => EditOutcome,
): Promise<EditOutcome> {
  let found: RenameLocations;
  do {
    // Let pending didChange and $/cancelRequest in before the checker holds the thread, and between slices of the build.
    await new Promise((resolve) => setImmediate(resolve));
    if (context.signal.aborted) return { status: 'cancelled' };
    found = context.types!.renameLocations!(document, offset, { signal: context.signal });
  } while (!found.ok && found.building);
  if (context.signal.aborted) return { status: 'cancelled' };
  if (!found.ok) return { status: 'unavailable', reason: found.reason };
  const here = found.locations.find((l) => l.uri === document.uri && l.start <= offset && offset <= l.end) ?? found.locations.find((l) => l.uri === document.uri);
  if (!here) return { status: 'unavailable', reason: 'TypeScript found nothing to rename here' };
  const oldName = document.text.slice(here.start, here.end);
  const invalid = oldName.startsWith('#') ? (/^#[A-Za-z_$][\w$]*$/.test(newName) ? undefined : `\`${newName}\` is not a private name (\`#name\`)`) : newNameProblem(newName, false);
  if (invalid) return { status: 'unavailable', reason: invalid };
  if (newName === oldName) return finish(oldName, []);
  const byUri = new Map<string, RenameLocation[]>();
  for (const l of found.locations) byUri.set(l.uri, [...(byUri.get(l.uri) ?? []), l]);
  const edits: FileEdit[] = [];
  for (const [uri, locations] of byUri) {
    const snapshot = uri === document.uri ? document : await context.readFile?.(uri).catch(() => undefined);
    if (context.signal.aborted) return { status: 'cancelled' };
    if (!snapshot) return { status: 'unavailable', reason: `${displayPath(uri)} uses \`${oldName}\` but could not be read; nothing was renamed` };
    const stale = locations.find((l) => snapshot.text.slice(l.start, l.end) !== oldName);
    if (stale) return { status: 'unavailable', reason: `${displayPath(uri)} changed while the rename was computed; nothing was renamed. Rename again.` };
    const replacements = locations
      .map((l) => ({ start: l.start, end: l.end, newText: `${l.prefix}${newName}${l.suffix}` }))
      .sort((a, b) => a.start - b.start);
    edits.push({ uri, version: snapshot.version, replacements });
  }
  return finish(oldName, edits);
}

/** The declaration at `offset` is `export default`'s (`export default class X`). */
function exportedAsDefault(tree: Parser.Tree, offset: number): boolean {
  for (let node: Parser.SyntaxNode | null = tree.rootNode.descendantForIndex(offset, offset); node; node = node.parent) {
    if (node.type === 'export_statement') return node.children.some((c) => c.type === 'default');
    if (node.type === 'statement_block' || node.type === 'program') return false;
  }
  return false;
}

/** The declaration at `offset` is inside a `namespace`/`module` block. */
function insideNamespace(tree: Parser.Tree, offset: number): boolean {
  for (let node: Parser.SyntaxNode | null = tree.rootNode.descendantForIndex(offset, offset); node; node = node.parent) {
    if (node.type === 'internal_module' || node.type === 'module') return true;
  }
  return false;
}

type Renamed = Extract<RenameResult, { ok: true }>;

/** `needsTypes`: a file passes the module on as a namespace value (`import * as ns; export { ns as P }`), whose members only the checker follows. */
type Walk = { status: 'ok'; edits: FileEdit[] } | { status: 'cancelled' } | { status: 'unavailable'; reason: string; needsTypes?: true };

/** The declaration's file renamed (`first`), renames every importer of each export name that changed (through `export *`), breadth first. */
async function renameExports(workspace: WorkspaceView, files: FileCache, origin: ParsedFile, first: Renamed, newName: string, signal: AbortSignal): Promise<Walk> {
  const edits = new FileEdits();
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
      const passedOn = summary.imports.find((i) => i.imported === '*' && fromTarget(i.specifier) && summary.exports.some((e) => !e.from && e.local === i.local));
      if (passedOn) {
        return { status: 'unavailable', needsTypes: true, reason: `${displayPath(snapshot.uri)} exports the module as the namespace \`${passedOn.local}\`, whose members only a type checker follows; none is available for this file` };
      }
      const run = await files.run(namespace === undefined
        ? renamingInImporter(tree, snapshot.text, summary, fromTarget, name, newName)
        : renamingInNamespaceImporter(tree, snapshot.text, summary, fromTarget, namespace, name, newName));
      if (run.status !== 'done') return run;
      const part = run.value;
      if (!part.ok) return { status: 'unavailable', reason: `${displayPath(snapshot.uri)}: ${part.reason}` };
      const problem = edits.add(snapshot, part.replacements);
      if (problem) return { status: 'unavailable', reason: problem };
      for (const reexported of part.reexports) enqueue(namespace === undefined ? { uri: snapshot.uri, name: reexported } : { uri: snapshot.uri, name, namespace: reexported });
      for (const ns of part.namespaces) enqueue({ uri: snapshot.uri, name, namespace: ns });
    }
  }
  return { status: 'ok', edits: edits.list() };
}

/**
 * Replacements per file, each file once; the same replacement reached twice
 * counts once, different overlapping ones refuse. Each file's list is kept
 * sorted by start (in the order added among equal starts), so that checking
 * a replacement is a binary search, not a look at every earlier one.
 */
class FileEdits {
  private readonly byUri = new Map<string, FileEdit>();

  add(snapshot: DocumentSnapshot, replacements: TextReplacement[]): string | undefined {
    let edit = this.byUri.get(snapshot.uri);
    if (!edit) this.byUri.set(snapshot.uri, (edit = { uri: snapshot.uri, version: snapshot.version, replacements: [] }));
    const sorted = edit.replacements;
    for (const r of replacements) {
      const at = startingBefore(sorted, r.start, true);
      let same: TextReplacement | undefined;
      for (let i = at - 1; i >= 0 && sorted[i].start === r.start; i--) if (sorted[i].end === r.end) same = sorted[i];
      if (same && same.newText === r.newText) continue;
      if (same || overlapsSorted(sorted, r)) {
        return `${displayPath(snapshot.uri)}: two parts of the rename change the same text (offset ${r.start}); rename by hand`;
      }
      if (at === sorted.length) sorted.push(r);
      else sorted.splice(at, 0, r);
    }
    return undefined;
  }

  list(): FileEdit[] {
    return [...this.byUri.values()].filter((e) => e.replacements.length > 0);
  }
}

/** How many replacements of `sorted` start before `offset` (`orAt`: or at it). */
function startingBefore(sorted: readonly TextReplacement[], offset: number, orAt = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle].start < offset || (orAt && sorted[middle].start === offset)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Some replacement of `sorted` (sorted by start, none overlapping another)
 * overlaps `r`. Only those starting before `r` ends can; going back from
 * the last of them, the first non-empty one that ends by `r`'s start ends
 * after every earlier one, so the search stops there.
 */
function overlapsSorted(sorted: readonly TextReplacement[], r: TextReplacement): boolean {
  for (let i = startingBefore(sorted, r.end) - 1; i >= 0; i--) {
    const o = sorted[i];
    if (r.start < o.end) return true;
    if (o.start < o.end) return false;
  }
  return false;
}

/** Each file read and parsed once per rename, from the text the edit will be sent for. */
class FileCache {
  private readonly files = new Map<string, Promise<Loaded>>();
  private readonly trees: ParsedFile[] = [];

  constructor(private readonly document: DocumentSnapshot, private readonly context: EditContext) {}

  parsed(snapshot: DocumentSnapshot): ParsedFile {
    const file = this.parse(snapshot);
    this.files.set(snapshot.uri, Promise.resolve({ ok: true, file }));
    return file;
  }

  load(uri: string): Promise<Loaded> {
    let loaded = this.files.get(uri);
    if (!loaded) this.files.set(uri, (loaded = this.read(uri)));
    return loaded;
  }

  /**
   * Runs one file's part of the rename in slices; stops when the request is
   * cancelled or a file whose tree the rename borrowed has changed (its
   * tree was edited in place, and the edit would be refused anyway).
   */
  async run<T>(steps: Steps<T>): Promise<{ status: 'done'; value: T } | { status: 'cancelled' } | { status: 'unavailable'; reason: string }> {
    const { signal } = this.context;
    const changed = () => this.trees.find((f) => !f.current);
    const value = await runInSlices(steps, () => signal.aborted || changed() !== undefined);
    if (signal.aborted) return { status: 'cancelled' };
    const file = changed();
    if (file) return { status: 'unavailable', reason: `${displayPath(file.snapshot.uri)} changed while the rename was computed; nothing was renamed. Rename again.` };
    return { status: 'done', value: value as T };
  }

  private async read(uri: string): Promise<Loaded> {
    const snapshot = uri === this.document.uri ? this.document : await this.context.readFile?.(uri).catch(() => undefined);
    if (!snapshot) return { ok: false, reason: `${displayPath(uri)} imports the renamed name but could not be read; nothing was renamed` };
    if (!languageFor(snapshot.languageId)) return { ok: false, reason: `${displayPath(uri)} (${snapshot.languageId}) cannot be parsed; nothing was renamed` };
    return { ok: true, file: this.parse(snapshot) };
  }

  private parse(snapshot: DocumentSnapshot): ParsedFile {
    const file = new ParsedFile(snapshot, treeOf(snapshot.languageId, snapshot.text));
    this.trees.push(file);
    return file;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** The last two path segments: enough to name a file in a message. */
function displayPath(uri: string): string {
  return decodeURIComponent(uri).split('/').slice(-2).join('/');
}
