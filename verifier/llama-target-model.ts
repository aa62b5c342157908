/**
 * node-llama-cpp behind the TargetModel interface. Verification uses
 * `controlledEvaluate` with greedy `token` outputs only: full probability maps
 * cost ~120 ms per position, and node-llama-cpp's DraftSequenceTokenPredictor
 * loses sync when every prediction is accepted, so the loop lives in
 * greedy-verifier.ts instead.
 */
import { getLlama, LlamaLogLevel, resolveChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token as LlamaToken, type ControlledEvaluateInputItem } from 'node-llama-cpp';
import { checkGgufFile, ModelFileError } from './model-resolver.js';
import { llamaLogger, loadErrorReason, withLlamaErrors } from './llama-log.js';
import type { ChatTemplate, ChatTurns, TargetModel, TargetSequence, Token } from './target-model.js';

export interface LlamaTargetModelOptions {
  /** A local GGUF file (see model-resolver.ts for `hf:` URIs). */
  modelPath: string;
  /** CPU threads for this context: 1 on a 2-core machine (the default oversubscribes and runs ~100x slower). */
  threads?: number;
  contextSize?: number;
  batchSize?: number;
  /** Sequences in the context: the verifier's prefix-cache LRU size. */
  sequences?: number;
  /** Off by default: logits then match a plain attention reference more closely. */
  flashAttention?: boolean;
  /** KV cache precision; F32 is for bit-exact comparisons in tests and benchmarks. */
  kvCacheType?: 'F16' | 'F32';
  /** GPU offloading; false forces CPU. */
  gpu?: 'auto' | false;
  /** Share one llama.cpp binding between models. */
  llama?: Llama;
}

const bindings = new Map<'auto' | false, Promise<Llama>>();

/** One binding per GPU setting and process; never compiles llama.cpp at run time (`build: 'never'`). */
function sharedLlama(gpu: 'auto' | false): Promise<Llama> {
  let llama = bindings.get(gpu);
  if (!llama) {
    llama = getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.warn, logger: llamaLogger });
    bindings.set(gpu, llama);
  }
  return llama;
}

export class LlamaTargetModel implements TargetModel {
  readonly bosToken: Token | null;
  readonly eosTokens: readonly Token[];
  /** node-llama-cpp keeps one cell free and shifts the context when it is reached; stay below that. */
  readonly contextSize: number;
  readonly maxSequences: number;
  readonly chat: ChatTemplate;

  private constructor(
    readonly model: LlamaModel,
    readonly context: LlamaContext,
  ) {
    const tokens = model.tokens;
    this.bosToken = tokens.shouldPrependBosToken ? tokens.bos : null;
    this.eosTokens = [tokens.eos, tokens.eot].filter((t) => t !== null);
    this.contextSize = context.contextSize - 1;
    this.maxSequences = context.totalSequences;
    this.chat = chatTemplate(model);
  }

  /** Loads a model and creates its context; errors name the file and what to do. */
  static async load(options: LlamaTargetModelOptions): Promise<LlamaTargetModel> {
    await checkGgufFile(options.modelPath);
    const llama = options.llama ?? (await sharedLlama(options.gpu ?? 'auto'));
    const loaded = await withLlamaErrors(() => llama.loadModel({ modelPath: options.modelPath, gpuLayers: options.gpu === false ? 0 : 'auto' }));
    if (!loaded.ok) {
      const reason = loadErrorReason(loaded.lines) ?? (loaded.error as Error).message;
      throw new ModelFileError(options.modelPath, `llama.cpp could not load ${options.modelPath}: ${reason}; re-download or re-export it`, { cause: loaded.error });
    }
    const model: LlamaModel = loaded.value;
    try {
      return new LlamaTargetModel(model, await model.createContext(contextOptions(options)));
    } catch (error) {
      await model.dispose();
      throw new Error(`could not create a context for ${options.modelPath}: ${(error as Error).message}; lower contextSize or sequences`, { cause: error });
    }
  }

  tokenize(text: string): Token[] {
    return this.model.tokenize(text, false);
  }

  detokenize(tokens: readonly Token[]): string {
    return this.model.detokenize(tokens as readonly LlamaToken[], false);
  }

  isEndOfGeneration(token: Token): boolean {
    return this.model.isEogToken(token as LlamaToken);
  }

  openSequence(): TargetSequence {
    if (this.context.sequencesLeft === 0) throw new Error(`all ${this.maxSequences} sequences of the verifier context are open`);
    return new LlamaTargetSequence(this.context.getSequence(), this.contextSize);
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}

/**
 * node-llama-cpp's chat wrapper for the model: the one its GGUF chat template
 * matches (a Jinja rendering of the template when none does), else a guess
 * from the model's name (fromFile false). The wrappers put a BOS token first;
 * a model that wants none (SmolLM2's BOS is its <|im_start|>) does not get it.
 */
function chatTemplate(model: LlamaModel): ChatTemplate {
  const template = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer?.chat_template;
  const fromFile = typeof template === 'string' && template.trim() !== '';
  let wrapper: ReturnType<typeof resolveChatWrapper> | undefined;
  const resolved = () => (wrapper ??= resolveChatWrapper(model));
  return {
    get name() {
      return resolved().wrapperName;
    },
    fromFile,
    render(turns: ChatTurns): Token[] {
      const history = [
        { type: 'system' as const, text: turns.system },
        { type: 'user' as const, text: turns.user },
        { type: 'model' as const, response: [turns.answerStart] },
      ];
      const tokens: Token[] = resolved().generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
      return !model.tokens.shouldPrependBosToken && tokens[0] === model.tokens.bos ? tokens.slice(1) : tokens;
    },
  };
}

function contextOptions(options: LlamaTargetModelOptions) {
  const kv = options.kvCacheType ? { experimentalKvCacheKeyType: options.kvCacheType, experimentalKvCacheValueType: options.kvCacheType } : {};
  return {
    threads: options.threads ?? 1,
    contextSize: options.contextSize ?? 2048,
    batchSize: options.batchSize ?? 512,
    sequences: options.sequences ?? 2,
    flashAttention: options.flashAttention ?? false,
    // Prefix reuse erases the cache's tail; with sliding-window attention that would force a full re-evaluation.
    swaFullCache: true,
    ...kv,
  };
}

class LlamaTargetSequence implements TargetSequence {
  constructor(
    private readonly sequence: LlamaContextSequence,
    private readonly capacity: number,
  ) {}

  get tokens(): readonly Token[] {
    return this.sequence.contextTokens;
  }

  async evaluate(tokens: readonly Token[], predict: 'all' | 'last' = 'all'): Promise<Token[]> {
    const start = this.sequence.nextTokenIndex;
    if (tokens.length === 0) throw new RangeError('evaluate needs at least one token');
    if (start + tokens.length > this.capacity) {
      // Never let node-llama-cpp shift the context silently: the cache would no longer be the prompt.
      throw new RangeError(`verifier context overflow: ${start} + ${tokens.length} tokens > ${this.capacity}`);
    }
    const wanted = (i: number) => predict === 'all' || i === tokens.length - 1;
    const items = (tokens as readonly LlamaToken[]).map((t, i) => (wanted(i) ? ([t, { generateNext: { token: true } }] as const) : t));
    const results = await this.sequence.controlledEvaluate(items as ControlledEvaluateInputItem[]);
    const predictions: Token[] = [];
    for (let i = 0; i < tokens.length; i++) {
      if (!wanted(i)) continue;
      const token = results[i]?.next.token;
      if (token === undefined || token === null) throw new Error(`llama.cpp returned no token for batch position ${i}`);
      predictions.push(token);
    }
    return predictions;
  }

  async erase(from: number): Promise<void> {
    const end = this.sequence.nextTokenIndex;
    if (from < end) await this.sequence.eraseContextTokenRanges([{ start: Math.max(0, from), end }]);
  }

  async dispose(): Promise<void> {
    await this.sequence.dispose();
  }
}
