/**
 * Following an exported name to the declaration behind it, through
 * re-exports (`export {a} from './x'`, `export * from './x'`) and imports that
 * are exported again (`import {a} from './x'; export {a}`). Reads only the
 * WorkspaceView, so engine/ can use it without touching the file system.
 */
import type { ModuleDeclaration, WorkspaceView } from '../protocol/workspace.js';

export interface ExportOrigin {
  /** The file that declares the exported binding. */
  uri: string;
  /** Its local name there; undefined for `export default <expression>`. */
  local: string | undefined;
  declaration: ModuleDeclaration | undefined;
  /**
   * Every hop keeps the name: no `as` alias and no default export on the way,
   * so renaming the declaration renames what the importer sees.
   */
  sameName: boolean;
}

/** Bounds re-export chains (and cycles, which `seen` also stops). */
const MAX_HOPS = 16;

/** The declaration `uri` exports as `name`, or undefined when it cannot be followed inside the workspace. */
export function originOfExport(view: WorkspaceView, uri: string, name: string, seen = new Set<string>()): ExportOrigin | undefined {
  const key = `${uri}\u0000${name}`;
  if (seen.has(key) || seen.size >= MAX_HOPS) return undefined;
  seen.add(key);
  const summary = view.summary(uri);
  if (!summary) return undefined;
  const direct = summary.exports.find((e) => e.exported === name);
  if (direct) {
    const keeps = !direct.aliased && name !== 'default';
    if (direct.from !== undefined) {
      const target = view.resolve(uri, direct.from);
      const origin = target && direct.local !== undefined ? originOfExport(view, target, direct.local, seen) : undefined;
      return origin && { ...origin, sameName: origin.sameName && keeps };
    }
    if (direct.local === undefined) return { uri, local: undefined, declaration: undefined, sameName: false };
    const imported = summary.imports.find((i) => i.local === direct.local);
    if (imported) {
      const target = view.resolve(uri, imported.specifier);
      if (!target || imported.imported === '*') return undefined;
      const origin = originOfExport(view, target, imported.imported, seen);
      return origin && { ...origin, sameName: origin.sameName && keeps && !imported.aliased };
    }
    const declaration = summary.declarations.find((d) => d.names.includes(direct.local!));
    return { uri, local: direct.local, declaration, sameName: keeps };
  }
  if (name === 'default') return undefined; // `export *` never re-exports a default
  for (const star of summary.exports.filter((e) => e.exported === '*' && e.from !== undefined)) {
    const target = view.resolve(uri, star.from!);
    const origin = target ? originOfExport(view, target, name, seen) : undefined;
    if (origin) return origin;
  }
  return undefined;
}

/**
 * The file that declares the binding `uri` exports as `name` with the
 * `export` keyword (`export function a`), following only `export *`: the
 * exports whose rename renames the declaration, as `ns.a` sees it. Undefined
 * for a default export, an export clause (`export {a}`, `export {a} from`)
 * or a name not found inside the workspace.
 */
export function declarationOfExport(view: WorkspaceView, uri: string, name: string, seen = new Set<string>()): { uri: string } | undefined {
  if (name === 'default' || seen.has(uri) || seen.size >= MAX_HOPS) return undefined;
  seen.add(uri);
  const summary = view.summary(uri);
  if (!summary) return undefined;
  const direct = summary.exports.find((e) => e.exported === name);
  if (direct) return direct.from === undefined && direct.localRange === undefined && direct.local === name ? { uri } : undefined;
  for (const star of summary.exports.filter((e) => e.exported === '*' && e.from !== undefined)) {
    const target = view.resolve(uri, star.from!);
    const origin = target ? declarationOfExport(view, target, name, seen) : undefined;
    if (origin) return origin;
  }
  return undefined;
}
