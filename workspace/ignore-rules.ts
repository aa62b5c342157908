/**
 * Which folders and files the workspace index leaves out: node_modules and
 * .git always, and whatever the `.gitignore` files of the workspace say
 * (each applies below its own folder, as in git). Build output is usually
 * ignored there; a folder named `dist` that a project keeps its sources in
 * is not skipped for its name. The `ignore` package implements git's
 * pattern rules. `.gitignore` files are read once, when first needed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Never indexed, whatever `.gitignore` says. */
export const ALWAYS_SKIPPED: ReadonlySet<string> = new Set(['node_modules', '.git']);

/**
 * Patterns read from one `.gitignore`. git's rules are tested one by one for
 * every path the crawl meets, so a generated `.gitignore` of tens of thousands
 * of lines would hold the server for seconds; real ones have tens to a few
 * hundred. The rest of a longer file is left out with a warning (its files
 * may then be indexed: harmless, only more work).
 */
export const MAX_IGNORE_PATTERNS = 1000;

/** The watcher's glob for the files that change what is skipped. */
export const IGNORE_FILE_GLOB = '**/.gitignore';

export class IgnoreRules {
  /** folder → its `.gitignore` rules (null: it has none). */
  private readonly rules = new Map<string, Ignore | null>();

  constructor(
    private readonly roots: readonly string[],
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** Whether the crawl should skip the entry `name` of `folder` (`isFolder`: a folder). */
  skips(folder: string, name: string, isFolder: boolean): boolean {
    if (isFolder && ALWAYS_SKIPPED.has(name)) return true;
    return this.ignoredBy(join(folder, name), isFolder);
  }

  /** Whether `path` (a file) lies in a skipped folder or is ignored itself. */
  excludes(path: string): boolean {
    const root = this.roots.find((r) => path.startsWith(r + sep));
    if (!root) return false;
    const segments = relative(root, path).split(sep);
    let folder = root;
    for (let i = 0; i < segments.length; i++) {
      const last = i === segments.length - 1;
      if (this.skips(folder, segments[i], !last)) return true;
      folder = join(folder, segments[i]);
    }
    return false;
  }

  /** Forget what was read (a `.gitignore` changed). */
  forget(): void {
    this.rules.clear();
  }

  /** The `.gitignore` of each folder from the workspace root down to `path`'s folder, nearest last (git's precedence). */
  private ignoredBy(path: string, isFolder: boolean): boolean {
    const root = this.roots.find((r) => path.startsWith(r + sep));
    if (!root) return false;
    for (let folder = dirname(path); ; folder = dirname(folder)) {
      const rules = this.rulesOf(folder);
      if (rules) {
        const rel = relative(folder, path).split(sep).join('/') + (isFolder ? '/' : '');
        const verdict = rules.test(rel);
        // The nearest `.gitignore` with an opinion wins.
        if (verdict.ignored || verdict.unignored) return verdict.ignored;
      }
      if (folder === root || dirname(folder) === folder) break;
    }
    return false;
  }

  private rulesOf(folder: string): Ignore | null {
    let rules = this.rules.get(folder);
    if (rules === undefined) {
      try {
        rules = ignore().add(this.patterns(join(folder, '.gitignore')));
      } catch {
        rules = null;
      }
      this.rules.set(folder, rules);
    }
    return rules;
  }

  /** The file's patterns (blank lines and comments dropped), at most MAX_IGNORE_PATTERNS. */
  private patterns(file: string): string[] {
    const patterns = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    if (patterns.length <= MAX_IGNORE_PATTERNS) return patterns;
    this.warn(`${file} has ${patterns.length} patterns; the workspace index uses the first ${MAX_IGNORE_PATTERNS} (testing every path against all of them would hold the server for seconds)`);
    return patterns.slice(0, MAX_IGNORE_PATTERNS);
  }
}
