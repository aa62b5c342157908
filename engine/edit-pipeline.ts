import type { EditContext, EditOrchestrator, EditOutcome, EditTask } from '../protocol/edit-task.js';
import { finishStats } from '../protocol/stats.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { languageFor } from '../syntax/language.js';
import { renameBinding } from '../drafters/structural/rename.js';

/**
 * The model layers (drafters + verifier) as the pipeline sees them. Absent
 * when no model could be loaded: the structural layer keeps working and
 * model-only edit kinds answer "unavailable" with the reason.
 */
export interface ModelEngine {
  computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome>;
  dispose(): Promise<void>;
}

export interface EditPipelineOptions {
  /** The model engine, or why there is none (shown to the user). */
  models: ModelEngine | { unavailable: string };
}

/**
 * The EditOrchestrator the server calls: structural edits that need no model
 * (rename to a given name) are computed exactly from the syntax tree; every
 * other edit goes through the model engine.
 */
export class EditPipeline implements EditOrchestrator {
  constructor(private options: EditPipelineOptions) {}

  async computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome> {
    if (context.signal.aborted) return { status: 'cancelled' };
    if (!languageFor(task.document.languageId)) {
      return { status: 'unavailable', reason: `${task.document.languageId} documents are not supported (TypeScript and JavaScript only)` };
    }
    if (task.kind === 'rename' && task.args.newName) return this.structuralRename(task, task.args.newName);
    const models = this.options.models;
    if ('unavailable' in models) {
      const what = task.kind === 'rename' ? 'Suggesting a name' : `The ${task.kind} edit`;
      const hint = task.kind === 'rename' ? " To rename to a name of your choice, use your editor's rename (textDocument/rename)." : '';
      return { status: 'unavailable', reason: `${what} needs the models, which are not available: ${models.unavailable}.${hint}` };
    }
    return models.computeEdit(task, context);
  }

  private structuralRename(task: EditTask, newName: string): EditOutcome {
    const started = performance.now();
    const { tree } = new SyntaxDocument(task.document.languageId, task.document.text);
    const renamed = renameBinding(tree, task.document.text, task.range.start, newName);
    if (!renamed.ok) return { status: 'unavailable', reason: renamed.reason };
    const oldName = task.document.text.slice(renamed.declaration.start, renamed.declaration.end);
    return {
      status: 'ok',
      result: {
        title: `Rename \`${oldName}\` to \`${newName}\` (${renamed.replacements.length} occurrences)`,
        mode: 'structural',
        edits: [{ uri: task.document.uri, version: task.document.version, replacements: renamed.replacements }],
        stats: finishStats({ drafted: 0, accepted: 0, verifierCalls: 0, outputTokens: 0, wallMs: performance.now() - started }),
      },
    };
  }

  async dispose(): Promise<void> {
    if (!('unavailable' in this.options.models)) await this.options.models.dispose();
  }
}
