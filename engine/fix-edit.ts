/**
 * Fixes that need no model (layer 1 for the `fix` kind): the diagnostic's own
 * suggestion ("Did you mean 'y'?", "'}' expected.") and, for a syntax error,
 * a small search for the one-token repair that makes the code parse again
 * (insert or delete one bracket, `;` or `,` near the error).
 *
 * Every repair is checked by parsing the document with it: it must remove the
 * error at the diagnostic and add none. When several repairs pass, the
 * verifier ranks them (rank mode, named as such); without models the one
 * nearest the diagnostic is taken. Only when no repair is found does the fix
 * go to the model drafters and the exact verify loop.
 */
import type { DocumentSnapshot, EditOutcome, EditTask } from '../protocol/edit-task.js';
import type { TypeView } from '../protocol/type-view.js';
import type { EditScope } from './edit-scope.js';
import { structuralStats } from '../protocol/stats.js';
import { applyReplacements, lineOf, rangesTouch, type OffsetRange } from '../protocol/text.js';
import { syntaxProblems, type SyntaxProblem } from '../syntax/diagnostics.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { typescriptParseErrors, type ParseError } from '../syntax/parse-errors.js';
import { fixCandidates, type TextCandidate } from './structural-candidates.js';
import { SpliceChecker } from './syntax-filter.js';
import { firstLine, prepareEdit } from './edit-prompt.js';
import { minimalReplacements } from './minimal-edits.js';

/** A repair: the scope as it would be, and where it changes the document. */
export interface FixCandidate extends TextCandidate {
  /** Document offset of the change (for "nearest the diagnostic first"). */
  at: number;
}

const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['(', ')'],
  ['[', ']'],
  ['{', '}'],
];
const SEPARATORS = [';', ','];
const DELETABLE = new Set(['(', ')', '[', ']', '{', '}', ';', ',']);
/** Lines either side of the error that the search tries. */
const WINDOW_LINES = 2;
/** Most parses one fix may spend (a parse of a few hundred lines takes 1-5 ms). */
const MAX_PARSES = 200;
/** Parses spent looking for alternatives once one repair is found. */
const ALTERNATIVE_PARSES = 24;
/** A missing opener is rarer than a missing closer or an extra one: tried as if this many characters further. */
const OPENER_PENALTY = 8;
const OPENERS = new Set(['(', '[', '{']);
/** Tokens conventionally written against the token before them. */
const ATTACHED = new Set([';', ',', ')', ']']);
/** Repairs kept for the verifier to rank. */
const MAX_REPAIRS = 4;
/** The name tree-sitter or TypeScript gives the missing token: "missing `)`", "')' expected.". */
const NAMED_TOKEN = /missing `([^`]{1,3})`|^'([^']{1,3})' expected/;

/**
 * The repairs for the diagnostic at `range` in `scope` of the parsed
 * document `syntax`, nearest first: the
 * diagnostic's own suggestion, then one-token syntax repairs. Each one parses
 * with the error at the diagnostic gone and no new error.
 */
export function structuralFixes(syntax: SyntaxDocument, scope: OffsetRange, range: OffsetRange, message: string): FixCandidate[] {
  const { languageId, text } = syntax;
  const baseline = syntaxProblems(syntax.tree);
  const checker = new SpliceChecker(languageId, text, scope, baseline, { requireClean: true });
  const tsErrors = typescriptParseErrors(languageId, text);
  const original = text.slice(scope.start, scope.end);
  const out: FixCandidate[] = [];
  const seen = new Set<string>([original]);
  const keep = (candidate: FixCandidate) => {
    if (seen.has(candidate.text)) return;
    seen.add(candidate.text);
    out.push(candidate);
  };
  // A `}` missing where the indentation says its block ends goes on a line of its own, before anything else is tried.
  const closes = blockEndsByIndentation(text, scope);
  for (const close of closes) {
    const fixed = text.slice(0, close.at) + close.insert + text.slice(close.at);
    const scopeEnd = scope.end + close.insert.length;
    if (!repairParses(languageId, fixed, scope.start, scopeEnd, baseline, true)) continue;
    keep({ name: `fix: insert \`}\` at line ${lineOf(text, close.at)}`, text: fixed.slice(scope.start, scopeEnd), at: close.at });
  }
  // The indentation is better evidence than nearness to where the parser gave up.
  if (out.length > 0) return out;
  for (const c of fixCandidates(text, scope, range, message)) {
    if (!checker.check(c.text).ok) continue;
    const fixed = text.slice(0, scope.start) + c.text + text.slice(scope.end);
    if (tsErrors.length > 0 && typescriptRejects(languageId, fixed, scope.start, scope.start + c.text.length)) continue;
    keep({ ...c, at: range.start });
  }
  const near = baseline.filter((p) => rangesTouch(p.range, range) || rangesTouch(p.range, scope));
  // A `}` missing inside the scope is reported where the file ends: the indentation says where it goes.
  const targets = near.length > 0 || closes.length === 0 ? near : baseline;
  if (targets.length > 0) {
    for (const repair of syntaxRepairs(languageId, text, scope, range, baseline, tsErrors, targetsNear(targets, range), message)) keep(repair);
  }
  return out;
}

/** The problems at the diagnostic; all problems in the scope when none touches it. */
function targetsNear(problems: SyntaxProblem[], range: OffsetRange): SyntaxProblem[] {
  const at = problems.filter((p) => rangesTouch(p.range, range));
  return at.length > 0 ? at : problems;
}

/**
 * One-token edits near the error, nearest first, kept when the document then
 * has fewer syntax errors, none of them new, and none left at the diagnostic.
 */
function syntaxRepairs(
  languageId: string,
  text: string,
  scope: OffsetRange,
  range: OffsetRange,
  baseline: SyntaxProblem[],
  tsErrors: ParseError[],
  targets: SyntaxProblem[],
  message: string,
): FixCandidate[] {
  const original = text.slice(scope.start, scope.end);
  const inScope = (at: number) => at >= scope.start && at <= scope.end;
  // Where to look, best first: TypeScript's parse errors (exact positions, syntax/parse-errors.ts), then the
  // diagnostic and tree-sitter's problems (an ERROR node can span the whole function: a wide window there).
  const anchors: Array<{ at: number; lines: number }> = tsErrors
    .filter((e) => inScope(e.start))
    .slice(0, 3)
    .map((e) => ({ at: e.start, lines: 1 }));
  anchors.push({ at: Math.min(range.start, ...targets.map((t) => t.range.start)), lines: WINDOW_LINES });
  const tokens = insertableTokens(original, message);
  const edits: Array<{ at: number; remove: number; insert: string; rank: number; distance: number }> = [];
  anchors.forEach((anchor, rank) => {
    const start = Math.max(scope.start, lineStart(text, anchor.at, anchor.lines));
    const end = Math.min(scope.end, lineEnd(text, anchor.at, anchor.lines));
    // `;` `,` `)` `]` are written against the token before them: measured from there, not from the next token.
    const attached = previousTokenEnd(text, anchor.at);
    // Other tokens go before the next token, keeping one space between them when there is a run of spaces.
    const spaced = text[anchor.at - 1] === ' ' && /[ \t]/.test(text[anchor.at - 2] ?? '') ? anchor.at - 1 : anchor.at;
    for (let p = start; p <= end; p++) {
      const distance = Math.abs(p - anchor.at);
      if (isInsertionPoint(text, p)) {
        for (const t of tokens) {
          const from = Math.abs(p - (ATTACHED.has(t) ? attached : spaced));
          edits.push({ at: p, remove: 0, insert: t, rank, distance: from + (OPENERS.has(t) ? OPENER_PENALTY : 0) });
        }
      }
      if (p < end && DELETABLE.has(text[p])) edits.push({ at: p, remove: 1, insert: '', rank, distance });
    }
  });
  // Nearest the best anchor first; at one distance an insertion before a deletion.
  edits.sort((a, b) => a.rank - b.rank || a.distance - b.distance || a.remove - b.remove);

  const out: FixCandidate[] = [];
  const tried = new Set<string>();
  let parses = 0;
  let budget = MAX_PARSES;
  let first: { remove: number; insert: string } | undefined;
  for (const edit of edits) {
    if (out.length >= MAX_REPAIRS || parses >= budget) break;
    // Once a repair is found the question is where that token goes: alternatives make the same edit elsewhere.
    if (first && (edit.remove !== first.remove || edit.insert !== first.insert)) continue;
    const key = `${edit.at}:${edit.remove}:${edit.insert}`;
    if (tried.has(key)) continue;
    tried.add(key);
    const fixed = text.slice(0, edit.at) + edit.insert + text.slice(edit.at + edit.remove);
    parses++;
    const scopeEnd = scope.end + edit.insert.length - edit.remove;
    if (!repairParses(languageId, fixed, scope.start, scopeEnd, baseline, tsErrors.length > 0)) continue;
    const scopeText = fixed.slice(scope.start, scopeEnd);
    const name = edit.remove > 0 ? `fix: delete \`${text[edit.at]}\`` : `fix: insert \`${edit.insert.trim()}\``;
    out.push({ name: `${name} at line ${lineOf(text, edit.at)}`, text: scopeText, at: edit.at });
    // Alternatives for the verifier to rank come from near the first repair: a few more parses, not the whole budget.
    budget = Math.min(budget, parses + ALTERNATIVE_PARSES);
    first ??= edit;
  }
  return out;
}

/**
 * A missing `}` is reported where the parser gives up, often the end of the
 * file, far from where it belongs. For such a diagnostic, the task moves to
 * the first place before it where the indentation says a block ends and a
 * `}` there makes the file parse with fewer errors; otherwise it is kept.
 */
export function relocateMissingBrace(task: EditTask): EditTask {
  if (namedToken(task.args.diagnostic?.message ?? '') !== '}') return task;
  const { languageId, text } = task.document;
  const whole = { start: 0, end: text.length };
  const ends = blockEndsByIndentation(text, whole).filter((c) => c.at < task.range.start);
  if (ends.length === 0) return task;
  const before = syntaxProblems(new SyntaxDocument(languageId, text).tree).length;
  for (const end of ends.slice(0, MAX_RELOCATIONS)) {
    const fixed = text.slice(0, end.at) + end.insert + text.slice(end.at);
    if (syntaxProblems(new SyntaxDocument(languageId, fixed).tree).length < before) return { ...task, range: { start: end.at, end: end.at } };
  }
  return task;
}

/** The token a message says is missing: "missing `)`", "')' expected.". */
function namedToken(message: string): string | undefined {
  const named = NAMED_TOKEN.exec(message.trim());
  return named?.[1] ?? named?.[2];
}

/** Places a relocated `}` may try (a parse each). */
const MAX_RELOCATIONS = 8;

/**
 * Where, within `within`, a block opened at the end of an earlier line
 * should have been closed, because a later line is indented no deeper than
 * that one and is not its `}`: at most MAX_BLOCK_ENDS places, first first.
 * The `}` goes on a line of its own after the block's last line, with the
 * opening line's indentation, or in front of a `;` `,` `)` or `]` that
 * starts the line at that indentation (`};`, `},`, `})`). Only candidates:
 * unusual formatting gives places where nothing is missing, and the callers
 * keep a place only when the file then parses with fewer errors. (Counting
 * braces first would be no guide: strings and templates hold braces too.)
 */
export function blockEndsByIndentation(text: string, within: OffsetRange): Array<{ at: number; insert: string }> {
  const out: Array<{ at: number; insert: string }> = [];
  const open: string[] = [];
  let lineStartAt = 0;
  /** The start of the line after the last line with code. */
  let afterCode = 0;
  while (lineStartAt <= within.end && lineStartAt < text.length) {
    const newline = text.indexOf('\n', lineStartAt);
    const line = text.slice(lineStartAt, newline === -1 ? text.length : newline);
    const code = line.replace(/\/\/.*$/, '').trimEnd();
    const indent = /^[ \t]*/.exec(line)![0];
    const body = code.trimStart();
    if (body !== '') {
      while (open.length > 0 && indent.length <= open[open.length - 1].length && !(body.startsWith('}') && indent === open[open.length - 1])) {
        const opened = open.pop()!;
        if (indent === opened && /^[;,)\]]/.test(body)) out.push({ at: lineStartAt + indent.length, insert: '}' });
        // Right after the block's last line: blank lines before this one stay after the `}`.
        else out.push({ at: afterCode, insert: `${opened}}\n` });
      }
      if (body.startsWith('}') && open.length > 0 && indent === open[open.length - 1]) open.pop();
      if (body.endsWith('{')) open.push(indent);
    }
    if (newline === -1) break;
    lineStartAt = newline + 1;
    if (body !== '') afterCode = lineStartAt;
  }
  return out.filter((c) => c.at >= within.start && c.at <= within.end).slice(0, MAX_BLOCK_ENDS);
}

/** Places `blockEndsByIndentation` offers (each costs the caller a parse). */
const MAX_BLOCK_ENDS = 8;

/**
 * The acceptance rule of every syntax repair: `fixed` (the document with the
 * repair, its scope now `[scopeStart, scopeEnd)`) has fewer syntax errors
 * than before, none new, none left in the scope, and, with `askTypescript`,
 * TypeScript's parser agrees there (tree-sitter's recovery accepts a few
 * things TypeScript does not: `else} if`). One parse, plus TypeScript's.
 */
function repairParses(languageId: string, fixed: string, scopeStart: number, scopeEnd: number, baseline: readonly SyntaxProblem[], askTypescript: boolean): boolean {
  const problems = syntaxProblems(new SyntaxDocument(languageId, fixed).tree);
  if (problems.length >= baseline.length) return false;
  const known = new Set(baseline.map((p) => p.message));
  if (problems.some((p) => !known.has(p.message))) return false;
  if (problems.some((p) => p.range.start <= scopeEnd && p.range.end >= scopeStart)) return false;
  return !askTypescript || !typescriptRejects(languageId, fixed, scopeStart, scopeEnd);
}

/** TypeScript's parser reports an error between `start` and `end` of `text`. */
function typescriptRejects(languageId: string, text: string, start: number, end: number): boolean {
  return typescriptParseErrors(languageId, text).some((e) => e.start >= start && e.start <= end);
}

/** Tokens worth inserting: the one the message names, the closers (or openers) the scope lacks, separators. */
function insertableTokens(scopeText: string, message: string): string[] {
  const tokens: string[] = [];
  const name = namedToken(message);
  if (name) tokens.push(name);
  for (const [open, close] of PAIRS) {
    const balance = count(scopeText, open) - count(scopeText, close);
    if (balance > 0) tokens.push(close);
    if (balance < 0) tokens.push(open);
  }
  // Balanced brackets still leave a pair misplaced (`f(a, g(b)` + `)` elsewhere): closers are cheap to try.
  for (const [, close] of PAIRS) tokens.push(close);
  tokens.push(...SEPARATORS);
  return [...new Set(tokens)];
}

/**
 * Right after a token (not inside a word), right before one, before the last
 * space of a run (`    } finally`: the token keeps one space after it), or
 * at a line's end (a bracket alone on its line).
 */
function isInsertionPoint(text: string, p: number): boolean {
  const before = text[p - 1];
  const after = text[p];
  if (before === undefined) return false;
  if (after === '\n' || after === '\r' || after === undefined) return true;
  if (/\s/.test(before)) return !/\s/.test(after) || (after === ' ' && text[p + 1] !== undefined && !/\s/.test(text[p + 1]));
  return !(isWordChar(before) && isWordChar(after));
}

/** The end of the token before `offset` on the same line (skipping spaces back), or `offset`. */
function previousTokenEnd(text: string, offset: number): number {
  let p = offset;
  while (p > 0 && (text[p - 1] === ' ' || text[p - 1] === '\t')) p--;
  return p > 0 && text[p - 1] !== '\n' ? p : offset;
}

function isWordChar(c: string): boolean {
  return /[\p{L}\p{N}_$]/u.test(c);
}

function count(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i !== -1; i = s.indexOf(c, i + 1)) n++;
  return n;
}


function lineStart(text: string, offset: number, linesBefore: number): number {
  let p = offset;
  for (let i = 0; i <= linesBefore && p > 0; i++) p = text.lastIndexOf('\n', p - 1);
  return p <= 0 ? 0 : p + 1;
}

function lineEnd(text: string, offset: number, linesAfter: number): number {
  let p = offset;
  for (let i = 0; i <= linesAfter; i++) {
    const next = text.indexOf('\n', p === offset ? p : p + 1);
    if (next === -1) return text.length;
    p = next;
  }
  return p;
}


/**
 * A fix with no models loaded: the repair nearest the diagnostic, applied
 * structurally; undefined when there is none (the caller says the models are
 * needed).
 */
export async function fixWithoutModels(task: EditTask, types: TypeView | undefined, signal: AbortSignal): Promise<EditOutcome | undefined> {
  const started = performance.now();
  const prepared = prepareEdit(task);
  if (!prepared.ok) return undefined;
  const { scope, message, syntax } = prepared.edit;
  const repairs = await fewestTypeErrors(structuralFixes(syntax, scope.range, task.range, message ?? ''), task.document, scope, types, signal);
  if (signal.aborted) return { status: 'cancelled' };
  if (repairs.length === 0) return undefined;
  const best = repairs[0];
  return {
    status: 'ok',
    result: {
      title: `Fix: ${firstLine(message ?? '')}`,
      mode: 'structural',
      edits: [{ uri: task.document.uri, version: task.document.version, replacements: minimalReplacements(scope.text, best.text, scope.range.start) }],
      stats: structuralStats(performance.now() - started),
      considered: repairs.map((r) => r.name),
    },
  };
}

/**
 * The repairs that leave the document with the fewest type errors (removing
 * a `}` can end the syntax error and still leave a function without its
 * return; `f(a.b)` and `f(a).b` both parse), in their order; all of them
 * when there is no checker, and when it does not answer for one of them
 * (cut short by its time budget, or `signal` aborted: the caller checks
 * the signal), as though there were none: a partial count would compare
 * repairs the checker did not see. Each question blocks the main thread
 * (up to the type service's budget), so the event loop runs between them:
 * an edit or a cancellation that arrives meanwhile is seen before the next.
 */
export async function fewestTypeErrors(repairs: FixCandidate[], document: DocumentSnapshot, scope: EditScope, types: TypeView | undefined, signal: AbortSignal): Promise<FixCandidate[]> {
  if (!types?.problemsIn || repairs.length < 2) return repairs;
  const errors: number[] = [];
  for (const repair of repairs) {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return repairs;
    const edited = applyReplacements(document.text, minimalReplacements(scope.text, repair.text, scope.range.start));
    const problems = types.problemsIn(document, edited, { signal });
    if (!problems) return repairs;
    errors.push(problems.length);
  }
  const fewest = Math.min(...errors);
  return repairs.filter((_, i) => errors[i] === fewest);
}
