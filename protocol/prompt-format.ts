import type { EditKind } from './edit-task.js';

/**
 * The one prompt format of specedit: what the engine sends to every model
 * (drafters and verifier) and what the training pipeline trains on, so the
 * shipped models see exactly what they were trained for.
 *
 *   <|task|>rename
 *   <|file|>src/cart.ts
 *   <|context|>
 *   ...signatures the scope refers to (may be empty)...
 *   <|original|>
 *   ...the scope's text...
 *   <|instruction|>
 *   Rename `t` to `total`.
 *   <|edited|>
 *   ...the model writes the edited scope, then <|end|>
 *
 * Every section is its text followed by exactly one newline (no trimming), so
 * the original text is recovered exactly. Markers are plain text (one line each): any model and tokenizer can read
 * them, and a base code model needs no special tokens. Generation stops at
 * the end-of-generation token or at END_MARKER, whichever comes first.
 */
export const MARKERS = {
  task: '<|task|>',
  file: '<|file|>',
  context: '<|context|>',
  original: '<|original|>',
  instruction: '<|instruction|>',
  edited: '<|edited|>',
} as const;

export const END_MARKER = '<|end|>';

export interface PromptParts {
  kind: EditKind;
  /** Workspace-relative path, for the model's orientation. */
  file: string;
  /** Signatures and declarations the scope refers to; '' when none. */
  context: string;
  /** The original text of the scope being edited. */
  original: string;
  /** One human sentence saying what to do (see instructionFor). */
  instruction: string;
}

export function buildPrompt(p: PromptParts): string {
  return (
    `${MARKERS.task}${p.kind}\n` +
    `${MARKERS.file}${p.file}\n` +
    `${MARKERS.context}\n${p.context}\n` +
    `${MARKERS.original}\n${p.original}\n` +
    `${MARKERS.instruction}\n${p.instruction}\n` +
    `${MARKERS.edited}\n`
  );
}

/** The completion a model should write for `edited` (what training targets are made of). */
export function buildCompletion(edited: string): string {
  return `${edited}\n${END_MARKER}`;
}

/** Cuts a model's raw output at the end marker; `complete` is false when the marker never came. */
export function parseCompletion(raw: string): { text: string; complete: boolean } {
  const end = raw.indexOf(END_MARKER);
  if (end < 0) return { text: raw, complete: false };
  const body = raw.slice(0, end);
  return { text: body.endsWith('\n') ? body.slice(0, -1) : body, complete: true };
}

/** The instruction sentence for each edit kind, shared with the training data generator. */
export function instructionFor(kind: EditKind, args: { oldName?: string; newName?: string; message?: string; instruction?: string; functionName?: string }): string {
  switch (kind) {
    case 'rename':
      return args.newName ? `Rename \`${args.oldName}\` to \`${args.newName}\`.` : `Rename \`${args.oldName}\` to a better name.`;
    case 'extract':
      return `Extract the statements into a function named \`${args.functionName ?? 'extracted'}\`.`;
    case 'optimizeLoop':
      return 'Optimize this loop without changing its behaviour.';
    case 'fix':
      return `Fix this error: ${args.message ?? 'syntax error'}`;
    case 'instruction':
      return args.instruction ?? '';
  }
}
