/** Wraps any TargetModel to count model work and to run a hook inside evaluate calls (cancellation tests). */
import type { TargetModel, TargetSequence, Token } from '../../verifier/target-model.js';

export interface Instrumented {
  model: TargetModel;
  counters: { evaluateCalls: number; evaluatedTokens: number };
  /** Runs after the inner evaluate resolved, before the caller sees the result. */
  afterEvaluate?: (call: number) => void;
}

export function instrument(inner: TargetModel): Instrumented {
  const state: Instrumented = { model: inner, counters: { evaluateCalls: 0, evaluatedTokens: 0 } };
  const wrapSequence = (sequence: TargetSequence): TargetSequence => ({
    get tokens() {
      return sequence.tokens;
    },
    async evaluate(tokens: readonly Token[], predict?: 'all' | 'last') {
      const result = await sequence.evaluate(tokens, predict);
      state.counters.evaluateCalls++;
      state.counters.evaluatedTokens += tokens.length;
      state.afterEvaluate?.(state.counters.evaluateCalls);
      return result;
    },
    erase: (from: number) => sequence.erase(from),
    dispose: () => sequence.dispose(),
  });
  state.model = {
    tokenize: (text) => inner.tokenize(text),
    detokenize: (tokens) => inner.detokenize(tokens),
    bosToken: inner.bosToken,
    eosTokens: inner.eosTokens,
    isEndOfGeneration: (token) => inner.isEndOfGeneration(token),
    contextSize: inner.contextSize,
    maxSequences: inner.maxSequences,
    openSequence: () => wrapSequence(inner.openSequence()),
  };
  return state;
}
