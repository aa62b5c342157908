/**
 * The eval's fixture projects, named in one map: each is a folder under
 * fixtures/eval/ (or fixtures/bench/) with a tsconfig.json (strict; every project type-checks
 * cleanly on its own, so any diagnostic after an edit is one the edit made).
 */
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export const EVAL_PROJECTS = {
  /** Single-file modules: classes, generics, async, destructuring, closures, shadowing, JSX (todo-list.tsx). */
  modules: 'fixtures/eval/modules',
  /** The edit-speed benchmark's sources (fixtures/bench/*.ts, with their own tsconfig.json). */
  bench: 'fixtures/bench',
  /** Multi-file, bundler resolution: named, aliased and namespace imports, `export *` and named re-exports. */
  shop: 'fixtures/eval/shop',
  /** Multi-file, NodeNext resolution (`./x.js` imports), an aliased re-export. */
  tracker: 'fixtures/eval/tracker',
} as const;

export type ProjectName = keyof typeof EVAL_PROJECTS;

export interface EvalProject {
  /** A fixture's name (EVAL_PROJECTS), or the folder name of a project given with --project-dir. */
  name: string;
  /** Fixture projects type-check cleanly; an outside project's existing errors are its baseline. */
  external: boolean;
  /** What TypeScript found wrong in an outside project's tsconfig.json (fixtures must have none). */
  configErrors: string[];
  /** Absolute path of the folder holding tsconfig.json. */
  configDir: string;
  /** The workspace folder an editor would open: the common folder of the project's files. */
  root: string;
  /** Absolute paths of the project's own sources (no .d.ts), sorted. */
  files: string[];
  /** Ambient declarations the project needs (e.g. the JSX types), not edited. */
  ambient: string[];
  options: ts.CompilerOptions;
  /** The repository root, for printing paths. */
  repoRoot: string;
}

export function loadProject(name: ProjectName, repoRoot: string): EvalProject {
  return loadProjectAt(resolve(repoRoot, EVAL_PROJECTS[name]), name, repoRoot, false);
}

/**
 * Any TypeScript project: the folder holding its tsconfig.json (a real
 * repository, to try specedit on code it was not built on). Paths in the
 * report are relative to that folder.
 */
export function loadExternalProject(dir: string): EvalProject {
  const configDir = resolve(dir);
  return loadProjectAt(configDir, basename(configDir), configDir, true);
}

function loadProjectAt(configDir: string, name: string, repoRoot: string, external: boolean): EvalProject {
  const configPath = join(configDir, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(`${configPath}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, configDir, undefined, configPath);
  const configErrors = parsed.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n'));
  // A real repository's configuration may carry options this TypeScript rejects; its files still load.
  if (configErrors.length > 0 && !external) throw new Error(`${configPath}: ${configErrors.join('; ')}`);
  const all = parsed.fileNames.map((f) => resolve(f)).sort();
  const files = all.filter((f) => !f.endsWith('.d.ts') && !f.split(sep).includes('node_modules'));
  const ambient = all.filter((f) => f.endsWith('.d.ts'));
  if (files.length === 0) throw new Error(`${configPath} includes no sources`);
  return { name, external, configErrors, configDir, root: commonFolder(files), files, ambient, options: parsed.options, repoRoot };
}

export function loadProjects(repoRoot: string, names: readonly ProjectName[] = Object.keys(EVAL_PROJECTS) as ProjectName[]): EvalProject[] {
  return names.map((n) => loadProject(n, repoRoot));
}

/** A path relative to the repository root, with forward slashes (task ids and reports carry no machine paths). */
export function displayPath(project: EvalProject, file: string): string {
  return relative(project.repoRoot, file).split(sep).join('/');
}

export function languageIdOf(file: string): string {
  if (file.endsWith('.tsx')) return 'typescriptreact';
  if (file.endsWith('.jsx')) return 'javascriptreact';
  if (file.endsWith('.js') || file.endsWith('.mjs')) return 'javascript';
  return 'typescript';
}

function commonFolder(files: string[]): string {
  let common = dirname(files[0]);
  for (const f of files) {
    while (!(f + sep).startsWith(common + sep)) common = dirname(common);
  }
  return common;
}
