/**
 * The prompt's context with the workspace: signatures of imported names
 * (through re-exports and namespace imports) from other files, after the
 * file's own declarations in priority, under a budget in tokens.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareEdit } from '../../engine/edit-prompt.js';
import { promptContext, tokenBudget } from '../../engine/prompt-context.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';
import { WorkspaceIndex } from '../../workspace/workspace-index.js';

const FILES: Record<string, string> = {
  'format.ts': `export function formatPrice(cents: number, currency = 'EUR'): string {
  const whole = Math.floor(cents / 100);
  return \`\${whole} \${currency}\`;
}
export const unused = 1;
`,
  'index.ts': "export { formatPrice } from './format.js';\n",
  'money.ts': "export function symbol(): string {\n  return '€';\n}\nexport interface Money { cents: number }\n",
};

const CART = `import { formatPrice } from './index';
import * as money from './money';
import { readFileSync } from 'node:fs';
const TAX = 0.2;
export function describe(total: unknown): string {
  const m: money.Money = total as money.Money;
  return formatPrice(m.cents * TAX) + money.symbol();
}
`;

let root: string;
let index: WorkspaceIndex;
const uri = (name: string) => pathToFileURL(join(root, name)).href;
const scope = { start: CART.indexOf('const m'), end: CART.indexOf('symbol();') + 'symbol();'.length };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'specedit-context-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(root, name), text);
  index = new WorkspaceIndex();
  await index.start([pathToFileURL(root).href]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function context(budget = tokenBudget(1000)): string {
  const { tree } = new SyntaxDocument('typescript', CART);
  return promptContext(tree, CART, scope, budget, { workspace: index, uri: uri('cart.ts') });
}

test("imported names bring their declarations' signatures, grouped by the declaring file", () => {
  expect(context()).toBe(
    [
      '// ./format.ts',
      "export function formatPrice(cents: number, currency = 'EUR'): string;",
      '// ./money.ts',
      'export interface Money { cents: number }',
      'export function symbol(): string;',
      "import { formatPrice } from './index';",
      "import * as money from './money';",
      'const TAX = 0.2;',
      'export function describe(total: unknown): string',
    ].join('\n'),
  );
});

test('the token budget is respected, the file itself first', () => {
  // A tokenizer that counts characters makes the arithmetic exact: every piece costs its length + 1 (its newline).
  const chars = (limit: number) => tokenBudget(limit, (text) => text.length);
  const full = context(chars(10_000));
  for (let limit = 0; limit <= full.length + 1; limit += 7) {
    const out = context(chars(limit));
    expect(out === '' ? 0 : out.length + 1).toBeLessThanOrEqual(limit);
  }
  expect(context(chars(full.length + 1))).toBe(full);
  expect(context(chars(full.length))).not.toBe(full);
  // Just enough for the file's own declarations: they come first, no imported signature.
  const own = full.slice(full.indexOf('import {'));
  expect(context(chars(own.length + 1))).toBe(own);
});

test('without a tokenizer, tokens are estimated as characters / 3.5', () => {
  const estimate = tokenBudget(10);
  expect(estimate.measure('x'.repeat(35))).toBe(10);
  expect(estimate.measure('x'.repeat(36))).toBe(11);
});

test('prepareEdit puts the imported signature into the prompt when given the workspace', () => {
  const task = { kind: 'instruction' as const, document: { uri: uri('cart.ts'), languageId: 'typescript', version: 1, text: CART }, range: scope, args: { instruction: 'use symbol first' } };
  const withIndex = prepareEdit(task, { contextTokens: 400 }, index);
  const without = prepareEdit(task, { contextTokens: 400 });
  if (!withIndex.ok || !without.ok) throw new Error('not prepared');
  expect(withIndex.edit.prompt).toContain("export function formatPrice(cents: number, currency = 'EUR'): string;");
  expect(without.edit.prompt).not.toContain('formatPrice(cents');
});

test('the index follows edits of an imported file: a changed signature shows at once', () => {
  const text = FILES['money.ts'].replace('symbol(): string', 'symbol(locale: string): string');
  const doc = new SyntaxDocument('typescript', text);
  index.documentChanged(uri('money.ts'), () => ({ languageId: 'typescript', text: doc.text, tree: doc.tree }));
  expect(context()).toContain('export function symbol(locale: string): string;');
});
