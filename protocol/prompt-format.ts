import type { EditKind } from './edit-task.js';

/**
 * The two prompt formats of specedit. The marker format below is what the
 * shipped models are trained on (and what the training pipeline and the
 * accepted-edit log write), so they see exactly what they were trained for.
 * An instruct model with a chat template gets the chat format instead
 * (chat* below: the edit asked in a user turn, the edited scope answered in
 * one fenced block); verifier/model-prompt.ts picks the format per model.
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
  /** The document's language id (the chat format's fence tag); the marker format does not show it. */
  language?: string;
}

export type PromptFormatName = 'markers' | 'chat';

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

/**
 * The chat format. The model is asked in a user turn and its answer is
 * started for it: the assistant turn begins with CHAT_ANSWER_START's fence,
 * so the model writes the edited scope at once and ends it with a closing
 * fence (CHAT_STOP). The scope is shown without the indentation it has in
 * the document (chatIndent: models write code from column 0) and the answer
 * gets it back; sources and candidates are written the same way, so lookup
 * finds them in the output.
 */
const FENCE_TAGS: Record<string, string> = { typescript: 'typescript', typescriptreact: 'tsx', javascript: 'javascript', javascriptreact: 'jsx' };
const LANGUAGE_NAMES: Record<string, string> = { typescript: 'TypeScript', typescriptreact: 'TypeScript', javascript: 'JavaScript', javascriptreact: 'JavaScript' };

/** Ends the model's answer: the closing fence on its own line (an opening fence "```ts" does not match). */
export const CHAT_STOP = '\n```\n';

export function fenceTag(language: string | undefined): string {
  return FENCE_TAGS[language ?? ''] ?? 'typescript';
}

export function chatSystemMessage(language: string | undefined): string {
  const name = LANGUAGE_NAMES[language ?? ''] ?? 'TypeScript';
  return `You are an expert ${name} programmer. You edit code exactly as asked and answer with the whole edited code only.`;
}

/** The user turn: the instruction, the file, the declarations the scope uses, the scope (dedented), and how to answer. */
export function chatUserMessage(p: PromptParts, indent: string): string {
  const tag = fenceTag(p.language);
  const context = p.context.trim() === '' ? '' : `Declarations it uses:\n\`\`\`${tag}\n${p.context.replace(/\n+$/, '')}\n\`\`\`\n\n`;
  return (
    `${p.instruction}\n\n` +
    `File: ${p.file}\n\n` +
    context +
    `Code to edit:\n\`\`\`${tag}\n${dedentScope(p.original, indent)}\n\`\`\`\n\n` +
    `Answer with the whole edited code in one \`\`\`${tag} block.`
  );
}

/** What the assistant turn starts with: the opening fence, so the first token is code. */
export function chatAnswerStart(language: string | undefined): string {
  return `\`\`\`${fenceTag(language)}\n`;
}

/** How a model writes `edited` in the chat format, through the closing fence (lookup sources). */
export function chatCompletion(edited: string, indent: string): string {
  return `${dedentScope(edited, indent)}${CHAT_STOP}`;
}

/**
 * The edited scope from a chat answer (what follows the started fence, cut
 * before CHAT_STOP when it came). Robust to what small models do: an opening
 * fence written again, or prose and then a fence (the code is what follows
 * the last opening fence), a closing fence right before the end of the turn,
 * no closing fence at all (the turn ended). The indentation goes back on.
 */
export function parseChatAnswer(output: string, indent: string): string {
  let text = output;
  const openings = [...text.matchAll(/^```[\w+-]*[ \t]*\n/gm)];
  const last = openings.at(-1);
  if (last) text = text.slice(last.index + last[0].length);
  text = text.replace(/(^|\n)```[ \t]*\n?$/, '').replace(/\n+$/, ''); // a scope (trimmed, engine/edit-scope.ts) never ends with a newline
  return indentScope(text, indent);
}

/**
 * The indentation the scope's lines after the first have in common with the
 * line the scope starts on (the whitespace before the scope on its first
 * line): what the chat format takes off and puts back.
 */
export function chatIndent(documentText: string, scopeStart: number, scopeText: string): string {
  const lineStart = documentText.lastIndexOf('\n', scopeStart - 1) + 1;
  let common = documentText.slice(lineStart, scopeStart);
  if (!/^[ \t]*$/.test(common)) return '';
  for (const line of scopeText.split('\n').slice(1)) {
    if (line === '') continue;
    let n = 0;
    while (n < common.length && n < line.length && line[n] === common[n]) n++;
    common = common.slice(0, n);
  }
  return common;
}

/** `text` with `indent` taken off every line after the first (chatIndent guarantees they start with it). */
export function dedentScope(text: string, indent: string): string {
  if (indent === '') return text;
  return text
    .split('\n')
    .map((line, i) => (i > 0 && line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
}

/** The inverse of dedentScope for a model's answer: `indent` before every non-empty line after the first. */
export function indentScope(text: string, indent: string): string {
  if (indent === '') return text;
  return text
    .split('\n')
    .map((line, i) => (i > 0 && line !== '' ? indent + line : line))
    .join('\n');
}

/**
 * A name asked of a chat model in one short answer (rename without a name,
 * extract function's name): a small model that copies a whole scope
 * unchanged still names things when asked only for the name. The answer is
 * started for it up to an opening backtick; the name ends at the closing one.
 */
export interface ChatNameQuestion {
  system: string;
  user: string;
  answerStart: string;
}

export const NAME_STOP = '`';

export function chatNameQuestion(what: { kind: 'rename'; oldName: string } | { kind: 'extract' }, code: string, language: string | undefined): ChatNameQuestion {
  const tag = fenceTag(language);
  const block = `\n\n\`\`\`${tag}\n${code}\n\`\`\``;
  const system = chatSystemMessage(language).replace(/ You edit code.*$/, '');
  if (what.kind === 'rename') {
    return { system, user: `Suggest a better name than \`${what.oldName}\` for the variable \`${what.oldName}\` in this code.${block}`, answerStart: `Instead of \`${what.oldName}\`, call it \`` };
  }
  return { system, user: `Suggest a name for a function whose body is this code.${block}`, answerStart: 'A good name for this function is `' };
}

/** The identifier a name answer starts with (cut before NAME_STOP), or undefined. */
export function parseNameAnswer(output: string): string | undefined {
  return /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.exec(output.trim())?.[0];
}
