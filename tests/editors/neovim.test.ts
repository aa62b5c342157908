/**
 * A real editor: Neovim headless runs its own LSP client against the built
 * server, applies the edit and writes the file; the test compares the file.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RENAMED, expectExtracted, runEditor } from './editor-run.js';

const SCRIPT = fileURLToPath(new URL('./neovim.lua', import.meta.url));
const hasNeovim = spawnSync('nvim', ['--version']).status === 0;
// CI installs Neovim (.ci/run); a developer machine without it skips with a notice instead of failing.
const maybe = hasNeovim || process.env.CI ? test : test.skip;
if (!hasNeovim && !process.env.CI) console.warn('nvim not found: Neovim tests skipped (apt-get install neovim)');

const runNeovim = (env: Record<string, string>) => runEditor('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${SCRIPT}`], env, 60_000);

maybe('Neovim renames a variable through the server and writes the file', () => {
  expect(runNeovim({ SPECEDIT_LINE: '2', SPECEDIT_COL: '6', SPECEDIT_RENAME: 'total' })).toBe(RENAMED);
});

/**
 * The code-action menu: Neovim 0.7 asks for actions at the selection, picks
 * one through vim.ui.select (the script chooses by title), sends
 * codeAction/resolve (0.7 resolves every chosen action that has no edit, also
 * command-only ones) and applies the WorkspaceEdit. Extract function is
 * structural (drafters/structural/extract.ts), so the file is exact; the
 * models are configured away so that the edit cannot depend on them. The
 * function's name is whatever the server chose when no name is given.
 */
maybe('Neovim extracts a loop to a function through the code-action menu and writes the file', () => {
  const out = runNeovim({
    // Lines 3-5 (1-based), the for loop; 0.7's range end column is inclusive.
    SPECEDIT_LINE: '3',
    SPECEDIT_COL: '2',
    SPECEDIT_END_LINE: '5',
    SPECEDIT_END_COL: '2',
    SPECEDIT_ACTION: '^Extract',
    SPECEDIT_SETTINGS: JSON.stringify({ verifierModel: '/nonexistent/specedit-test-no-model.gguf' }),
  });
  expectExtracted(out);
});
