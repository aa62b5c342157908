import { z } from 'zod';

/**
 * The server's settings: one schema, a comment and a default on each field.
 * Sources: `initializationOptions` and `workspace/didChangeConfiguration`
 * (under the key `specedit` or at top level). Invalid settings are logged and
 * ignored; the previous configuration stays.
 */
export const drafterConfigSchema = z.object({
  /** Name used in logs and statistics. */
  name: z.string().min(1),
  /** GGUF path (absolute, or relative to the server's working directory) or `hf:` URI. */
  model: z.string().min(1),
  /** Edit kinds this drafter proposes candidates for. */
  kinds: z.array(z.enum(['rename', 'extract', 'optimizeLoop', 'fix', 'instruction'])).default(['rename', 'extract', 'optimizeLoop', 'fix', 'instruction']),
});

export const configSchema = z
  .object({
    /** Log level for window/logMessage and stderr: error, warn, info, debug. Env SPECEDIT_LOG_LEVEL overrides the default. */
    logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    /** Delay after the last change before syntax diagnostics are published, ms. */
    diagnosticsDebounceMs: z.number().int().min(0).max(10_000).default(150),
    /**
     * Open documents larger than this (characters) get no features: the server keeps no text, tree or index of them and
     * says so once; other files are unaffected. Applies to documents opened or replaced whole after a change of the setting.
     */
    maxDocumentSize: z.number().int().min(1024).max(1_000_000_000).default(10 * 1024 * 1024),
    /** Requests running longer than this report `$/progress`, ms. */
    progressDelayMs: z.number().int().min(0).max(10_000).default(100),
    /** Verifier model: GGUF path or `hf:` URI; null uses the shipped default when present. */
    verifierModel: z.string().min(1).nullable().default(null),
    /**
     * A llama-server (or a server with its `/completion` API) that verifies instead of a local model, e.g.
     * `http://127.0.0.1:8080`; each scope's prompt is sent there (temperature 0), parsing and version checks stay
     * local. null: the local verifier (verifierModel).
     */
    verifierServer: z.string().url().nullable().default(null),
    /**
     * How the verifier is prompted: auto picks the chat format for a model whose GGUF has a chat template (an
     * instruct model: the edit asked in a user turn, the code answered in a fenced block) and the marker format
     * otherwise (specedit's own trained models); chat or markers forces one. Drafter models always choose by their file.
     */
    promptFormat: z.enum(['auto', 'chat', 'markers']).default('auto'),
    /** Drafter models; empty uses the shipped defaults when present. */
    drafters: z.array(drafterConfigSchema).default([]),
    /** Allow `hf:` model URIs to be downloaded. Off: a missing model is a clear error. */
    allowDownload: z.boolean().default(false),
    /** CPU threads per llama.cpp context (1 is right on a 2-core machine). */
    threads: z.number().int().min(1).max(256).default(1),
    /** Verifier context size in tokens. */
    contextSize: z.number().int().min(256).max(131_072).default(2048),
    /** llama.cpp batch size. */
    batchSize: z.number().int().min(16).max(8192).default(512),
    /** Verifier sequences kept for the prefix cache (LRU). */
    sequences: z.number().int().min(1).max(64).default(2),
    /** Upper bound on proposed tokens per verifier call; below it each call's K is chosen by the verifier's measured cost and the source's acceptance. */
    maxDraftTokens: z.number().int().min(1).max(256).default(128),
    /** Maximum tokens the verifier may write for one scope. */
    maxOutputTokens: z.number().int().min(1).max(32_768).default(1024),
    /** exact: lossless verify loop. rank: accept the best whole candidate above rankThreshold (lossy), else exact. */
    mode: z.enum(['exact', 'rank']).default('exact'),
    /** Rank mode: minimum fraction of a candidate's tokens the verifier must agree with. */
    rankThreshold: z.number().min(0).max(1).default(0.95),
    /**
     * Budget of the prompt's context (signatures of what the scope uses, from its file and imported workspace files), verifier tokens; 0: none.
     * null: a shipped verifier gets the budget it was trained with, a configured one 350.
     */
    contextTokens: z.number().int().min(0).max(32_768).nullable().default(null),
    /** Where drafter statistics and the accepted-edit log live; null: $XDG_DATA_HOME/specedit, ~/.local/share/specedit, or %LOCALAPPDATA%\specedit on Windows. */
    dataDir: z.string().min(1).nullable().default(null),
    /** A drafter whose recent acceptance (moving average) for an edit kind is below this is skipped for that kind (0: never skip). */
    drafterFloor: z.number().min(0).max(1).default(0.3),
    /** Requests a drafter must have answered for a kind before it can be skipped for it. */
    drafterMinRequests: z.number().int().min(1).max(10_000).default(10),
    /** A skipped drafter is still tried on every n-th request of its kind, so it can recover (1: every request). */
    drafterExploreEvery: z.number().int().min(1).max(10_000).default(10),
    /** Drafter names that are never skipped. */
    pinnedDrafters: z.array(z.string().min(1)).default([]),
    /** Append every model edit the server returns (prompt, completion, statistics) to <dataDir>/accepted-edits.jsonl for fine-tuning. */
    logAcceptedEdits: z.boolean().default(false),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type DrafterConfig = z.infer<typeof drafterConfigSchema>;

export const defaultConfig: Config = configSchema.parse({});

/** Result of merging untrusted settings into a configuration: never throws. */
export interface ConfigUpdate {
  config: Config;
  /** One message per rejected setting, for the log. */
  problems: string[];
}

/**
 * Applies `raw` on top of `previous`. Valid fields are taken; each invalid field
 * is reported and keeps its previous value; unknown keys are reported and ignored.
 */
export function mergeConfig(previous: Config, raw: unknown): ConfigUpdate {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { config: previous, problems };
  const source = typeof raw === 'object' && raw !== null && 'specedit' in raw ? (raw as { specedit: unknown }).specedit : raw;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return { config: previous, problems: [`settings must be an object, got ${JSON.stringify(source)}`] };
  }
  const candidate: Record<string, unknown> = { ...previous };
  const shape = configSchema.shape as Record<string, z.ZodType>;
  for (const [key, value] of Object.entries(source)) {
    const field = shape[key];
    if (!field) {
      problems.push(`unknown setting "${key}" ignored`);
      continue;
    }
    const parsed = field.safeParse(value);
    if (parsed.success) candidate[key] = parsed.data;
    else problems.push(`invalid setting "${key}" (${JSON.stringify(value)}): ${parsed.error.issues.map((i) => i.message).join('; ')}; keeping ${JSON.stringify(previous[key as keyof Config])}`);
  }
  return { config: configSchema.parse(candidate), problems };
}
