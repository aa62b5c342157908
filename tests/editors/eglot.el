;;; eglot.el --- drives specedit from a real Emacs (28 + eglot 1.9), in batch mode  -*- lexical-binding: t -*-
;; Open a file, connect eglot to the built server, rename or run a code
;; action of a given kind through eglot's own commands, let eglot apply the
;; edit, save. Parameters come from the environment:
;;   SPECEDIT_SERVER  built server entry (dist/server/main.js)
;;   SPECEDIT_FILE    file to edit
;;   SPECEDIT_LINE, SPECEDIT_COL          point (1-based line, 0-based column)
;;   SPECEDIT_END_LINE, SPECEDIT_END_COL  region end, for a code action
;;   SPECEDIT_RENAME       new name for eglot-rename, or
;;   SPECEDIT_ACTION_KIND  the code action kind to run (eglot-code-actions)
(require 'package)
;; Debian's elpa-eglot installs here; -Q does not load it by itself.
(setq package-directory-list (list "/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'eglot)

(defun specedit-fail (fmt &rest args)
  (princ (concat "eglot.el: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun specedit-goto (line col)
  (goto-char (point-min))
  (forward-line (1- (string-to-number line)))
  (forward-char (string-to-number col)))

;; Emacs 28 has no TypeScript mode; eglot names the language after the mode.
(define-derived-mode typescript-mode prog-mode "TypeScript")
(add-to-list 'auto-mode-alist '("\\.ts\\'" . typescript-mode))
(setq eglot-sync-connect 30 eglot-connect-timeout 30 eglot-confirm-server-initiated-edits nil)
;; The extract's name comes from the verifier (SmolLM2 when fetched): its first load, after the model's
;; check in a child process, takes longer than jsonrpc's default 10 s on a busy 2-core machine.
(setq jsonrpc-default-request-timeout 120)

(condition-case err
    (let* ((file (getenv "SPECEDIT_FILE")))
      (find-file file)
      (eglot '(typescript-mode) (cons 'transient (file-name-directory file)) 'eglot-lsp-server
             (list "node" (getenv "SPECEDIT_SERVER") "--stdio") "typescript")
      (unless (eglot-current-server) (specedit-fail "the server did not connect"))
      (specedit-goto (getenv "SPECEDIT_LINE") (getenv "SPECEDIT_COL"))
      (let ((tick (buffer-chars-modified-tick)))
        (cond ((getenv "SPECEDIT_RENAME") (eglot-rename (getenv "SPECEDIT_RENAME")))
              ((getenv "SPECEDIT_ACTION_KIND")
               (let ((beg (point)))
                 (specedit-goto (getenv "SPECEDIT_END_LINE") (getenv "SPECEDIT_END_COL"))
                 (eglot-code-actions beg (point) (getenv "SPECEDIT_ACTION_KIND") t)))
              (t (specedit-fail "neither SPECEDIT_RENAME nor SPECEDIT_ACTION_KIND")))
        ;; A command action's edit comes back as workspace/applyEdit: wait for it.
        (let ((deadline (+ (float-time) 30)))
          (while (and (= tick (buffer-chars-modified-tick)) (< (float-time) deadline))
            (accept-process-output nil 0.05)))
        (when (= tick (buffer-chars-modified-tick)) (specedit-fail "no edit was applied within 30 s")))
      (save-buffer)
      (eglot-shutdown (eglot-current-server))
      (kill-emacs 0))
  (error (specedit-fail "%s" (error-message-string err))))
