/**
 * Stage 3, synthetic edit data: real functions from the corpus, edited by an oracle, written in
 * exactly the prompt format the engine sends (protocol/prompt-format.ts), so the models are
 * trained on what they will see.
 *
 *   rename   the TypeScript language service's findRenameLocations inside the function
 *   fix      an injected misspelling of an identifier, or a deleted closing bracket; the
 *            oracle edit is the original function, the message is TypeScript's own wording
 *   extract  the language service's "Extract Symbol" refactor (function in the enclosing
 *            scope), renamed to the requested name
 *   copy     instruction "Keep the code unchanged." (plain copying, the base skill of every edit)
 *   optimizeLoop  an indexed `for (let i = 0; i < arr.length; i++)` loop that only reads `arr[i]`,
 *            rewritten as `for (const item of arr)`; the scope is the loop alone, as in the engine
 *   instruction   a free instruction on the whole function: `let` -> `const`, string concatenation
 *            -> template literals, or a top-level function declaration -> a const arrow function
 *            (2-3 phrasings each); rewrites and their safety rules are in edit-rewrites.ts, and an
 *            example is kept only when the compiler finds no new syntax error in the file (and, for
 *            instructions, no new semantic diagnostic either, on the file checked alone)
 *
 * Mix (SPECEDIT_MIX, weights of the kind drawn for each picked function):
 * rename:4,fix:3,extract:2,copy:1,optimizeLoop:6,instruction:3. A kind with nothing to do there
 * passes its turn to another draw (3 draws at most), so a kind's share is its weight times how often
 * it applies. Classic indexed loops are scarce (about 9% of corpus files have a `for (;;)` loop, 4%
 * a convertible one), hence the high loop weight. Measured on the train split (1500 examples,
 * seed 5): rename 33%, fix 35%, copy 12%, extract 7%, instruction 10% (arrow 79%, template 14%,
 * const 7%: the least used template that applies is tried first, and arrows apply almost
 * everywhere), optimizeLoop 3%.
 *
 * Usage: node ../dist/training-tools/training/gen-edits.js SPLIT MAX_EXAMPLES SEED > out.jsonl
 * Functions come from work/corpus/SPLIT.jsonl (valid = held-out packages).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { buildCompletion, buildPrompt, instructionFor } from '../protocol/prompt-format.js';
import type { EditKind } from '../protocol/edit-task.js';
import { addedDiagnostics, analyze, diagnosticsOf, INSTRUCTION_TEMPLATES, rewriteIndexedLoop } from './edit-rewrites.js';

const [split = 'train', maxArg = '1000', seedArg = '1'] = process.argv.slice(2);
const MAX = Number(maxArg);
const workDir = process.env.SPECEDIT_WORK ?? join(import.meta.dirname, '..', '..', '..', 'training', 'work');
let seed = Number(seedArg) >>> 0 || 1;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

interface Example {
  kind: EditKind | 'copy';
  split: string;
  file: string;
  original: string;
  edited: string;
  instruction: string;
  prompt: string;
  completion: string;
  oldName?: string;
  newName?: string;
}

/** A one-file language service: enough for rename and extract inside a function, and fast (no lib). */
function languageService(fileName: string, text: string): ts.LanguageService {
  const options: ts.CompilerOptions = { noLib: true, allowJs: true, target: ts.ScriptTarget.ES2022, noResolve: true, types: [] };
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [fileName],
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => (f === fileName ? ts.ScriptSnapshot.fromString(text) : undefined),
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: () => 'lib.d.ts',
    fileExists: (f) => f === fileName,
    readFile: (f) => (f === fileName ? text : undefined),
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

function functionsOf(sf: ts.SourceFile): ts.Node[] {
  const out: ts.Node[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.body) out.push(n);
    else if (ts.isVariableStatement(n) && n.declarationList.declarations.length === 1) {
      const init = n.declarationList.declarations[0].initializer;
      if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const WORDS = ['value', 'result', 'item', 'index', 'count', 'total', 'next', 'prev', 'node', 'key', 'entry', 'list', 'map',
  'source', 'target', 'options', 'config', 'state', 'data', 'input', 'output', 'buffer', 'current', 'parent', 'child',
  'name', 'path', 'text', 'token', 'error', 'handler', 'callback', 'listener', 'element', 'values', 'items', 'offset',
  'length', 'size', 'start', 'end', 'first', 'last', 'left', 'right', 'acc', 'temp', 'flag', 'found', 'pending', 'seen'];
const MODIFIERS = ['new', 'old', 'next', 'prev', 'cur', 'raw', 'parsed', 'local', 'inner', 'outer', 'my', 'the', 'tmp', 'is', 'has', 'all'];

function camel(a: string, b: string): string {
  return a + b[0].toUpperCase() + b.slice(1);
}

function newNameFor(old: string, taken: Set<string>): string {
  for (let i = 0; i < 20; i++) {
    const r = rand();
    const name = r < 0.35 ? pick(WORDS) : r < 0.7 ? camel(pick(MODIFIERS), old.replace(/^_+/, '') || pick(WORDS)) : r < 0.85 ? camel(pick(WORDS), pick(WORDS)) : pick(WORDS).slice(0, 1 + Math.floor(rand() * 3));
    if (!taken.has(name) && /^[A-Za-z_$][\w$]*$/.test(name) && name !== old) return name;
  }
  return old + '2';
}

function identifiersIn(node: ts.Node, sf: ts.SourceFile): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out.filter((id) => id.getStart(sf) >= node.getStart(sf));
}

function declaredNames(fn: ts.Node, sf: ts.SourceFile): ts.Identifier[] {
  return identifiersIn(fn, sf).filter((id) => {
    const p = id.parent;
    return (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && p.name === id;
  });
}

function example(kind: Example['kind'], file: string, original: string, edited: string, instruction: string, extra: Partial<Example> = {}): Example {
  const promptKind: EditKind = kind === 'copy' ? 'instruction' : kind;
  const prompt = buildPrompt({ kind: promptKind, file, context: '', original, instruction });
  return { kind, split, file, original, edited, instruction, prompt, completion: buildCompletion(edited), ...extra };
}

function renameExample(ls: ts.LanguageService, fileName: string, sf: ts.SourceFile, fn: ts.Node, rel: string): Example | null {
  const decls = declaredNames(fn, sf);
  if (decls.length === 0) return null;
  const id = pick(decls);
  const start = fn.getStart(sf);
  const end = fn.getEnd();
  const locs = ls.findRenameLocations(fileName, id.getStart(sf), false, false, { providePrefixAndSuffixTextForRename: false });
  if (!locs || locs.length < 2 || locs.some((l) => l.fileName !== fileName || l.textSpan.start < start || l.textSpan.start + l.textSpan.length > end)) return null;
  const taken = new Set(identifiersIn(fn, sf).map((i) => i.text));
  const newName = newNameFor(id.text, taken);
  const text = sf.text;
  let edited = text.slice(start, end);
  for (const l of [...locs].sort((a, b) => b.textSpan.start - a.textSpan.start)) {
    const s = l.textSpan.start - start;
    edited = edited.slice(0, s) + (l.prefixText ?? '') + newName + (l.suffixText ?? '') + edited.slice(s + l.textSpan.length);
  }
  return example('rename', rel, text.slice(start, end), edited, instructionFor('rename', { oldName: id.text, newName }), { oldName: id.text, newName });
}

function misspell(name: string): string {
  const r = rand();
  const i = 1 + Math.floor(rand() * Math.max(1, name.length - 2));
  if (r < 0.4 && name.length > 3) return name.slice(0, i) + name.slice(i + 1);
  if (r < 0.7 && name.length > 2) return name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
  return name.slice(0, i) + name[i] + name.slice(i);
}

function fixExample(sf: ts.SourceFile, fn: ts.Node, rel: string): Example | null {
  const start = fn.getStart(sf);
  const original = sf.text.slice(start, fn.getEnd());
  if (rand() < 0.5) {
    const uses = identifiersIn(fn, sf).filter((i) => i.text.length >= 3 && !declaredNames(fn, sf).includes(i));
    if (uses.length === 0) return null;
    const id = pick(uses);
    const wrong = misspell(id.text);
    if (wrong === id.text) return null;
    const s = id.getStart(sf) - start;
    const broken = original.slice(0, s) + wrong + original.slice(s + id.text.length);
    return example('fix', rel, broken, original, instructionFor('fix', { message: `Cannot find name '${wrong}'. Did you mean '${id.text}'?` }));
  }
  const closers = [...original.matchAll(/[)\]}]/g)].map((m) => m.index!);
  if (closers.length === 0) return null;
  const at = pick(closers);
  const ch = original[at];
  const broken = original.slice(0, at) + original.slice(at + 1);
  return example('fix', rel, broken, original, instructionFor('fix', { message: `'${ch}' expected.` }));
}

function extractExample(ls: ts.LanguageService, fileName: string, sf: ts.SourceFile, fn: ts.Node, rel: string): Example | null {
  let body: ts.Block | undefined;
  if (ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) body = fn.body;
  else if (ts.isVariableStatement(fn)) {
    const init = fn.declarationList.declarations[0].initializer;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && ts.isBlock(init.body)) body = init.body;
  }
  if (!body || body.statements.length < 3) return null;
  const n = body.statements.length;
  const a = Math.floor(rand() * (n - 1));
  const b = Math.min(n - 1, a + Math.floor(rand() * 3));
  const range = { pos: body.statements[a].getStart(sf), end: body.statements[b].getEnd() };
  const refactors = ls.getApplicableRefactors(fileName, range, {}, undefined, undefined);
  const action = refactors.find((r) => r.name === 'Extract Symbol')?.actions.find((x) => x.name === 'function_scope_0' && !x.notApplicableReason);
  if (!action) return null;
  const indent = /\n(\t| {2,4})\S/.exec(sf.text);
  const format: ts.FormatCodeSettings = { ...ts.getDefaultFormatCodeSettings('\n'), convertTabsToSpaces: indent?.[1] !== '\t', indentSize: indent?.[1] === '\t' ? 4 : (indent?.[1].length ?? 4), tabSize: 4 };
  const edits = ls.getEditsForRefactor(fileName, format, range, 'Extract Symbol', action.name, {});
  if (!edits || edits.edits.length !== 1) return null;
  const start = fn.getStart(sf);
  const end = fn.getEnd();
  const changes = edits.edits[0].textChanges;
  if (changes.some((c) => c.span.start < start || c.span.start + c.span.length > end)) return null;
  const original = sf.text.slice(start, end);
  let edited = original;
  for (const c of [...changes].sort((x, y) => y.span.start - x.span.start)) {
    const s = c.span.start - start;
    edited = edited.slice(0, s) + c.newText + edited.slice(s + c.span.length);
  }
  const functionName = newNameFor('fn', new Set(identifiersIn(fn, sf).map((i) => i.text)));
  edited = edited.replace(/\bnewFunction\b/g, functionName);
  if (edited === original) return null;
  return example('extract', rel, original, edited, instructionFor('extract', { functionName }));
}

/** A file as the compiler's checker sees it, made only for the kinds that need one. */
interface CheckedFile {
  fileName: string;
  sf: ts.SourceFile;
  checker: ts.TypeChecker;
  fns: ts.Node[];
  /** Loops and (template, function) pairs already used, so a file gives each example once. */
  used: Set<string>;
  syntax?: string[];
  semantic?: string[];
}

/** True when replacing [start, end) of the file by `edited` adds no diagnostic (syntax only, or all of them). */
function compilesAsBefore(file: CheckedFile, start: number, end: number, edited: string, semantic: boolean): boolean {
  const text = file.sf.text;
  const before = semantic ? (file.semantic ??= diagnosticsOf(file.fileName, text, true)) : (file.syntax ??= diagnosticsOf(file.fileName, text, false));
  return addedDiagnostics(before, diagnosticsOf(file.fileName, text.slice(0, start) + edited + text.slice(end), semantic)).length === 0;
}

/** From a random place on, the items of `xs` in order, wrapping around. */
function rotated<T>(xs: readonly T[]): T[] {
  const at = Math.floor(rand() * xs.length);
  return [...xs.slice(at), ...xs.slice(0, at)];
}

function loopExample(file: CheckedFile, rel: string, maxChars: number): Example | null {
  // Every loop of the file: the scope is the loop, so the size of the function around it does not matter.
  const loops: Array<[number, ts.ForStatement]> = [];
  const visit = (n: ts.Node): void => {
    if (ts.isForStatement(n) && n.getEnd() - n.getStart(file.sf) >= 40 && n.getEnd() - n.getStart(file.sf) <= maxChars) loops.push([n.getStart(file.sf), n]);
    ts.forEachChild(n, visit);
  };
  visit(file.sf);
  for (const [start, loop] of rotated(loops)) {
    if (file.used.has(`loop:${start}`)) continue;
    const edited = rewriteIndexedLoop(file.sf, loop, file.checker);
    if (!edited || !compilesAsBefore(file, start, loop.getEnd(), edited, false)) continue;
    file.used.add(`loop:${start}`);
    return example('optimizeLoop', rel, file.sf.text.slice(start, loop.getEnd()), edited, instructionFor('optimizeLoop', {}));
  }
  return null;
}

/** Instruction examples made so far per template. */
const templateCounts = new Map<string, number>();

/**
 * The template used least so far among those that apply in this file: arrow functions apply in most
 * files, never-reassigned `let`s and string concatenation in few, so a random pick would make most
 * instruction examples arrow functions.
 */
function instructionExample(file: CheckedFile, rel: string): Example | null {
  const templates = rotated(INSTRUCTION_TEMPLATES).sort((a, b) => (templateCounts.get(a.name) ?? 0) - (templateCounts.get(b.name) ?? 0));
  for (const template of templates) {
    for (const fn of rotated(file.fns)) {
      const start = fn.getStart(file.sf);
      const key = `${template.name}:${start}`;
      if (file.used.has(key)) continue;
      const edited = template.rewrite(file.sf, fn, file.checker);
      if (!edited || !compilesAsBefore(file, start, fn.getEnd(), edited, true)) continue;
      file.used.add(key);
      templateCounts.set(template.name, (templateCounts.get(template.name) ?? 0) + 1);
      const instruction = pick(template.phrasings);
      return example('instruction', rel, file.sf.text.slice(start, fn.getEnd()), edited, instructionFor('instruction', { instruction }));
    }
  }
  return null;
}

function main(): void {
  const lines = readFileSync(join(workDir, 'corpus', `${split}.jsonl`), 'utf8').split('\n').filter(Boolean);
  const order = lines.map((_, i) => i).sort(() => rand() - 0.5);
  const mix = (process.env.SPECEDIT_MIX ?? 'rename:4,fix:3,extract:2,copy:1,optimizeLoop:6,instruction:3').split(',').map((x) => x.split(':')).map(([k, w]) => [k, Number(w)] as const);
  const weight = mix.reduce((s, [, w]) => s + w, 0);
  const minChars = Number(process.env.SPECEDIT_MIN_CHARS ?? 120);
  const maxChars = Number(process.env.SPECEDIT_MAX_CHARS ?? 1100);
  let made = 0;
  for (const idx of order) {
    if (made >= MAX) break;
    const { path: rel, text } = JSON.parse(lines[idx]) as { path: string; text: string };
    if (rel.endsWith('.d.ts') || rel.endsWith('.d.mts') || rel.endsWith('.d.cts')) continue;
    const fileName = '/' + rel.replace(/\.(mjs|cjs|mts|cts)$/, '.js');
    const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
    const sized = (s: ts.SourceFile) => (f: ts.Node) => {
      const len = f.getEnd() - f.getStart(s);
      return len >= minChars && len <= maxChars;
    };
    const fns = functionsOf(sf).filter(sized(sf));
    if (fns.length === 0) continue;
    const ls = languageService(fileName, text);
    let checked: CheckedFile | undefined;
    const checkedFile = (): CheckedFile => {
      if (checked) return checked;
      const a = analyze(fileName, text);
      return (checked = { fileName, sf: a.sf, checker: a.checker, fns: functionsOf(a.sf).filter(sized(a.sf)), used: new Set() });
    };
    // A few functions per file keeps the mix varied without reading the whole corpus.
    const attempt = (kind: string, fn: ts.Node): Example | null => {
      try {
        if (kind === 'rename') return renameExample(ls, fileName, sf, fn, rel);
        if (kind === 'fix') return fixExample(sf, fn, rel);
        if (kind === 'extract') return extractExample(ls, fileName, sf, fn, rel);
        if (kind === 'optimizeLoop') return loopExample(checkedFile(), rel, maxChars);
        if (kind === 'instruction') return instructionExample(checkedFile(), rel);
        const original = sf.text.slice(fn.getStart(sf), fn.getEnd());
        return example('copy', rel, original, original, 'Keep the code unchanged.');
      } catch {
        return null; // the language service can fail on odd files; skip them
      }
    };
    for (let k = 0; k < 3 && made < MAX; k++) {
      const fn = pick(fns);
      // A kind with nothing to do here (no convertible loop, no rename target...) passes its turn
      // to another draw: the corpus, not MAX, limits the train split, so a miss would cost an example.
      let ex: Example | null = null;
      for (let tries = 0; tries < 3 && !ex; tries++) {
        let r = rand() * weight;
        ex = attempt(mix.find(([, w]) => (r -= w) < 0)?.[0] ?? 'copy', fn);
      }
      if (ex) {
        process.stdout.write(JSON.stringify(ex) + '\n');
        made++;
      }
    }
    ls.dispose();
  }
  process.stderr.write(`${split}: ${made} examples\n`);
}

main();
