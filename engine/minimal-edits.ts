import { diffChars, diffWordsWithSpace } from 'diff';
import type { TextReplacement } from '../protocol/text.js';

/**
 * Turns "old scope text -> new scope text" into minimal replacements (DESIGN.md:
 * a diff of old and new scope text, not a whole-scope replace). Offsets are
 * shifted by `baseOffset`, the scope's start in the document.
 *
 * Word-level diff first (edits read like a developer's: whole identifiers
 * replaced), then adjacent removed/added runs are merged into one replacement.
 * Character-level diff is used for short texts where words are too coarse.
 */
export function minimalReplacements(oldText: string, newText: string, baseOffset = 0): TextReplacement[] {
  if (oldText === newText) return [];
  const changes = oldText.length + newText.length < 200 ? diffChars(oldText, newText) : diffWordsWithSpace(oldText, newText);
  const out: TextReplacement[] = [];
  let offset = 0;
  let pending: TextReplacement | undefined;
  const flush = () => {
    if (pending) out.push({ start: pending.start + baseOffset, end: pending.end + baseOffset, newText: pending.newText });
    pending = undefined;
  };
  for (const change of changes) {
    if (!change.added && !change.removed) {
      flush();
      offset += change.value.length;
      continue;
    }
    pending ??= { start: offset, end: offset, newText: '' };
    if (change.removed) {
      offset += change.value.length;
      pending.end = offset;
    } else {
      pending.newText += change.value;
    }
  }
  flush();
  return out;
}
