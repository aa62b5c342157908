# The edit-speed benchmark (bench/edit-speed.ts, issue 3 "Benchmark"): `include bench/bench.mk` from the Makefile.
#   make bench-edits        the shipped models (models/manifest.json) -> bench/results/latest.json + latest.svg
#                           other models: make bench-edits BENCH_ARGS="--verifier V.gguf --drafter NAME=D.gguf:fix,extract"
#   make bench-smollm2      SmolLM2-135M-Instruct (make smollm2) verifying, the shipped models drafting (the server's default)
#                           -> bench/results/smollm2.json + smollm2.svg (K up to 16, 3 ceiling runs per K, at most 256 output
#                           tokens per scope: at ~40 tokens/s on this CPU the suite takes about an hour even so)
#   make bench-edits-tiny   random-weight models written on the fly: proves the pipeline end to end when no
#                           trained models exist; speeds and exactness are real, the edits are noise
#                           -> bench/results/random-weights.json (labelled RANDOM-WEIGHT in the file and the output)
#   make bench-peers        builds llama-server first (make llama-server: about 20 minutes on 2 cores the first time), then
#                           bench-edits with llama-server's configurations as peers (--llama-server required); bench-edits
#                           alone runs them only when llama-server is already built, and says so otherwise
# One process, one model thread (threads: 1); other heavy work on the machine skews the times.
BENCH_ARGS ?=

.PHONY: bench-edits bench-edits-tiny bench-smollm2 bench-peers

bench-edits: build
	node dist/bench/edit-speed.js $(BENCH_ARGS)

bench-edits-tiny: build
	node dist/bench/edit-speed.js --tiny-models --context-size 4096 --max-output-tokens 256 --out bench/results/random-weights.json $(BENCH_ARGS)

bench-smollm2: build smollm2
	node dist/bench/edit-speed.js --pretrained --max-k 16 --ceiling-reps 3 --max-output-tokens 256 --out bench/results/smollm2.json $(BENCH_ARGS)

bench-peers: build llama-server
	node dist/bench/edit-speed.js --llama-server required $(BENCH_ARGS)
