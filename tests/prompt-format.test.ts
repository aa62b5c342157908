import {
  buildCompletion,
  buildPrompt,
  chatAnswerStart,
  chatCompletion,
  chatIndent,
  chatNameQuestion,
  chatUserMessage,
  CHAT_STOP,
  dedentScope,
  END_MARKER,
  indentScope,
  parseCompletion,
  parseChatAnswer,
  parseNameAnswer,
} from '../protocol/prompt-format.js';

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

describe('chat format', () => {
  const parts = { kind: 'instruction' as const, file: 'src/cart.ts', context: 'const TAX = 0.2;\n', original: 'for (const a of b) {\n    f(a);\n  }', instruction: 'Use forEach.', language: 'typescript' };

  test('the user turn: instruction, file, declarations, the scope dedented, how to answer', () => {
    expect(chatUserMessage(parts, '  ')).toBe(
      'Use forEach.\n\nFile: src/cart.ts\n\nDeclarations it uses:\n```typescript\nconst TAX = 0.2;\n```\n\n' +
        'Code to edit:\n```typescript\nfor (const a of b) {\n  f(a);\n}\n```\n\nAnswer with the whole edited code in one ```typescript block.',
    );
    expect(chatUserMessage({ ...parts, context: '', language: 'javascriptreact' }, '')).toMatch(/^Use forEach\.\n\nFile: src\/cart\.ts\n\nCode to edit:\n```jsx\n/);
    expect(chatAnswerStart('typescriptreact')).toBe('```tsx\n');
  });

  // `|` marks where the scope starts; it runs to the end of the document.
  test.each([
    ['const f = |() => {\n  return 1;\n}', ''], // text before the scope on its line: no indentation to take off
    ['{\n  |if (a) {\n    b();\n  }', '  '],
    ['{\n\t|f(\n\t\tx);', '\t'],
    ['{\n    |a;\n  b;', '  '], // a line less indented than the first shortens it
    ['{\n  |a;\n\n  b;', '  '], // empty lines do not count
  ])('chatIndent(%j) = %j', (marked, indent) => {
    const start = marked.indexOf('|');
    const document = marked.replace('|', '');
    const scope = document.slice(start);
    expect(chatIndent(document, start, scope)).toBe(indent);
    expect(indentScope(dedentScope(scope, indent), indent)).toBe(scope);
  });

  test.each([
    ['the usual answer (cut before the closing fence)', 'for (const a of b) {\n  g(a);\n}', 'for (const a of b) {\n    g(a);\n  }'],
    ['the opening fence written again', '```ts\nfor (;;) {\n  g();\n}', 'for (;;) {\n    g();\n  }'],
    ['prose, then a fence', 'Here is the code:\n\n```typescript\nb.forEach(f);', 'b.forEach(f);'],
    ['a closing fence before the end of the turn', 'b.forEach(f);\n```', 'b.forEach(f);'],
    ['no closing fence: the turn ended', 'b.forEach(f);\n\n', 'b.forEach(f);'],
    ['empty lines keep no indentation', 'a();\n\nb();', 'a();\n\n  b();'],
  ])('an answer: %s', (_name, output, edited) => {
    expect(parseChatAnswer(output, '  ')).toBe(edited);
  });

  test('a scope (trimmed: it never ends with a newline) written as an answer reads back as itself', () => {
    for (const scope of [parts.original, 'x;', 'a;\n\n  b;', '']) {
      const written = chatCompletion(scope, '  ');
      expect(written.endsWith(CHAT_STOP)).toBe(true);
      expect(parseChatAnswer(written.slice(0, -CHAT_STOP.length), '  ')).toBe(scope);
    }
  });
});

describe('names asked of a chat model', () => {
  test('the question shows the code and starts the answer at a backtick', () => {
    const q = chatNameQuestion({ kind: 'rename', oldName: 't' }, 'let t = 0;', 'typescript');
    expect(q.user).toBe('Suggest a better name than `t` for the variable `t` in this code.\n\n```typescript\nlet t = 0;\n```');
    expect(q.answerStart).toBe('Instead of `t`, call it `');
    expect(chatNameQuestion({ kind: 'extract' }, 'f();', 'javascript').answerStart).toBe('A good name for this function is `');
  });

  test.each([
    ['total', 'total'],
    [' cartTotal', 'cartTotal'],
    ['$el', '$el'],
    ['two words', undefined],
    ['const x = 1;', undefined],
    ['', undefined],
  ])('the answer %j names %j', (answer, name) => {
    expect(parseNameAnswer(answer)).toBe(name);
  });
});
