/** Shared pieces of the engine tests: a sample document, tasks by marker, and a stub drafter. */
import type { EditArgs, EditKind, EditOutcome, EditResult, EditTask } from '../../protocol/edit-task.js';
import { MARKERS } from '../../protocol/prompt-format.js';
import { applyReplacements } from '../../protocol/text.js';
import type { ModelDraftOutcome, ModelDraftRequest } from '../../drafters/model-drafter-pool.js';
import type { CandidateDrafter } from '../../engine/candidates.js';

export const URI = 'file:///workspace/src/cart.ts';

export const SOURCE = `import { formatPrice } from './format';

export interface LineItem {
  sku: string;
  price: number;
  quantity: number;
}

const TAX_RATE = 0.2;

export function cartTotal(items: LineItem[]): number {
  let t = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    t += item.price * item.quantity;
  }
  const taxed = t * (1 + TAX_RATE);
  return Math.round(taxed * 100) / 100;
}

export function describe(items: LineItem[]): string {
  const lines = items.map((item) => \`\${item.sku}: \${formatPrice(item.price)}\`);
  return lines.join('\\n');
}

export const unused = 42;
`;

/** The offset of `needle` in `text` (the n-th occurrence), failing loudly when absent. */
export function offsetOf(text: string, needle: string, occurrence = 1): number {
  let at = -1;
  for (let n = 0; n < occurrence; n++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`${JSON.stringify(needle)} (#${occurrence}) not in the text`);
  }
  return at;
}

export function task(kind: EditKind, start: number, end: number, args: EditArgs = {}, text = SOURCE, uri = URI): EditTask {
  return { kind, document: { uri, languageId: 'typescript', version: 3, text }, range: { start, end }, args };
}

/** A task whose range is the text of `needle`. */
export function taskAt(kind: EditKind, needle: string, args: EditArgs = {}, text = SOURCE): EditTask {
  const start = offsetOf(text, needle);
  return task(kind, start, start + needle.length, args, text);
}

/** The original scope a prompt shows. */
export function originalOf(prompt: string): string {
  const start = prompt.indexOf(`${MARKERS.original}\n`) + MARKERS.original.length + 1;
  return prompt.slice(start, prompt.indexOf(`\n${MARKERS.instruction}\n`, start));
}

export function okResult(outcome: EditOutcome): EditResult {
  if (outcome.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

/** The document after applying a result's edits. */
export function applied(result: EditResult, text = SOURCE): string {
  expect(result.edits).toHaveLength(1);
  return applyReplacements(text, result.edits[0].replacements);
}

/** A drafter that writes fixed completions (the text before the end marker), recording its requests. */
export function stubDrafter(name: string, kinds: EditKind[], write: (request: ModelDraftRequest) => string | ModelDraftOutcome): CandidateDrafter & { requests: ModelDraftRequest[] } {
  const requests: ModelDraftRequest[] = [];
  return {
    name,
    kinds,
    requests,
    async draft(request) {
      requests.push(request);
      const written = write(request);
      return typeof written === 'string' ? { status: 'ok', text: written, tokens: written.length, stopReason: 'stop', ms: 1 } : written;
    },
  };
}
