-- Drives specedit from a real Neovim (0.7+), headless: open a file, start the
-- server, run a code action (or a rename) through Neovim's own LSP client,
-- let Neovim apply the edit, write the file. Parameters come from the environment:
--   SPECEDIT_SERVER  built server entry (dist/server/main.js)
--   SPECEDIT_FILE    file to edit
--   SPECEDIT_LINE, SPECEDIT_COL   cursor (1-based line, 0-based column)
--   SPECEDIT_END_LINE, SPECEDIT_END_COL   optional: visual range end (1-based line, 0-based column)
--   SPECEDIT_ACTION  Lua pattern of the code action title to choose, or
--   SPECEDIT_RENAME  new name for vim.lsp.buf.rename
--   SPECEDIT_SETTINGS  optional: the server's settings (JSON initializationOptions)
local env = vim.env

local function fail(message)
  io.stderr:write('neovim.lua: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

vim.notify = function(message, level)
  if level and level >= vim.log.levels.WARN then fail('editor message: ' .. tostring(message)) end
end

vim.cmd('edit ' .. vim.fn.fnameescape(env.SPECEDIT_FILE))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'specedit',
  cmd = { 'node', env.SPECEDIT_SERVER, '--stdio' },
  root_dir = vim.fn.fnamemodify(env.SPECEDIT_FILE, ':h'),
  init_options = env.SPECEDIT_SETTINGS and vim.fn.json_decode(env.SPECEDIT_SETTINGS) or nil,
})
if not client_id then fail('could not start the server') end
vim.lsp.buf_attach_client(bufnr, client_id)
local ready = vim.wait(15000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end, 20)
if not ready then fail('the server did not initialize') end

vim.ui.select = function(items, _, on_choice)
  local titles = {}
  for _, item in ipairs(items) do
    table.insert(titles, item[2].title)
    if item[2].title:match(env.SPECEDIT_ACTION) then
      on_choice(item)
      return
    end
  end
  fail('no code action matches "' .. env.SPECEDIT_ACTION .. '"; offered: ' .. table.concat(titles, ' | '))
end

local tick = vim.api.nvim_buf_get_changedtick(bufnr)
vim.api.nvim_win_set_cursor(0, { tonumber(env.SPECEDIT_LINE), tonumber(env.SPECEDIT_COL) })
if env.SPECEDIT_RENAME then
  vim.lsp.buf.rename(env.SPECEDIT_RENAME)
elseif env.SPECEDIT_END_LINE then
  vim.lsp.buf.range_code_action(nil,
    { tonumber(env.SPECEDIT_LINE), tonumber(env.SPECEDIT_COL) },
    { tonumber(env.SPECEDIT_END_LINE), tonumber(env.SPECEDIT_END_COL) })
else
  vim.lsp.buf.code_action()
end

local changed = vim.wait(30000, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end, 20)
if not changed then fail('no edit was applied within 30 s') end
vim.cmd('write')
vim.lsp.stop_client(client_id)
vim.cmd('qall!')
