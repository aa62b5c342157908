/**
 * The workspace index: per source file of the workspace folders, what it
 * declares, imports and exports (syntax/module-summary.ts), and who imports
 * whom. The engine reads it through protocol/workspace.ts's WorkspaceView:
 * the files a rename of an export must reach, the signatures of imported
 * names for the prompt.
 *
 * Kept up to date by the server: open documents win over the disk and are
 * summarised from their live tree when next asked (a keystroke only marks the
 * file stale); a closed document is read from disk again; watched-file events
 * add, reread or drop files. The first crawl runs in the background and
 * yields between files, so `initialize` stays fast; `whenReady` waits for it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type Parser from 'tree-sitter';
import type { ModuleSummary, WorkspaceView } from '../protocol/workspace.js';
import { summarizeModule } from '../syntax/module-summary.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { languageFor } from '../syntax/language.js';
import { isRelativeSpecifier, isSourceFile, resolveModule } from './module-resolution.js';
import { isConfigFile, PathAliases } from './path-aliases.js';
import { IgnoreRules } from './ignore-rules.js';
import { packageInfo, WorkspacePackages } from './workspace-packages.js';

export const DEFAULT_MAX_FILES = 5000;
/** Larger files are generated or bundled code, not something an edit imports from. */
export const DEFAULT_MAX_FILE_BYTES = 1_000_000;
/** The crawl parses for this long, then lets requests in. */
const SLICE_MS = 15;

export interface IndexLogger {
  warn(message: string): void;
  debug(message: string): void;
}

export interface WorkspaceIndexOptions {
  maxFiles?: number;
  maxFileBytes?: number;
  logger?: IndexLogger;
}

/** An open document as the index reads it: its live text and tree. */
export interface OpenSource {
  readonly languageId: string;
  readonly text: string;
  readonly tree: Parser.Tree | undefined;
}

interface FileEntry {
  uri: string;
  /** Undefined: stale, summarise again when asked. */
  summary: ModuleSummary | undefined;
  /** Set while the document is open in the editor: its text wins over the disk. */
  open?: () => OpenSource | undefined;
}

export class WorkspaceIndex implements WorkspaceView {
  private readonly files = new Map<string, FileEntry>();
  private roots: string[] = [];
  /** node_modules, .git and what the workspace's `.gitignore` files exclude. */
  private ignore = new IgnoreRules([]);
  private ready: Promise<void> = Promise.resolve();
  /** Disk reads after close and watched-file events, awaited by `whenReady` so a request sees them. */
  private readonly pending = new Set<Promise<void>>();
  /** path → paths of the files importing it; rebuilt on demand after any change. */
  private importers: Map<string, Set<string>> | undefined;
  private readonly maxFiles: number;
  private readonly maxFileBytes: number;
  /** Bare specifiers mapped by tsconfig `paths` / `baseUrl`. */
  private readonly aliases: PathAliases;
  /** The workspace's own packages, imported by name from each other (a monorepo). */
  private readonly packages = new WorkspacePackages();
  /**
   * `folder\0specifier` → the path it resolves to. Resolution depends on which
   * files exist and on the configurations, not on what the files say, so a
   * keystroke keeps it; a file added or removed, or a configuration event,
   * clears it.
   */
  private readonly resolved = new Map<string, string | undefined>();

  constructor(private readonly options: WorkspaceIndexOptions = {}) {
    this.maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.aliases = new PathAliases(options.logger);
  }

  /** Starts the background crawl of the workspace folders (`file:` URIs; others are ignored). */
  start(rootUris: readonly string[]): Promise<void> {
    this.roots = rootUris.map(pathOf).filter((p): p is string => p !== undefined);
    this.ignore = new IgnoreRules(this.roots, (m) => this.options.logger?.warn(`workspace index: ${m}`));
    this.ready = this.crawl().catch((error: unknown) => this.options.logger?.warn(`workspace index: crawl failed: ${(error as Error).message}`));
    return this.ready;
  }

  whenReady(): Promise<void> {
    return Promise.all([this.ready, ...this.pending]).then(() => undefined);
  }

  get size(): number {
    return this.files.size;
  }

  /** A document was opened or changed: from now on its summary comes from `source` (read lazily). */
  documentChanged(uri: string, source: () => OpenSource | undefined): void {
    const path = pathOf(uri);
    if (path === undefined || !isSourceFile(path)) return;
    const entry = this.files.get(path);
    if (entry) Object.assign(entry, { uri, open: source, summary: undefined });
    else this.addFile(path, { uri, open: source, summary: undefined });
    this.importers = undefined;
  }

  /** A document was closed: the disk holds its text again. */
  async documentClosed(uri: string): Promise<void> {
    const path = pathOf(uri);
    const entry = path === undefined ? undefined : this.files.get(path);
    if (!path || !entry) return;
    entry.open = undefined;
    if (this.inWorkspace(path)) await this.reread(path, uri);
    else if (this.removeFile(path)) this.importers = undefined;
  }

  /** workspace/didChangeWatchedFiles: a file was created or changed on disk. */
  async fileChanged(uri: string): Promise<void> {
    const path = pathOf(uri);
    if (path !== undefined && isConfigFile(path)) return this.configChanged();
    if (path !== undefined && basename(path) === '.gitignore') return this.ignore.forget();
    if (path !== undefined && basename(path) === 'package.json' && this.inWorkspace(path)) {
      await this.readPackage(path);
      return this.configChanged();
    }
    if (path === undefined || !isSourceFile(path) || this.files.get(path)?.open || !this.inWorkspace(path)) return;
    await this.reread(path, uri);
  }

  /** workspace/didChangeWatchedFiles: a file was deleted (an open document stays). */
  fileDeleted(uri: string): void {
    const path = pathOf(uri);
    if (path !== undefined && isConfigFile(path)) return this.configChanged();
    if (path !== undefined && basename(path) === 'package.json') {
      this.packages.removeDir(dirname(path));
      return this.configChanged();
    }
    if (path === undefined || this.files.get(path)?.open) return;
    if (this.removeFile(path)) this.importers = undefined;
  }

  /** A tsconfig.json or jsconfig.json was created, changed or deleted: aliases may resolve elsewhere now. */
  private configChanged(): void {
    this.aliases.forget();
    this.resolved.clear();
    this.importers = undefined;
  }

  private addFile(path: string, entry: FileEntry): void {
    if (!this.files.has(path)) this.resolved.clear();
    this.files.set(path, entry);
  }

  private removeFile(path: string): boolean {
    const removed = this.files.delete(path);
    if (removed) this.resolved.clear();
    return removed;
  }

  summary(uri: string): ModuleSummary | undefined {
    const path = pathOf(uri);
    return path === undefined ? undefined : this.summaryAt(path);
  }

  resolve(fromUri: string, specifier: string): string | undefined {
    const from = pathOf(fromUri);
    if (from === undefined) return undefined;
    const path = this.resolvePath(from, specifier, (p) => this.files.has(p));
    return path === undefined ? undefined : this.files.get(path)!.uri;
  }

  importersOf(uri: string): string[] {
    const path = pathOf(uri);
    if (path === undefined) return [];
    this.importers ??= this.buildImporters();
    return [...(this.importers.get(path) ?? [])].map((p) => this.files.get(p)!.uri);
  }

  private buildImporters(): Map<string, Set<string>> {
    const importers = new Map<string, Set<string>>();
    const exists = (p: string) => this.files.has(p);
    for (const path of this.files.keys()) {
      const summary = this.summaryAt(path);
      if (!summary) continue;
      const specifiers = new Set([...summary.imports.map((i) => i.specifier), ...summary.exports.flatMap((e) => (e.from === undefined ? [] : [e.from]))]);
      for (const specifier of specifiers) {
        const target = this.resolvePath(path, specifier, exists);
        if (target === undefined) continue;
        let set = importers.get(target);
        if (!set) importers.set(target, (set = new Set()));
        set.add(path);
      }
    }
    return importers;
  }

  /** Relative specifiers by path alone; bare ones through the configuration's `paths` and `baseUrl`. */
  private resolvePath(from: string, specifier: string, exists: (path: string) => boolean): string | undefined {
    const key = `${dirname(from)}\u0000${specifier}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const path = isRelativeSpecifier(specifier)
      ? resolveModule(from, specifier, exists)
      : (this.aliases.resolve(from, specifier, exists) ?? this.packages.resolve(specifier, exists));
    this.resolved.set(key, path);
    return path;
  }

  private summaryAt(path: string): ModuleSummary | undefined {
    const entry = this.files.get(path);
    if (!entry) return undefined;
    if (entry.summary) return entry.summary;
    const source = entry.open?.();
    if (!source) return undefined;
    const tree = source.tree ?? parse(source.languageId, source.text);
    entry.summary = tree ? summarizeModule(tree, source.text) : emptySummary();
    return entry.summary;
  }

  private reread(path: string, uri: string): Promise<void> {
    const done = this.readAgain(path, uri).finally(() => this.pending.delete(done));
    this.pending.add(done);
    return done;
  }

  private async readAgain(path: string, uri: string): Promise<void> {
    const summary = await this.readSummary(path);
    if (this.files.get(path)?.open) return; // opened while we read: the editor's text wins
    if (summary) this.addFile(path, { uri, summary });
    else this.removeFile(path);
    this.importers = undefined;
  }

  /** The file's summary from disk; undefined when it is gone, too large or not parseable. */
  private async readSummary(path: string): Promise<ModuleSummary | undefined> {
    try {
      const info = await stat(path);
      if (!info.isFile() || info.size > this.maxFileBytes) return undefined;
      const text = await readFile(path, 'utf8');
      const tree = parse(languageIdForPath(path), text);
      return tree ? summarizeModule(tree, text) : undefined;
    } catch {
      return undefined;
    }
  }

  private inWorkspace(path: string): boolean {
    if (this.roots.length === 0) return false;
    return this.roots.some((root) => isInside(root, path)) && !this.ignore.excludes(path);
  }

  private async crawl(): Promise<void> {
    const started = performance.now();
    const paths = await this.listSources();
    let sliceStart = performance.now();
    for (const path of paths) {
      if (this.files.has(path)) continue; // opened meanwhile
      const summary = await this.readSummary(path);
      if (summary && !this.files.has(path)) this.addFile(path, { uri: pathToFileURL(path).href, summary });
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    this.importers = undefined;
    this.options.logger?.debug(`workspace index: ${this.files.size} files in ${(performance.now() - started).toFixed(0)} ms`);
  }

  /** A workspace package's package.json (created or changed): other packages import it by its name. */
  private async readPackage(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      this.packages.removeDir(dirname(path));
      return;
    }
    const info = packageInfo(dirname(path), text, this.aliases.outputOf(dirname(path)));
    if (info) this.packages.add(info);
    else this.packages.removeDir(dirname(path));
  }

  /** Source files under the roots, breadth first, at most maxFiles; the package.json files met on the way are read. */
  private async listSources(): Promise<string[]> {
    const out: string[] = [];
    const queue = [...this.roots];
    let slice = performance.now();
    while (queue.length > 0) {
      const dir = queue.shift()!;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        // Testing entries against big ignore files takes a while: let requests in every few ms.
        if (performance.now() - slice > 5) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!this.ignore.skips(dir, entry.name, true)) queue.push(path);
        } else if (entry.isFile() && entry.name === 'package.json' && !this.ignore.skips(dir, entry.name, false)) {
          await this.readPackage(path);
        } else if (entry.isFile() && isSourceFile(path) && !this.ignore.skips(dir, entry.name, false)) {
          if (out.length >= this.maxFiles) {
            this.options.logger?.warn(`workspace index: more than ${this.maxFiles} source files; the rest are not indexed (renames of exports may miss their importers)`);
            return out;
          }
          out.push(path);
        }
      }
    }
    return out;
  }
}

/** The LSP language id for a file's extension (what the editor would say). */
export function languageIdForPath(path: string): string {
  switch (extname(path)) {
    case '.tsx':
      return 'typescriptreact';
    case '.jsx':
      return 'javascriptreact';
    case '.js':
    case '.mjs':
    case '.cjs':
      return 'javascript';
    default:
      return 'typescript';
  }
}

/** The file-system path of a `file:` URI; undefined for other schemes. */
export function pathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function parse(languageId: string, text: string): Parser.Tree | undefined {
  return languageFor(languageId) ? new SyntaxDocument(languageId, text).tree : undefined;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') || root.endsWith('\\') ? root : root + (root.includes('\\') ? '\\' : '/'));
}

function emptySummary(): ModuleSummary {
  return { declarations: [], imports: [], exports: [] };
}
