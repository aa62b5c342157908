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
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type * as TypeScript from 'typescript';
import type { DocumentSnapshot } from '../protocol/edit-task.js';
import type { CheckedType, TypeParameterText, TypeProblem, TypeQuery, TypeView } from '../protocol/type-view.js';
import { pathOf } from './workspace-index.js';
import { typescript } from '../syntax/typescript.js';
import { fileStamp } from './file-stamp.js';

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
  private registry: TypeScript.DocumentRegistry | undefined;
  private readonly projects = new Map<string, Project>();

  constructor(private readonly options: TypeServiceOptions = {}) {}

  typesAt(document: DocumentSnapshot, queries: readonly TypeQuery[]): Map<number, CheckedType> | undefined {
    if (queries.length === 0) return undefined;
    return this.ask(document, 'types', (project, path, deadline) => {
      const types = project.typesAt(path, document.text, queries, this.openTexts(), deadline);
      return { answer: types, said: `${types.size} of ${queries.length} from ${project.name}` };
    });
  }

  problemsIn(document: DocumentSnapshot, text = document.text): TypeProblem[] | undefined {
    // Every question passes the text it is about, so the service need not be put back to the document's own.
    return this.ask(document, 'errors', (project, path, deadline) => {
      const problems = project.errorsOf(path, text, this.openTexts(), deadline);
      return { answer: problems, said: `${problems.length} in ${text === document.text ? '' : 'an edit of '}the file` };
    });
  }

  /**
   * One question about `document` to the project it belongs to, within the
   * build budget; undefined (logged) when there is no checker for it, the
   * program could not be built in time, or the service failed.
   */
  private ask<T>(document: DocumentSnapshot, what: string, question: (project: Project, path: string, deadline: number) => { answer: T; said: string }): T | undefined {
    if (!TYPED_LANGUAGES.has(document.languageId)) return undefined;
    const path = pathOf(document.uri);
    if (path === undefined) return undefined;
    const started = performance.now();
    const budget = this.options.buildBudgetMs ?? 3000;
    let project: Project | undefined;
    try {
      project = this.projectFor(path);
      const { answer, said } = question(project, toTsPath(path), started + budget);
      this.options.logger?.debug(`${what}: ${said} of ${document.uri} in ${(performance.now() - started).toFixed(0)} ms`);
      return answer;
    } catch (error) {
      const why = error instanceof BudgetExceeded ? `building the program ran past ${budget} ms (the next request goes on)` : (error as Error).message;
      this.options.logger?.debug(`${what}: none for ${document.uri} (${project?.name ?? 'no project'}): ${why}`);
      return undefined;
    }
  }


  /**
   * The project of the nearest tsconfig.json, rebuilt when that file
   * changes; as tsserver does, a file that configuration does not include
   * (read again once, for files created since) goes to the inferred project.
   */
  private projectFor(path: string): Project {
    const t = typescript();
    const config = t.findConfigFile(toTsPath(dirname(path)), t.sys.fileExists);
    if (config) {
      const project = this.configured(config);
      if (project.includes(toTsPath(path))) return project;
      if (!project.outsiders.has(toTsPath(path))) {
        const again = this.configured(config, true);
        if (again.includes(toTsPath(path))) return again;
        again.outsiders.add(toTsPath(path));
      }
    }
    return this.project('', '', () => ({ options: defaultOptions(t), fileNames: [] }), dirname(path));
  }

  private configured(config: string, reread = false): Project {
    return this.project(config, fileStamp(config) ?? 'missing', () => parseConfig(typescript(), config), dirname(config), reread);
  }

  /** The project under `key` ('' for the inferred one), built again when its configuration's `stamp` changed or when asked to. */
  private project(key: string, stamp: string, parse: () => { options: TypeScript.CompilerOptions; fileNames: string[] }, directory: string, rebuild = false): Project {
    const known = this.projects.get(key);
    if (known && known.configStamp === stamp && !rebuild) return known;
    known?.dispose();
    const t = typescript();
    this.registry ??= t.createDocumentRegistry(t.sys.useCaseSensitiveFileNames);
    const { options, fileNames } = parse();
    const project = new Project(t, this.registry, key || 'inferred project', stamp, options, fileNames, directory);
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
  /** Files its configuration does not include: they belong to the inferred project. */
  readonly outsiders = new Set<string>();
  private readonly included: ReadonlySet<string>;
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
    // The program starts from the project's declaration files (ambient types: JSX, globals) and grows by the
    // files asked about: their imports come in through resolution. A big project's other sources stay out,
    // so the first question costs the edited file's import closure, not the whole project.
    this.roots = fileNames.filter((f) => /\.d\.[cm]?ts$/.test(f));
    this.included = new Set(fileNames);
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
  typesAt(path: string, text: string, queries: readonly TypeQuery[], open: Map<string, string>, deadline: number): Map<number, CheckedType> {
    const program = this.programWith(path, text, open, deadline);
    return typesIn(this.t, program.getTypeChecker(), program, program.getSourceFile(path)!, queries);
  }

  /** The program with `path` holding `text` and the open files the editor's texts; reads stop at `deadline`. */
  private programWith(path: string, text: string, open: Map<string, string>, deadline: number): TypeScript.Program {
    this.open = new Map(open);
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
    if (!program?.getSourceFile(path)) throw new Error(`${path} is not in the program`);
    return program;
  }

  /** The errors TypeScript reports for `path` with the text `text`. */
  errorsOf(path: string, text: string, open: Map<string, string>, deadline: number): TypeProblem[] {
    const program = this.programWith(path, text, open, deadline);
    const source = program.getSourceFile(path)!;
    const t = this.t;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      .filter((d) => d.category === t.DiagnosticCategory.Error)
      .map((d) => ({ code: d.code, message: t.flattenDiagnosticMessageText(d.messageText, '\n'), offset: d.start ?? 0 }));
  }

  includes(path: string): boolean {
    return this.included.has(path);
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
 * it mentions means the same there as where the name is used, or is a type
 * parameter of an enclosing declaration (named in the answer). A type from a
 * module the file does not import is written as an import type with a
 * relative specifier (`import("./money").Money`).
 */
function typesIn(t: TS, checker: TypeScript.TypeChecker, program: TypeScript.Program, source: TypeScript.SourceFile, queries: readonly TypeQuery[]): Map<number, CheckedType> {
  const answers = new Map<number, CheckedType>();
  for (const query of queries) {
    const identifier = identifierAt(t, source, query.offset);
    if (!identifier) continue;
    const type = query.declared ? declaredType(t, checker, identifier) : checker.getTypeAtLocation(identifier);
    if (!type) continue;
    const answer = printed(t, checker, type, source, identifier, true) ?? printed(t, checker, type, source, identifier, false, program.getCompilerOptions());
    if (answer && answer.text.length <= MAX_TYPE_LENGTH) answers.set(query.offset, answer);
  }
  return answers;
}

/**
 * The type printed with the file's own names for it (`withAliases`, what the
 * refactorings of TypeScript print), or else with import types for what the
 * file does not import; undefined when it names something a top-level
 * function cannot see.
 */
function printed(
  t: TS,
  checker: TypeScript.TypeChecker,
  type: TypeScript.Type,
  source: TypeScript.SourceFile,
  use: TypeScript.Node,
  withAliases: boolean,
  options?: TypeScript.CompilerOptions,
): CheckedType | undefined {
  const aliases = withAliases ? t.NodeBuilderFlags.UseAliasDefinedOutsideCurrentScope : 0;
  const node = checker.typeToTypeNode(type, source, t.NodeBuilderFlags.NoTruncation | t.NodeBuilderFlags.IgnoreErrors | aliases);
  if (!node) return undefined;
  const names = new TopLevelNames(t, checker, source, use, !withAliases);
  if (!names.check(node, use)) return undefined;
  let text = checker.typeToString(type, source, t.TypeFormatFlags.NoTruncation | (withAliases ? t.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope : 0));
  for (const absolute of names.importedPaths) {
    const specifier = relativeSpecifier(t, source.fileName, absolute, options);
    text = text.split(`import("${absolute}")`).join(`import("${specifier}")`);
  }
  if (text.includes('import("/')) return undefined;
  return { text, typeParameters: [...names.typeParameters.values()].sort((a, b) => a.offset - b.offset) };
}

/**
 * Whether every name a type refers to resolves at the top level of the file
 * to what it resolves to at its use: no local types, no `this` type. Type
 * parameters the type declares itself (`<T>(x: T) => T`, mapped and `infer`
 * types) are its own; those of enclosing functions and classes are
 * collected, with what their constraints need.
 */
class TopLevelNames {
  readonly typeParameters = new Map<string, TypeParameterText>();
  /** Absolute module paths of import types, to be written relative. */
  readonly importedPaths = new Set<string>();

  /** Type parameter names declared more than once around the use: a printed `T` could be either. */
  private readonly shadowed = new Set<string>();

  constructor(
    private readonly t: TS,
    private readonly checker: TypeScript.TypeChecker,
    private readonly source: TypeScript.SourceFile,
    use: TypeScript.Node,
    private readonly importTypes: boolean,
  ) {
    const seen = new Set<string>();
    for (let node: TypeScript.Node | undefined = use; node; node = node.parent) {
      const declared = t.isFunctionLike(node) || t.isClassLike(node) ? node.typeParameters : undefined;
      for (const name of declared?.map((p) => t.idText(p.name)) ?? []) (seen.has(name) ? this.shadowed : seen).add(name);
    }
  }

  check(type: TypeScript.Node, use: TypeScript.Node): boolean {
    const t = this.t;
    const own = new Set<string>();
    const collect = (node: TypeScript.Node): void => {
      if (t.isTypeParameterDeclaration(node)) own.add(t.idText(node.name));
      node.forEachChild(collect);
    };
    collect(type);
    const namespace = t.SymbolFlags.Namespace | t.SymbolFlags.Alias;
    const ok = (node: TypeScript.Node): boolean => {
      if (node.kind === t.SyntaxKind.ThisType) return false;
      if (t.isTypeReferenceNode(node) && !this.same(node.typeName, t.isIdentifier(node.typeName) ? t.SymbolFlags.Type | t.SymbolFlags.Alias : namespace, use, own)) return false;
      if (t.isExpressionWithTypeArguments(node) && !this.same(node.expression, namespace | t.SymbolFlags.Type, use, own)) return false;
      if (t.isTypeQueryNode(node) && !this.same(node.exprName, t.SymbolFlags.Value | t.SymbolFlags.Alias, use, own)) return false;
      if (t.isImportTypeNode(node) && !this.importable(node)) return false;
      return node.forEachChild((child) => (ok(child) ? undefined : true)) !== true;
    };
    return ok(type);
  }

  private same(name: TypeScript.EntityName | TypeScript.Expression, meaning: TypeScript.SymbolFlags, use: TypeScript.Node, own: Set<string>): boolean {
    const first = leftmost(this.t, name);
    if (!first) return false;
    const text = this.t.idText(first);
    if (own.has(text)) return true;
    const here = this.checker.resolveName(text, use, meaning, false);
    if (here && here.flags & this.t.SymbolFlags.TypeParameter) return this.typeParameter(here);
    const top = this.checker.resolveName(text, this.source, meaning, false);
    return top !== undefined && top === here;
  }

  /** A type parameter of an enclosing function or class of this file, whose constraint is fine at the top level too. */
  private typeParameter(symbol: TypeScript.Symbol): boolean {
    const t = this.t;
    const declaration = symbol.declarations?.[0];
    if (!declaration || !t.isTypeParameterDeclaration(declaration) || declaration.getSourceFile() !== this.source) return false;
    const owner = declaration.parent;
    if (!(t.isFunctionLike(owner) || t.isClassLike(owner))) return false;
    const name = t.idText(declaration.name);
    if (this.shadowed.has(name)) return false;
    const offset = declaration.name.getStart(this.source);
    const known = this.typeParameters.get(name);
    if (known) return known.offset === offset; // two type parameters of one name: one would hide the other
    const constraint = declaration.constraint;
    this.typeParameters.set(name, { name, declaration: constraint ? `${name} extends ${constraint.getText(this.source)}` : name, offset });
    return !constraint || this.check(constraint, declaration);
  }

  private importable(node: TypeScript.ImportTypeNode): boolean {
    const t = this.t;
    const argument = node.argument;
    const specifier = t.isLiteralTypeNode(argument) && t.isStringLiteral(argument.literal) ? argument.literal.text : undefined;
    if (specifier === undefined) return false;
    if (!isAbsolute(specifier)) return true; // a package
    if (!this.importTypes || specifier.includes('/node_modules/')) return false;
    this.importedPaths.add(specifier);
    return true;
  }
}

/** `./money` (or `./money.js` where Node's ESM resolution wants extensions) from `fromFile` to the module at `modulePath` (no extension). */
function relativeSpecifier(t: TS, fromFile: string, modulePath: string, options: TypeScript.CompilerOptions | undefined): string {
  let specifier = relative(dirname(fromFile), modulePath).split(sep).join('/');
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  const resolution = options?.moduleResolution;
  const needsExtension = resolution === t.ModuleResolutionKind.Node16 || resolution === t.ModuleResolutionKind.NodeNext;
  return needsExtension && !/\.[cm]?js$/.test(specifier) ? `${specifier}.js` : specifier;
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


/** TypeScript's file names use `/`. */
function toTsPath(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
