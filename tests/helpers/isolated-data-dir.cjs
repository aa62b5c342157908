// Jest setup (every test file): the server's data directory (drafter statistics, the opt-in edit log)
// goes to a fresh temporary folder, never the user's ~/.local/share/specedit. Servers spawned over
// stdio inherit it through the environment.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

process.env.XDG_DATA_HOME = mkdtempSync(join(tmpdir(), 'specedit-test-data-'));
