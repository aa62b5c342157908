/**
 * The workspace as the core sees it: per file, what it declares, imports and
 * exports (read from its syntax tree), and how its relative imports resolve.
 * The server keeps an index of the workspace folders (workspace/) and hands
 * it to the engine through `EditContext.workspace`, so engine/ never reads
 * the file system or imports server/.
 */
import type { OffsetRange } from './text.js';

/** A top-level declaration and its signature (bodies left out). */
export interface ModuleDeclaration {
  /** Local names it declares (usually one). */
  names: string[];
  /** The declaration shortened as syntax/declaration-summary.ts writes it. */
  signature: string;
  range: OffsetRange;
}

/** One imported binding: `import d`, `import {a as c}`, `import * as ns`. */
export interface ModuleImport {
  /** The module specifier as written (`'./cart'`, `'react'`). */
  specifier: string;
  /** The other module's export name: `'default'` for a default import, `'*'` for a namespace import. */
  imported: string;
  /** The local binding's name. */
  local: string;
  /** The range of the imported name (`a` in `{a as c}`), or of the local name for default and namespace imports. */
  importedRange: OffsetRange;
  /** Whether the specifier has an `as` alias. */
  aliased: boolean;
}

/** One exported name: `export const a`, `export {a as b}`, `export default f`, `export {a} from './x'`, `export * from './x'`. */
export interface ModuleExport {
  /** The name importers see: `'default'`, `'*'` for `export * from`, the namespace name for `export * as ns from`. */
  exported: string;
  /** The local (or, with `from`, the other module's) name it stands for; undefined for `export default <expression>` and `export *`. */
  local?: string;
  /** The module specifier of a re-export. */
  from?: string;
  /** The range of the local name in an export clause (`a` in `export {a as b}`). */
  localRange?: OffsetRange;
  aliased: boolean;
}

export interface ModuleSummary {
  declarations: ModuleDeclaration[];
  imports: ModuleImport[];
  exports: ModuleExport[];
}

export interface WorkspaceView {
  /** Settles when the first crawl of the workspace folders is done (at once when there are none). */
  whenReady(): Promise<void>;
  /** The workspace file a relative specifier imported from `fromUri` names; undefined for packages and files not in the index. */
  resolve(fromUri: string, specifier: string): string | undefined;
  /** The files whose imports or re-exports resolve to `uri`. */
  importersOf(uri: string): string[];
  /** What a file declares, imports and exports; undefined for files not in the index. */
  summary(uri: string): ModuleSummary | undefined;
}
