/**
 * The per-file parts of renaming an exported binding across files (the
 * workspace walk is engine/workspace-rename.ts). Exact and tree-based like
 * rename.ts, whose scope analysis they reuse: an importer's local binding is
 * renamed with `renameBinding`, so shadowing and captures are checked there.
 */
import type Parser from 'tree-sitter';
import type { TextReplacement } from '../../protocol/text.js';
import type { ModuleSummary } from '../../protocol/workspace.js';
import { classifyName } from '../../syntax/name-occurrence.js';
import { memberNameAfter } from '../../syntax/namespace-member.js';
import { nameLeafAt, NameIndex } from '../../syntax/name-resolution.js';
import type { Steps } from '../../syntax/steps.js';
import { renaming } from './rename.js';

/**
 * A file's part of the rename: its replacements, the export names that pass
 * the new name on to its own importers (`export *`), and the names under
 * which it re-exports the whole module as a namespace (`export * as ns`),
 * whose members its importers see.
 */
export type FilePart = { ok: true; replacements: TextReplacement[]; reexports: string[]; namespaces: string[] } | { ok: false; reason: string };

/**
 * What changes in a file that imports or re-exports `oldName` from the module
 * being renamed (`fromTarget` tells which of its specifiers name that module),
 * as TypeScript's rename does it: `import {a}` becomes `import {b}` with its
 * uses (and an `export {a}` of it keeps the public name: `export {b as a}`);
 * only the `a` of `import {a as c}`; `ns.a` and `ns.A` through
 * `import * as ns`; `export {a} from` becomes `export {b as a} from`, so the
 * re-exporting module's importers keep their name; `export * from` passes the
 * new name on to its own importers. In steps (syntax/steps.ts): an importer
 * may use the name 100k times.
 */
export function* renamingInImporter(
  tree: Parser.Tree,
  text: string,
  summary: ModuleSummary,
  fromTarget: (specifier: string) => boolean,
  oldName: string,
  newName: string,
): Steps<FilePart> {
  const replacements: TextReplacement[] = [];
  const reexports: string[] = [];
  for (const imported of summary.imports.filter((i) => fromTarget(i.specifier))) {
    if (imported.imported === '*') {
      appendAll(replacements, yield* namespaceMemberRenames(tree, text, imported.importedRange.start, oldName, newName));
    } else if (imported.imported !== oldName) {
      continue;
    } else if (imported.aliased) {
      replacements.push({ ...imported.importedRange, newText: newName });
    } else {
      const part = yield* renamingImportBinding(tree, text, imported.importedRange.start, newName);
      if (!part.ok) return part;
      appendAll(replacements, part.replacements);
    }
  }
  const explicit = new Set(summary.exports.map((e) => e.exported));
  const namespaces: string[] = [];
  for (const exported of summary.exports.filter((e) => e.from !== undefined && fromTarget(e.from))) {
    if (exported.exported === '*' && !explicit.has(oldName) && oldName !== 'default') reexports.push(oldName);
    if (exported.exported !== '*' && exported.local === undefined) namespaces.push(exported.exported); // export * as ns
    if (exported.local !== oldName || !exported.localRange) continue;
    replacements.push({ ...exported.localRange, newText: exported.aliased ? newName : `${newName} as ${oldName}` });
  }
  return { ok: true, replacements, reexports: [...new Set(reexports)], namespaces };
}

/**
 * What changes in a file that imports the namespace `namespace` (an
 * `export * as namespace` of the renamed module) from the module `fromTarget`
 * names: the member `ns.oldName` of every local binding of it
 * (`import {namespace}`, `import {namespace as n}`); `export * from` passes
 * the namespace on to the file's own importers. In steps, as renamingInImporter.
 */
export function* renamingInNamespaceImporter(
  tree: Parser.Tree,
  text: string,
  summary: ModuleSummary,
  fromTarget: (specifier: string) => boolean,
  namespace: string,
  oldName: string,
  newName: string,
): Steps<FilePart> {
  const replacements: TextReplacement[] = [];
  for (const imported of summary.imports.filter((i) => fromTarget(i.specifier) && i.imported === namespace)) {
    const local = localNameOffset(tree, imported.importedRange.start, imported.aliased);
    if (local !== undefined) appendAll(replacements, yield* namespaceMemberRenames(tree, text, local, oldName, newName));
  }
  const explicit = new Set(summary.exports.map((e) => e.exported));
  const passesOn = summary.exports.some((e) => e.exported === '*' && e.from !== undefined && fromTarget(e.from)) && !explicit.has(namespace);
  return { ok: true, replacements, reexports: passesOn ? [namespace] : [], namespaces: [] };
}

/** Where the local binding of an import specifier is declared: the name itself, or its alias. */
function localNameOffset(tree: Parser.Tree, importedAt: number, aliased: boolean): number | undefined {
  if (!aliased) return importedAt;
  const specifier = tree.rootNode.descendantForIndex(importedAt, importedAt).parent;
  return specifier?.type === 'import_specifier' ? specifier.childForFieldName('alias')?.startIndex : undefined;
}

/**
 * An importer's `import {a}` when the other module now exports `b`: the
 * binding is renamed with `renameBinding` (captures checked there), the
 * specifier becomes `b` rather than `a as b`.
 */
function* renamingImportBinding(tree: Parser.Tree, text: string, offset: number, newName: string): Steps<FilePart> {
  const result = yield* renaming(tree, text, offset, newName);
  if (!result.ok) return result;
  // Only a replacement other than the plain new name can be the specifier's `a as b` (no tree lookup per use).
  const replacements = result.replacements.map((r) =>
    r.newText !== newName && tree.rootNode.descendantForIndex(r.start, r.end).parent?.type === 'import_specifier' ? { ...r, newText: newName } : r,
  );
  return { ok: true, replacements, reexports: [], namespaces: [] };
}

/** `ns.a` and the type `ns.A` for every reference to the namespace import declared at `declaredAt`. */
function* namespaceMemberRenames(tree: Parser.Tree, text: string, declaredAt: number, oldName: string, newName: string): Steps<TextReplacement[]> {
  const leaf = nameLeafAt(tree, declaredAt);
  const declaration = leaf && classifyName(leaf, text);
  if (!declaration || declaration.role !== 'declaration') return [];
  const index = new NameIndex(tree, text, declaration.name);
  yield* index.covering(declaration.scope.startIndex, declaration.scope.endIndex);
  const [binding] = index.bindingsOf(declaration);
  const out: TextReplacement[] = [];
  for (let k = 0; k < index.occurrences.length; k++) {
    if (k % MEMBERS_PER_STEP === 0) yield;
    const occurrence = index.occurrences[k];
    if (occurrence.role !== 'reference' || !index.bindingsOf(occurrence).includes(binding)) continue;
    const member = memberNameAfter(occurrence.node);
    if (member && text.slice(member.startIndex, member.endIndex) === oldName) out.push({ start: member.startIndex, end: member.endIndex, newText: newName });
  }
  return out;
}

/** References looked at between two steps of `namespaceMemberRenames` (each reads its member from the tree). */
const MEMBERS_PER_STEP = 64;

/** `push(...items)` without the spread, which overflows the stack past ~100k items. */
function appendAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

/** The offset of the name `local` where `[start, end)` (a top-level statement) declares it. */
export function declarationNameOffset(tree: Parser.Tree, text: string, start: number, end: number, local: string): number | undefined {
  const region = text.slice(start, end);
  for (let at = region.indexOf(local); at !== -1; at = region.indexOf(local, at + 1)) {
    const leaf = nameLeafAt(tree, start + at + 1);
    if (!leaf || leaf.startIndex !== start + at || leaf.endIndex !== start + at + local.length) continue;
    if (classifyName(leaf, text)?.role === 'declaration') return start + at;
  }
  return undefined;
}
