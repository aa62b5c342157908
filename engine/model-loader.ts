/**
 * Builds the speculative engine from configuration: the verifier (configured,
 * else SmolLM2-135M-Instruct when `make smollm2` fetched it, else the shipped
 * one) in this process, the drafter models in the piscina pool. The verifier
 * is required; a drafter that cannot be found or loaded, or that decodes too
 * slowly beside this verifier to help (measured), is left out with a
 * message, since the verifier alone still gives exact edits.
 * Every model file is loaded first in a child process (verifier/model-probe.ts),
 * so a file that makes llama.cpp abort is refused instead of taking the server
 * down: a native abort in a drafter's worker thread would kill the process too.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../protocol/config.js';
import type { EditKind } from '../protocol/edit-task.js';
import { ModelDrafterPool, type ModelDrafterSpec } from '../drafters/model-drafter-pool.js';
import { GreedyVerifier } from '../verifier/greedy-verifier.js';
import { LlamaTargetModel } from '../verifier/llama-target-model.js';
import { checkGgufFile, ModelFileError, resolveModelReference } from '../verifier/model-resolver.js';
import { probeModelFile, type ModelProbeOptions, type ProbePass } from '../verifier/model-probe.js';
import { poolDrafters } from './candidates.js';
import { BUILD_MODELS_HINT, PRETRAINED_VERIFIER, pretrainedVerifierPath, readShippedModels, type ShippedModel } from './shipped-models.js';
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
  /**
   * A drafter is kept when its measured plain decoding speed is at least this many times the verifier's
   * (default DEFAULT_MIN_DRAFTER_SPEEDUP; 0 keeps all).
   */
  minDrafterSpeedup?: number;
  /**
   * The default verifier when none is configured: the fetched pretrained model (default: PRETRAINED_VERIFIER beside
   * the shipped models, when present); null: the shipped verifier (the fast test models).
   */
  pretrainedVerifier?: string | null;
  /** The compiled model probe child (default: verifier/model-probe-child.js of the build). */
  probeFile?: string | URL;
  /** A model's test load in the child is killed after this long, ms (default DEFAULT_PROBE_TIMEOUT_MS). */
  probeTimeoutMs?: number;
}

/** In the data directory: the model files whose test load passed (model-probe.ts). */
export const PROBE_CACHE_FILE = 'model-probes.json';

/**
 * A drafter is kept when it decodes at least this many times as fast as the
 * verifier, both measured in their test load (model-probe-child.ts: a few
 * timed greedy steps, one thread, kept with the pass). A drafter writes a
 * whole candidate before the verifier can use it; a slower one arrives after
 * the verifier has passed the edit and takes CPU from it meanwhile: on the
 * 2-core benchmark machine the 2.5M-parameter drafters beside the shipped
 * 4.7M verifier (measured ~1.5x as fast) made rename edits 2-3x slower than
 * input lookup alone, while beside SmolLM2-135M they are ~15x as fast.
 */
export const DEFAULT_MIN_DRAFTER_SPEEDUP = 4;

/** The name the shipped verifier drafts under when a pretrained model verifies. */
export const SHIPPED_VERIFIER_DRAFTER = 'shipped-verifier';

/** Why the models cannot be used: the message the user sees, naming the file and how to get it. */
export class ModelsUnavailable extends Error {}

interface DrafterChoice {
  name: string;
  path: string;
  kinds: EditKind[];
}

type Logger = EngineLogger & { info(m: string): void };

export async function loadSpeculativeEngine(config: Config, logger: Logger, setup: ModelSetup = {}): Promise<SpeculativeEngine> {
  const started = performance.now();
  const shipped = config.verifierModel === null || config.drafters.length === 0 ? readShippedModels(setup.manifestPath) : undefined;
  const probe = probeOptions(config, setup);
  const kvCacheType = setup.kvCacheType ?? 'F32';
  const pretrained = config.verifierModel === null ? await probedPretrained(setup, { ...probe, kvCacheType }, logger) : undefined;
  const verifierPath = pretrained?.path ?? (await resolveVerifier(config, setup, shipped));
  const shippedVerifier = config.verifierModel === null && !pretrained && shipped?.ok ? shipped.models.find((m) => m.role === 'verifier') : undefined;
  const contextChars = setup.contextChars ?? shippedVerifier?.promptContextChars;
  let verifierPass: ProbePass | undefined;
  const model = await (pretrained ? Promise.resolve(pretrained.pass) : probeModelFile(verifierPath, { ...probe, kvCacheType }))
    .then((pass) => {
      verifierPass = pass;
      return LlamaTargetModel.load({
        modelPath: verifierPath,
        threads: config.threads,
        contextSize: config.contextSize,
        batchSize: config.batchSize,
        sequences: config.sequences,
        gpu: probe.gpu,
        kvCacheType,
      });
    })
    .catch((error: unknown) => {
      throw new ModelsUnavailable(error instanceof Error ? error.message : String(error), { cause: error });
    });
  let drafters: DrafterChoice[];
  let pool: ModelDrafterPool | null;
  try {
    const found = await resolveDrafters(config, setup, shipped, logger, pretrained !== undefined);
    const minSpeedup = setup.minDrafterSpeedup ?? DEFAULT_MIN_DRAFTER_SPEEDUP;
    drafters = await loadableDrafters(found, probe, { tokensPerSecond: verifierPass?.tokensPerSecond, minSpeedup }, logger);
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
  const engine = new SpeculativeEngine({
    verifier,
    drafters: pool ? poolDrafters(pool, new Map(drafters.map((d) => [d.name, d.kinds])), identities(drafters)) : [],
    mode: config.mode,
    rankThreshold: config.rankThreshold,
    maxOutputTokens: config.maxOutputTokens,
    promptFormat: config.promptFormat,
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
  const speed = verifierPass?.tokensPerSecond === undefined ? '' : `, ${verifierPass.tokensPerSecond.toFixed(0)} tokens/s`;
  logger.info(
    `models loaded in ${(performance.now() - started).toFixed(0)} ms: verifier ${verifierPath} (${engine.promptFormat} prompts${speed})` +
      (pool ? `, drafters ${drafters.map((d) => `${d.name} (${d.kinds.join(', ')})`).join('; ')}` : ', no drafter models'),
  );
  return engine;
}

/**
 * The pretrained default verifier (SmolLM2) with its test load's pass, or
 * undefined: not wanted (setup), not fetched, or refused by the test load;
 * the shipped verifier is the default then, and one line says why.
 */
async function probedPretrained(setup: ModelSetup, probe: ModelProbeOptions, logger: Logger): Promise<{ path: string; pass: ProbePass } | undefined> {
  if (setup.pretrainedVerifier === null) return undefined;
  // Beside the shipped models: a test's own manifest elsewhere has none.
  const path = setup.pretrainedVerifier ?? pretrainedVerifierPath(setup.manifestPath ? dirname(dirname(setup.manifestPath)) : undefined);
  if (!path || !existsSync(path)) {
    logger.info(`verifier: the shipped model, since ${PRETRAINED_VERIFIER.name} was not fetched (${path ?? PRETRAINED_VERIFIER.file} is missing; ${PRETRAINED_VERIFIER.fetch})`);
    return undefined;
  }
  try {
    await checkGgufFile(path);
    return { path, pass: await probeModelFile(path, probe) };
  } catch (error) {
    logger.warn(`verifier: the shipped model, since ${PRETRAINED_VERIFIER.name} cannot be used: ${(error as Error).message}`);
    return undefined;
  }
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

/**
 * The drafters whose file loads in a test process (the workers load it as the
 * drafter worker does: default KV cache) and that decode fast enough beside
 * the verifier to help (DEFAULT_MIN_DRAFTER_SPEEDUP), one after the other so
 * the timed steps do not share the CPU.
 */
async function loadableDrafters(
  drafters: DrafterChoice[],
  probe: ModelProbeOptions,
  verifier: { tokensPerSecond: number | undefined; minSpeedup: number },
  logger: Logger,
): Promise<DrafterChoice[]> {
  const kept: DrafterChoice[] = [];
  for (const d of drafters) {
    let pass: ProbePass;
    try {
      pass = await probeModelFile(d.path, probe);
    } catch (error) {
      logger.warn(`drafter "${d.name}" is left out: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const tooSlow = drafterTooSlow(pass.tokensPerSecond, verifier.tokensPerSecond, verifier.minSpeedup);
    if (tooSlow) {
      logger.warn(`drafter "${d.name}" is left out: ${tooSlow}`);
      continue;
    }
    if (pass.tokensPerSecond !== undefined && verifier.tokensPerSecond !== undefined) {
      logger.debug(`drafter "${d.name}": ${pass.tokensPerSecond.toFixed(0)} tokens/s, ${(pass.tokensPerSecond / verifier.tokensPerSecond).toFixed(1)}x the verifier's`);
    }
    kept.push(d);
  }
  return kept;
}

/**
 * Why a drafter decoding at `drafter` tokens/s cannot help a verifier at
 * `verifier` tokens/s (both measured the same way), or undefined when it is
 * fast enough or a speed is unknown.
 */
export function drafterTooSlow(drafter: number | undefined, verifier: number | undefined, minSpeedup = DEFAULT_MIN_DRAFTER_SPEEDUP): string | undefined {
  if (drafter === undefined || verifier === undefined || minSpeedup <= 0) return undefined;
  const ratio = drafter / verifier;
  if (ratio >= minSpeedup) return undefined;
  return (
    `it decodes ${drafter.toFixed(0)} tokens/s, ${ratio.toFixed(1)}x the verifier's ${verifier.toFixed(0)} (measured in their test loads), ` +
    `so its candidates would come after the verifier has passed the edit (drafters help at ${minSpeedup}x or more; pair a much smaller drafter with the verifier)`
  );
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

/** Configured drafters, else the shipped ones; with a pretrained verifier the shipped verifier drafts too. */
async function resolveDrafters(
  config: Config,
  setup: ModelSetup,
  shipped: ReturnType<typeof readShippedModels> | undefined,
  logger: EngineLogger,
  pretrainedVerifier: boolean,
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
  for (const m of shipped.models.filter((x) => x.role === 'drafter' || pretrainedVerifier)) {
    try {
      await checkShipped(m);
      out.push({ name: m.role === 'verifier' ? SHIPPED_VERIFIER_DRAFTER : m.name, kinds: m.kinds, path: m.path });
    } catch (error) {
      if (!(error instanceof ModelsUnavailable || error instanceof ModelFileError)) throw error;
      logger.warn(`drafter "${m.name}" is left out: ${error.message}`);
    }
  }
  return out;
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
