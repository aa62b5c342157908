/**
 * Documents with CRLF line ends, seen by the engine with LF only. The models
 * were trained on LF text (a `\r` in the prompt derails them), and the
 * structural edits write `\n`; so a CRLF document's task is computed on its
 * LF text and the edits are mapped back: offsets to the real text, and new
 * line breaks written as the document writes them.
 */
import type { EditOutcome, EditTask, FileEdit } from '../protocol/edit-task.js';

export class CrlfDocument {
  /** Offsets in the LF text of the `\n`s whose `\r` was removed, ascending. */
  private readonly removedBefore: number[];
  /** Offsets in the real text of the removed `\r`s, ascending. */
  private readonly removedAt: number[];
  readonly lfText: string;
  /** New line breaks are written CRLF when most of the document's are. */
  readonly writesCrlf: boolean;

  /** Undefined when the text has no CRLF: nothing to map. */
  static of(text: string): CrlfDocument | undefined {
    return text.includes('\r\n') ? new CrlfDocument(text) : undefined;
  }

  private constructor(readonly text: string) {
    this.removedAt = [];
    this.removedBefore = [];
    for (let i = text.indexOf('\r\n'); i !== -1; i = text.indexOf('\r\n', i + 2)) {
      this.removedBefore.push(i - this.removedAt.length);
      this.removedAt.push(i);
    }
    this.lfText = text.replace(/\r\n/g, '\n');
    const lineBreaks = this.lfText.split('\n').length - 1;
    this.writesCrlf = this.removedAt.length * 2 >= lineBreaks;
  }

  /** An offset of the real text in the LF text (an offset between `\r` and `\n` goes before the `\n`). */
  toLf(offset: number): number {
    return offset - countBelow(this.removedAt, offset);
  }

  /** An offset of the LF text in the real text (before a `\n` means before its `\r`). */
  fromLf(offset: number): number {
    return offset + countBelow(this.removedBefore, offset);
  }

  /** The task on the LF text. */
  lfTask(task: EditTask): EditTask {
    return {
      ...task,
      document: { ...task.document, text: this.lfText },
      range: { start: this.toLf(task.range.start), end: this.toLf(task.range.end) },
    };
  }

  /** The outcome for the real text: this document's replacements mapped back, new line breaks as the document writes them. */
  outcomeFor(uri: string, outcome: EditOutcome): EditOutcome {
    if (outcome.status !== 'ok') return outcome;
    const edits = outcome.result.edits.map((edit): FileEdit => (edit.uri !== uri ? edit : {
      ...edit,
      replacements: edit.replacements.map((r) => ({
        start: this.fromLf(r.start),
        end: this.fromLf(r.end),
        newText: this.writesCrlf ? r.newText.replace(/\r?\n/g, '\r\n') : r.newText,
      })),
    }));
    return { ...outcome, result: { ...outcome.result, edits } };
  }
}

/** How many of the ascending `values` are below `limit`. */
function countBelow(values: readonly number[], limit: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
