# The eval against the TypeScript language service (eval/run-eval.ts): `-include eval/eval.mk` from the Makefile.
#   make eval                   the full run: every rename task, capped extract and model-backed fix tasks
#                               (the shipped models, threads 1) -> eval/results/latest.json, a table on stdout
#   make eval EVAL_SAMPLE=5     5 tasks of each kind (what CI's tests/eval/eval.test.ts runs, in process)
#   make eval EVAL_ARGS="--kinds rename,extract --limit extract=50"
EVAL_SAMPLE ?=
EVAL_ARGS ?=

.PHONY: eval

eval: build
	node dist/eval/run-eval.js $(if $(EVAL_SAMPLE),--sample $(EVAL_SAMPLE)) $(EVAL_ARGS)
