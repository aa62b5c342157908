# specedit's own models: `include training/models.mk` from the Makefile (or `make -f training/models.mk TARGET`).
# Each stage runs alone and resumes: outputs that exist are kept, training continues from runs/NAME/ckpt.pt.
#   make models          the whole pipeline: deps, corpus, tokenizer, edits, train, ship, fixtures
#   make eval-models     models/eval.json on training/eval-set.jsonl (node only), then scores into the manifest
#   make test-models     jest tests/models (no Python needed)
# Training budgets: TRAIN_MINUTES per model and invocation (rerun to continue), MAX_TOKENS per model.
MODELS_PY := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3
TRAIN_MINUTES ?= 26
MAX_TOKENS ?= 3.2e6
# second verifier phase: edit tokens weighted 3x in the loss
VERIFIER_TOKENS_2 ?= 5.8e6
DRAFTER_MINUTES ?= 10
DRAFTER_TOKENS ?= 2.2e6
MODELS_WORK := training/work
MODELS_JEST := NODE_OPTIONS=--experimental-vm-modules node node_modules/jest/bin/jest.js

.PHONY: models models-deps models-corpus models-tokenizer models-edits models-train models-ship models-fixtures eval-models test-models

models: models-deps models-corpus models-tokenizer models-edits models-train models-ship models-fixtures

# Debian's torch (PyPI is not reachable here); one core per process.
models-deps:
	@$(MODELS_PY) -c 'import torch, numpy, regex' 2>/dev/null || (apt-get update && apt-get install -y --no-install-recommends python3-torch python3-numpy libopenblas0-openmp python3-regex)

models-corpus: models-deps
	@test -s $(MODELS_WORK)/corpus/train.jsonl || (cd training && $(MODELS_PY) corpus.py)

models-tokenizer: models-corpus
	cd training && $(MODELS_PY) tokenizer.py

dist/training-tools/training/gen-edits.js: training/gen-edits.ts training/edit-rewrites.ts training/eval-models.ts protocol/prompt-format.ts
	node node_modules/typescript/bin/tsc -p training/tsconfig.json

models-edits: models-tokenizer dist/training-tools/training/gen-edits.js
	@mkdir -p $(MODELS_WORK)/edits
	@test -s $(MODELS_WORK)/edits/valid.jsonl || (cd training && node ../dist/training-tools/training/gen-edits.js valid 600 11 > work/edits/valid.jsonl.tmp && mv work/edits/valid.jsonl.tmp work/edits/valid.jsonl)
	@test -s $(MODELS_WORK)/edits/train.jsonl || (cd training && node ../dist/training-tools/training/gen-edits.js train 16000 5 > work/edits/train.jsonl.tmp && mv work/edits/train.jsonl.tmp work/edits/train.jsonl)

# One model at a time (the machine has 2 cores and other work needs one).
models-train: models-edits
	cd training && $(MODELS_PY) train.py verifier --dim 256 --layers 4 --ffn 512 --minutes $(TRAIN_MINUTES) --max-tokens $(MAX_TOKENS)
	cd training && $(MODELS_PY) train.py verifier --focus-weight 3 --minutes $(TRAIN_MINUTES) --max-tokens $(VERIFIER_TOKENS_2)
	cd training && $(MODELS_PY) train.py drafter-rename --dim 192 --layers 3 --ffn 256 --kinds rename,extract,copy --focus-weight 3 --minutes $(DRAFTER_MINUTES) --max-tokens $(DRAFTER_TOKENS)
	cd training && $(MODELS_PY) train.py drafter-fix --dim 192 --layers 3 --ffn 256 --kinds fix,optimizeLoop,instruction,copy --focus-weight 3 --minutes $(DRAFTER_MINUTES) --max-tokens $(DRAFTER_TOKENS)

models-ship:
	cd training && $(MODELS_PY) ship.py

models-fixtures:
	cd training && $(MODELS_PY) fixtures.py runs/verifier/ckpt.pt verifier

eval-models: dist/training-tools/training/gen-edits.js
	node dist/training-tools/training/eval-models.js
	@if $(MODELS_PY) -c 'import torch' 2>/dev/null; then cd training && $(MODELS_PY) ship.py --manifest; else node -e "const fs=require('fs');const m=JSON.parse(fs.readFileSync('models/manifest.json'));const e=JSON.parse(fs.readFileSync('models/eval.json')).models;for(const x of m.models){const {role,...s}=e[x.name]||{};x.eval=s}fs.writeFileSync('models/manifest.json',JSON.stringify(m,null,1)+'\n')"; fi

test-models:
	$(MODELS_JEST) tests/models
