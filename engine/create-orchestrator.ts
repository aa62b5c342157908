import type { Config } from '../protocol/config.js';
import type { EditOrchestrator } from '../protocol/edit-task.js';
import { EditPipeline } from './edit-pipeline.js';
import { LazyModelEngine } from './lazy-model-engine.js';
import { EditLearning, withLearning } from './learning/edit-learning.js';
import { loadSpeculativeEngine, type ModelSetup } from './model-loader.js';
import { RemoteVerifierEngine } from './remote-verifier.js';
import { readShippedModels } from './shipped-models.js';

export interface OrchestratorLogger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/**
 * Builds the orchestrator for a configuration: structural edits at once, and
 * the speculation engine (verifier + drafter pool) loaded on the first request
 * that needs a model. A missing or corrupt model turns the model-backed kinds
 * off with a reason naming the file and how to get it; structural features
 * keep working. `setup` is for tests and tools (worker file, manifest, KV type).
 */
export function createOrchestrator(config: Config, logger: OrchestratorLogger, setup: ModelSetup = {}): EditOrchestrator {
  const learning = EditLearning.fromConfig(config, logger);
  if (config.verifierServer) {
    // The verifier is a server (engine/remote-verifier.ts): no local model loads.
    logger.info(`verifier: the server at ${config.verifierServer}`);
    // Prompted as the shipped verifier is (the marker format, the context budget it was trained with), the model a server is meant to run.
    const shipped = readShippedModels(setup.manifestPath);
    const contextChars = setup.contextChars ?? (shipped.ok ? shipped.models.find((m) => m.role === 'verifier')?.promptContextChars : undefined);
    const remote = new RemoteVerifierEngine({ url: config.verifierServer, maxOutputTokens: config.maxOutputTokens, contextChars, contextTokens: config.contextTokens ?? undefined, logger });
    return withLearning(new EditPipeline({ models: remote }), learning);
  }
  const models = new LazyModelEngine(() => loadSpeculativeEngine(config, logger, { learning, ...setup }), logger);
  return withLearning(new EditPipeline({ models }), learning);
}
