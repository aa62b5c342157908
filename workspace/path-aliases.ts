/**
 * Bare module specifiers that name workspace files through the project's
 * configuration: `compilerOptions.paths` (`@/x`, `~lib/*`) and `baseUrl`
 * (`src/x` meaning `<baseUrl>/src/x`). The nearest tsconfig.json (or
 * jsconfig.json) above the importing file decides, `extends` included, and
 * TypeScript's own `resolveModuleName` applies it, so pattern priority,
 * substitution order, `.js` → `.ts` and `index` files are TypeScript's.
 *
 * Resolution runs against the workspace index, not the disk: the host's
 * `fileExists` is the index's, so a specifier resolves only to an indexed
 * file and a resolution costs map lookups. Configurations are read from disk
 * (without listing their files) and read again when their size or time
 * changes; `forget` drops what is known after a configuration file event.
 */
import { basename, dirname, join } from 'node:path';
import type TypeScript from 'typescript';
import { typescript } from '../syntax/typescript.js';
import { fileStamp } from './file-stamp.js';

const CONFIG_NAMES = ['tsconfig.json', 'jsconfig.json'] as const;

/** Whether a changed file is one that can change alias resolution (also the watcher's glob). */
export const CONFIG_GLOB = '**/{tsconfig,jsconfig}*.json';
export function isConfigFile(path: string): boolean {
  return /^(tsconfig|jsconfig).*\.json$/.test(basename(path));
}

interface ParsedConfig {
  /** Undefined when the configuration cannot be read. */
  options: TypeScript.CompilerOptions | undefined;
  /** Whether it maps bare specifiers (`paths` or `baseUrl`). */
  maps: boolean;
  /** Files read for it (`extends` chain): their stamps decide when to read it again. */
  inputs: Map<string, string>;
  /** When the stamps were last compared (they are compared at most every CHECK_MS). */
  checked: number;
}

const CHECK_MS = 500;

export interface AliasLogger {
  debug(message: string): void;
}

export class PathAliases {
  /** directory → the configuration file governing it (null: none up to the root). */
  private readonly configOfDirectory = new Map<string, string | null>();
  private readonly configs = new Map<string, ParsedConfig>();

  constructor(private readonly logger?: AliasLogger) {}

  /** After a configuration file was created, changed or deleted. */
  forget(): void {
    this.configOfDirectory.clear();
    this.configs.clear();
  }

  /**
   * The indexed file `specifier` (bare) names when imported from `fromPath`,
   * by the configuration governing `fromPath`; undefined when it names none.
   */
  resolve(fromPath: string, specifier: string, exists: (path: string) => boolean): string | undefined {
    const configPath = this.configFor(dirname(fromPath));
    if (!configPath) return undefined;
    const options = this.optionsOf(configPath);
    if (!options) return undefined;
    const t = typescript();
    const host: TypeScript.ModuleResolutionHost = {
      fileExists: exists,
      readFile: () => undefined,
      // Directories are not tracked; every probe then ends in an `exists` lookup.
      directoryExists: () => true,
      getCurrentDirectory: () => dirname(configPath),
    };
    const resolved = t.resolveModuleName(specifier, fromPath, options, host).resolvedModule?.resolvedFileName;
    return resolved !== undefined && exists(resolved) ? resolved : undefined;
  }

  private configFor(directory: string): string | null {
    const known = this.configOfDirectory.get(directory);
    if (known !== undefined) return known;
    let found: string | null = null;
    for (const name of CONFIG_NAMES) {
      const candidate = join(directory, name);
      if (fileStamp(candidate) !== undefined) {
        found = candidate;
        break;
      }
    }
    if (!found) {
      const parent = dirname(directory);
      found = parent === directory ? null : this.configFor(parent);
    }
    this.configOfDirectory.set(directory, found);
    return found;
  }

  /** The options of a configuration that maps bare specifiers; undefined for one that does not. */
  private optionsOf(configPath: string): TypeScript.CompilerOptions | undefined {
    const config = this.configAt(configPath);
    return config.maps ? config.options : undefined;
  }

  /**
   * Where the configuration in `folder` (tsconfig.json) puts compiled output
   * and its sources, as absolute paths (`extends` followed); undefined
   * when it has no `outDir` or there is none.
   */
  outputOf(folder: string): { outDir: string; rootDir?: string } | undefined {
    const configPath = join(folder, 'tsconfig.json');
    if (fileStamp(configPath) === undefined) return undefined;
    const { options } = this.configAt(configPath);
    return options?.outDir ? { outDir: options.outDir, rootDir: options.rootDir } : undefined;
  }

  private configAt(configPath: string): ParsedConfig {
    const known = this.configs.get(configPath);
    if (known && performance.now() - known.checked < CHECK_MS) return known;
    if (known && [...known.inputs].every(([file, stamp]) => fileStamp(file) === stamp)) {
      known.checked = performance.now();
      return known;
    }
    const parsed = this.parse(configPath);
    this.configs.set(configPath, parsed);
    return parsed;
  }

  private parse(configPath: string): ParsedConfig {
    const t = typescript();
    const inputs = new Map<string, string>();
    const readFile = (file: string) => {
      const text = t.sys.readFile(file);
      inputs.set(file, fileStamp(file) ?? 'missing');
      return text;
    };
    const checked = performance.now();
    const json = t.readConfigFile(configPath, readFile);
    if (json.error) {
      this.logger?.debug(`path aliases: ${configPath} not readable: ${t.flattenDiagnosticMessageText(json.error.messageText, ' ')}`);
      return { options: undefined, maps: false, inputs, checked };
    }
    // No file listing: only the options matter here, and globbing a large project is slow.
    const host: TypeScript.ParseConfigHost = { useCaseSensitiveFileNames: t.sys.useCaseSensitiveFileNames, readDirectory: () => [], fileExists: t.sys.fileExists, readFile };
    const { options } = t.parseJsonConfigFileContent(json.config, host, dirname(configPath), undefined, configPath);
    const maps = options.paths !== undefined || options.baseUrl !== undefined;
    if (maps) this.logger?.debug(`path aliases: ${configPath} maps ${Object.keys(options.paths ?? {}).join(', ') || `bare specifiers under ${options.baseUrl}`}`);
    return { options, maps, inputs, checked };
  }
}
