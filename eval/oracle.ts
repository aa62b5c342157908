/**
 * The judge: the TypeScript language service over one fixture project, held
 * in memory so that a task's texts can be swapped in without touching disk.
 * It answers what TypeScript's own editor support would do (rename
 * locations, the "Extract Symbol" refactor, code fixes) and what tsc would
 * report (syntactic + semantic diagnostics) for any set of texts.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import type { EvalProject } from './projects.js';

export interface OffsetRange {
  start: number;
  end: number;
}

/** File path → full text, for the files an edit changed (or all of a project's). */
export type Texts = ReadonlyMap<string, string>;

export type OracleAnswer<T> = ({ ok: true } & T) | { ok: false; reason: string };

/** One DocumentRegistry for every oracle: the lib files are parsed and bound once per process. */
const registry = ts.createDocumentRegistry();
const diskCache = new Map<string, string | undefined>();

function readDisk(path: string): string | undefined {
  if (!diskCache.has(path)) diskCache.set(path, ts.sys.fileExists(path) ? readFileSync(path, 'utf8') : undefined);
  return diskCache.get(path);
}

export const RENAME_PREFERENCES: ts.UserPreferences = { providePrefixAndSuffixTextForRename: true, allowRenameOfImportPath: false };
const PREFERENCES: ts.UserPreferences = { ...RENAME_PREFERENCES, quotePreference: 'single', provideRefactorNotApplicableReason: true };
const FORMAT: ts.FormatCodeSettings = { ...ts.getDefaultFormatCodeSettings('\n'), indentSize: 2, tabSize: 2, convertTabsToSpaces: true };
export const EXTRACT_SYMBOL = 'Extract Symbol';
/** The variant equivalent to specedit's extract: a new function at the top level of the module. */
const MODULE_SCOPE = /^Extract to function in (module|global) scope$/;

export class Oracle {
  readonly original: Texts;
  private readonly texts = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private readonly service: ts.LanguageService;
  /** File → the project files that import or re-export it. */
  private readonly importers = new Map<string, Set<string>>();

  constructor(readonly project: EvalProject) {
    const original = new Map<string, string>();
    for (const f of project.files) original.set(f, readDisk(f) ?? '');
    this.original = original;
    for (const [f, t] of original) this.texts.set(f, t);
    const scriptFiles = [...project.files, ...project.ambient];
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => project.options,
      getScriptFileNames: () => scriptFiles,
      getScriptVersion: (f) => String(this.versions.get(f) ?? 0),
      getScriptSnapshot: (f) => {
        const text = this.texts.get(f) ?? readDisk(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => project.configDir,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.texts.has(f) || readDisk(f) !== undefined,
      readFile: (f) => this.texts.get(f) ?? readDisk(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    this.service = ts.createLanguageService(host, registry);
    for (const f of project.files) {
      for (const imported of ts.preProcessFile(original.get(f)!, true, true).importedFiles) {
        const target = ts.resolveModuleName(imported.fileName, f, project.options, ts.sys).resolvedModule?.resolvedFileName;
        if (target && original.has(target)) this.importers.set(target, new Set([...(this.importers.get(target) ?? []), f]));
      }
    }
  }

  /**
   * The files whose diagnostics a change to `changed` can affect: those files
   * and every file that imports them, directly or through re-exports. Each
   * project starts clean, so checking these alone counts every new diagnostic
   * at a fraction of the cost of checking the whole project.
   */
  affected(changed: Iterable<string>): string[] {
    const out = new Set<string>();
    const pending = [...changed];
    while (pending.length > 0) {
      const f = pending.pop()!;
      if (out.has(f)) continue;
      out.add(f);
      pending.push(...(this.importers.get(f) ?? []));
    }
    return this.project.files.filter((f) => out.has(f));
  }

  text(file: string): string {
    const text = this.texts.get(file);
    if (text === undefined) throw new Error(`${file} is not a source of project ${this.project.name}`);
    return text;
  }

  /** All project sources as they are now. */
  snapshot(): Map<string, string> {
    return new Map(this.texts);
  }

  /** Runs `fn` with `texts` in place of the originals (other files stay original), then restores the originals. */
  with<T>(texts: Texts, fn: () => T): T {
    for (const [f, t] of texts) this.set(f, t);
    try {
      return fn();
    } finally {
      for (const f of texts.keys()) this.set(f, this.original.get(f)!);
    }
  }

  private set(file: string, text: string): void {
    if (!this.original.has(file)) throw new Error(`${file} is not a source of project ${this.project.name}`);
    if (this.texts.get(file) === text) return;
    this.texts.set(file, text);
    this.versions.set(file, (this.versions.get(file) ?? 0) + 1);
  }

  /** tsc's errors (syntactic and semantic) in `files` (default: the whole project), in file order. */
  diagnostics(files: readonly string[] = this.project.files): ts.Diagnostic[] {
    const out: ts.Diagnostic[] = [];
    for (const f of files) {
      out.push(...this.service.getSyntacticDiagnostics(f), ...this.service.getSemanticDiagnostics(f));
    }
    return out.filter((d) => d.category === ts.DiagnosticCategory.Error);
  }

  /** Parse errors of one text, by TypeScript's parser (no type checking). */
  syntaxErrors(file: string, text: string): ts.Diagnostic[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, scriptKindOf(file));
    return (source as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  }

  sourceFile(file: string): ts.SourceFile {
    const source = this.service.getProgram()?.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program of ${this.project.name}`);
    return source;
  }

  checker(): ts.TypeChecker {
    return this.service.getProgram()!.getTypeChecker();
  }

  /** Where a rename at `offset` writes, with the prefix/suffix texts that keep shorthand properties and specifiers meaning the same. */
  renameLocations(file: string, offset: number): OracleAnswer<{ locations: readonly ts.RenameLocation[]; name: string }> {
    const info = this.service.getRenameInfo(file, offset, PREFERENCES);
    if (!info.canRename) return { ok: false, reason: info.localizedErrorMessage };
    const locations = this.service.findRenameLocations(file, offset, false, false, PREFERENCES);
    if (!locations || locations.length === 0) return { ok: false, reason: 'no rename locations' };
    return { ok: true, locations, name: info.displayName };
  }

  /** The texts of every file the oracle's rename changes. */
  rename(file: string, offset: number, newName: string): OracleAnswer<{ texts: Map<string, string> }> {
    const found = this.renameLocations(file, offset);
    if (!found.ok) return found;
    const changes = new Map<string, ts.TextChange[]>();
    for (const l of found.locations) {
      const list = changes.get(l.fileName) ?? [];
      list.push({ span: l.textSpan, newText: `${l.prefixText ?? ''}${newName}${l.suffixText ?? ''}` });
      changes.set(l.fileName, list);
    }
    return { ok: true, texts: this.applyChanges(changes) };
  }

  /** Whether "Extract to function in module scope" is offered for exactly `range`, and the action's name. */
  extractAction(file: string, range: OffsetRange): OracleAnswer<{ action: string }> {
    const refactors = this.service.getApplicableRefactors(file, { pos: range.start, end: range.end }, PREFERENCES, 'invoked', undefined, false);
    const extract = refactors.find((r) => r.name === EXTRACT_SYMBOL);
    const action = extract?.actions.find((a) => a.name.startsWith('function_scope_') && MODULE_SCOPE.test(a.description));
    if (!action) return { ok: false, reason: 'the oracle offers no extraction to a module-level function here' };
    if (action.notApplicableReason) return { ok: false, reason: action.notApplicableReason };
    return { ok: true, action: action.name };
  }

  /** The oracle's extraction to a module-level function: the new texts and the name it gave the function. */
  extract(file: string, range: OffsetRange): OracleAnswer<{ texts: Map<string, string>; functionName: string }> {
    const available = this.extractAction(file, range);
    if (!available.ok) return available;
    const info = this.service.getEditsForRefactor(file, FORMAT, { pos: range.start, end: range.end }, EXTRACT_SYMBOL, available.action, PREFERENCES);
    if (!info || info.edits.length === 0) return { ok: false, reason: 'the oracle produced no edit' };
    const changes = new Map<string, ts.TextChange[]>();
    for (const e of info.edits) changes.set(e.fileName, [...(changes.get(e.fileName) ?? []), ...e.textChanges]);
    const texts = this.applyChanges(changes);
    const renamed = info.renameFilename ?? file;
    const edited = texts.get(renamed) ?? this.text(renamed);
    const functionName = /^[A-Za-z_$][\w$]*/.exec(edited.slice(info.renameLocation ?? 0))?.[0] ?? 'newFunction';
    return { ok: true, texts, functionName };
  }

  /** The oracle's code fixes for one diagnostic code at a range. */
  codeFixes(file: string, range: OffsetRange, code: number): readonly ts.CodeFixAction[] {
    return this.service.getCodeFixesAtPosition(file, range.start, range.end, [code], FORMAT, PREFERENCES);
  }

  /** Applies one code fix to the current texts. */
  applyCodeFix(fix: ts.CodeFixAction): Map<string, string> {
    const changes = new Map<string, ts.TextChange[]>();
    for (const e of fix.changes) changes.set(e.fileName, [...(changes.get(e.fileName) ?? []), ...e.textChanges]);
    return this.applyChanges(changes);
  }

  private applyChanges(changes: Map<string, ts.TextChange[]>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [file, list] of changes) {
      let text = this.text(file);
      for (const c of [...list].sort((a, b) => b.span.start - a.span.start)) {
        text = text.slice(0, c.span.start) + c.newText + text.slice(c.span.start + c.span.length);
      }
      out.set(file, text);
    }
    return out;
  }
}

export function scriptKindOf(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (file.endsWith('.js')) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** One line per diagnostic, `file:line:col TS1234 message`, for reports. */
export function describeDiagnostic(d: ts.Diagnostic, display: (file: string) => string): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return `TS${d.code} ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${display(d.file.fileName)}:${line + 1}:${character + 1} TS${d.code} ${message}`;
}

/**
 * A canonical form of a source text "modulo formatting": parsed by
 * TypeScript and printed by its printer (whitespace, line breaks, optional
 * semicolons and trailing commas normalised; comments kept).
 */
export function canonical(file: string, text: string): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKindOf(file));
  return ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(source);
}
