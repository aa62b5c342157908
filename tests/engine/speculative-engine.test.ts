/**
 * The engine end to end with a scripted deterministic verifier (fast): each
 * kind gives the scripted edit as minimal replacements, equal to the plain
 * greedy decode of the same prompt; candidates that add syntax errors are
 * dropped; the verifier's own output is checked the same way; name
 * suggestions rank drafter names; progress and cancellation.
 */
import { SpeculativeEngine, type SpeculationLayers } from '../../engine/speculative-engine.js';
import type { CandidateDrafter } from '../../engine/candidates.js';
import type { EditContext, EditTask } from '../../protocol/edit-task.js';
import { buildCompletion } from '../../protocol/prompt-format.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { plainGreedyDecode } from '../../verifier/plain-greedy-decode.js';
import { END_MARKER } from '../../protocol/prompt-format.js';
import { SOURCE, applied, offsetOf, okResult, originalOf, stubDrafter, task, taskAt } from './engine-helpers.js';
import { ScriptedTargetModel, type ScriptedModelOptions } from './scripted-model.js';
import { TypeService } from '../../workspace/type-service.js';

const CART_TOTAL = SOURCE.slice(offsetOf(SOURCE, 'export function cartTotal'), offsetOf(SOURCE, '}\n\nexport function describe') + 1);
const DESCRIBE = SOURCE.slice(offsetOf(SOURCE, 'export function describe'), offsetOf(SOURCE, '}\n\nexport const unused') + 1);
const LOOP = 'for (let i = 0; i < items.length; i++) {\n    const item = items[i];\n    t += item.price * item.quantity;\n  }';

const EXTRACTED = CART_TOTAL.replace(
  '  for (let i = 0; i < items.length; i++) {\n    const item = items[i];\n    t += item.price * item.quantity;\n  }',
  '  for (let i = 0; i < items.length; i++) {\n    t = addLine(items, i, t);\n  }',
).replace(/\n}$/, '\n\n  function addLine(items: LineItem[], i: number, t: number) {\n    const item = items[i];\n    t += item.price * item.quantity;\n    return t;\n  }\n}');
const OPTIMIZED = 'for (const item of items) {\n    t += item.price * item.quantity;\n  }';
const BROKEN_SOURCE = SOURCE.replace('Math.round(taxed', 'Math.round(taxd');
const BROKEN_CART_TOTAL = CART_TOTAL.replace('Math.round(taxed', 'Math.round(taxd');
const SORTED = DESCRIBE.replace("return lines.join('\\n');", "return lines.sort().join('\\n');");

/** What the scripted verifier writes for each original scope. */
const EDITS = new Map<string, string>([
  [CART_TOTAL, EXTRACTED],
  [LOOP, OPTIMIZED],
  [BROKEN_CART_TOTAL, CART_TOTAL],
  [DESCRIBE, SORTED],
]);

const verifiers: GreedyVerifier[] = [];
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.dispose()));
});

function scriptedEngine(options: {
  edits?: ReadonlyMap<string, string>;
  script?: ScriptedModelOptions['script'];
  drafters?: CandidateDrafter[];
  maxOutputTokens?: number;
  onEvaluate?: ScriptedModelOptions['onEvaluate'];
  mode?: 'exact' | 'rank';
  selfLookup?: boolean;
}) {
  const edits = options.edits ?? EDITS;
  const script = options.script ?? ((prompt: string) => buildCompletion(edits.get(originalOf(prompt)) ?? 'unscripted'));
  const model = new ScriptedTargetModel({ script, onEvaluate: options.onEvaluate });
  const verifier = new GreedyVerifier(model, { sequences: 2, maxDraftTokens: 16 });
  verifiers.push(verifier);
  const engine = new SpeculativeEngine({ verifier, drafters: options.drafters, maxOutputTokens: options.maxOutputTokens ?? 2000, workspaceRoot: '/workspace', mode: options.mode, selfLookup: options.selfLookup });
  return { engine, model, script };
}

function context(extra: Partial<EditContext> = {}): EditContext {
  return { signal: new AbortController().signal, ...extra };
}

/** The oracle: plain greedy decoding of the same prompt on a fresh scripted model. */
async function plainDecode(script: ScriptedModelOptions['script'], prompt: string) {
  const model = new ScriptedTargetModel({ script });
  const outcome = await plainGreedyDecode(model, model.openSequence(), { prompt, stop: [END_MARKER], maxOutputTokens: 2000 });
  if (outcome.status !== 'ok') throw new Error(outcome.status);
  return outcome.result;
}

const rename = () => task('rename', offsetOf(SOURCE, 'let t') + 4, offsetOf(SOURCE, 'let t') + 5, { newName: 'total' });

describe('each kind gives the verifier edit as minimal replacements', () => {
  const cases: { name: string; task: () => EditTask; expected: string; text?: string; title: RegExp }[] = [
    { name: 'optimizeLoop', task: () => taskAt('optimizeLoop', 'for (let i'), expected: SOURCE.replace(LOOP, OPTIMIZED), title: /^Optimize loop$/ },
    {
      // No suggestion in the message and no syntax error: no repair without a model, the verifier rewrites the scope.
      name: 'fix',
      task: () => taskAt('fix', 'taxd', { diagnostic: { message: "Cannot find name 'taxd'." } }, BROKEN_SOURCE),
      expected: SOURCE,
      text: BROKEN_SOURCE,
      title: /^Fix: Cannot find name 'taxd'/,
    },
    { name: 'instruction', task: () => task('instruction', offsetOf(SOURCE, 'lines.join'), offsetOf(SOURCE, 'lines.join'), { instruction: 'Sort the lines.' }), expected: SOURCE.replace(DESCRIBE, SORTED), title: /^Edit: Sort the lines\.$/ },
  ];

  test.each(cases)('$name', async ({ task: makeTask, expected, text, title }) => {
    const { engine, script } = scriptedEngine({});
    const run = await engine.run(makeTask(), context());
    const result = okResult(run.outcome);
    expect(applied(result, text)).toBe(expected);
    expect(result.title).toMatch(title);
    expect(result.mode).toBe('exact');
    // Minimal: no replacement spans the whole scope.
    for (const r of result.edits[0].replacements) expect(r.end - r.start).toBeLessThan(run.scope!.text.length / 2);
    // Lossless: the verifier's text is the plain greedy decode of the same prompt, token for token.
    const oracle = await plainDecode(script, run.prompt!);
    expect(run.verified!.tokens).toEqual(oracle.tokens);
    expect(run.verified!.text).toBe(oracle.text);
    // Speculation paid: far fewer verifier calls than output tokens.
    expect(result.stats.outputTokens).toBe(oracle.tokens.length);
    expect(result.stats.verifierCalls).toBeLessThan(result.stats.outputTokens / 3);
    expect(result.stats.acceptance).toBeGreaterThan(0.5);
  });

  test('rename to a given name through the verifier: the structural rename is the candidate, applied to every occurrence', async () => {
    const renamed = SOURCE.replace(/\bt\b/g, 'total');
    const { engine } = scriptedEngine({ edits: new Map([[CART_TOTAL, renamed.slice(offsetOf(renamed, 'export function cartTotal'), offsetOf(renamed, '}\n\nexport function describe') + 1)]]) });
    const run = await engine.run(rename(), context());
    const result = okResult(run.outcome);
    expect(applied(result)).toBe(renamed);
    expect(result.edits[0].replacements).toHaveLength(3);
    expect(run.candidates).toEqual([{ name: 'structural rename', layer: 'structural', status: 'kept', ms: 0 }]);
    expect(result.stats.acceptance).toBeGreaterThan(0.9);
  });

  test('a fix the diagnostic names is applied structurally, with no decode', async () => {
    const { engine } = scriptedEngine({});
    const run = await engine.run(taskAt('fix', 'taxd', { diagnostic: { message: "Cannot find name 'taxd'. Did you mean 'taxed'?" } }, BROKEN_SOURCE), context());
    const result = okResult(run.outcome);
    expect(applied(result, BROKEN_SOURCE)).toBe(SOURCE);
    expect(result).toMatchObject({ mode: 'structural', considered: ['fix: did you mean'] });
    expect(result.stats.verifierCalls).toBe(0);
    expect(run.verified).toBeUndefined();
  });

  test('a syntax error with several one-token repairs: the verifier ranks them (rank mode) and its favourite is applied', async () => {
    const unclosed = SOURCE.replace('return Math.round(taxed * 100) / 100;', 'return Math.round(taxed * 100 / 100;');
    const broken = CART_TOTAL.replace('return Math.round(taxed * 100) / 100;', 'return Math.round(taxed * 100 / 100;');
    // The scripted verifier writes the original line back: of the places a `)` parses, it prefers the original one.
    const { engine } = scriptedEngine({ edits: new Map([[broken, CART_TOTAL]]) });
    const at = offsetOf(unclosed, '100 / 100;') + 10;
    const run = await engine.run(task('fix', at, at, { diagnostic: { message: "')' expected." } }, unclosed), context());
    const result = okResult(run.outcome);
    expect(result.mode).toBe('rank');
    expect(result.considered!.length).toBeGreaterThan(1);
    expect(result.considered!.every((c) => /^fix: insert `?\)/.test(c))).toBe(true);
    expect(applied(result, unclosed)).toBe(SOURCE);
    expect(result.stats.verifierCalls).toBeGreaterThan(0);
  });

  test('a model fix that leaves the syntax error in place is refused, nothing is changed', async () => {
    const unclosed = SOURCE.replace('return Math.round(taxed * 100) / 100;', 'return Math.round(taxed * 100 / 100;');
    const broken = CART_TOTAL.replace('return Math.round(taxed * 100) / 100;', 'return Math.round(taxed * 100 / 100;');
    const stillBroken = broken.replace('let t = 0;', 'let t = 1;');
    const { engine } = scriptedEngine({ edits: new Map([[broken, stillBroken]]) });
    const at = offsetOf(unclosed, '100 / 100;') + 10;
    // No structural layer: the verifier's own rewrite is all there is, and it keeps the error.
    const run = await engine.run(task('fix', at, at, { diagnostic: { message: "')' expected." } }, unclosed), context(), { inputLookup: true, structural: false, modelDrafters: false });
    expect(run.outcome).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/does not fix the syntax error/) });
  });
});

describe('candidates: layer 3 and the layers switch', () => {
  const good = () => stubDrafter('good', ['optimizeLoop'], () => `${OPTIMIZED}\n`);
  const broken = () => stubDrafter('broken', ['optimizeLoop'], () => `${OPTIMIZED.replace('{', '')}\n`);
  const unfinished = () => stubDrafter('unfinished', ['optimizeLoop'], () => ({ status: 'ok', text: 'for (const', tokens: 99, stopReason: 'budget', ms: 5 }));
  const failing = () => stubDrafter('failing', ['optimizeLoop'], () => ({ status: 'failed', reason: 'drafter "failing" failed: worker crashed' }));
  const otherKind = () => stubDrafter('fixer', ['fix'], () => 'never asked');

  test('a candidate that adds syntax errors is dropped; failed and unfinished drafts are reported; drafters of other kinds are not asked', async () => {
    const drafters = [good(), broken(), unfinished(), failing(), otherKind()];
    const { engine } = scriptedEngine({ drafters });
    const run = await engine.run(taskAt('optimizeLoop', 'for (let i'), context());
    expect(applied(okResult(run.outcome))).toBe(SOURCE.replace(LOOP, OPTIMIZED));
    const byName = Object.fromEntries(run.candidates.map((c) => [c.name, c]));
    expect(byName.good).toMatchObject({ status: 'kept', layer: 'model' });
    expect(byName.broken).toMatchObject({ status: 'dropped', reason: expect.stringMatching(/^Syntax error/) });
    expect(byName.unfinished).toMatchObject({ status: 'dropped', reason: expect.stringMatching(/incomplete/) });
    expect(byName.failing).toMatchObject({ status: 'dropped', reason: expect.stringMatching(/worker crashed/) });
    expect(drafters[4].requests).toHaveLength(0);
    // The marker prompt, and the edit itself for a drafter asked in its own chat format.
    expect(drafters[0].requests[0]).toEqual({ prompt: run.prompt, maxTokens: expect.any(Number), stop: [END_MARKER], edit: { parts: expect.objectContaining({ kind: 'optimizeLoop' }), indent: '  ' } });
  });

  test('drafters only: the good candidate alone carries the verifier; without any source it decodes one token per call', async () => {
    const only: SpeculationLayers = { inputLookup: false, structural: false, modelDrafters: true };
    const { engine } = scriptedEngine({ drafters: [good()] });
    const drafted = okResult((await engine.run(taskAt('optimizeLoop', 'for (let i'), context(), only)).outcome);
    expect(drafted.stats.acceptance).toBeGreaterThan(0.9);
    const { engine: bare } = scriptedEngine({ drafters: [broken()], selfLookup: false });
    const plain = okResult((await bare.run(taskAt('optimizeLoop', 'for (let i'), context(), only)).outcome);
    expect(plain.stats.drafted).toBe(0);
    expect(plain.stats.verifierCalls).toBe(plain.stats.outputTokens); // the prefill gives the first token; the end marker ends it
    expect(plain.edits).toEqual(drafted.edits);
  });

  test('a drafter candidate that arrives while the verifier decodes joins its sources', async () => {
    let evaluations = 0;
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const late: CandidateDrafter = {
      name: 'late',
      kinds: ['optimizeLoop'],
      draft: async () => {
        await arrived;
        return { status: 'ok', text: `${OPTIMIZED}\n`, tokens: 30, stopReason: 'stop', ms: 50 };
      },
    };
    const { engine } = scriptedEngine({ drafters: [late], onEvaluate: () => void (++evaluations === 10 && arrive()) });
    const run = await engine.run(taskAt('optimizeLoop', 'for (let i'), context(), { inputLookup: false, structural: false, modelDrafters: true });
    const stats = okResult(run.outcome).stats;
    expect(run.candidates).toEqual([{ name: 'late', layer: 'model', status: 'kept', ms: 50, text: OPTIMIZED }]);
    // Ten one-token calls before it arrived, then the candidate carried the rest.
    expect(stats.drafted).toBeGreaterThan(0);
    expect(stats.verifierCalls).toBeLessThan(20);
    expect(stats.outputTokens).toBeGreaterThan(60);
  });

  test('drafts still running when the output is complete are cancelled, not awaited to the end', async () => {
    const signals: AbortSignal[] = [];
    const endless: CandidateDrafter = {
      name: 'endless',
      kinds: ['optimizeLoop'],
      draft: (_request, signal) => {
        signals.push(signal!);
        return new Promise((resolve) => signal!.addEventListener('abort', () => resolve({ status: 'cancelled' })));
      },
    };
    const { engine } = scriptedEngine({ drafters: [endless] });
    const run = await engine.run(taskAt('optimizeLoop', 'for (let i'), context());
    expect(applied(okResult(run.outcome))).toBe(SOURCE.replace(LOOP, OPTIMIZED));
    expect(signals[0].aborted).toBe(true);
    expect(run.candidates).toEqual([{ name: 'endless', layer: 'model', status: 'dropped', reason: 'cancelled', ms: 0 }]);
  });

  test('rank mode takes a candidate the verifier fully agrees with, and says so', async () => {
    const { engine } = scriptedEngine({ drafters: [good()], mode: 'rank' });
    const result = okResult((await engine.run(taskAt('optimizeLoop', 'for (let i'), context())).outcome);
    expect(result.mode).toBe('rank');
    expect(applied(result)).toBe(SOURCE.replace(LOOP, OPTIMIZED));
  });
});

describe("the verifier's output is checked before it becomes an edit", () => {
  test('an output that adds a syntax error is refused with the error', async () => {
    const { engine } = scriptedEngine({ edits: new Map([[LOOP, OPTIMIZED.replace('(const', 'const')]]) });
    const outcome = await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), context());
    expect(outcome).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^the model's edit would add a syntax error \(Syntax error: .*line \d+\)\); nothing was changed$/) });
  });

  test('an output cut by the token budget is refused', async () => {
    const { engine } = scriptedEngine({ maxOutputTokens: 20 });
    const outcome = await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), context());
    expect(outcome).toEqual({ status: 'unavailable', reason: expect.stringMatching(/did not finish the edit within 20 tokens; raise maxOutputTokens/) });
  });

  test('a loop rewrite that adds a type error (a name that does not exist) is refused; a clean one passes the checker', async () => {
    const types = new TypeService();
    const misnamed = scriptedEngine({ edits: new Map([[LOOP, OPTIMIZED.replace('of items', 'of itemz')]]) }).engine;
    const refused = await misnamed.computeEdit(taskAt('optimizeLoop', 'for (let i'), context({ types }));
    expect(refused).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^the model's edit would add type error: "Cannot find name 'itemz'\..*" \(TS2552\) at line \d+; nothing was changed$/) });
    // Without a checker (JavaScript, or no time to build the program) the edit is not held back.
    expect((await misnamed.computeEdit(taskAt('optimizeLoop', 'for (let i'), context())).status).toBe('ok');
    const clean = await scriptedEngine({}).engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), context({ types }));
    expect(applied(okResult(clean))).toBe(SOURCE.replace(LOOP, OPTIMIZED));
  });

  test('an output equal to the original is no edit', async () => {
    const { engine } = scriptedEngine({ edits: new Map([[LOOP, LOOP]]) });
    expect(await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), context())).toEqual({ status: 'unavailable', reason: 'the model left the loop unchanged' });
  });
});

describe('rename without a name', () => {
  const at = () => task('rename', offsetOf(SOURCE, 'let t') + 4, offsetOf(SOURCE, 'let t') + 5);
  const scopeWith = (name: string) => CART_TOTAL.replace(/\bt\b/g, name);
  const proposing = (name: string, text: string) => stubDrafter(name, ['rename'], () => `${text}\n`);

  test('drafters propose, the verifier ranks, the structural rename applies the best everywhere', async () => {
    const drafters = [
      proposing('a', scopeWith('sum')),
      proposing('b', scopeWith('total')),
      proposing('c', scopeWith('total') + ' {'), // adds a syntax error: dropped
      proposing('d', scopeWith('let')), // reserved word: refused by the structural rename
      proposing('e', CART_TOTAL.replace('cartTotal', 'sumCart')), // changes code before the name: no name read
    ];
    const { engine } = scriptedEngine({ drafters, edits: new Map([[CART_TOTAL, scopeWith('total')]]) });
    const result = okResult(await engine.computeEdit(at(), context()));
    expect(result.considered).toEqual(['total', 'sum']);
    expect(result.mode).toBe('rank');
    expect(result.title).toBe('Rename `t` to `total` (3 occurrences)');
    expect(applied(result)).toBe(SOURCE.replace(/\bt\b/g, 'total'));
    expect(result.stats.verifierCalls).toBe(3); // the prompt, then one batch per candidate
  });

  test('with no drafter name the verifier names it (exact)', async () => {
    const { engine } = scriptedEngine({ edits: new Map([[CART_TOTAL, scopeWith('subtotal')]]) });
    const result = okResult(await engine.computeEdit(at(), context()));
    expect(result).toMatchObject({ mode: 'exact', considered: ['subtotal'], title: 'Rename `t` to `subtotal` (3 occurrences)' });
  });

  test('no usable name at all is a clear refusal', async () => {
    const { engine } = scriptedEngine({ edits: new Map([[CART_TOTAL, CART_TOTAL]]) });
    expect(await engine.computeEdit(at(), context())).toEqual({ status: 'unavailable', reason: 'no usable new name for `t` was proposed' });
  });
});

describe('progress and cancellation', () => {
  test('progress reports the drafting and the verification with acceptance', async () => {
    const messages: string[] = [];
    const { engine } = scriptedEngine({ drafters: [stubDrafter('good', ['optimizeLoop'], () => `${OPTIMIZED}\n`)] });
    okResult(await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), context({ progress: (m) => messages.push(m) })));
    expect(messages[0]).toBe('drafting: 1 drafter');
    expect(messages[1]).toMatch(/^verifying: \d+ tokens, \d+\/\d+ drafted accepted \(\d+%\)$/);
  });

  test('an abort in the middle of verification stops within one step; the sequence is free for the next request', async () => {
    const controller = new AbortController();
    let calls = 0;
    const { engine, model } = scriptedEngine({
      onEvaluate: () => {
        if (++calls === 3) controller.abort();
      },
    });
    const outcome = await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), { signal: controller.signal });
    expect(outcome).toEqual({ status: 'cancelled' });
    expect(calls).toBe(3);
    const next = await engine.run(taskAt('optimizeLoop', 'for (let i'), context());
    expect(applied(okResult(next.outcome))).toBe(SOURCE.replace(LOOP, OPTIMIZED));
    expect(model.openSequences).toBe(1);
  });

  test('two requests at once are verified one after the other, never interleaved', async () => {
    const { engine, model } = scriptedEngine({});
    const open = model.openSequence.bind(model);
    const log: string[] = [];
    model.openSequence = () => {
      const sequence = open();
      const evaluate = sequence.evaluate.bind(sequence);
      sequence.evaluate = async (tokens, predict) => {
        const out = await evaluate(tokens, predict);
        log.push(/<\|task\|>(\w+)/.exec(model.detokenize(sequence.tokens.slice(0, 30)))![1]); // whose prompt is in this sequence
        return out;
      };
      return sequence;
    };
    const loop = engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), context());
    const sort = engine.computeEdit(task('instruction', offsetOf(SOURCE, 'lines.join'), offsetOf(SOURCE, 'lines.join'), { instruction: 'Sort the lines.' }), context());
    expect([(await loop).status, (await sort).status]).toEqual(['ok', 'ok']);
    expect(new Set(log)).toEqual(new Set(['optimizeLoop', 'instruction']));
    expect(log.filter((kind, i) => i > 0 && kind !== log[i - 1])).toHaveLength(1);
  });

  test('an abort while drafting cancels before the verifier runs', async () => {
    const controller = new AbortController();
    const slow = stubDrafter('slow', ['optimizeLoop'], () => {
      controller.abort();
      return { status: 'cancelled' };
    });
    const { engine, model } = scriptedEngine({ drafters: [slow] });
    expect(await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), { signal: controller.signal })).toEqual({ status: 'cancelled' });
    expect(model.counters.evaluateCalls).toBe(0);
  });
});
