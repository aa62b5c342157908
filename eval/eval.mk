# The eval against the TypeScript language service (eval/run-eval.ts): `-include eval/eval.mk` from the Makefile.
#   make eval                   the full run: every rename task, capped extract and model-backed fix tasks
#                               (the shipped models, threads 1) -> eval/results/latest.json, a table on stdout
#   make eval EVAL_SAMPLE=5     5 tasks of each kind (what CI's tests/eval/eval.test.ts runs, in process)
#   make eval EVAL_ARGS="--kinds rename,extract --limit extract=50"
#   make eval-smollm2           the kinds a model writes or names (extract's name, the fixes without a structural repair,
#                               rename without a name) with the default verifier SmolLM2-135M-Instruct (make smollm2)
#                               -> eval/results/smollm2.json (byKind.<kind>.{tasks, finished, parses, tscClean, matchesExpected})
#   make eval-real EVAL_REPO="DIR..."   rename and extract on real repositories (DIR holds a tsconfig.json) against
#                               TypeScript's rename and extract function (eval/real-repos.ts), no models
#                               -> eval/results/real-repos.json (per repository: renames identical / extra / missing / refused,
#                               extractions clean / new diagnostics / refused, and the rates); EVAL_ARGS="--renames 200 --extracts 100"
EVAL_SAMPLE ?=
EVAL_ARGS ?=
EVAL_REPO ?=

.PHONY: eval eval-smollm2 eval-real

eval: build
	node dist/eval/run-eval.js $(if $(EVAL_SAMPLE),--sample $(EVAL_SAMPLE)) $(EVAL_ARGS)

eval-smollm2: build smollm2
	node dist/eval/run-eval.js --kinds extract,fixSpelling,fixSyntax,renameSuggest --limit extract=60 --out eval/results/smollm2.json $(if $(EVAL_SAMPLE),--sample $(EVAL_SAMPLE)) $(EVAL_ARGS)

eval-real: build
	@test -n "$(EVAL_REPO)" || { echo 'make eval-real EVAL_REPO="DIR..."  (each DIR holds a TypeScript project'"'"'s tsconfig.json)'; exit 2; }
	node dist/eval/real-repos.js $(EVAL_REPO) $(EVAL_ARGS)
