/**
 * Eval tasks, generated deterministically from the fixture projects with the
 * oracle deciding what is a valid task:
 *   rename          every declared name the oracle can rename whose rename stays in its file,
 *                   to `renamed_<old>` (`Renamed_<Old>` for capitalised names: JSX components stay components)
 *   renameExported  exported names whose rename reaches other files (multi-file projects)
 *   renameSuggest   rename without a name (the models pick it); a spread sample of the rename tasks
 *   extract         one statement or a run of 2-4 consecutive statements of a block inside a function,
 *                   where the oracle offers "Extract to function in module scope"
 *   fixSpelling     one reference misspelled so that tsc says "Cannot find name 'x'. Did you mean 'y'?"
 *                   (and nothing else); that diagnostic is what the editor passes in the code action
 *   fixSyntax       one `)`, `}` or `;` inside a function body removed, where both TypeScript's parser
 *                   and specedit's own syntax diagnostics see an error
 * Sampling spreads over the candidates (a fixed stride permutation), so a
 * small sample still covers every file.
 */
import ts from 'typescript';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { syntaxProblems } from '../syntax/diagnostics.js';
import { Oracle, type OffsetRange } from './oracle.js';
import { displayPath, languageIdOf, type EvalProject } from './projects.js';

export const TASK_KINDS = ['rename', 'renameExported', 'extract', 'fixSpelling', 'fixSyntax', 'renameSuggest'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

interface TaskBase {
  /** Stable across runs: kind, file and position. */
  id: string;
  kind: TaskKind;
  project: string;
  /** Absolute path. */
  file: string;
}

export interface RenameTask extends TaskBase {
  kind: 'rename' | 'renameExported' | 'renameSuggest';
  /** Offset of the declaration's name. */
  offset: number;
  oldName: string;
  /** Absent for renameSuggest: the models choose. */
  newName?: string;
}

export interface ExtractTask extends TaskBase {
  kind: 'extract';
  range: OffsetRange;
  statements: number;
}

export interface FixTask extends TaskBase {
  kind: 'fixSpelling' | 'fixSyntax';
  /** The file's text with the injected error. */
  text: string;
  /** Where the error was injected (the misspelled name, or the empty range of the removed token). */
  injected: OffsetRange;
  /** What was injected, for reports: `name -> nmae` or `removed ')'`. */
  injection: string;
  /** fixSpelling: tsc's diagnostic, as an editor running typescript-language-server would send it. */
  diagnostic?: { range: OffsetRange; message: string; code: number };
}

export type EvalTask = RenameTask | ExtractTask | FixTask;

/** How many tasks of each kind to take; absent: every candidate. */
export type KindLimits = Partial<Record<TaskKind, number>>;

/** The full run's caps for the kinds that need the models (minutes each) or have thousands of candidates. */
export const FULL_LIMITS: KindLimits = { extract: 300, fixSpelling: 40, fixSyntax: 60, renameSuggest: 20 };

export interface GeneratedTasks {
  tasks: EvalTask[];
  /** Candidates examined and rejected per kind, with the reasons counted. */
  rejected: Partial<Record<TaskKind, Record<string, number>>>;
}

export function generateTasks(projects: readonly EvalProject[], oracles: ReadonlyMap<string, Oracle>, kinds: readonly TaskKind[], limits: KindLimits): GeneratedTasks {
  const rejected: GeneratedTasks['rejected'] = {};
  const reject = (kind: TaskKind, reason: string) => {
    const counts = (rejected[kind] ??= {});
    counts[reason] = (counts[reason] ?? 0) + 1;
  };
  const tasks: EvalTask[] = [];
  const wants = (k: TaskKind) => kinds.includes(k) && limits[k] !== 0;

  const renames = { rename: [] as RenameTask[], renameExported: [] as RenameTask[] };
  if (wants('rename') || wants('renameExported') || wants('renameSuggest')) {
    for (const p of projects) {
      const found = renameCandidates(p, oracles.get(p.name)!, reject);
      renames.rename.push(...found.rename);
      renames.renameExported.push(...found.renameExported);
    }
  }
  if (wants('rename')) tasks.push(...spread(renames.rename, limits.rename));
  if (wants('renameExported')) tasks.push(...spread(renames.renameExported, limits.renameExported));
  if (wants('extract')) {
    const candidates = projects.flatMap((p) => extractCandidates(p, oracles.get(p.name)!));
    tasks.push(...pick(candidates, limits.extract, (r) => reject('extract', r)));
  }
  if (wants('fixSpelling')) {
    const candidates = projects.flatMap((p) => spellingCandidates(p, oracles.get(p.name)!));
    tasks.push(...pick(candidates, limits.fixSpelling, (r) => reject('fixSpelling', r)));
  }
  if (wants('fixSyntax')) {
    const candidates = projects.flatMap((p) => syntaxCandidates(p, oracles.get(p.name)!));
    tasks.push(...pick(candidates, limits.fixSyntax, (r) => reject('fixSyntax', r)));
  }
  if (wants('renameSuggest')) {
    const suggest = spread(renames.rename, limits.renameSuggest).map((t): RenameTask => ({ ...t, kind: 'renameSuggest', id: t.id.replace(/^rename/, 'renameSuggest'), newName: undefined }));
    tasks.push(...suggest);
  }
  return { tasks, rejected };
}

// ---- rename ----

function renameCandidates(project: EvalProject, oracle: Oracle, reject: (k: TaskKind, r: string) => void) {
  const out = { rename: [] as RenameTask[], renameExported: [] as RenameTask[] };
  for (const file of project.files) {
    const source = oracle.sourceFile(file);
    const seen = new Set<string>();
    for (const name of declarationNames(source)) {
      const offset = name.getStart(source);
      const found = oracle.renameLocations(file, offset);
      if (!found.ok) {
        reject('rename', `oracle: ${found.reason}`);
        continue;
      }
      // A binding declared more than once (overloads, merged declarations) is one task.
      const key = found.locations.map((l) => `${l.fileName}:${l.textSpan.start}`).sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      const oldName = name.text;
      const newName = /^[A-Z]/.test(oldName) ? `Renamed_${oldName}` : `renamed_${oldName}`;
      const crossFile = found.locations.some((l) => l.fileName !== file);
      const kind = crossFile ? 'renameExported' : 'rename';
      out[kind].push({ id: `${kind}:${displayPath(project, file)}:${offset}:${oldName}`, kind, project: project.name, file, offset, oldName, newName });
    }
  }
  return out;
}

/** The name identifiers of every declaration a rename can start from: variables, parameters, functions, classes, types, imports. */
function declarationNames(source: ts.SourceFile): ts.Identifier[] {
  const names: ts.Identifier[] = [];
  const addBinding = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.push(name);
    else for (const e of name.elements) if (!ts.isOmittedExpression(e)) addBinding(e.name);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node)) addBinding(node.name);
    else if (ts.isParameter(node)) {
      const property = (ts.getModifiers(node)?.length ?? 0) > 0;
      if (!property && !(ts.isIdentifier(node.name) && node.name.text === 'this')) addBinding(node.name);
    } else if (
      (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node) ||
        ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node) || ts.isTypeParameterDeclaration(node) ||
        ts.isImportClause(node) || ts.isNamespaceImport(node) || ts.isImportSpecifier(node)) &&
      node.name && ts.isIdentifier(node.name)
    ) {
      names.push(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names.sort((a, b) => a.pos - b.pos);
}

// ---- extract ----

export function extractCandidates(project: EvalProject, oracle: Oracle): Array<() => ExtractTask | string> {
  const out: Array<() => ExtractTask | string> = [];
  for (const file of project.files) {
    const source = oracle.sourceFile(file);
    for (const statements of statementLists(source)) {
      for (let i = 0; i < statements.length; i++) {
        for (let n = 1; n <= 4 && i + n <= statements.length; n++) {
          const range = { start: statements[i].getStart(source), end: statements[i + n - 1].end };
          out.push(() => {
            const available = oracle.extractAction(file, range);
            if (!available.ok) return `oracle: ${available.reason}`;
            return { id: `extract:${displayPath(project, file)}:${range.start}-${range.end}`, kind: 'extract', project: project.name, file, range, statements: n };
          });
        }
      }
    }
  }
  return out;
}

/** Statement lists of blocks inside functions (bodies, and blocks nested in them). */
function statementLists(source: ts.SourceFile): Array<readonly ts.Statement[]> {
  const lists: Array<readonly ts.Statement[]> = [];
  const visit = (node: ts.Node, inFunction: boolean): void => {
    const isFunction = ts.isFunctionLike(node);
    if (ts.isBlock(node) && (inFunction || isFunction)) lists.push(node.statements);
    ts.forEachChild(node, (child) => visit(child, inFunction || isFunction));
  };
  visit(source, false);
  return lists;
}

// ---- fix: misspellings ----

const DID_YOU_MEAN = 2552;

function spellingCandidates(project: EvalProject, oracle: Oracle): Array<() => FixTask | string> {
  const out: Array<() => FixTask | string> = [];
  for (const file of project.files) {
    const source = oracle.sourceFile(file);
    const checker = oracle.checker();
    const used = new Set<ts.Symbol>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && isReference(node) && node.text.length >= 3) {
        const symbol = checker.getSymbolAtLocation(node);
        const local = symbol?.declarations?.some((d) => project.files.includes(d.getSourceFile().fileName));
        if (symbol && local && !used.has(symbol)) {
          used.add(symbol);
          const start = node.getStart(source);
          const name = node.text;
          const wrong = misspell(name);
          out.push(() => {
            const original = oracle.text(file);
            const text = original.slice(0, start) + wrong + original.slice(start + name.length);
            const diagnostics = oracle.with(new Map([[file, text]]), () => oracle.diagnostics(oracle.affected([file])));
            const [d] = diagnostics;
            if (diagnostics.length !== 1 || d.code !== DID_YOU_MEAN || d.start !== start) return `tsc does not answer with exactly one "Did you mean" at the name (${diagnostics.length} diagnostics)`;
            const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
            if (!message.includes(`'${name}'`)) return 'tsc suggests another name';
            return {
              id: `fixSpelling:${displayPath(project, file)}:${start}:${name}`,
              kind: 'fixSpelling',
              project: project.name,
              file,
              text,
              injected: { start, end: start + wrong.length },
              injection: `${name} -> ${wrong}`,
              diagnostic: { range: { start, end: start + wrong.length }, message, code: d.code },
            };
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

/** An identifier that refers to a binding (not a declaration's name, not a property name, not a label). */
function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) && parent.getChildAt(2) === node) return false;
  if ('name' in parent && (parent as { name?: ts.Node }).name === node) return false;
  if (ts.isPropertyAssignment(parent) || ts.isShorthandPropertyAssignment(parent) || ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isJsxAttribute(parent)) return false;
  if (ts.isJsxOpeningElement(parent) || ts.isJsxSelfClosingElement(parent) || ts.isJsxClosingElement(parent)) return false;
  return true;
}

/** A typo a person makes: two neighbouring letters swapped in the middle of the name, else one dropped. */
export function misspell(name: string): string {
  const i = Math.floor(name.length / 2) - 1;
  if (name[i] !== name[i + 1]) return name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
  return name.slice(0, i) + name.slice(i + 1);
}

// ---- fix: syntax errors ----

const REMOVABLE = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.CloseParenToken, ')'],
  [ts.SyntaxKind.CloseBraceToken, '}'],
  [ts.SyntaxKind.SemicolonToken, ';'],
]);

function syntaxCandidates(project: EvalProject, oracle: Oracle): Array<() => FixTask | string> {
  const out: Array<() => FixTask | string> = [];
  for (const file of project.files) {
    const source = oracle.sourceFile(file);
    const tokens: ts.Node[] = [];
    const visit = (node: ts.Node, inBody: boolean): void => {
      if (inBody && REMOVABLE.has(node.kind)) tokens.push(node);
      const body = ts.isFunctionLike(node) ? (node as ts.FunctionLikeDeclaration).body : undefined;
      for (const child of node.getChildren(source)) visit(child, inBody || (body !== undefined && ts.isBlock(body) && child === body));
    };
    visit(source, false);
    for (const token of tokens) {
      const start = token.getStart(source);
      const removed = REMOVABLE.get(token.kind)!;
      out.push(() => {
        const original = oracle.text(file);
        const text = original.slice(0, start) + original.slice(start + 1);
        if (oracle.syntaxErrors(file, text).length === 0) return `removing '${removed}' leaves valid TypeScript`;
        if (syntaxProblems(new SyntaxDocument(languageIdOf(file), text).tree).length === 0) return `specedit's syntax diagnostics see no error without '${removed}'`;
        return {
          id: `fixSyntax:${displayPath(project, file)}:${start}:${removed}`,
          kind: 'fixSyntax',
          project: project.name,
          file,
          text,
          injected: { start, end: start },
          injection: `removed '${removed}'`,
        };
      });
    }
  }
  return out;
}

// ---- sampling ----

/**
 * Up to `limit` valid tasks, candidates taken in a stride order that spreads
 * over all files; returned in candidate (file, offset) order.
 */
export function pick<T>(candidates: Array<() => T | string>, limit: number | undefined, reject: (reason: string) => void): T[] {
  const chosen: Array<{ index: number; task: T }> = [];
  for (const index of strideOrder(candidates.length)) {
    if (limit !== undefined && chosen.length >= limit) break;
    const task = candidates[index]();
    if (typeof task === 'string') reject(task);
    else chosen.push({ index, task });
  }
  return chosen.sort((a, b) => a.index - b.index).map((c) => c.task);
}

/** `limit` items spread evenly over `items` (all of them when there are fewer). */
export function spread<T>(items: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

/** 0..n-1 in a fixed order that visits far-apart indices first (a stride coprime with n, about n/φ). */
export function strideOrder(n: number): number[] {
  if (n === 0) return [];
  let step = Math.max(1, Math.round(n * 0.618));
  while (gcd(step, n) !== 1) step++;
  return Array.from({ length: n }, (_, k) => (k * step) % n);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
