" Drives specedit from a real Vim with ALE (Debian's vim-ale 3.3), headless
" (vim -Es): open a file, start the server as an ALE LSP linter, rename
" (:ALERename) or run a code action (ALE's code-action menu, answered by
" overriding ale#util#Input), let ALE apply the edit, write the file. ALE
" declares neither codeAction/resolve nor workspace/applyEdit, so the server
" puts the edit inside the action. Parameters come from the environment:
"   SPECEDIT_SERVER  built server entry (dist/server/main.js)
"   SPECEDIT_FILE    file to edit;  SPECEDIT_LOG  where failures are written
"   SPECEDIT_LINE, SPECEDIT_COL          cursor (1-based line, 0-based column)
"   SPECEDIT_END_LINE, SPECEDIT_END_COL  selection end, for a code action
"   SPECEDIT_RENAME  new name, or SPECEDIT_ACTION  pattern of the action title
set nocompatible
let &runtimepath = '/usr/share/vim-ale,' . &runtimepath . ',/usr/share/vim-ale/after'
filetype plugin on
let g:ale_lint_on_text_changed = 'never'
let g:ale_lint_on_insert_leave = 0
let g:ale_echo_cursor = 0
runtime plugin/ale.vim
runtime autoload/ale/util.vim
function! ale#util#Input(message, value, ...) abort
  if $SPECEDIT_RENAME !=# '' | return $SPECEDIT_RENAME | endif
  let l:lines = split(a:message, "\n")
  for l:line in l:lines
    let l:m = matchlist(l:line, '^\(\d\+\)) \(.*\)$')
    if !empty(l:m) && l:m[2] =~# $SPECEDIT_ACTION | return l:m[1] | endif
  endfor
  call writefile(['no action matches: ' . a:message], $SPECEDIT_LOG, 'a')
  return ''
endfunction
function! Fail(msg) abort
  call writefile([a:msg], $SPECEDIT_LOG, 'a')
  cquit 1
endfunction
call ale#linter#Define('typescript', {
\ 'name': 'specedit', 'lsp': 'stdio', 'executable': 'node',
\ 'command': 'node ' . $SPECEDIT_SERVER . ' --stdio',
\ 'project_root': fnamemodify($SPECEDIT_FILE, ':h'),
\})
let g:ale_linters = {'typescript': ['specedit']}
execute 'edit ' . fnameescape($SPECEDIT_FILE)
set filetype=typescript
let s:tick = b:changedtick
call cursor(str2nr($SPECEDIT_LINE), str2nr($SPECEDIT_COL) + 1)
if $SPECEDIT_RENAME !=# ''
  ALERename
else
  call setpos("'<", [0, str2nr($SPECEDIT_LINE), str2nr($SPECEDIT_COL) + 1, 0])
  call setpos("'>", [0, str2nr($SPECEDIT_END_LINE), str2nr($SPECEDIT_END_COL) + 1, 0])
  call ale#codefix#Execute(1)
endif
let s:waited = 0
while b:changedtick == s:tick && s:waited < 300
  sleep 100m
  let s:waited += 1
endwhile
if b:changedtick == s:tick | call Fail('no edit was applied within 30 s') | endif
write
qall!
