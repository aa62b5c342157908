import type Parser from 'tree-sitter';
import { ancestorsOf, type Ancestor } from './ancestry.js';
import { NAME_TYPES } from './node-kinds.js';
import { classifyName, VALUE, type BindingKind, type DeclarationOccurrence, type NameOccurrence } from './name-occurrence.js';
import { finish, type Steps } from './steps.js';

type SyntaxNode = Parser.SyntaxNode;

/** One binding: all declarations of a name in one scope whose namespaces overlap (overloads, `var` repeats, class + interface merging). */
export interface Binding {
  name: string;
  kind: BindingKind;
  namespaces: number;
  scope: SyntaxNode;
  /** The scope's id and range, read once (each read of a node property is a native call). */
  scopeId: number;
  scopeStart: number;
  scopeEnd: number;
  declarations: DeclarationOccurrence[];
}

/**
 * The occurrences of ONE name in a region of a file, classified, and the
 * bindings its declarations make. Scope analysis by name instead of by tree:
 * the text search for the name is a fast string scan, and only its few
 * occurrences touch the tree (one `descendantForIndex` each). A whole-tree walk
 * of a 5,000-line file costs ~30 ms through the Node binding; this costs
 * microseconds per occurrence.
 *
 * Resolution uses ranges: scopes are nodes and nodes nest, so the innermost
 * binding scope whose range contains a reference is the first one a walk up
 * the tree would meet. Every lookup costs the nesting depth of the name's
 * scopes, not the number of its bindings, so that a name declared in
 * thousands of functions and used 100k times stays linear.
 */
export class NameIndex {
  readonly occurrences: NameOccurrence[] = [];
  /** The bindings in the order they were made; a binding merged into a later declaration's leaves a hole. */
  private readonly slots: (Binding | undefined)[] = [];
  private readonly slotOf = new Map<Binding, number>();
  private readonly byScope = new Map<number, Binding[]>();
  /** Derived from `slots`, built on demand and dropped when a declaration is added. */
  private listed: Binding[] | undefined;
  private nesting: ScopeNesting | undefined;
  private coveredStart = 0;
  private coveredEnd = 0;

  /**
   * `declarationsOnly`: index just what resolution needs, skipping without
   * touching the tree every occurrence whose surroundings rule out a
   * declaration (`console.log`, `f(x)`); its `occurrences` then lack references.
   */
  constructor(
    private readonly tree: Parser.Tree,
    private readonly text: string,
    readonly name: string,
    private readonly declarationsOnly = false,
  ) {}

  /** The bindings made so far, oldest first (a merged binding counts from its last declaration). Not to be modified. */
  get bindings(): Binding[] {
    return (this.listed ??= this.slots.filter((b): b is Binding => b !== undefined));
  }

  /** Indexes the occurrences starting in `[start, end)` that earlier calls did not cover. The covered region only grows. */
  cover(start: number, end: number): void {
    finish(this.covering(start, end));
  }

  /** `cover` in steps, pausing every few dozen occurrences (steps.ts). */
  *covering(start: number, end: number): Steps<void> {
    if (this.coveredEnd <= this.coveredStart) {
      yield* this.scan(start, end);
      [this.coveredStart, this.coveredEnd] = [start, end];
      return;
    }
    if (start < this.coveredStart) yield* this.scan(start, this.coveredStart);
    if (end > this.coveredEnd) yield* this.scan(this.coveredEnd, end);
    this.coveredStart = Math.min(start, this.coveredStart);
    this.coveredEnd = Math.max(end, this.coveredEnd);
  }

  /**
   * The bindings an occurrence belongs to among those indexed: a declaration's
   * own binding, or for a reference the bindings of the innermost scope that
   * declares the name in an overlapping namespace (two only for `export {A}`
   * over a value `A` and a type `A`). Empty when nothing indexed declares it.
   */
  bindingsOf(occurrence: NameOccurrence): Binding[] {
    if (occurrence.role === 'declaration') {
      return (this.byScope.get(occurrence.scope.id) ?? []).filter(b => (b.namespaces & occurrence.namespaces) !== 0);
    }
    const around = this.around(occurrence.start, occurrence.end).filter(b => (b.namespaces & occurrence.namespaces) !== 0);
    if (around.length <= 1) return around;
    const width = (b: Binding) => b.scopeEnd - b.scopeStart;
    const narrowest = Math.min(...around.map(width));
    const innermost = around.filter(b => width(b) === narrowest);
    if (innermost.every(b => b.scopeId === innermost[0].scopeId)) return innermost;
    // Two scope nodes with the same range (`function f(f) {}` as a whole file): the deeper one wins.
    for (let n = occurrence.node.parent; n; n = n.parent) {
      const id = n.id;
      const here = innermost.filter(b => b.scopeId === id);
      if (here.length > 0) return here;
    }
    return [];
  }

  /** Every binding whose scope contains `[start, end)` (a non-empty range), in the order of `bindings`. */
  around(start: number, end: number): Binding[] {
    const contains = (b: Binding) => b.scopeStart <= start && end <= b.scopeEnd;
    const { bindings } = this;
    if (bindings.length <= SCAN_BELOW) return bindings.filter(contains);
    this.nesting ??= new ScopeNesting(bindings);
    const found = this.nesting.around(start, end) ?? bindings.filter(contains);
    return found.length <= 1 ? found : found.sort((a, b) => this.slotOf.get(a)! - this.slotOf.get(b)!);
  }

  private *scan(start: number, end: number): Steps<void> {
    const { name, text } = this;
    // Search a slice (cheap in V8): `indexOf` on the whole text would run on to the next occurrence, maybe the end of the file.
    const region = text.slice(start, Math.min(text.length, end + name.length - 1));
    // Read once: every read of `rootNode` builds a node object through the binding.
    const root = this.tree.rootNode;
    let sinceStep = 0;
    for (let found = region.indexOf(name); found !== -1; found = region.indexOf(name, found + 1)) {
      if (++sinceStep === OCCURRENCES_PER_STEP) {
        sinceStep = 0;
        yield;
      }
      const range = { start: start + found, end: start + found + name.length };
      if (!isWholeWord(text, range.start, range.end)) continue;
      if (this.declarationsOnly && cannotBeDeclaration(text, range.start, range.end)) continue;
      // A name leaf holding a whole word is exactly that word: no need to read its range back.
      const node = root.descendantForIndex(range.start, range.end);
      if (!NAME_TYPES.has(node.type)) continue;
      const occurrence = classifyName(node, text, range);
      if (!occurrence) continue;
      this.occurrences.push(occurrence);
      if (occurrence.role === 'declaration') this.addDeclaration(occurrence);
    }
  }

  private addDeclaration(declaration: DeclarationOccurrence): void {
    const scopeId = declaration.scope.id;
    const inScope = this.byScope.get(scopeId) ?? [];
    const merging = inScope.filter(b => (b.namespaces & declaration.namespaces) !== 0);
    const binding = merging.length === 1 && declaration.start > merging[0].declarations.at(-1)!.start
      ? appended(merging[0], declaration)
      : merged(merging, declaration, scopeId);
    for (const b of merging) {
      this.slots[this.slotOf.get(b)!] = undefined;
      this.slotOf.delete(b);
    }
    this.slotOf.set(binding, this.slots.push(binding) - 1);
    this.byScope.set(scopeId, [...inScope.filter(b => !merging.includes(b)), binding]);
    this.listed = undefined;
    this.nesting = undefined;
  }
}

/** Below this many bindings a lookup filters them all: cheaper than building a `ScopeNesting`. */
const SCAN_BELOW = 8;
/** Occurrences scanned between two steps of `NameIndex.covering` (each costs microseconds). */
const OCCURRENCES_PER_STEP = 64;

/** A binding of `declarations` (sorted), as `addDeclaration` makes them. */
function merged(merging: Binding[], declaration: DeclarationOccurrence, scopeId: number): Binding {
  const declarations = [...merging.flatMap(b => b.declarations), declaration].sort((a, b) => a.start - b.start);
  // A value declaration names the kind: `interface C` merged with `class C` is a class.
  const naming = declarations.find(d => d.namespaces & VALUE) ?? declarations[0];
  return {
    name: declaration.name,
    kind: naming.kind,
    namespaces: declarations.reduce((ns, d) => ns | d.namespaces, 0),
    scope: declaration.scope,
    scopeId,
    scopeStart: merging[0]?.scopeStart ?? declaration.scope.startIndex,
    scopeEnd: merging[0]?.scopeEnd ?? declaration.scope.endIndex,
    declarations,
  };
}

/**
 * `merged` for the common case, a declaration after all of one binding's
 * (`var x` repeated, overloads): the same result in constant time, taking
 * over the superseded binding's `declarations` array (`var x` repeated 100k
 * times would otherwise copy it 100k times).
 */
function appended(binding: Binding, declaration: DeclarationOccurrence): Binding {
  binding.declarations.push(declaration);
  const firstValue = (binding.namespaces & VALUE) === 0 && (declaration.namespaces & VALUE) !== 0;
  return {
    ...binding,
    kind: firstValue ? declaration.kind : binding.kind,
    namespaces: binding.namespaces | declaration.namespaces,
  };
}

/**
 * Binding scopes as the tree nests them, for lookups in the nesting depth:
 * sorted by start (the wider first on ties), each with the nearest earlier
 * scope that contains it. The scopes containing a range are then the first
 * ones met going up from the last scope starting at or before it.
 */
class ScopeNesting {
  private readonly sorted: Binding[];
  private readonly starts: Float64Array;
  private readonly parent: Int32Array;
  /** Some two scopes overlap without nesting (not from a tree): lookups fall back to filtering. */
  private readonly tangled: boolean;

  constructor(bindings: readonly Binding[]) {
    const sorted = (this.sorted = [...bindings].sort((a, b) => a.scopeStart - b.scopeStart || b.scopeEnd - a.scopeEnd));
    this.starts = Float64Array.from(sorted, b => b.scopeStart);
    this.parent = new Int32Array(sorted.length);
    const open: number[] = [];
    let tangled = false;
    sorted.forEach((b, i) => {
      for (;;) {
        const top = open.at(-1);
        if (top === undefined || b.scopeEnd <= sorted[top].scopeEnd) break;
        if (sorted[top].scopeEnd > b.scopeStart) tangled = true;
        open.pop();
      }
      this.parent[i] = open.at(-1) ?? -1;
      open.push(i);
    });
    this.tangled = tangled;
  }

  /** The scopes containing `[start, end)`; undefined when the scopes do not nest. */
  around(start: number, end: number): Binding[] | undefined {
    if (this.tangled) return undefined;
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle] <= start) low = middle + 1;
      else high = middle;
    }
    const found: Binding[] = [];
    for (let i = low - 1; i >= 0; i = this.parent[i]) {
      const b = this.sorted[i];
      if (end <= b.scopeEnd) found.push(b);
    }
    return found;
  }
}

/** The occurrence a name leaf is, and the binding it declares or refers to (undefined: declared nowhere in this file). */
export interface Resolution {
  occurrence: NameOccurrence;
  binding: Binding | undefined;
  /** The declarations-only index built on the way, covering at least the binding's scope. */
  index: NameIndex;
}

/**
 * Resolves a name leaf, searching outward one enclosing node at a time and
 * stopping as soon as the answer cannot change: a local variable costs its
 * function's occurrences, only an undeclared (global) name scans the file.
 * Undefined when the leaf is not a binding name at all (a property, a label).
 * `known`: the leaf's ancestors, when the caller already read them.
 */
export function resolveName(tree: Parser.Tree, text: string, node: SyntaxNode, known?: Ancestor[]): Resolution | undefined {
  return finish(resolving(tree, text, node, known));
}

/** `resolveName` in steps (steps.ts): a global name's search scans the whole file. */
export function* resolving(tree: Parser.Tree, text: string, node: SyntaxNode, known?: Ancestor[]): Steps<Resolution | undefined> {
  const occurrence = classifyName(node, text);
  if (!occurrence) return undefined;
  const index = new NameIndex(tree, text, occurrence.name, true);
  if (occurrence.role === 'declaration') {
    yield* index.covering(occurrence.scope.startIndex, occurrence.scope.endIndex);
    return { occurrence, binding: index.bindingsOf(occurrence)[0], index };
  }
  const last = known?.[known.length - 1];
  const ancestors = last && last.start === occurrence.start && last.end === occurrence.end ? known! : ancestorsOf(tree, occurrence.start, occurrence.end);
  for (let depth = ancestors.length - 2; depth >= 0; depth--) {
    const { start, end } = ancestors[depth];
    yield* index.covering(start, end);
    const [binding] = index.bindingsOf(occurrence);
    // Final once the innermost binding lies inside the covered region: a closer one would have to be inside it too.
    if (binding && start <= binding.scopeStart && binding.scopeEnd <= end) return { occurrence, binding, index };
  }
  return { occurrence, binding: undefined, index };
}

/** The leaf at `offset` when it is a name; a cursor just after a name (`foo|`) counts as on it. */
export function nameLeafAt(tree: Parser.Tree, offset: number): SyntaxNode | undefined {
  const root = tree.rootNode;
  const here = root.descendantForIndex(offset, offset);
  if (NAME_TYPES.has(here.type) && here.startIndex <= offset) return here;
  if (offset === 0) return undefined;
  const before = root.descendantForIndex(offset - 1, offset);
  return NAME_TYPES.has(before.type) && before.endIndex === offset ? before : undefined;
}

/** Characters that continue an identifier, plus `\` (an escape such as `a\u0062`) and `#` (a private name). */
const WORD_PART = /[\p{ID_Continue}$\u200c\u200d\\#]/u;

/** Not part of a longer identifier (`x` in `xs`, `#x`, `a\u0078`). */
function isWholeWord(text: string, start: number, end: number): boolean {
  const before = start > 0 ? String.fromCodePoint(text.codePointAt(start - (isLowSurrogate(text, start - 1) ? 2 : 1))!) : '';
  const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : '';
  return !WORD_PART.test(before) && !WORD_PART.test(after);
}

/**
 * True when the text around a word rules out a declaration: a member name
 * (`a.x`, but not a rest `...x`), or a name followed by `.`, `?.` or `(`, which
 * only a function (`function f(`) or a namespace (`namespace A.B`) declares.
 * Conservative where a comment could hide the truth: a `/` next to the word,
 * or a previous line with `//` in it (it may end in `// a comment.`).
 */
function cannotBeDeclaration(text: string, start: number, end: number): boolean {
  let before = start - 1;
  for (;;) {
    while (before >= 0 && (text[before] === ' ' || text[before] === '\t' || text[before] === '\r')) before--;
    if (text[before] !== '\n') break;
    if (text.slice(text.lastIndexOf('\n', before - 1) + 1, before).includes('//')) return false;
    before--;
  }
  const previous = text[before];
  if (previous === '/' || previous === '*') return false;
  if (previous === '.') return text[before - 1] !== '.';
  let after = end;
  while (after < text.length && /\s/.test(text[after])) after++;
  const next = text[after];
  const callOrMember = next === '(' || (next === '.' && text[after + 1] !== '.') || (next === '?' && text[after + 1] === '.' && !/\d/.test(text[after + 2] ?? ''));
  if (!callOrMember) return false;
  const word = /[\p{ID_Continue}$]+$/u.exec(text.slice(Math.max(0, before - 20), before + 1))?.[0];
  return word !== 'function' && word !== 'namespace' && word !== 'module';
}

function isLowSurrogate(text: string, index: number): boolean {
  const unit = text.charCodeAt(index);
  return index > 0 && unit >= 0xdc00 && unit <= 0xdfff;
}
