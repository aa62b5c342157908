/**
 * `node dist/eval/member-rename-measure.js <project-dir> [--limit N]`: every
 * N-th identifier of a real project renamed through the pipeline as the
 * server runs it (the structural rename, TypeScript's rename for what scope
 * analysis cannot decide), compared with TypeScript's own rename
 * (findRenameLocations with prefix and suffix text) over the same project:
 * identical, different (extra or missing edits) or refused. In process, no
 * models; a measurement for issue 13, not a CI check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { EditPipeline } from '../engine/edit-pipeline.js';
import type { DocumentSnapshot } from '../protocol/edit-task.js';
import { TypeService } from '../workspace/type-service.js';
import { WorkspaceIndex } from '../workspace/workspace-index.js';

async function main(): Promise<void> {
  const root = process.argv[2];
  const limit = Number(process.argv[process.argv.indexOf('--limit') + 1] || 200);
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), undefined, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const files = config.fileNames.filter((f) => !f.endsWith('.d.ts'));
  const oracle = ts.createLanguageService({
    getCompilationSettings: () => config.options,
    getScriptFileNames: () => config.fileNames,
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)!) : undefined),
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
  });
  const positions: Array<{ file: string; offset: number; name: string }> = [];
  for (const file of files) {
    const source = oracle.getProgram()!.getSourceFile(file)!;
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) positions.push({ file, offset: node.getStart(source), name: node.text });
      node.forEachChild(visit);
    };
    visit(source);
  }
  const stride = Math.max(1, Math.floor(positions.length / limit));
  const picked = positions.filter((_, i) => i % stride === 0).slice(0, limit);
  const index = new WorkspaceIndex();
  await index.start([pathToFileURL(root).href]);
  const types = new TypeService();
  const pipeline = new EditPipeline({ models: { unavailable: 'no models in this measurement' } });
  const readFile = async (uri: string): Promise<DocumentSnapshot | undefined> => {
    const path = new URL(uri).pathname;
    return ts.sys.fileExists(path) ? { uri, languageId: 'typescript', version: null, text: readFileSync(path, 'utf8') } : undefined;
  };
  const counts = { tasks: 0, identical: 0, different: 0, refused: 0, oracleRefused: 0 };
  const examples: string[] = [];
  for (const { file, offset, name } of picked) {
    const info = oracle.getRenameInfo(file, offset, { providePrefixAndSuffixTextForRename: true });
    if (!info.canRename) {
      counts.oracleRefused++;
      continue;
    }
    const newName = name.startsWith('#') ? `#renamed_${name.slice(1)}` : `renamed_${name}`;
    const expected = (oracle.findRenameLocations(file, offset, false, false, { providePrefixAndSuffixTextForRename: true }) ?? [])
      .map((l) => `${pathToFileURL(l.fileName).href}:${l.textSpan.start}:${l.textSpan.start + l.textSpan.length}:${l.prefixText ?? ''}${newName}${l.suffixText ?? ''}`)
      .sort();
    counts.tasks++;
    const document: DocumentSnapshot = { uri: pathToFileURL(file).href, languageId: 'typescript', version: 1, text: readFileSync(file, 'utf8') };
    const outcome = await pipeline.computeEdit({ kind: 'rename', document, range: { start: offset, end: offset }, args: { newName } }, { signal: new AbortController().signal, readFile, workspace: index, types });
    if (outcome.status !== 'ok') {
      counts.refused++;
      if (examples.length < 12) examples.push(`refused ${name} ${file.slice(root.length)}:${offset}: ${outcome.status === 'unavailable' ? outcome.reason : outcome.status}`);
      continue;
    }
    const got = outcome.result.edits.flatMap((e) => e.replacements.map((r) => `${e.uri}:${r.start}:${r.end}:${r.newText}`)).sort();
    if (JSON.stringify(got) === JSON.stringify(expected)) counts.identical++;
    else {
      counts.different++;
      if (examples.length < 12) examples.push(`different ${name} ${file.slice(root.length)}:${offset}: ${got.length} edits, TypeScript ${expected.length}`);
    }
  }
  console.log(JSON.stringify({ project: root, ...counts, identicalRate: counts.identical / Math.max(1, counts.tasks) }, null, 1));
  for (const e of examples) console.log(e);
}

await main();
