/**
 * TypeScript's checker behind protocol's `TypeView`: one `ts.LanguageService`
 * per tsconfig (the nearest `tsconfig.json` above the file, else strict
 * defaults), created on the first question about one of its files and kept.
 * Its host serves the open documents' text and the disk's otherwise; parsed
 * files are shared between projects (one document registry), and a file is
 * read again only when its text (open) or its mtime and size (disk) change.
 *
 * The first program of a big project takes seconds to read and parse. Each
 * request may spend `buildBudgetMs` on reading files; past it the request
 * gets no types (the caller falls back to syntactic ones) and what was parsed
 * stays in the registry, so the next request goes on from there.
 *
 * The typescript package (about 9 MB of JavaScript) is loaded synchronously
 * on the first question, so the server's startup does not pay for it.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type * as TypeScript from 'typescript';
import type { DocumentSnapshot } from '../protocol/edit-task.js';
import type { TypeQuery, TypeView } from '../protocol/type-view.js';
import { pathOf } from './workspace-index.js';

type TS = typeof TypeScript;

export interface TypeServiceOptions {
  /** The open documents: their text wins over the disk's. */
  openDocuments?: () => Iterable<DocumentSnapshot>;
  logger?: { debug(message: string): void };
  /** How long one request may spend reading and parsing files (default 3000 ms). */
  buildBudgetMs?: number;
}

/** Longer printed types are refused: a parameter annotation should stay readable. */
const MAX_TYPE_LENGTH = 400;
const TYPED_LANGUAGES: ReadonlySet<string> = new Set(['typescript', 'typescriptreact']);

export class TypeService implements TypeView {
  private typescript: TS | undefined;
  private registry: TypeScript.DocumentRegistry | undefined;
  private readonly projects = new Map<string, Project>();

  constructor(private readonly options: TypeServiceOptions = {}) {}

  typesAt(document: DocumentSnapshot, queries: readonly TypeQuery[]): Map<number, string> | undefined {
    if (!TYPED_LANGUAGES.has(document.languageId) || queries.length === 0) return undefined;
    const path = pathOf(document.uri);
    if (path === undefined) return undefined;
    const started = performance.now();
    const budget = this.options.buildBudgetMs ?? 3000;
    let project: Project | undefined;
    try {
      project = this.projectFor(path);
      const types = project.typesAt(toTsPath(path), document.text, queries, this.openTexts(), started + budget);
      this.options.logger?.debug(`types: ${types.size} of ${queries.length} from ${project.name} in ${(performance.now() - started).toFixed(0)} ms`);
      return types;
    } catch (error) {
      const why = error instanceof BudgetExceeded ? `building the program ran past ${budget} ms (the next request goes on)` : (error as Error).message;
      this.options.logger?.debug(`types: none for ${document.uri} (${project?.name ?? 'no project'}): ${why}; syntactic types instead`);
      return undefined;
    }
  }

  private ts(): TS {
    this.typescript ??= createRequire(import.meta.url)('typescript') as TS;
    return this.typescript;
  }

  /** The project of the nearest tsconfig.json, rebuilt when that file changes. */
  private projectFor(path: string): Project {
    const t = this.ts();
    const config = t.findConfigFile(toTsPath(dirname(path)), t.sys.fileExists);
    const key = config ?? '';
    const stamp = (config && fileStamp(config)) ?? '';
    const known = this.projects.get(key);
    if (known && known.configStamp === stamp) return known;
    known?.dispose();
    this.registry ??= t.createDocumentRegistry(t.sys.useCaseSensitiveFileNames);
    const { options, fileNames } = config ? parseConfig(t, config) : { options: defaultOptions(t), fileNames: [] };
    const project = new Project(t, this.registry, config ?? 'inferred project', stamp, options, fileNames, config ? dirname(config) : dirname(path));
    this.projects.set(key, project);
    return project;
  }

  private openTexts(): Map<string, string> {
    const open = new Map<string, string>();
    for (const doc of this.options.openDocuments?.() ?? []) {
      const path = pathOf(doc.uri);
      if (path !== undefined) open.set(toTsPath(path), doc.text);
    }
    return open;
  }
}

class BudgetExceeded extends Error {}

interface FileState {
  version: string;
  text: string;
  snapshot: TypeScript.IScriptSnapshot;
  /** mtime and size of the disk file it was read from; undefined for an open document's text. */
  stamp?: string;
  /** Library and node_modules files: read once. */
  fixed: boolean;
}

/** One language service and the host that feeds it. */
class Project {
  private roots: string[];
  private readonly files = new Map<string, FileState>();
  private open = new Map<string, string>();
  private deadline = Infinity;
  private readsSinceDeadline = 0;
  private versions = 0;
  private readonly service: TypeScript.LanguageService;
  private readonly libDirectory: string;

  constructor(
    private readonly t: TS,
    registry: TypeScript.DocumentRegistry,
    readonly name: string,
    readonly configStamp: string,
    options: TypeScript.CompilerOptions,
    fileNames: string[],
    directory: string,
  ) {
    this.roots = fileNames;
    this.libDirectory = dirname(t.getDefaultLibFilePath(options));
    const host: TypeScript.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => this.roots,
      getScriptVersion: (file) => this.state(file)?.version ?? '',
      getScriptSnapshot: (file) => this.state(file)?.snapshot,
      getCurrentDirectory: () => toTsPath(directory),
      getDefaultLibFileName: (o) => t.getDefaultLibFilePath(o),
      fileExists: (file) => this.open.has(file) || t.sys.fileExists(file),
      readFile: (file, encoding) => this.open.get(file) ?? t.sys.readFile(file, encoding),
      readDirectory: t.sys.readDirectory,
      directoryExists: t.sys.directoryExists,
      getDirectories: t.sys.getDirectories,
      realpath: t.sys.realpath,
      useCaseSensitiveFileNames: () => t.sys.useCaseSensitiveFileNames,
    };
    this.service = t.createLanguageService(host, registry);
  }

  /** The answers for `queries` in `path`, whose text is `text`; `open` are the editor's texts of the open files. */
  typesAt(path: string, text: string, queries: readonly TypeQuery[], open: Map<string, string>, deadline: number): Map<number, string> {
    this.open = open;
    this.open.set(path, text);
    if (!this.roots.includes(path)) this.roots = [...this.roots, path];
    this.deadline = deadline;
    this.readsSinceDeadline = 0;
    let program: TypeScript.Program | undefined;
    try {
      program = this.service.getProgram();
    } finally {
      this.deadline = Infinity;
    }
    const source = program?.getSourceFile(path);
    if (!program || !source) throw new Error(`${path} is not in the program`);
    return typesIn(this.t, program.getTypeChecker(), source, queries);
  }

  dispose(): void {
    this.service.dispose();
  }

  /** What the host serves for `file`, read again only when it changed; past the deadline nothing new is read. */
  private state(file: string): FileState | undefined {
    const known = this.files.get(file);
    const open = this.open.get(file);
    if (open !== undefined) {
      if (known?.text === open && known.stamp === undefined) return known;
      return this.remember(file, open, undefined, false);
    }
    if (known?.fixed) return known;
    const stamp = fileStamp(file);
    if (stamp === undefined) return undefined;
    if (known?.stamp === stamp) return known;
    // At least one file per request, so that a slow machine still gets there.
    if (this.readsSinceDeadline > 0 && performance.now() > this.deadline) throw new BudgetExceeded();
    this.readsSinceDeadline++;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    return this.remember(file, text, stamp, file.startsWith(this.libDirectory) || file.includes('/node_modules/'));
  }

  private remember(file: string, text: string, stamp: string | undefined, fixed: boolean): FileState {
    const state: FileState = { version: String(++this.versions), text, snapshot: this.t.ScriptSnapshot.fromString(text), stamp, fixed };
    this.files.set(file, state);
    return state;
  }
}

/**
 * The checker's answers. A read gets the type the value has there (narrowed:
 * the caller passes the narrowed value); `declared` gets the variable's type.
 * A type is printed as at the file's top level and kept only when every name
 * it mentions means the same there as where the name is used.
 */
function typesIn(t: TS, checker: TypeScript.TypeChecker, source: TypeScript.SourceFile, queries: readonly TypeQuery[]): Map<number, string> {
  const answers = new Map<number, string>();
  for (const query of queries) {
    const identifier = identifierAt(t, source, query.offset);
    if (!identifier) continue;
    const type = query.declared ? declaredType(t, checker, identifier) : checker.getTypeAtLocation(identifier);
    if (!type) continue;
    const node = checker.typeToTypeNode(type, source, t.NodeBuilderFlags.NoTruncation | t.NodeBuilderFlags.UseAliasDefinedOutsideCurrentScope | t.NodeBuilderFlags.IgnoreErrors);
    if (!node || !meansTheSameAtTopLevel(t, checker, node, source, identifier)) continue;
    const printed = checker.typeToString(type, source, t.TypeFormatFlags.NoTruncation | t.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
    if (printed.length <= MAX_TYPE_LENGTH) answers.set(query.offset, printed);
  }
  return answers;
}

function identifierAt(t: TS, source: TypeScript.SourceFile, offset: number): TypeScript.Identifier | undefined {
  let node: TypeScript.Node = source;
  for (;;) {
    const child: TypeScript.Node | undefined = node.forEachChild((c) => (c.pos <= offset && offset < c.end ? c : undefined));
    if (!child) break;
    node = child;
  }
  return t.isIdentifier(node) && node.getStart(source) === offset ? node : undefined;
}

function declaredType(t: TS, checker: TypeScript.TypeChecker, identifier: TypeScript.Identifier): TypeScript.Type | undefined {
  const parent = identifier.parent;
  const symbol = t.isShorthandPropertyAssignment(parent) && parent.name === identifier ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(identifier);
  return symbol ? checker.getTypeOfSymbol(symbol) : undefined;
}

/**
 * Every name the printed type refers to resolves at the top level of the file
 * to what it resolves to at `use`: no local types, no type parameters of
 * enclosing functions, no `this` type. Type parameters the type declares
 * itself (`<T>(x: T) => T`, mapped and `infer` types) are its own.
 */
function meansTheSameAtTopLevel(t: TS, checker: TypeScript.TypeChecker, type: TypeScript.TypeNode, source: TypeScript.SourceFile, use: TypeScript.Node): boolean {
  const own = new Set<string>();
  const collect = (node: TypeScript.Node): void => {
    if (t.isTypeParameterDeclaration(node)) own.add(t.idText(node.name));
    node.forEachChild(collect);
  };
  collect(type);
  const same = (name: TypeScript.EntityName | TypeScript.Expression, meaning: TypeScript.SymbolFlags): boolean => {
    const first = leftmost(t, name);
    if (!first) return false;
    const text = t.idText(first);
    if (own.has(text)) return true;
    const top = checker.resolveName(text, source, meaning, false);
    return top !== undefined && top === checker.resolveName(text, use, meaning, false);
  };
  const namespace = t.SymbolFlags.Namespace | t.SymbolFlags.Alias;
  const ok = (node: TypeScript.Node): boolean => {
    if (node.kind === t.SyntaxKind.ThisType) return false;
    if (t.isTypeReferenceNode(node) && !same(node.typeName, t.isIdentifier(node.typeName) ? t.SymbolFlags.Type | t.SymbolFlags.Alias : namespace)) return false;
    if (t.isExpressionWithTypeArguments(node) && !same(node.expression, namespace | t.SymbolFlags.Type)) return false;
    if (t.isTypeQueryNode(node) && !same(node.exprName, t.SymbolFlags.Value | t.SymbolFlags.Alias)) return false;
    if (t.isImportTypeNode(node)) {
      const argument = node.argument;
      const specifier = t.isLiteralTypeNode(argument) && t.isStringLiteral(argument.literal) ? argument.literal.text : undefined;
      // A package or a relative path compiles; an absolute path would tie the code to this machine.
      if (specifier === undefined || specifier.startsWith('/') || /^[a-zA-Z]:/.test(specifier)) return false;
    }
    return node.forEachChild((child) => (ok(child) ? undefined : true)) !== true;
  };
  return ok(type);
}

function leftmost(t: TS, name: TypeScript.EntityName | TypeScript.Expression): TypeScript.Identifier | undefined {
  let node: TypeScript.Node = name;
  for (;;) {
    if (t.isIdentifier(node)) return node;
    if (t.isQualifiedName(node)) node = node.left;
    else if (t.isPropertyAccessExpression(node)) node = node.expression;
    else return undefined;
  }
}

function parseConfig(t: TS, config: string): { options: TypeScript.CompilerOptions; fileNames: string[] } {
  const parsed = t.getParsedCommandLineOfConfigFile(config, undefined, { ...t.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) return { options: defaultOptions(t), fileNames: [] };
  return { options: { ...parsed.options, noEmit: true }, fileNames: parsed.fileNames };
}

/** For files without a tsconfig.json: strict, modern modules, JSX. */
function defaultOptions(t: TS): TypeScript.CompilerOptions {
  return {
    strict: true,
    target: t.ScriptTarget.ES2022,
    module: t.ModuleKind.ESNext,
    moduleResolution: t.ModuleResolutionKind.Bundler,
    jsx: t.JsxEmit.ReactJSX,
    allowJs: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
  };
}

function fileStamp(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return undefined;
  }
}

/** TypeScript's file names use `/`. */
function toTsPath(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
