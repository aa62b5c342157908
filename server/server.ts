import {
  type CancellationToken,
  CodeAction,
  type Command,
  type Connection,
  type ExecuteCommandParams,
  type InitializeParams,
  type InitializeResult,
  ResponseError,
  LSPErrorCodes,
  type CodeActionParams,
  TextDocumentSyncKind,
  CodeActionKind,
  MessageType,
  DidChangeWatchedFilesNotification,
} from 'vscode-languageserver/node';
import { COMMANDS, REQUESTS } from '../protocol/commands.js';
import { defaultConfig, mergeConfig, type Config } from '../protocol/config.js';
import type { EditOrchestrator } from '../protocol/edit-task.js';
import { findActionScopes } from '../syntax/scopes.js';
import { namespaceMemberAt } from '../syntax/namespace-member.js';
import { actionDataSchema, describeZodError, instructionArgsSchema } from './action-data.js';
import { bindDocumentSync } from './document-sync.js';
import { guardedRequest } from './guarded.js';
import type { IncomingMessages } from './incoming.js';
import { codeActionParamsSchema, codeActionSchema, diagnosticsOf, executeCommandParamsSchema, prepareRenameParamsSchema, renameParamsSchema } from './params.js';
import { codeActionsAt, type ActionClientSupport } from './code-actions.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { DocumentStore } from './document-store.js';
import { computeEdit, tooLargeError, type EditServiceDeps } from './edit-service.js';
import { Logger, levelFromEnv, type LogLevel } from './logger.js';
import { invalidParams, offsetAt, toLspRange } from './positions.js';
import { DelayedProgress } from './progress.js';
import { StatsRegistry } from './stats-registry.js';
import { WorkTracker } from './work-tracker.js';
import { syncOpenDocument, workspaceRoots } from './workspace-files.js';
import { WorkspaceIndex } from '../workspace/workspace-index.js';
import { TypeService } from '../workspace/type-service.js';
import { memberNameAt } from '../syntax/member-name.js';
import { SOURCE_GLOB } from '../workspace/module-resolution.js';
import { CONFIG_GLOB } from '../workspace/path-aliases.js';
import { IGNORE_FILE_GLOB } from '../workspace/ignore-rules.js';
import { PACKAGE_GLOB } from '../workspace/workspace-packages.js';

export interface ServerOptions {
  /** Builds the orchestrator for a configuration (called again when model settings change). */
  createOrchestrator: (config: Config, logger: Logger) => EditOrchestrator;
  version: string;
  /** The reader of the client's messages (server/connection.ts): lifecycle, and changes read but not applied yet. */
  incoming?: IncomingMessages;
}

const MODEL_SETTINGS: Array<keyof Config> = ['verifierModel', 'verifierServer', 'drafters', 'allowDownload', 'threads', 'contextSize', 'batchSize', 'sequences', 'contextTokens'];
/** Settings the orchestrator is built with besides the models' (engine/learning/): a change rebuilds it too. */
const LEARNING_SETTINGS: Array<keyof Config> = ['dataDir', 'drafterFloor', 'drafterMinRequests', 'drafterExploreEvery', 'pinnedDrafters', 'logAcceptedEdits'];

/** Binds every LSP handler to `connection`. One short named function per handler. */
export function startServer(connection: Connection, options: ServerOptions): void {
  const logger = new Logger((level, message) => connection.sendNotification('window/logMessage', { type: MESSAGE_TYPE[level], message }));
  const store = new DocumentStore();
  const tracker = new WorkTracker();
  const stats = new StatsRegistry();
  const workspace = new WorkspaceIndex({ logger });
  // TypeScript loads and builds a project's program on the first extract that needs parameter types.
  const types = new TypeService({ logger, openDocuments: () => store.all().map((doc) => store.snapshot(doc)) });
  let config: Config = { ...defaultConfig, logLevel: levelFromEnv() ?? defaultConfig.logLevel };
  let client: InitializeParams['capabilities'] = {};
  let orchestrator: EditOrchestrator | undefined;
  if (options.incoming) options.incoming.log = (m) => logger.debug(m);
  const diagnostics = new DiagnosticsPublisher((uri, version, list) => void connection.sendDiagnostics({ uri, version, diagnostics: list }), config.diagnosticsDebounceMs);

  const getOrchestrator = () => (orchestrator ??= options.createOrchestrator(config, logger));
  const support = (): ActionClientSupport => ({
    resolveEdit: client.textDocument?.codeAction?.resolveSupport?.properties?.includes('edit') ?? false,
    literals: client.textDocument?.codeAction?.codeActionLiteralSupport !== undefined,
  });
  const deps: EditServiceDeps = {
    store,
    tracker,
    stats,
    logger,
    orchestrator: getOrchestrator,
    workspace,
    types,
    useDocumentChanges: () => client.workspace?.workspaceEdit?.documentChanges ?? false,
    changePending: (uri) => options.incoming?.noticePending(uri) ?? false,
    progress: (title) => new DelayedProgress(connection, client.window?.workDoneProgress ?? false, title, config.progressDelayMs),
  };

  function applySettings(raw: unknown, origin: string): void {
    const { config: next, problems } = mergeConfig(config, raw);
    for (const p of problems) logger.warn(`${origin}: ${p}`);
    const modelsChanged = [...MODEL_SETTINGS, ...LEARNING_SETTINGS].some((k) => JSON.stringify(next[k]) !== JSON.stringify(config[k]));
    config = next;
    logger.level = config.logLevel;
    diagnostics.debounceMs = config.diagnosticsDebounceMs;
    store.maxDocumentSize = config.maxDocumentSize;
    if (options.incoming) options.incoming.maxDocumentSize = config.maxDocumentSize;
    if (modelsChanged && orchestrator) {
      const old = orchestrator;
      orchestrator = undefined;
      void old.dispose?.();
    }
  }

  connection.onInitialize((given): InitializeResult => {
    const params: InitializeParams = given && typeof given === 'object' ? given : ({} as InitializeParams);
    client = params.capabilities && typeof params.capabilities === 'object' ? params.capabilities : {};
    applySettings(params.initializationOptions, 'initializationOptions');
    void workspace.start(workspaceRoots(params)); // in the background: the crawl yields, initialize answers at once
    return {
      serverInfo: { name: 'specedit', version: options.version },
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: {
          codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Refactor, CodeActionKind.RefactorExtract, CodeActionKind.RefactorRewrite],
          resolveProvider: true,
        },
        executeCommandProvider: { commands: [COMMANDS.apply, COMMANDS.edit] },
        renameProvider: { prepareProvider: true },
      },
    };
  });

  connection.onInitialized(() => {
    if (client.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: SOURCE_GLOB }, { globPattern: CONFIG_GLOB }, { globPattern: IGNORE_FILE_GLOB }, { globPattern: PACKAGE_GLOB }] })
        .catch((error: unknown) => logger.warn(`file watchers not registered (${(error as Error).message}): the workspace index sees disk changes only of files opened and closed`));
    }
    logger.info(`specedit ${options.version} ready (resolve: ${support().resolveEdit}, applyEdit: ${client.workspace?.applyEdit ?? false})`);
  });

  connection.onDidChangeConfiguration(async (params) => {
    if (params.settings !== null && params.settings !== undefined && !(typeof params.settings === 'object' && Object.keys(params.settings).length === 0)) {
      applySettings(params.settings, 'didChangeConfiguration');
    } else if (client.workspace?.configuration) {
      const [section] = await connection.workspace.getConfiguration([{ section: 'specedit' }]);
      applySettings(section ?? {}, 'workspace/configuration');
    }
  });

  bindDocumentSync({ connection, store, diagnostics, workspace, logger, incoming: options.incoming });
  store.onDidChange((uri) => tracker.cancelDocument(uri));
  // A change read but not applied yet already makes running work on its document stale.
  options.incoming?.onDocumentNotice((uri) => tracker.cancelDocument(uri));
  store.onDidChange((uri) => syncOpenDocument(workspace, store, uri));

  connection.onCodeAction(
    guardedRequest(logger, 'codeAction', codeActionParamsSchema, (params, token) => {
      if (store.tooLarge(params.textDocument.uri)) return [];
      const doc = store.get(params.textDocument.uri);
      if (!doc) throw invalidParams(`specedit: ${params.textDocument.uri} is not open`);
      const { diagnostics: given, dropped } = diagnosticsOf(params.context?.diagnostics);
      if (dropped > 0) logger.debug(`codeAction: ${dropped} malformed diagnostics in the request left out`);
      const request = { ...params, context: { ...params.context, diagnostics: given } } as unknown as CodeActionParams;
      const actions = codeActionsAt(doc, request, support());
      return editOnly() ? withEditsNow(actions, token) : actions;
    }),
  );

  /** The editor can take an edit only inside the code action (no resolve, no applyEdit: e.g. Vim with ALE). */
  function editOnly(): boolean {
    return !support().resolveEdit && !client.workspace?.applyEdit && support().literals;
  }

  /**
   * For such an editor: the actions whose edit needs no model, each with its
   * edit computed now (structural only: extract function with the default
   * name, fixes found without a model); the others could never be applied.
   */
  async function withEditsNow(actions: Array<CodeAction | Command>, token: CancellationToken): Promise<CodeAction[]> {
    const out: CodeAction[] = [];
    for (const action of actions) {
      if (!CodeAction.is(action)) continue; // a bare Command carries no data
      const data = actionDataSchema.safeParse(action.data);
      if (!data.success || (data.data.kind !== 'extract' && data.data.kind !== 'fix')) continue;
      try {
        const { edit } = await computeEdit(deps, data.data, token, { structuralOnly: true });
        const { command: _command, data: _data, ...rest } = action;
        out.push({ ...rest, edit });
      } catch (error) {
        logger.debug(`${action.title}: not offered to this editor: ${(error as Error).message}`);
      }
    }
    return out;
  }

  connection.onCodeActionResolve(
    guardedRequest(logger, 'codeAction/resolve', codeActionSchema, async (given, token) => {
      const action = given as CodeAction;
      // Neovim 0.7 resolves every action, also those without data (e.g. command-only ones): return them as they are.
      if (action.data === undefined || action.data === null) return action;
      const data = actionDataSchema.safeParse(action.data);
      if (!data.success) throw invalidParams(`specedit: malformed code action data: ${describeZodError(data.error)}`);
      const { edit } = await computeEdit(deps, data.data, token);
      return { ...action, edit };
    }),
  );

  connection.onExecuteCommand(guardedRequest(logger, 'executeCommand', executeCommandParamsSchema, (params, token) => executeCommand(params as ExecuteCommandParams, token)));

  async function executeCommand(params: ExecuteCommandParams, token: CancellationToken) {
    if (params.command !== COMMANDS.apply && params.command !== COMMANDS.edit) {
      throw invalidParams(`specedit: unknown command "${params.command}"; known commands: ${COMMANDS.apply}, ${COMMANDS.edit}`);
    }
    const request = parseCommandArguments(params);
    if (!client.workspace?.applyEdit) {
      throw new ResponseError(
        LSPErrorCodes.RequestFailed,
        'specedit: this editor did not declare workspace.applyEdit, so the server cannot apply the edit; nothing was changed. Use a client with codeAction/resolve or applyEdit support.',
      );
    }
    const { edit, result } = await computeEdit(deps, request, token);
    const applied = await connection.workspace.applyEdit({ label: result.title, edit });
    if (!applied.applied) logger.warn(`${result.title}: the editor did not apply the edit (${applied.failureReason ?? 'no reason given'})`);
    return { applied: applied.applied, title: result.title, mode: result.mode, stats: result.stats, considered: result.considered };
  }

  function parseCommandArguments(params: ExecuteCommandParams) {
    const [arg] = params.arguments ?? [];
    if (params.command === COMMANDS.apply) {
      const data = actionDataSchema.safeParse(arg);
      if (!data.success) throw invalidParams(`specedit: ${COMMANDS.apply} needs one argument {uri, version, kind, range, args}: ${describeZodError(data.error)}`);
      return data.data;
    }
    const parsed = instructionArgsSchema.safeParse(arg);
    if (!parsed.success) {
      throw invalidParams(`specedit: ${COMMANDS.edit} needs one argument {uri, range, instruction}: ${describeZodError(parsed.error)}`);
    }
    if (store.tooLarge(parsed.data.uri)) throw tooLargeError(parsed.data.uri);
    const doc = store.get(parsed.data.uri);
    if (!doc) throw invalidParams(`specedit: ${parsed.data.uri} is not open`);
    const version = parsed.data.version ?? doc.text.version;
    return { uri: parsed.data.uri, version, kind: 'instruction' as const, range: parsed.data.range, args: { instruction: parsed.data.instruction } };
  }

  connection.onPrepareRename(
    guardedRequest(logger, 'prepareRename', prepareRenameParamsSchema, (params) => {
      if (store.tooLarge(params.textDocument.uri)) return null;
      const doc = store.get(params.textDocument.uri);
      if (!doc) throw invalidParams(`specedit: ${params.textDocument.uri} is not open`);
      const offset = offsetAt(doc.text, params.position);
      const identifier = doc.syntax ? findActionScopes(doc.syntax.tree, doc.syntax.text, { start: offset, end: offset }).identifier : undefined;
      // `ns.a` through a namespace import: a rename there renames the other module's export (engine/workspace-rename.ts).
      // A member name (`o.add`, `#count`): renamed through the type checker.
      const name = identifier ?? (doc.syntax ? namespaceMemberAt(doc.syntax.tree, doc.syntax.text, offset) ?? memberNameAt(doc.syntax.tree, doc.syntax.text, offset) : undefined);
      if (!name) return null;
      return { range: toLspRange(doc.text, name.range), placeholder: name.name };
    }),
  );

  connection.onRenameRequest(
    guardedRequest(logger, 'rename', renameParamsSchema, async (params, token) => {
      if (store.tooLarge(params.textDocument.uri)) throw tooLargeError(params.textDocument.uri);
      const doc = store.get(params.textDocument.uri);
      if (!doc) throw invalidParams(`specedit: ${params.textDocument.uri} is not open`);
      const range = { start: params.position, end: params.position };
      const request = { uri: doc.uri, version: doc.text.version, kind: 'rename' as const, range, args: { newName: params.newName } };
      const { edit } = await computeEdit(deps, request, token);
      return edit;
    }),
  );

  connection.onRequest(REQUESTS.stats, () => stats.report(getOrchestrator().drafterStats?.() ?? []));

  connection.onShutdown(async () => {
    diagnostics.dispose();
    await orchestrator?.dispose?.();
    orchestrator = undefined;
  });
  // `exit` ends the process through vscode-languageserver: code 0 after shutdown, 1 without.

  connection.listen();
}

const MESSAGE_TYPE: Record<LogLevel, MessageType> = {
  error: MessageType.Error,
  warn: MessageType.Warning,
  info: MessageType.Info,
  debug: MessageType.Log,
};
