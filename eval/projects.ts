/**
 * The eval's fixture projects, named in one map: each is a folder under
 * fixtures/eval/ (or fixtures/bench/) with a tsconfig.json (strict; every project type-checks
 * cleanly on its own, so any diagnostic after an edit is one the edit made).
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  name: ProjectName;
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
  const configDir = resolve(repoRoot, EVAL_PROJECTS[name]);
  const configPath = join(configDir, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(`${configPath}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, configDir, undefined, configPath);
  if (parsed.errors.length > 0) throw new Error(`${configPath}: ${parsed.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('; ')}`);
  const all = parsed.fileNames.map((f) => resolve(f)).sort();
  const files = all.filter((f) => !f.endsWith('.d.ts'));
  const ambient = all.filter((f) => f.endsWith('.d.ts'));
  if (files.length === 0) throw new Error(`${configPath} includes no sources`);
  return { name, configDir, root: commonFolder(files), files, ambient, options: parsed.options, repoRoot };
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
