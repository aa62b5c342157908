/**
 * From an EditTask to what every model is asked (protocol/prompt-format.ts):
 * the scope the kind needs, the declarations it refers to, and the
 * instruction sentence the models were trained on; the marker prompt (the
 * shipped models, the training data) and the verifier's own (its format,
 * verifier/model-prompt.ts).
 */
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EditTask } from '../protocol/edit-task.js';
import type { WorkspaceView } from '../protocol/workspace.js';
import { rangesTouch, type OffsetRange } from '../protocol/text.js';
import { buildPrompt, chatIndent, instructionFor, type PromptParts } from '../protocol/prompt-format.js';
import { markerPrompt, type EditPromptInput, type ModelPrompt } from '../verifier/model-prompt.js';
import { syntaxProblems } from '../syntax/diagnostics.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { isValidIdentifier } from '../drafters/structural/rename.js';
import { editScope, type EditScope } from './edit-scope.js';
import { DEFAULT_CONTEXT_CHARS, promptContext, tokenBudget } from './prompt-context.js';

/** Function name put in the instruction of an extract when the task names none. */
export const DEFAULT_EXTRACTED_NAME = 'extracted';

export interface PreparedEdit {
  scope: EditScope;
  parts: PromptParts;
  /** The prompt in the marker format: what the shipped models (drafters included) see, and the training data's format. */
  prompt: string;
  /** The scope's indentation in the document (the chat format shows the scope without it). */
  indent: string;
  /** The prompt in the verifier's format, and how its answers are written and read. */
  verifier: ModelPrompt;
  syntax: SyntaxDocument;
  /** rename: the name being renamed. */
  oldName?: string;
  /** fix: the diagnostic's message (given, or the syntax error found at the range). */
  message?: string;
}

export interface PromptOptions {
  /** Budget of the context section, characters (0: no context). */
  contextChars?: number;
  /** Budget of the context section in tokens; when set it wins over contextChars (0: no context). */
  contextTokens?: number;
  /** Counts tokens for contextTokens (the verifier's tokenizer); absent: characters / 3.5. */
  countTokens?: (text: string) => number;
  /** Paths in prompts are relative to this directory (default: the working directory). */
  workspaceRoot?: string;
  /** The verifier's prompt for an edit (its format); default: the marker format. */
  verifierPrompt?: (input: EditPromptInput) => ModelPrompt;
}

export type Prepared = { ok: true; edit: PreparedEdit } | { ok: false; reason: string };

/** `workspace`: the index, for the signatures of imported names in the context. */
export function prepareEdit(task: EditTask, options: PromptOptions = {}, workspace?: WorkspaceView): Prepared {
  const syntax = new SyntaxDocument(task.document.languageId, task.document.text);
  const text = task.document.text;
  const scope = editScope(task.kind, syntax.tree, text, task.range);
  if (scope.text.trim() === '') return { ok: false, reason: 'there is no code at the selected range to edit' };
  const instruction = instructionOf(task, syntax, scope);
  if (!instruction.ok) return instruction;
  const parts: PromptParts = {
    kind: task.kind,
    file: promptPath(task.document.uri, options.workspaceRoot),
    context: promptContext(
      syntax.tree,
      text,
      scope.range,
      options.contextTokens !== undefined ? tokenBudget(options.contextTokens, options.countTokens) : (options.contextChars ?? DEFAULT_CONTEXT_CHARS),
      workspace && { workspace, uri: task.document.uri },
    ),
    original: scope.text,
    instruction: instruction.sentence,
    language: task.document.languageId,
  };
  const indent = chatIndent(text, scope.range.start, scope.text);
  const verifier = options.verifierPrompt?.({ parts, indent }) ?? markerPrompt(parts);
  return { ok: true, edit: { scope, parts, prompt: buildPrompt(parts), indent, verifier, syntax, oldName: instruction.oldName, message: instruction.message } };
}

type Instruction = { ok: true; sentence: string; oldName?: string; message?: string } | { ok: false; reason: string };

function instructionOf(task: EditTask, syntax: SyntaxDocument, scope: EditScope): Instruction {
  const { args, range } = task;
  switch (task.kind) {
    case 'rename': {
      const oldName = task.document.text.slice(range.start, range.end).trim();
      if (!isValidIdentifier(oldName)) return { ok: false, reason: `the range holds \`${oldName.slice(0, 40)}\`, not a name to rename` };
      return { ok: true, sentence: instructionFor('rename', { oldName, newName: args.newName }), oldName };
    }
    case 'extract':
      return { ok: true, sentence: instructionFor('extract', { functionName: args.newName ?? DEFAULT_EXTRACTED_NAME }) };
    case 'optimizeLoop':
      return { ok: true, sentence: instructionFor('optimizeLoop', {}) };
    case 'fix': {
      const message = args.diagnostic?.message ?? syntaxProblemAt(syntax, range, scope.range);
      if (!message) return { ok: false, reason: 'there is no diagnostic to fix at the selected range' };
      return { ok: true, sentence: instructionFor('fix', { message }), message };
    }
    case 'instruction':
      if (!args.instruction?.trim()) return { ok: false, reason: 'an edit with instruction needs the instruction text' };
      return { ok: true, sentence: instructionFor('instruction', { instruction: args.instruction }) };
  }
}

/** The syntax error at the range, else the first one in the scope. */
function syntaxProblemAt(syntax: SyntaxDocument, range: OffsetRange, scope: OffsetRange): string | undefined {
  const problems = syntaxProblems(syntax.tree);
  return (problems.find((p) => rangesTouch(p.range, range)) ?? problems.find((p) => rangesTouch(p.range, scope)))?.message;
}

/** The document's path relative to the workspace, as the training data writes it; its last two segments when outside. */
export function promptPath(uri: string, workspaceRoot = process.cwd()): string {
  let path: string;
  try {
    path = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    path = uri;
  }
  if (isAbsolute(path)) {
    const inside = relative(workspaceRoot, path);
    if (inside && !inside.startsWith('..') && !isAbsolute(inside)) return inside.split(sep).join('/');
  }
  return path.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
}

/** A message or instruction as a title: its first line, at most 70 characters. */
export function firstLine(s: string): string {
  const line = s.split('\n')[0].trim();
  return line.length > 70 ? `${line.slice(0, 69)}…` : line;
}
