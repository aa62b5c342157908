import type { EditContext, EditOrchestrator, EditOutcome, EditTask } from '../protocol/edit-task.js';
import { languageFor } from '../syntax/language.js';
import { fixWithoutModels, relocateMissingBrace } from './fix-edit.js';
import { renameInWorkspace } from './workspace-rename.js';
import { extractEdit } from './extract-edit.js';
import { CrlfDocument } from './line-endings.js';

/**
 * The model layers (drafters + verifier) as the pipeline sees them. Absent
 * when no model could be loaded: the structural layer keeps working and
 * model-only edit kinds answer "unavailable" with the reason.
 */
export interface ModelEngine {
  computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome>;
  dispose(): Promise<void>;
}

/** Why no model runs for an editor that must get the edit inside the code action. */
const STRUCTURAL_ONLY = 'this editor takes edits only inside the code action (no codeAction/resolve, no workspace/applyEdit), so no model runs for it';

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
    if (task.kind === 'rename' && task.args.newName) return this.structuralRename(task, task.args.newName, context);
    // Everything else is computed on LF text (what the models know) and mapped back to the document's line ends.
    const crlf = CrlfDocument.of(task.document.text);
    if (!crlf) return this.computeOnLf(task, context);
    return crlf.outcomeFor(task.document.uri, await this.computeOnLf(crlf.lfTask(task), context));
  }

  private async computeOnLf(given: EditTask, context: EditContext): Promise<EditOutcome> {
    const task = given.kind === 'fix' ? relocateMissingBrace(given) : given;
    const models: EditPipelineOptions['models'] = context.structuralOnly ? { unavailable: STRUCTURAL_ONLY } : this.options.models;
    if (task.kind === 'extract') return extractEdit(task, context, models); // structural; the models only name it
    if ('unavailable' in models) {
      const fixed = task.kind === 'fix' ? await fixWithoutModels(task, context.types, context.signal) : undefined;
      if (fixed) return fixed;
      const what = task.kind === 'rename' ? 'Suggesting a name' : `The ${task.kind} edit`;
      const hint = task.kind === 'rename' ? " To rename to a name of your choice, use your editor's rename (textDocument/rename)." : '';
      return { status: 'unavailable', reason: `${what} needs the models, which are not available: ${models.unavailable}.${hint}` };
    }
    const outcome = await models.computeEdit(task, context);
    return task.kind === 'rename' ? this.widenSuggestedRename(task, outcome, context) : outcome;
  }

  /** Rename to a given name: exact, from the syntax trees; across the workspace when the binding is exported (engine/workspace-rename.ts). */
  private structuralRename(task: EditTask, newName: string, context: EditContext): Promise<EditOutcome> {
    return renameInWorkspace(task.document, task.range.start, newName, context);
  }

  /** A name the models chose for an exported binding reaches its importers too, like a rename to a given name. */
  private async widenSuggestedRename(task: EditTask, outcome: EditOutcome, context: EditContext): Promise<EditOutcome> {
    const name = outcome.status === 'ok' ? outcome.result.considered?.[0] : undefined;
    if (outcome.status !== 'ok' || !name || !context.workspace) return outcome;
    const wide = await this.structuralRename(task, name, context);
    if (wide.status !== 'ok') return wide;
    if (wide.result.edits.length <= 1) return outcome;
    return { status: 'ok', result: { ...outcome.result, title: wide.result.title, edits: wide.result.edits } };
  }

  async dispose(): Promise<void> {
    if (!('unavailable' in this.options.models)) await this.options.models.dispose();
  }
}
