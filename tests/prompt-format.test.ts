import { buildCompletion, buildPrompt, parseCompletion, END_MARKER } from '../protocol/prompt-format.js';

describe('prompt format', () => {
  test('sections keep their text exactly', () => {
    const prompt = buildPrompt({ kind: 'rename', file: 'a.ts', context: '', original: 'let a = 1;\n', instruction: 'Rename `a` to `b`.' });
    expect(prompt).toBe('<|task|>rename\n<|file|>a.ts\n<|context|>\n\n<|original|>\nlet a = 1;\n\n<|instruction|>\nRename `a` to `b`.\n<|edited|>\n');
  });
  test.each(['let b = 1;', 'let b = 1;\n', '', '\n\n'])('completion round-trips %j', (edited) => {
    expect(parseCompletion(buildCompletion(edited))).toEqual({ text: edited, complete: true });
  });
  test('output without the end marker is incomplete', () => {
    expect(parseCompletion('let b')).toEqual({ text: 'let b', complete: false });
    expect(parseCompletion(`x\n${END_MARKER}junk`)).toEqual({ text: 'x', complete: true });
  });
});
