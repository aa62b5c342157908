/**
 * Packages of a monorepo that import each other by name (`@acme/ui`): a
 * bare specifier whose package is one of the workspace's own `package.json`
 * files names a workspace file, as the package manager's link in
 * node_modules would, without reading node_modules. The entry is found the
 * way TypeScript does for a linked package (`exports` with the `types`,
 * `import`, `default` conditions, then `types`/`typings`, `module`, `main`,
 * `index`), and a built entry (`dist/index.d.ts`) is followed back to the
 * source that compiles to it through the package's tsconfig.json
 * (`outDir` → `rootDir`, as project references map them); when the package
 * has no such configuration, `dist`, `build`, `lib` and `out` are tried
 * against `src`.
 *
 * Pure over what it is given: the crawl hands it every package.json it
 * finds (`add`), `exists` says which paths are workspace files.
 */
import { join, normalize, relative, sep } from 'node:path';
import { resolveModule } from './module-resolution.js';

export interface PackageInfo {
  name: string;
  dir: string;
  /** The manifest's `exports`, `types`, `typings`, `module`, `main` as read. */
  manifest: Record<string, unknown>;
  /** From the package's tsconfig.json, when it says: compiled output and its source root. */
  outDir?: string;
  rootDir?: string;
}

/** The watcher's glob for the manifests that name workspace packages. */
export const PACKAGE_GLOB = '**/package.json';

const CONVENTIONAL_OUT_DIRS = ['dist', 'build', 'lib', 'out'];
const CONDITIONS = ['types', 'import', 'module', 'default', 'require', 'node'];

export class WorkspacePackages {
  private readonly byName = new Map<string, PackageInfo>();

  /** The package in `info.dir`, replacing what that folder said before. */
  add(info: PackageInfo): void {
    this.removeDir(info.dir);
    this.byName.set(info.name, info);
  }

  /** The package in `dir` is gone (or has no name any more). */
  removeDir(dir: string): void {
    for (const [name, info] of this.byName) if (info.dir === dir) this.byName.delete(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** The workspace file the bare `specifier` names, or undefined when its package is not a workspace package. */
  resolve(specifier: string, exists: (path: string) => boolean): string | undefined {
    const parts = specifier.split('/');
    const nameLength = specifier.startsWith('@') ? 2 : 1;
    const pkg = this.byName.get(parts.slice(0, nameLength).join('/'));
    if (!pkg) return undefined;
    const subpath = parts.slice(nameLength).join('/');
    for (const target of entryTargets(pkg.manifest, subpath)) {
      const found = this.sourceOf(pkg, target, exists);
      if (found) return found;
    }
    return undefined;
  }

  /** `target` (relative to the package) as a workspace file: itself, or the source it is built from. */
  private sourceOf(pkg: PackageInfo, target: string, exists: (path: string) => boolean): string | undefined {
    const absolute = normalize(join(pkg.dir, target));
    if (!absolute.startsWith(pkg.dir + sep) && absolute !== pkg.dir) return undefined;
    const direct = resolveModule(join(pkg.dir, 'package.json'), `./${relative(pkg.dir, absolute).split(sep).join('/')}`, exists);
    if (direct) return direct;
    // Without `rootDir` TypeScript takes the sources' common folder: `src` by convention, else the package's own.
    const mappings = pkg.outDir
      ? (pkg.rootDir ? [pkg.rootDir] : [join(pkg.dir, 'src'), pkg.dir]).map((root) => [pkg.outDir!, root])
      : CONVENTIONAL_OUT_DIRS.map((d) => [join(pkg.dir, d), join(pkg.dir, 'src')]);
    for (const [outDir, rootDir] of mappings) {
      const inside = relative(outDir, absolute);
      if (inside.startsWith('..') || inside === '') continue;
      // `x.d.ts` and `x.js` come from `x.ts`: resolve the output's name without its extension in the source root.
      const stem = inside.replace(/\.d\.[cm]?ts$/, '').replace(/\.[cm]?js$/, '');
      const source = resolveModule(join(rootDir, 'index.ts'), `./${stem.split(sep).join('/')}`, exists);
      if (source) return source;
    }
    return undefined;
  }
}

/** Where the manifest points for `subpath` ('' for the package itself), best first, relative to the package. */
export function entryTargets(manifest: Record<string, unknown>, subpath: string): string[] {
  const out: string[] = [];
  const key = subpath === '' ? '.' : `./${subpath}`;
  const exported = manifest.exports;
  if (exported !== undefined) {
    const entry = typeof exported === 'string' || Array.isArray(exported) || !hasSubpathKeys(exported) ? (key === '.' ? exported : undefined) : exportFor(exported as Record<string, unknown>, key);
    out.push(...conditionTargets(entry));
  }
  if (subpath !== '') out.push(`./${subpath}`);
  else {
    for (const field of ['types', 'typings', 'module', 'main']) {
      const value = manifest[field];
      if (typeof value === 'string') out.push(value);
    }
    out.push('./index');
  }
  return [...new Set(out)];
}

function hasSubpathKeys(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).some((k) => k.startsWith('.'));
}

/** The `exports` entry for `key`, with one `*` pattern allowed (`"./*": "./src/*.ts"`). */
function exportFor(exported: Record<string, unknown>, key: string): unknown {
  if (key in exported) return exported[key];
  for (const [pattern, value] of Object.entries(exported)) {
    const star = pattern.indexOf('*');
    if (star < 0) continue;
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (key.startsWith(prefix) && key.endsWith(suffix) && key.length >= prefix.length + suffix.length) {
      const matched = key.slice(prefix.length, key.length - suffix.length);
      return substitute(value, matched);
    }
  }
  return undefined;
}

function substitute(value: unknown, matched: string): unknown {
  if (typeof value === 'string') return value.replace('*', matched);
  if (Array.isArray(value)) return value.map((v) => substitute(v, matched));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, matched)]));
  return value;
}

/** The paths an export entry gives, the conditions TypeScript would use first. */
function conditionTargets(entry: unknown): string[] {
  if (typeof entry === 'string') return [entry];
  if (Array.isArray(entry)) return entry.flatMap(conditionTargets);
  if (typeof entry !== 'object' || entry === null) return [];
  const record = entry as Record<string, unknown>;
  const keys = [...CONDITIONS.filter((c) => c in record), ...Object.keys(record).filter((k) => !CONDITIONS.includes(k))];
  return keys.flatMap((k) => conditionTargets(record[k]));
}

/** The package described by `manifestText` (its package.json) in `dir`; undefined without a name. `output`: its tsconfig's `outDir`/`rootDir`. */
export function packageInfo(dir: string, manifestText: string, output: { outDir: string; rootDir?: string } | undefined): PackageInfo | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null || typeof (manifest as { name?: unknown }).name !== 'string') return undefined;
  return { name: (manifest as { name: string }).name, dir, manifest: manifest as Record<string, unknown>, outDir: output?.outDir, rootDir: output?.rootDir };
}
