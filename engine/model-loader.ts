/**
 * Builds the speculative engine from configuration: the verifier (configured,
 * else the shipped default) in this process, the drafter models in the piscina
 * pool. The verifier is required; a drafter that cannot be found or loaded is
 * left out with a warning, since the verifier alone still gives exact edits.
 * Every model file is loaded first in a child process (verifier/model-probe.ts),
 * so a file that makes llama.cpp abort is refused instead of taking the server
 * down: a native abort in a drafter's worker thread would kill the process too.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import type { EditKind } from '../protocol/edit-task.js';
import { ModelDrafterPool, type ModelDrafterSpec } from '../drafters/model-drafter-pool.js';
import { GreedyVerifier } from '../verifier/greedy-verifier.js';
import { LlamaTargetModel } from '../verifier/llama-target-model.js';
import { checkGgufFile, ModelFileError, resolveModelReference } from '../verifier/model-resolver.js';
import { probeModelFile, type ModelProbeOptions } from '../verifier/model-probe.js';
import { poolDrafters } from './candidates.js';
import { BUILD_MODELS_HINT, readShippedModels, type ShippedModel } from './shipped-models.js';
import { SpeculativeEngine, type EngineLogger } from './speculative-engine.js';
import { DEFAULT_CONTEXT_TOKENS } from './prompt-context.js';
import type { EngineLearning } from './learning/edit-learning.js';
import { modelIdentity } from './learning/model-identity.js';
import { resolveDataDir } from './learning/data-dir.js';

export interface ModelSetup {
  /** models/manifest.json of the shipped models (default: under the project root). */
  manifestPath?: string;
  /** The compiled drafter worker (default: next to drafters/model-drafter-pool.js). */
  workerFile?: string | URL;
  /** Relative model paths in the configuration resolve against this (default: the working directory). */
  baseDir?: string;
  gpu?: 'auto' | false;
  /**
   * The verifier's KV cache precision. F32 by default: with F16, a batch of K
   * tokens and K single steps can round differently and flip a near-tie, and
   * exact mode promises the plain greedy decode token for token (the
   * benchmark measured 1 of 3 tasks diverging with F16 on a random model, none
   * with F32). It doubles the cache's memory; F16 trades that guarantee for it.
   */
  kvCacheType?: 'F16' | 'F32';
  /**
   * Prompt context budget, characters. Default: what a shipped verifier was
   * trained with (its manifest's promptContextChars, else none: the shipped
   * models are trained on prompts without context, and measured 15% slower
   * and less accurate with it); engine/prompt-context.ts's default for a
   * configured model.
   */
  contextChars?: number;
  /** Drafter choice by acceptance and the accepted-edit log (createOrchestrator builds it from the settings). */
  learning?: EngineLearning;
  /** Drafters larger than this fraction of the verifier are left out (default DEFAULT_MAX_DRAFTER_SIZE_RATIO; Infinity keeps all). */
  maxDrafterSizeRatio?: number;
  /** The compiled model probe child (default: verifier/model-probe-child.js of the build). */
  probeFile?: string | URL;
  /** A model's test load in the child is killed after this long, ms (default DEFAULT_PROBE_TIMEOUT_MS). */
  probeTimeoutMs?: number;
}

/** In the data directory: the model files whose test load passed (model-probe.ts). */
export const PROBE_CACHE_FILE = 'model-probes.json';

/**
 * A drafter model larger than this fraction of the verifier (file sizes) is
 * left out. Its whole candidate costs about as much as the verifier's own
 * decode, so it arrives after the verifier has passed the edit, and it takes
 * CPU from the verifier meanwhile: on the 2-core benchmark machine a 12 MB
 * drafter beside a 19 MB verifier made rename edits 2-3x slower than input
 * lookup alone. Qwen2.5-Coder 0.5B beside 7B is 0.07.
 */
export const DEFAULT_MAX_DRAFTER_SIZE_RATIO = 0.25;

/** Why the models cannot be used: the message the user sees, naming the file and how to get it. */
export class ModelsUnavailable extends Error {}

interface DrafterChoice {
  name: string;
  path: string;
  kinds: EditKind[];
}

export async function loadSpeculativeEngine(config: Config, logger: EngineLogger & { info(m: string): void }, setup: ModelSetup = {}): Promise<SpeculativeEngine> {
  const started = performance.now();
  const shipped = config.verifierModel === null || config.drafters.length === 0 ? readShippedModels(setup.manifestPath) : undefined;
  const verifierPath = await resolveVerifier(config, setup, shipped);
  const shippedVerifier = config.verifierModel === null && shipped?.ok ? shipped.models.find((m) => m.role === 'verifier') : undefined;
  const contextChars = setup.contextChars ?? shippedVerifier?.promptContextChars;
  const probe = probeOptions(config, setup);
  const kvCacheType = setup.kvCacheType ?? 'F32';
  const model = await probeModelFile(verifierPath, { ...probe, kvCacheType })
    .then(() =>
      LlamaTargetModel.load({
        modelPath: verifierPath,
        threads: config.threads,
        contextSize: config.contextSize,
        batchSize: config.batchSize,
        sequences: config.sequences,
        gpu: probe.gpu,
        kvCacheType,
      }),
    )
    .catch((error: unknown) => {
      throw new ModelsUnavailable(error instanceof Error ? error.message : String(error), { cause: error });
    });
  let drafters: DrafterChoice[];
  let pool: ModelDrafterPool | null;
  try {
    const found = worthwhileDrafters(await resolveDrafters(config, setup, shipped, logger), verifierPath, setup.maxDrafterSizeRatio ?? DEFAULT_MAX_DRAFTER_SIZE_RATIO, logger);
    drafters = await loadableDrafters(found, probe, logger);
    pool = startPool(drafters, config, setup, logger);
  } catch (error) {
    await model.dispose();
    throw error;
  }
  const verifier = new GreedyVerifier(model, {
    sequences: config.sequences,
    maxDraftTokens: config.maxDraftTokens,
    maxOutputTokens: config.maxOutputTokens,
    rankThreshold: config.rankThreshold,
  });
  logger.info(
    `models loaded in ${(performance.now() - started).toFixed(0)} ms: verifier ${verifierPath}` +
      (pool ? `, drafters ${drafters.map((d) => `${d.name} (${d.kinds.join(', ')})`).join('; ')}` : ', no drafter models'),
  );
  return new SpeculativeEngine({
    verifier,
    drafters: pool ? poolDrafters(pool, new Map(drafters.map((d) => [d.name, d.kinds])), identities(drafters)) : [],
    mode: config.mode,
    rankThreshold: config.rankThreshold,
    maxOutputTokens: config.maxOutputTokens,
    contextChars,
    // Tokens when configured; a configured verifier without a setting gets the default, a shipped one keeps its trained budget.
    contextTokens: config.contextTokens ?? (contextChars === undefined ? DEFAULT_CONTEXT_TOKENS : undefined),
    logger,
    learning: setup.learning,
    onDispose: async () => {
      await pool?.close();
      await model.dispose();
    },
  });
}

function probeOptions(config: Config, setup: ModelSetup): ModelProbeOptions {
  return {
    gpu: setup.gpu ?? 'auto',
    threads: config.threads,
    childFile: setup.probeFile,
    timeoutMs: setup.probeTimeoutMs,
    cacheFile: join(resolveDataDir(config.dataDir), PROBE_CACHE_FILE),
  };
}

/** The drafters whose file loads in a test process (the workers load it as the drafter worker does: default KV cache). */
async function loadableDrafters(drafters: DrafterChoice[], probe: ModelProbeOptions, logger: EngineLogger): Promise<DrafterChoice[]> {
  const loadable = await Promise.all(
    drafters.map((d) =>
      probeModelFile(d.path, probe).then(
        () => true,
        (error: unknown) => {
          logger.warn(`drafter "${d.name}" is left out: ${error instanceof Error ? error.message : String(error)}`);
          return false;
        },
      ),
    ),
  );
  return drafters.filter((_, i) => loadable[i]);
}

async function resolveVerifier(config: Config, setup: ModelSetup, shipped: ReturnType<typeof readShippedModels> | undefined): Promise<string> {
  if (config.verifierModel !== null) {
    try {
      return await resolveModelReference(config.verifierModel, { allowDownload: config.allowDownload, baseDir: setup.baseDir });
    } catch (error) {
      throw new ModelsUnavailable(`the configured verifier model cannot be used: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!shipped?.ok) throw new ModelsUnavailable(`no verifier model is configured and ${shipped?.reason ?? 'no shipped model was found'}; or set "verifierModel" to a GGUF path or an hf: URI`);
  const model = shipped.models.find((m) => m.role === 'verifier');
  if (!model) throw new ModelsUnavailable(`${shipped.manifestPath} lists no verifier model; ${BUILD_MODELS_HINT}, or set "verifierModel"`);
  await checkShipped(model);
  return model.path;
}

/** A shipped model must exist and be a sound GGUF; the message says how to rebuild it. */
async function checkShipped(model: ShippedModel): Promise<void> {
  if (!existsSync(model.path)) {
    throw new ModelsUnavailable(`the shipped ${model.role} model ${model.file} was not found (${model.path}); ${BUILD_MODELS_HINT}, or set "${model.role === 'verifier' ? 'verifierModel' : 'drafters'}"`);
  }
  try {
    await checkGgufFile(model.path, model.file);
  } catch (error) {
    throw new ModelsUnavailable(`the shipped ${model.role} model ${model.file} is unusable: ${(error as Error).message} ${BUILD_MODELS_HINT}`, { cause: error });
  }
}

async function resolveDrafters(
  config: Config,
  setup: ModelSetup,
  shipped: ReturnType<typeof readShippedModels> | undefined,
  logger: EngineLogger,
): Promise<DrafterChoice[]> {
  const out: DrafterChoice[] = [];
  if (config.drafters.length > 0) {
    for (const d of config.drafters) {
      try {
        out.push({ name: d.name, kinds: d.kinds, path: await resolveModelReference(d.model, { allowDownload: config.allowDownload, baseDir: setup.baseDir }) });
      } catch (error) {
        logger.warn(`drafter "${d.name}" is left out: ${(error as Error).message}`);
      }
    }
    return out;
  }
  if (!shipped?.ok) return out;
  for (const m of shipped.models.filter((x) => x.role === 'drafter')) {
    try {
      await checkShipped(m);
      out.push({ name: m.name, kinds: m.kinds, path: m.path });
    } catch (error) {
      if (!(error instanceof ModelsUnavailable || error instanceof ModelFileError)) throw error;
      logger.warn(`drafter "${m.name}" is left out: ${error.message}`);
    }
  }
  return out;
}

/** Why a drafter model is too big to help this verifier, or undefined when it is small enough. */
export function drafterTooBig(drafterPath: string, verifierPath: string, maxRatio = DEFAULT_MAX_DRAFTER_SIZE_RATIO): string | undefined {
  const ratio = statSync(drafterPath).size / statSync(verifierPath).size;
  if (ratio <= maxRatio) return undefined;
  return (
    `it is ${(ratio * 100).toFixed(0)}% of the verifier's size, so drafting would cost about as much as verifying ` +
    `(drafters help at up to ${(maxRatio * 100).toFixed(0)}%; pair a much smaller drafter with the verifier)`
  );
}

function worthwhileDrafters(drafters: DrafterChoice[], verifierPath: string, maxRatio: number, logger: EngineLogger): DrafterChoice[] {
  return drafters.filter((d) => {
    const tooBig = drafterTooBig(d.path, verifierPath, maxRatio);
    if (tooBig) logger.warn(`drafter "${d.name}" is left out: ${tooBig}`);
    return !tooBig;
  });
}

function identities(drafters: DrafterChoice[]): Map<string, string> {
  return new Map(drafters.flatMap((d) => {
    const identity = modelIdentity(d.path);
    return identity ? [[d.name, identity] as const] : [];
  }));
}

function startPool(drafters: DrafterChoice[], config: Config, setup: ModelSetup, logger: EngineLogger): ModelDrafterPool | null {
  if (drafters.length === 0) return null;
  const specs: ModelDrafterSpec[] = drafters.map((d) => ({ name: d.name, modelPath: d.path, threads: config.threads, contextSize: config.contextSize, gpu: setup.gpu ?? 'auto' }));
  try {
    return new ModelDrafterPool(specs, { workerFile: setup.workerFile, logger });
  } catch (error) {
    logger.warn(`drafter models are off: ${(error as Error).message}`);
    return null;
  }
}
