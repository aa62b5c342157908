/**
 * A project written to a temporary folder, indexed as a workspace folder,
 * and a rename to a given name through the pipeline (no models) across it,
 * the other files read from disk: the setup the multi-file rename tests share.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EditPipeline } from '../../engine/edit-pipeline.js';
import type { DocumentSnapshot } from '../../protocol/edit-task.js';
import type { TypeView } from '../../protocol/type-view.js';
import { applyReplacements } from '../../protocol/text.js';
import { WorkspaceIndex } from '../../workspace/workspace-index.js';

export class TempProject {
  readonly root: string;
  readonly index = new WorkspaceIndex();

  private constructor(readonly files: Record<string, string>, prefix: string) {
    this.root = mkdtempSync(join(tmpdir(), `specedit-${prefix}-`));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.root, path)), { recursive: true });
      writeFileSync(join(this.root, path), text);
    }
  }

  /** Writes `files` and indexes the folder. */
  static async create(prefix: string, files: Record<string, string>): Promise<TempProject> {
    const project = new TempProject(files, prefix);
    await project.index.start([pathToFileURL(project.root).href]);
    return project;
  }

  uri(path: string): string {
    return pathToFileURL(join(this.root, path)).href;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Renames the name at the first `marker` in `path` to `newName`; the changed files' texts by path (throws when refused). */
  async rename(path: string, marker: string, newName: string, types?: TypeView): Promise<Record<string, string>> {
    const document: DocumentSnapshot = { uri: this.uri(path), languageId: 'typescript', version: 1, text: this.files[path] };
    const pathOf = (uri: string) => Object.keys(this.files).find((p) => this.uri(p) === uri);
    const readFile = async (uri: string): Promise<DocumentSnapshot | undefined> => {
      const rel = pathOf(uri);
      return rel ? { uri, languageId: 'typescript', version: null, text: readFileSync(join(this.root, rel), 'utf8') } : undefined;
    };
    const offset = document.text.indexOf(marker.replace('|', '')) + Math.max(0, marker.indexOf('|'));
    if (offset < Math.max(0, marker.indexOf('|'))) throw new Error(`no ${marker} in ${path}`);
    const outcome = await new EditPipeline({ models: { unavailable: 'no models in this test' } }).computeEdit(
      { kind: 'rename', document, range: { start: offset, end: offset }, args: { newName } },
      { signal: new AbortController().signal, readFile, workspace: this.index, ...(types ? { types } : {}) },
    );
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    return Object.fromEntries(outcome.result.edits.map((e) => [pathOf(e.uri)!, applyReplacements(this.files[pathOf(e.uri)!], e.replacements)]));
  }
}
