/**
 * One edit's prompt as a given model sees it, in the format that model
 * follows (protocol/prompt-format.ts): specedit's markers for the models
 * trained on them, the model's own chat template for an instruct model.
 * Everything the loop drafts from (the original scope, candidates) is
 * written the way the model writes its answer after this prompt, so lookup
 * finds it in the output, and the answer is parsed back into scope text.
 */
import {
  buildPrompt,
  chatAnswerStart,
  chatNameQuestion,
  chatCompletion,
  chatSystemMessage,
  chatUserMessage,
  CHAT_STOP,
  dedentScope,
  END_MARKER,
  NAME_STOP,
  parseChatAnswer,
  parseNameAnswer,
  type PromptFormatName,
  type PromptParts,
} from '../protocol/prompt-format.js';
import type { TargetModel } from './target-model.js';
import type { Prompt } from './verify-types.js';

export type PromptFormatSetting = 'auto' | PromptFormatName;

/** What every model is asked for one edit, before it is put in a model's format. */
export interface EditPromptInput {
  parts: PromptParts;
  /** The indentation of the scope's lines in the document (protocol's chatIndent). */
  indent: string;
}

/** One edit's prompt for one model. */
export interface ModelPrompt {
  format: PromptFormatName;
  /** What the model is given: text (markers) or tokens (a chat template's special tokens included). */
  prompt: Prompt;
  /** Ends the model's answer. */
  stop: string[];
  /** A scope text as the model would write it, without the stop string: what rank mode scores (with stop[0]). */
  answer(scopeText: string): string;
  /** A scope text as the model would write it, through the stop string: the lookup sources. */
  completion(scopeText: string): string;
  /** The scope text from the model's output (cut before the stop string when it came). */
  edited(output: string): string;
}

/** The format `setting` gives `model`: auto is chat exactly when the model file carries a chat template. */
export function promptFormatFor(model: Pick<TargetModel, 'chat'>, setting: PromptFormatSetting = 'auto'): PromptFormatName {
  if (setting !== 'auto') return setting;
  return model.chat?.fromFile ? 'chat' : 'markers';
}

export function modelPrompt(model: Pick<TargetModel, 'chat'>, format: PromptFormatName, input: EditPromptInput): ModelPrompt {
  if (format === 'markers') return markerPrompt(input.parts);
  const chat = model.chat;
  if (!chat) throw new Error('the chat prompt format needs a model with a chat template');
  const { parts, indent } = input;
  return {
    format,
    prompt: chat.render({ system: chatSystemMessage(parts.language), user: chatUserMessage(parts, indent), answerStart: chatAnswerStart(parts.language) }),
    stop: [CHAT_STOP],
    answer: (scopeText) => dedentScope(scopeText, indent),
    completion: (scopeText) => chatCompletion(scopeText, indent),
    edited: (output) => parseChatAnswer(output, indent),
  };
}

/** The marker format: the prompt is text; the answer is the scope, a newline and END_MARKER. */
export function markerPrompt(parts: PromptParts): ModelPrompt {
  return {
    format: 'markers',
    prompt: buildPrompt(parts),
    stop: [END_MARKER],
    answer: (scopeText) => `${scopeText}\n`,
    completion: (scopeText) => `${scopeText}\n${END_MARKER}`,
    edited: (output) => (output.endsWith('\n') ? output.slice(0, -1) : output),
  };
}

/** Most tokens of a name a chat model is asked for (its answer ends at a backtick). */
export const NAME_TOKENS = 12;

/** A name asked of a chat model (protocol's chatNameQuestion): the prompt, where the answer stops, and the name in it. */
export interface NamePrompt {
  prompt: Prompt;
  stop: string[];
  /** The identifier the model answered, or undefined. */
  name(output: string): string | undefined;
}

export function namePrompt(model: Pick<TargetModel, 'chat'>, question: Parameters<typeof chatNameQuestion>[0], code: string, language: string | undefined): NamePrompt {
  if (!model.chat) throw new Error('a name question needs a model with a chat template');
  return { prompt: model.chat.render(chatNameQuestion(question, code, language)), stop: [NAME_STOP], name: parseNameAnswer };
}
