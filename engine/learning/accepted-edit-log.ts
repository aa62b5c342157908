/**
 * The opt-in log of edits the server returned (`logAcceptedEdits`): one JSON
 * line per edit in `<dataDir>/accepted-edits.jsonl`, with the fields of the
 * training pipeline's edit examples (training/gen-edits.ts: kind, file,
 * original, edited, instruction, prompt, completion), so `train.py
 * --extra-edits` can fine-tune on it as is. "Accepted" means the server
 * returned the edit to the editor; whether the user kept it is not visible
 * to a language server. It is written when the engine hands the edit over,
 * so the rare edit the server then refuses (the document changed meanwhile)
 * is in the log too.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EditKind, EditMode } from '../../protocol/edit-task.js';
import type { EditStats } from '../../protocol/stats.js';

export const ACCEPTED_EDITS_FILE = 'accepted-edits.jsonl';

export interface AcceptedEdit {
  kind: EditKind;
  /** Always "accepted": training/data.py reads every split the same way; this tells the lines apart from generated ones. */
  split: 'accepted';
  /** Workspace-relative path, as in the prompt. */
  file: string;
  uri: string;
  /** The instruction sentence the prompt carries. */
  instruction: string;
  /** The prompt the models saw (protocol/prompt-format.ts). */
  prompt: string;
  /** The scope before and after the edit. */
  original: string;
  edited: string;
  /** What a model should write after the prompt: the edited scope and the end marker. */
  completion: string;
  mode: EditMode;
  stats: EditStats;
  /** ISO time. */
  at: string;
}

export class AcceptedEditLog {
  private writing: Promise<void> = Promise.resolve();
  private lastError: string | undefined;

  constructor(
    readonly file: string,
    private readonly logger: { warn(message: string): void },
  ) {}

  /** Appends one line; lines are written in order, failures are reported, never thrown. */
  append(edit: AcceptedEdit): void {
    const line = `${JSON.stringify(edit)}\n`;
    this.writing = this.writing.then(async () => {
      try {
        await mkdir(dirname(this.file), { recursive: true });
        await appendFile(this.file, line);
        this.lastError = undefined;
      } catch (error) {
        const message = (error as Error).message;
        if (message !== this.lastError) this.logger.warn(`accepted edit could not be logged to ${this.file}: ${message}; set "dataDir" to a writable directory`);
        this.lastError = message;
      }
    });
  }

  /** Resolves when every line appended so far is written. */
  flush(): Promise<void> {
    return this.writing;
  }
}
