# The eval against the TypeScript language service (eval/run-eval.ts): `-include eval/eval.mk` from the Makefile.
#   make eval                   the full run: every rename task, capped extract and model-backed fix tasks
#                               (the shipped models, threads 1) -> eval/results/latest.json, a table on stdout
#   make eval EVAL_SAMPLE=5     5 tasks of each kind (what CI's tests/eval/eval.test.ts runs, in process)
#   make eval EVAL_ARGS="--kinds rename,extract --limit extract=50"
#   make eval-smollm2           the kinds a model writes or names (extract's name, the fixes without a structural repair,
#                               rename without a name) with the default verifier SmolLM2-135M-Instruct (make smollm2)
#                               -> eval/results/smollm2.json (byKind.<kind>.{tasks, finished, parses, tscClean, matchesExpected})
EVAL_SAMPLE ?=
EVAL_ARGS ?=

.PHONY: eval eval-smollm2

eval: build
	node dist/eval/run-eval.js $(if $(EVAL_SAMPLE),--sample $(EVAL_SAMPLE)) $(EVAL_ARGS)

eval-smollm2: build smollm2
	node dist/eval/run-eval.js --kinds extract,fixSpelling,fixSyntax,renameSuggest --limit extract=60 --out eval/results/smollm2.json $(if $(EVAL_SAMPLE),--sample $(EVAL_SAMPLE)) $(EVAL_ARGS)
