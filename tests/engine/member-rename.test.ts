/**
 * Renames scope analysis cannot decide, through the pipeline as the server
 * runs them: class members, enum members, `#private` members, a namespace's
 * members used from other files and a module re-exported as a namespace.
 * They go to TypeScript's own rename (TypeService.renameLocations) over the
 * whole project; the expected texts are what TypeScript 5.9's rename gives.
 * A `|` in a marker is where the cursor stands.
 */
import { TypeService } from '../../workspace/type-service.js';
import { TempProject } from '../helpers/temp-project.js';

const FILES: Record<string, string> = {
  'tsconfig.json': '{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "ESNext", "moduleResolution": "Bundler" }, "include": ["src"] }\n',
  'src/cart.ts': `export class Cart {
  static empty = new Cart();
  #count = 0;
  constructor(public readonly owner: string) {}
  items: string[] = [];
  add(item: string): this {
    this.items.push(item);
    this.#count++;
    return this;
  }
  get size(): number {
    return this.#count;
  }
  set size(n: number) {
    this.#count = n;
  }
}
export enum Color { Red, Green }
`,
  'src/use.ts': `import { Cart, Color } from './cart';
const cart = new Cart('ann').add('x').add('y');
export const n = cart.size + cart.items.length + Cart.empty.size + (Color.Red as number);
cart.size = 3;
export const who = cart.owner;
`,
  'src/result.ts': `export namespace Result {
  export function combine(a: number, b: number): number {
    return a + b;
  }
}
`,
  'src/sum.ts': `import { Result } from './result';
export const three = Result.combine(1, 2);
`,
  'src/patterns.ts': `export function select(key: string): string {
  return key;
}
`,
  'src/index.ts': `import * as Pattern from './patterns';
export { Pattern as P };
`,
  'src/match.ts': `import { P } from './index';
export const chosen = P.select('a');
`,
};

let project: TempProject;
let types: TypeService;

beforeAll(async () => {
  project = await TempProject.create('member-rename', FILES);
  types = new TypeService();
});
afterAll(() => project.remove());

const cart = FILES['src/cart.ts'];
const use = FILES['src/use.ts'];

type Case = [what: string, path: string, marker: string, newName: string, expected: Record<string, string>];

const CASES: Case[] = [
  ['a method, at its declaration', 'src/cart.ts', 'add(item', 'append', {
    'src/cart.ts': cart.replace('add(item', 'append(item'),
    'src/use.ts': use.replace(".add('x').add('y')", ".append('x').append('y')"),
  }],
  ['a method, at a use in another file', 'src/use.ts', "add('y')", 'append', {
    'src/cart.ts': cart.replace('add(item', 'append(item'),
    'src/use.ts': use.replace(".add('x').add('y')", ".append('x').append('y')"),
  }],
  ['a property', 'src/cart.ts', 'items: string', 'lines', {
    'src/cart.ts': cart.replace('items: string', 'lines: string').replace('this.items', 'this.lines'),
    'src/use.ts': use.replace('cart.items', 'cart.lines'),
  }],
  ['a getter renames its setter too', 'src/use.ts', 'cart.|size +', 'count', {
    'src/cart.ts': cart.replace('get size', 'get count').replace('set size', 'set count'),
    'src/use.ts': use.replace('cart.size +', 'cart.count +').replace('empty.size', 'empty.count').replace('cart.size =', 'cart.count ='),
  }],
  ['a static member', 'src/use.ts', 'Cart.|empty', 'blank', {
    'src/cart.ts': cart.replace('static empty', 'static blank'),
    'src/use.ts': use.replace('Cart.empty', 'Cart.blank'),
  }],
  ['a #private member', 'src/cart.ts', '#count = 0', '#total', {
    'src/cart.ts': cart.replaceAll('#count', '#total'),
  }],
  ['a parameter property', 'src/use.ts', 'cart.|owner', 'holder', {
    'src/cart.ts': cart.replace('readonly owner', 'readonly holder'),
    'src/use.ts': use.replace('cart.owner', 'cart.holder'),
  }],
  ['an enum member', 'src/use.ts', 'Color.|Red', 'Crimson', {
    'src/cart.ts': cart.replace('{ Red,', '{ Crimson,'),
    'src/use.ts': use.replace('Color.Red', 'Color.Crimson'),
  }],
  ["a namespace's member, at its declaration, reaches `Ns.member` in other files", 'src/result.ts', 'combine(', 'merge', {
    'src/result.ts': FILES['src/result.ts'].replace('combine', 'merge'),
    'src/sum.ts': FILES['src/sum.ts'].replace('combine', 'merge'),
  }],
  ["a namespace's member, at `Ns.member` in another file", 'src/sum.ts', 'combine(', 'merge', {
    'src/result.ts': FILES['src/result.ts'].replace('combine', 'merge'),
    'src/sum.ts': FILES['src/sum.ts'].replace('combine', 'merge'),
  }],
  ['a module re-exported as a namespace: `P.select` in its importers', 'src/match.ts', 'select(', 'pick', {
    'src/patterns.ts': FILES['src/patterns.ts'].replace('select', 'pick'),
    'src/match.ts': FILES['src/match.ts'].replace('select', 'pick'),
  }],
  ['the public name of an export clause, `export { Pattern as P }`', 'src/index.ts', 'Pattern as |P', 'Q', {
    'src/index.ts': FILES['src/index.ts'].replace('Pattern as P', 'Pattern as Q'),
    'src/match.ts': FILES['src/match.ts'].replace('{ P }', '{ Q }').replace('P.select', 'Q.select'),
  }],
  ['a module re-exported as a namespace, at the declaration', 'src/patterns.ts', 'select(', 'pick', {
    'src/patterns.ts': FILES['src/patterns.ts'].replace('select', 'pick'),
    'src/match.ts': FILES['src/match.ts'].replace('select', 'pick'),
  }],
];

test.each(CASES)('%s', async (_what, path, marker, newName, expected) => {
  expect(await project.rename(path, marker, newName, types)).toEqual(expected);
});

test('without a type checker, a member rename is refused with the reason', async () => {
  await expect(project.rename('src/cart.ts', 'add(item', 'append')).rejects.toThrow(/property renames need type information/);
});

test('a budget that runs out refuses the rename and says why', async () => {
  const starved = new TypeService({ renameBudgetMs: 0 });
  await expect(project.rename('src/use.ts', "add('y')", 'append', starved)).rejects.toThrow(/TypeScript's rename gave no answer: .*(time|ms)/);
});

const SAME_NAME: Record<string, string> = {
  'tsconfig.json': FILES['tsconfig.json'],
  'src/override.ts': `export const override = { on: true };
export type override = typeof override;
`,
  'src/apply.ts': `import { override } from './override';
export const o: override = override;
`,
  'src/queue.ts': `export default class Queue {}
`,
  'src/pool.ts': `import Queue from './queue';
export const q = new Queue();
`,
  'src/keys.ts': `import * as symbols from './override';
export type K = symbols.override;
export const k: K = symbols.override;
`,
  'src/bounds.ts': `/**
 * @param max the bound
 */
export function lte<const max extends number>(max: max): (n: number) => boolean {
  return (n) => n <= max;
}
`,
};

describe('names TypeScript renames together', () => {
  let same: TempProject;
  beforeAll(async () => {
    same = await TempProject.create('same-name', SAME_NAME);
  });
  afterAll(() => same.remove());

  const CASES_TOGETHER: Case[] = [
    ['a value and a type of the same name are renamed together, in every file', 'src/override.ts', 'override =', 'replace', {
      'src/override.ts': SAME_NAME['src/override.ts'].replaceAll('override', 'replace'),
      'src/apply.ts': SAME_NAME['src/apply.ts'].replaceAll('override', 'replace').replace('./replace', './override'),
      'src/keys.ts': SAME_NAME['src/keys.ts'].replaceAll('symbols.override', 'symbols.replace'),
    }],
    ['a value and a type of one name, renamed at `ns.name` in another file', 'src/keys.ts', 'symbols.|override;', 'replace', {
      'src/override.ts': SAME_NAME['src/override.ts'].replaceAll('override', 'replace'),
      'src/apply.ts': SAME_NAME['src/apply.ts'].replaceAll('override', 'replace').replace('./replace', './override'),
      'src/keys.ts': SAME_NAME['src/keys.ts'].replaceAll('symbols.override', 'symbols.replace'),
    }],
    ['`export default class X`: the default imports named `X` too, as TypeScript does', 'src/queue.ts', 'Queue {', 'Line', {
      'src/queue.ts': SAME_NAME['src/queue.ts'].replace('Queue', 'Line'),
      'src/pool.ts': SAME_NAME['src/pool.ts'].replaceAll('Queue', 'Line'),
    }],
    ['a type parameter, its value parameter and `@param` are renamed together', 'src/bounds.ts', 'max: max', 'limit', {
      'src/bounds.ts': SAME_NAME['src/bounds.ts'].replaceAll('max', 'limit'),
    }],
  ];

  test.each(CASES_TOGETHER)('%s', async (_what, path, marker, newName, expected) => {
    expect(await same.rename(path, marker, newName, types)).toEqual(expected);
  });
});
