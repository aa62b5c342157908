import type Parser from 'tree-sitter';
import { lineOf, type OffsetRange, type TextReplacement } from '../../protocol/text.js';
import { classifyName, isIntrinsicTagName, TYPE, type BindingKind, type NameOccurrence } from '../../syntax/name-occurrence.js';
import { NameIndex, nameLeafAt, resolving, type Binding } from '../../syntax/name-resolution.js';
import { finish, type Steps } from '../../syntax/steps.js';
import { newNameProblem } from './identifier-name.js';

export { isValidIdentifier } from './identifier-name.js';

export type RenameResult =
  | {
      ok: true;
      /** One per occurrence, against the text the rename was computed on. Empty when the name does not change. */
      replacements: TextReplacement[];
      /** The first declaration of the binding. */
      declaration: OffsetRange;
      /** Occurrences renamed other than declarations. */
      references: number;
      kind: BindingKind;
      /** The binding is declared `export`ed under its name: other files importing it need the same rename. */
      changesExports: boolean;
      /**
       * The same scope declares the name in the other meaning too (a value
       * and a type, `const x` and `type x`; a type parameter and a
       * parameter): TypeScript renames them together, which the caller does
       * through the checker when it has one.
       */
      sharesName: boolean;
    }
  | {
      ok: false;
      reason: string;
      /** A member (property, method, enum member, `#x`): TypeScript's checker can rename it where scope analysis cannot. */
      needsTypes?: true;
    };

/**
 * Renames the binding named at `offset` by scope analysis of the syntax tree:
 * every declaration and reference of that binding, and nothing else. Shadowing,
 * hoisting, value/type namespaces, destructuring and shorthand properties are
 * handled; property names, strings, comments and labels are left alone. It
 * refuses, with a reason, any rename that would change what some name in the
 * file refers to (a capture either way), since a rename must not change
 * behaviour. No type information: `o.x` is never renamed.
 */
export function renameBinding(tree: Parser.Tree, text: string, offset: number, newName: string): RenameResult {
  return finish(renaming(tree, text, offset, newName));
}

/**
 * `renameBinding` in steps (syntax/steps.ts), for the server to run in
 * slices: every step is a few dozen occurrences, so that a name with 100k
 * references neither blocks other requests nor runs on once cancelled.
 * Linear in the occurrences of the old and the new name in the binding's
 * scope (each lookup costs the nesting depth of that name's scopes).
 */
export function* renaming(tree: Parser.Tree, text: string, offset: number, newName: string): Steps<RenameResult> {
  const target = yield* findBinding(tree, text, offset);
  if (!target.ok) return target;
  const { binding, index } = target;
  const invalid = newNameProblem(newName, (binding.namespaces & TYPE) !== 0);
  if (invalid) return { ok: false, reason: invalid };

  const occurrences: NameOccurrence[] = [];
  for (let k = 0; k < index.occurrences.length; k++) {
    if (k % LOOKUPS_PER_STEP === 0) yield;
    const occurrence = index.occurrences[k];
    const owners = index.bindingsOf(occurrence);
    if (!owners.some(b => isSame(b, binding))) continue;
    if (owners.length > 1) {
      return { ...refuse(text, occurrence, `\`${binding.name}\` here stands for a value and a type of that name at once; rename them together by hand`), needsTypes: true };
    }
    occurrences.push(occurrence);
  }
  if (newName !== binding.name) {
    const conflict = yield* captureProblem(tree, text, binding, occurrences, newName);
    if (conflict) return { ok: false, reason: conflict };
  }

  const first = binding.declarations[0];
  return {
    ok: true,
    replacements: newName === binding.name ? [] : occurrences.map(o => replacementFor(o, newName)),
    declaration: { start: first.start, end: first.end },
    references: occurrences.filter(o => o.role === 'reference').length,
    kind: binding.kind,
    changesExports: binding.declarations.some(d => d.exported),
    sharesName: index.bindings.some(b => b && b !== binding && !isSame(b, binding) && sharesScope(b, binding)),
  };
}

type Target = { ok: true; binding: Binding; index: NameIndex } | Extract<RenameResult, { ok: false }>;

/** Occurrences looked up between two steps of a rename (each lookup costs well under a microsecond). */
const LOOKUPS_PER_STEP = 1024;

function* findBinding(tree: Parser.Tree, text: string, offset: number): Steps<Target> {
  const leaf = nameLeafAt(tree, offset);
  if (!leaf) {
    const reason = notANameReason(tree, offset);
    const member = ['private_property_identifier', 'property_identifier'].includes(tree.rootNode.descendantForIndex(offset, offset).type);
    return member ? { ok: false, reason, needsTypes: true } : { ok: false, reason };
  }
  const declared = classifyName(leaf, text);
  // Every occurrence in the binding's scope, which renaming needs. At a declaration the scope is known: one
  // index of it both resolves and renames (a name with 100k references is scanned once, not twice).
  let index: NameIndex | undefined;
  let resolution: { binding: Binding | undefined } | undefined;
  if (declared?.role === 'declaration') {
    index = new NameIndex(tree, text, declared.name);
    yield* index.covering(declared.scope.startIndex, declared.scope.endIndex);
    resolution = { binding: index.bindingsOf(declared)[0] };
  } else {
    resolution = yield* resolving(tree, text, leaf);
  }
  const name = text.slice(leaf.startIndex, leaf.endIndex);
  if (!resolution) {
    return {
      ok: false,
      reason: leaf.type === 'property_identifier'
        ? `\`${name}\` here is a property name; property renames need type information, which the structural rename does not have`
        : `\`${name}\` here does not name a local binding (it is another module's name for an import, an HTML tag or a namespace member)`,
      // TypeScript renames these too (a public name of an export clause, an import's other-module name).
      needsTypes: true,
    };
  }
  const { binding } = resolution;
  if (!binding) {
    return { ok: false, reason: `\`${name}\` is not declared in this file (a global or ambient name); renaming it here would break the code that declares it` };
  }
  if (binding.kind === 'enum-member') {
    return { ok: false, reason: `\`${name}\` is an enum member, used elsewhere as a property (\`E.${name}\`); property renames need type information`, needsTypes: true };
  }
  const parameterProperty = binding.declarations.find(d => d.parameterProperty);
  if (parameterProperty) {
    return { ok: false, reason: `\`${name}\` is a parameter property: it also declares \`this.${name}\`, and property renames need type information`, needsTypes: true };
  }
  if (!index) {
    // Resolution from a reference indexed declarations only.
    index = new NameIndex(tree, text, binding.name);
    yield* index.covering(binding.scopeStart, binding.scopeEnd);
  }
  return { ok: true, binding: index.bindingsOf(binding.declarations[0])[0], index };
}

function notANameReason(tree: Parser.Tree, offset: number): string {
  const node = tree.rootNode.descendantForIndex(offset, offset);
  if (node.type === 'statement_identifier') return 'labels are not renamed by the structural rename';
  if (node.type === 'private_property_identifier') return 'private members (`#x`) are properties; property renames need type information';
  return 'there is no variable, function, class or type name at the cursor';
}

/**
 * Why renaming to `newName` would change what some name refers to, or
 * undefined. All three checks only need the occurrences of `newName` inside
 * the binding's scope: (1) a `newName` already declared in that scope; (2) a
 * `newName` declared in an inner scope around one of our occurrences, which
 * would capture it; (3) a `newName` in the scope that now means an outer
 * binding or a global, which ours would capture.
 */
function* captureProblem(tree: Parser.Tree, text: string, binding: Binding, occurrences: NameOccurrence[], newName: string): Steps<string | undefined> {
  const jsxTag = occurrences.find(o => o.role === 'reference' && o.jsxTag);
  if (jsxTag && isIntrinsicTagName(newName)) {
    return `\`<${newName}>\` would be read as an HTML element, not as \`${binding.name}\` (line ${lineOf(text, jsxTag.start)}); JSX components need a capitalised name`;
  }
  const others = new NameIndex(tree, text, newName);
  yield* others.covering(binding.scopeStart, binding.scopeEnd);
  const overlaps = (b: { namespaces: number }) => (b.namespaces & binding.namespaces) !== 0;
  const strictlyInside = (b: Binding) => b.scopeId !== binding.scopeId && binding.scopeStart <= b.scopeStart && b.scopeEnd <= binding.scopeEnd;

  const sameScope = others.bindings.find(b => b.scopeId === binding.scopeId && overlaps(b));
  if (sameScope) {
    return `\`${newName}\` is already declared in the same scope (line ${lineOf(text, sameScope.declarations[0].start)})`;
  }
  for (let k = 0; k < occurrences.length; k++) {
    if (k % LOOKUPS_PER_STEP === 0) yield;
    const occurrence = occurrences[k];
    const shadow = others.around(occurrence.start, occurrence.end).find(b => overlaps(b) && strictlyInside(b));
    if (shadow) {
      return `the \`${binding.name}\` on line ${lineOf(text, occurrence.start)} would then mean the \`${newName}\` declared on line ${lineOf(text, shadow.declarations[0].start)}`;
    }
  }
  for (let k = 0; k < others.occurrences.length; k++) {
    if (k % LOOKUPS_PER_STEP === 0) yield;
    const occurrence = others.occurrences[k];
    if (!overlaps(occurrence)) continue;
    if (others.bindingsOf(occurrence).some(b => strictlyInside(b))) continue;
    const what = occurrence.role === 'declaration' ? 'declaration of' : 'reference to';
    return `the existing ${what} \`${newName}\` on line ${lineOf(text, occurrence.start)} would clash with the renamed \`${binding.name}\``;
  }
  return undefined;
}

function replacementFor(occurrence: NameOccurrence, newName: string): TextReplacement {
  const { start, end, name } = occurrence;
  switch (occurrence.form) {
    case 'shorthand': // `{x}` → `{x: y}`: the property keeps its name
      return { start, end, newText: `${name}: ${newName}` };
    case 'import-specifier': // `import {x}` → `import {x as y}`: the module still exports x
      return { start, end, newText: `${name} as ${newName}` };
    case 'export-specifier': // `export {x}` → `export {y as x}`: importers still see x
      return { start, end, newText: `${newName} as ${name}` };
    default:
      return { start, end, newText: newName };
  }
}

/** A type parameter's scope is its function's signature and body, the parameter's the function: they start together or nest. */
function sharesScope(a: Binding, b: Binding): boolean {
  return a.scopeId === b.scopeId || (a.scopeStart <= b.scopeStart && b.scopeEnd <= a.scopeEnd) || (b.scopeStart <= a.scopeStart && a.scopeEnd <= b.scopeEnd);
}

function isSame(a: Binding, b: Binding): boolean {
  return a.scopeId === b.scopeId && (a.namespaces & b.namespaces) !== 0;
}

function refuse(text: string, occurrence: NameOccurrence, why: string): Extract<RenameResult, { ok: false }> {
  return { ok: false, reason: `${why} (line ${lineOf(text, occurrence.start)})` };
}

