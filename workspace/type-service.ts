/**
 * TypeScript's checker behind protocol's `TypeView`: one `ts.LanguageService`
 * per tsconfig (the nearest `tsconfig.json` above the file, else strict
 * defaults), created on the first question about one of its files and kept.
 * Its host serves the open documents' text and the disk's otherwise; parsed
 * files are shared between projects (one document registry), and a file is
 * read again only when its text (open) or its mtime and size (disk) change.
 *
 * It runs on the main thread, so every question is bounded; a question cut
 * short answers "unknown" (undefined, logged at debug), as for JavaScript:
 * - The first program of a big project takes seconds to read and parse. Each
 *   question may spend `buildBudgetMs` on reading files; past it the question
 *   gets no answer and what was parsed stays in the registry, so the next
 *   question goes on from there.
 * - Once the program is built, the checker may spend `questionBudgetMs`
 *   answering. The host's cancellation token (`getCancellationToken`, also
 *   handed to the program's diagnostics) says "cancelled" past it or when the
 *   edit's signal is aborted; TypeScript polls it at each function, class and
 *   function expression it checks and throws `OperationCanceledException`
 *   (the program then drops its checker, which may be half-way through).
 * - All the questions of one edit (one `AbortSignal`) may take
 *   `editBudgetMs` together; past it they answer unknown at once.
 * - `typesAt` looks at the limits between its queries: the checker polls the
 *   token only while it reports diagnostics.
 * A worker thread would free the main thread altogether, but it would need
 * the open documents' text sent over on each change and its own copy of
 * TypeScript and of the parsed files. Bounded, a question holds the thread
 * for its budget at most, and the callers yield to the event loop between
 * questions, so didChange and $/cancelRequest are seen in between.
 *
 * A project's roots are its declaration files and the last `maxRoots` files
 * asked about (those open in the editor are the last to go), so a long
 * session's program holds the import closure of the files in use, not of
 * every file ever asked about; the texts kept for files that left the
 * program are dropped.
 *
 * The typescript package (about 9 MB of JavaScript) is loaded synchronously
 * on the first question, so the server's startup does not pay for it.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type * as TypeScript from 'typescript';
import type { DocumentSnapshot } from '../protocol/edit-task.js';
import type { CheckedType, RenameLocation, RenameLocations, TypeParameterText, TypeProblem, TypeQuery, TypeQuestionOptions, TypeView } from '../protocol/type-view.js';
import { pathOf } from './workspace-index.js';
import { pathToFileURL } from 'node:url';
import { typescript } from '../syntax/typescript.js';
import { fileStamp } from './file-stamp.js';

type TS = typeof TypeScript;

export interface TypeServiceOptions {
  /** The open documents: their text wins over the disk's. */
  openDocuments?: () => Iterable<DocumentSnapshot>;
  logger?: { debug(message: string): void };
  /** How long one question may spend reading and parsing files (default 3000 ms). */
  buildBudgetMs?: number;
  /** How long the checker may spend answering one question once the program is built (default 1500 ms). */
  questionBudgetMs?: number;
  /** How long the questions of one edit (one signal) may take together, builds included (default 5000 ms). */
  editBudgetMs?: number;
  /**
   * How long the rename questions of one edit may take together (default
   * 15000 ms): a rename reads the whole project, in slices of
   * `buildBudgetMs` with the event loop let in between.
   */
  renameBudgetMs?: number;
  /** How many of the files asked about stay roots of a project's program (default 16). */
  maxRoots?: number;
}

/** What one project of the service holds, for tests and diagnostics. */
export interface TypeProjectSummary {
  name: string;
  /** The root files of its program: declaration files of the project, then the files asked about, least recent first. */
  roots: string[];
  /** Files whose text the host keeps (the program's files, lib files included). */
  keptFiles: number;
}

/**
 * Longer printed types are refused. Long enough for an object type with a
 * few import types (`schema['~standard']` in ky): a parameter left untyped
 * is an error under `noImplicitAny`, and TypeScript's extraction prints the
 * type whatever its length.
 */
const MAX_TYPE_LENGTH = 1200;
const TYPED_LANGUAGES: ReadonlySet<string> = new Set(['typescript', 'typescriptreact']);

export class TypeService implements TypeView {
  private registry: TypeScript.DocumentRegistry | undefined;
  private readonly projects = new Map<string, Project>();
  /** Milliseconds the questions of each edit have taken so far. */
  private readonly spentByEdit = new WeakMap<AbortSignal, number>();

  constructor(private readonly options: TypeServiceOptions = {}) {}

  typesAt(document: DocumentSnapshot, queries: readonly TypeQuery[], options?: TypeQuestionOptions): Map<number, CheckedType> | undefined {
    if (queries.length === 0) return undefined;
    return this.ask(document, 'types', options?.signal, (project, path, limits) => {
      const types = project.typesAt(path, document.text, queries, this.openTexts(), limits);
      return { answer: types, said: `${types.size} of ${queries.length} from ${project.name}` };
    }, (_why, building) => building && options?.onBuilding?.());
  }

  problemsIn(document: DocumentSnapshot, text = document.text, options?: TypeQuestionOptions): TypeProblem[] | undefined {
    // Every question passes the text it is about, so the service need not be put back to the document's own.
    return this.ask(document, 'errors', options?.signal, (project, path, limits) => {
      const problems = project.errorsOf(path, text, this.openTexts(), limits);
      return { answer: problems, said: `${problems.length} in ${text === document.text ? '' : 'an edit of '}the file` };
    });
  }

  /**
   * TypeScript's rename at `offset`, over every source file of the
   * document's project (the question's roots are all of them, so importers
   * are in the program); the other questions go back to their small roots.
   * A project too big for the budgets is refused with why: the files parsed
   * so far stay in the registry, so asking again goes on from there.
   */
  renameLocations(document: DocumentSnapshot, offset: number, options?: TypeQuestionOptions): RenameLocations {
    let why = 'there is no type checker for this document';
    let building = false;
    const answer = this.ask(document, 'rename', options?.signal, (project, path, limits) => {
      const found = project.renameAt(path, document.text, offset, this.openTexts(), limits);
      return { answer: found, said: found.ok ? `${found.locations.length} locations from ${project.name}` : found.reason };
    }, (reason, build) => ((why = reason), (building = build)), this.options.renameBudgetMs ?? 15000);
    if (answer) return answer;
    return { ok: false, reason: `TypeScript's rename gave no answer: ${why}`, ...(building ? { building: true as const } : {}) };
  }

  /** Each project's roots and kept files. */
  summary(): TypeProjectSummary[] {
    return [...this.projects.values()].map((p) => p.summary());
  }

  /**
   * One question about `document` to the project it belongs to, within the
   * budgets; undefined (logged) when there is no checker for it, the
   * question was cut short, or the service failed.
   */
  private ask<T>(
    document: DocumentSnapshot,
    what: string,
    signal: AbortSignal | undefined,
    question: (project: Project, path: string, limits: QuestionLimits) => { answer: T; said: string },
    said?: (why: string, building: boolean) => void,
    editBudgetMs = this.options.editBudgetMs ?? 5000,
  ): T | undefined {
    if (!TYPED_LANGUAGES.has(document.languageId)) return undefined;
    const path = pathOf(document.uri);
    if (path === undefined) return undefined;
    const unknown = (why: string, project?: Project, building = false): undefined => {
      this.options.logger?.debug(`${what}: none for ${document.uri} (${project?.name ?? 'no project'}): ${why}`);
      said?.(why, building);
      return undefined;
    };
    if (signal?.aborted) return unknown('the edit was cancelled');
    const editBudget = editBudgetMs;
    const spent = signal ? (this.spentByEdit.get(signal) ?? 0) : 0;
    if (spent >= editBudget) return unknown(`the edit's ${editBudget} ms for type questions are spent`);
    const started = performance.now();
    const build = this.options.buildBudgetMs ?? 3000;
    const check = this.options.questionBudgetMs ?? 1500;
    // A question outside an edit (no signal) has no edit budget, only its own.
    const limits = new QuestionLimits(started, build, check, signal ? started + editBudget - spent : Infinity, signal);
    let project: Project | undefined;
    try {
      project = this.projectFor(path);
      const { answer, said } = question(project, toTsPath(path), limits);
      this.options.logger?.debug(`${what}: ${said} of ${document.uri} in ${(performance.now() - started).toFixed(0)} ms`);
      return answer;
    } catch (error) {
      if (error instanceof BudgetExceeded) return unknown(`building the program ran past ${(limits.buildDeadline - started).toFixed(0)} ms (the next question goes on)`, project, !signal?.aborted && performance.now() < limits.editDeadline);
      if (error instanceof typescript().OperationCanceledException) return unknown(limits.whyStopped(), project);
      return unknown((error as Error).message, project);
    } finally {
      if (signal) this.spentByEdit.set(signal, spent + performance.now() - started);
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
    const project = new Project(t, this.registry, key || 'inferred project', stamp, options, fileNames, directory, this.options.maxRoots ?? 16);
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

/**
 * When one question stops: reads stop at the build deadline; checking, once
 * the program is built, at the check deadline; both at the edit's deadline
 * and when its signal is aborted. Also the cancellation token TypeScript
 * polls while it checks.
 */
class QuestionLimits implements TypeScript.CancellationToken {
  readonly buildDeadline: number;
  private checkDeadline = Infinity;

  constructor(
    started: number,
    buildMs: number,
    private readonly checkMs: number,
    readonly editDeadline: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.buildDeadline = Math.min(started + buildMs, editDeadline);
  }

  /** The program is built: the checker's time starts. */
  startChecking(): void {
    this.checkDeadline = Math.min(performance.now() + this.checkMs, this.editDeadline);
  }

  buildSpent(): boolean {
    return this.signal?.aborted === true || performance.now() > this.buildDeadline;
  }

  isCancellationRequested(): boolean {
    return this.signal?.aborted === true || performance.now() > this.checkDeadline;
  }

  throwIfCancellationRequested(): void {
    if (this.isCancellationRequested()) throw new (typescript().OperationCanceledException)();
  }

  whyStopped(): string {
    if (this.signal?.aborted) return 'the edit was cancelled';
    return this.checkDeadline >= this.editDeadline ? "the edit's time for type questions ran out" : `checking ran past ${this.checkMs} ms`;
  }
}

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
  /** The project's declaration files: always roots. */
  private readonly declarations: string[];
  /** Files asked about, least recent first; at most `maxRoots`. */
  private asked: string[] = [];
  private roots: string[];
  /** A root was dropped: the texts of the files that left the program go after the next build. */
  private pruneDue = false;
  /** Files its configuration does not include: they belong to the inferred project. */
  readonly outsiders = new Set<string>();
  private readonly included: ReadonlySet<string>;
  private readonly files = new Map<string, FileState>();
  private open = new Map<string, string>();
  /** The question being answered: what stops its reads and its checking. */
  private limits: QuestionLimits | undefined;
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
    private readonly maxRoots: number,
  ) {
    // The program starts from the project's declaration files (ambient types: JSX, globals) and grows by the
    // files asked about: their imports come in through resolution. A big project's other sources stay out,
    // so the first question costs the edited file's import closure, not the whole project.
    this.declarations = fileNames.filter((f) => /\.d\.[cm]?ts$/.test(f));
    this.roots = this.declarations;
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
      // No question, no cancellation: the service's own calls outside a question run to the end.
      getCancellationToken: () => ({ isCancellationRequested: () => this.limits?.isCancellationRequested() ?? false }),
    };
    this.service = t.createLanguageService(host, registry);
  }

  /** The answers for `queries` in `path`, whose text is `text`; `open` are the editor's texts of the open files. */
  typesAt(path: string, text: string, queries: readonly TypeQuery[], open: Map<string, string>, limits: QuestionLimits): Map<number, CheckedType> {
    return this.within(limits, () => {
      const program = this.programWith(path, text, open);
      // The checker does not poll the token outside diagnostics: the limits are looked at between queries.
      return typesIn(this.t, program.getTypeChecker(), program, program.getSourceFile(path)!, queries, limits);
    });
  }

  /** TypeScript's rename locations at `offset` of `path` (text `text`), with every source file of the project a root. */
  renameAt(path: string, text: string, offset: number, open: Map<string, string>, limits: QuestionLimits): RenameLocations {
    const small = this.roots;
    // The inferred project has no file list: the open documents stand for it.
    const sources = this.included.size > 0 ? [...this.included] : [...open.keys()];
    try {
      return this.within(limits, () => {
        this.open = new Map(open);
        this.open.set(path, text);
        this.roots = [...new Set([...this.declarations, ...sources, path])];
        const program = this.service.getProgram();
        if (!program?.getSourceFile(path)) throw new Error(`${path} is not in the program`);
        limits.startChecking();
        const preferences = { providePrefixAndSuffixTextForRename: true, allowRenameOfImportPath: false };
        const info = this.service.getRenameInfo(path, offset, preferences);
        if (!info.canRename) return { ok: false as const, reason: info.localizedErrorMessage };
        const found = this.service.findRenameLocations(path, offset, false, false, preferences) ?? [];
        const locations: RenameLocation[] = found.map((l) => ({
          uri: pathToFileURL(l.fileName).href,
          start: l.textSpan.start,
          end: l.textSpan.start + l.textSpan.length,
          prefix: l.prefixText ?? '',
          suffix: l.suffixText ?? '',
        }));
        const outside = found.find((l) => l.fileName.includes('/node_modules/') || /\.d\.[cm]?ts$/.test(l.fileName));
        if (outside) return { ok: false as const, reason: `the rename would change ${outside.fileName}, a declaration file or a package; rename it there` };
        return { ok: true as const, locations };
      });
    } finally {
      this.roots = small;
    }
  }

  /** The errors TypeScript reports for `path` with the text `text`. */
  errorsOf(path: string, text: string, open: Map<string, string>, limits: QuestionLimits): TypeProblem[] {
    return this.within(limits, () => {
      const program = this.programWith(path, text, open);
      const source = program.getSourceFile(path)!;
      const t = this.t;
      return [...program.getSyntacticDiagnostics(source, limits), ...program.getSemanticDiagnostics(source, limits)]
        .filter((d) => d.category === t.DiagnosticCategory.Error)
        .map((d) => ({ code: d.code, message: t.flattenDiagnosticMessageText(d.messageText, '\n'), offset: d.start ?? 0 }));
    });
  }

  private within<T>(limits: QuestionLimits, question: () => T): T {
    this.limits = limits;
    this.readsSinceDeadline = 0;
    try {
      return question();
    } finally {
      this.limits = undefined;
    }
  }

  /** The program with `path` holding `text` and the open files the editor's texts; the checker's time starts when it is built. */
  private programWith(path: string, text: string, open: Map<string, string>): TypeScript.Program {
    this.open = new Map(open);
    this.open.set(path, text);
    this.askedAbout(path);
    const program = this.service.getProgram();
    if (!program?.getSourceFile(path)) throw new Error(`${path} is not in the program`);
    if (this.pruneDue) this.prune(program);
    this.limits?.startChecking();
    return program;
  }

  /** `path` becomes the most recent root; past `maxRoots`, the least recent one not open in the editor goes (else the least recent). */
  private askedAbout(path: string): void {
    if (this.asked[this.asked.length - 1] === path) return;
    const asked = [...this.asked.filter((f) => f !== path), path];
    while (asked.length > this.maxRoots) {
      const closed = asked.findIndex((f) => !this.open.has(f));
      asked.splice(closed === -1 ? 0 : closed, 1);
      this.pruneDue = true;
    }
    this.asked = asked;
    this.roots = [...this.declarations, ...asked];
  }

  /** Forgets the texts of files no longer in the program (a dropped root and what only it imported). */
  private prune(program: TypeScript.Program): void {
    for (const file of this.files.keys()) if (!program.getSourceFile(file)) this.files.delete(file);
    this.pruneDue = false;
  }

  includes(path: string): boolean {
    return this.included.has(path);
  }

  summary(): TypeProjectSummary {
    return { name: this.name, roots: [...this.roots], keptFiles: this.files.size };
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
    if (this.readsSinceDeadline > 0 && this.limits?.buildSpent()) throw new BudgetExceeded();
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
function typesIn(
  t: TS,
  checker: TypeScript.TypeChecker,
  program: TypeScript.Program,
  source: TypeScript.SourceFile,
  queries: readonly TypeQuery[],
  limits: TypeScript.CancellationToken,
): Map<number, CheckedType> {
  const answers = new Map<number, CheckedType>();
  for (const query of queries) {
    limits.throwIfCancellationRequested();
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
    const modifier = declaration.modifiers?.some((m) => m.kind === t.SyntaxKind.ConstKeyword) ? 'const ' : '';
    this.typeParameters.set(name, { name, declaration: `${modifier}${name}${constraint ? ` extends ${constraint.getText(this.source)}` : ''}`, offset });
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
