/**
 * CRLF documents: the engine and the models see LF text, and the edits come
 * back mapped onto the real text with the document's line breaks.
 */
import { EditPipeline, type ModelEngine } from '../../engine/edit-pipeline.js';
import { CrlfDocument } from '../../engine/line-endings.js';
import type { EditContext, EditOutcome, EditTask } from '../../protocol/edit-task.js';
import { applyReplacements } from '../../protocol/text.js';
import { structuralStats } from '../../protocol/stats.js';
import { SOURCE, applied, okResult, task, taskAt } from './engine-helpers.js';

const crlf = (text: string) => text.replace(/\n/g, '\r\n');
const context = (): EditContext => ({ signal: new AbortController().signal });

describe('offsets between a CRLF text and its LF text', () => {
  /** Small texts over an alphabet rich in line breaks, from a fixed seed. */
  function* texts(): Generator<string> {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const pieces = ['a', 'bc', '\r\n', '\n', '\r', ' '];
    for (let n = 0; n < 300; n++) yield Array.from({ length: next() % 24 }, () => pieces[next() % pieces.length]).join('');
  }

  test('every span maps to the same LF text, and back', () => {
    for (const text of texts()) {
      const doc = CrlfDocument.of(text);
      if (!doc) {
        expect(text).not.toContain('\r\n');
        continue;
      }
      // Offsets between a `\r` and its `\n` are not LSP positions; every other offset is one.
      const offsets = [...Array(text.length + 1).keys()].filter((o) => !(text[o - 1] === '\r' && text[o] === '\n'));
      for (const a of offsets) {
        expect(doc.fromLf(doc.toLf(a))).toBe(a);
        for (const b of offsets.filter((o) => o >= a)) {
          expect(doc.lfText.slice(doc.toLf(a), doc.toLf(b))).toBe(text.slice(a, b).replace(/\r\n/g, '\n'));
        }
      }
    }
  });

  test('new line breaks follow the majority of the document', () => {
    expect(CrlfDocument.of('a\r\nb\r\nc\n')?.writesCrlf).toBe(true);
    expect(CrlfDocument.of('a\r\nb\n')?.writesCrlf).toBe(true);
    expect(CrlfDocument.of('a\r\nb\nc\n')?.writesCrlf).toBe(false);
    expect(CrlfDocument.of('a\nb\n')).toBeUndefined();
  });
});

describe('the pipeline on a CRLF document', () => {
  test('structural extract: the same edit as on LF, written with CRLF', async () => {
    const pipeline = new EditPipeline({ models: { unavailable: 'no model files' } });
    const selection = 'const item = items[i];\n    t += item.price * item.quantity;';
    const lf = okResult(await pipeline.computeEdit(taskAt('extract', selection), context()));
    const onCrlf = okResult(await pipeline.computeEdit(taskAt('extract', crlf(selection), {}, crlf(SOURCE)), context()));
    expect(onCrlf.title).toBe(lf.title);
    const out = applied(onCrlf, crlf(SOURCE));
    expect(out).toBe(crlf(applied(lf)));
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
  });

  test('the models see no `\\r`; their edit lands on the real text', async () => {
    const seen: EditTask[] = [];
    const loop = 'for (let i = 0; i < items.length; i++) {';
    const models: ModelEngine = {
      async computeEdit(t): Promise<EditOutcome> {
        seen.push(t);
        const start = t.document.text.indexOf(loop);
        const replacements = [{ start, end: start + loop.length, newText: 'for (const item of items) {\n    // rewritten' }];
        return { status: 'ok', result: { title: 'Optimize loop', mode: 'exact', stats: structuralStats(0), edits: [{ uri: t.document.uri, version: t.document.version, replacements }] } };
      },
      dispose: async () => {},
    };
    const text = crlf(SOURCE);
    const start = text.indexOf(crlf(loop));
    const outcome = await new EditPipeline({ models }).computeEdit(task('optimizeLoop', start, start + 3, {}, text), context());
    expect(seen[0].document.text).toBe(SOURCE);
    expect(seen[0].range.start).toBe(SOURCE.indexOf(loop));
    const out = applyReplacements(text, okResult(outcome).edits[0].replacements);
    expect(out).toBe(crlf(SOURCE.replace(loop, 'for (const item of items) {\n    // rewritten')));
  });
});
