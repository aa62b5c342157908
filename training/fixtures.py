"""Stage 6a, check fixtures for tests/models (so the jest tests need no Python):
  tokenizer-sample.json  a code sample with edge cases and the trainer's token ids
  tiny.gguf              a tiny random llama (F32) with the shared tokenizer
  tiny-logprobs.json     the trainer's log-probs on a fixed sample: top-8 and the actual next token
python3 fixtures.py [CKPT NAME ...]  also writes NAME-logprobs.json for shipped checkpoints.
"""
import os
import sys

import torch

from common import FIXTURES, write_json
from export_gguf import write_gguf
from model import Config, Llama, load
from tokenizer import Tokenizer

SAMPLE = (
    "export function total(items: Item[]): number {\n"
    "\tlet t = 0;\r\n"
    "\tfor (const it of items) t += it.price * 1.25; // 税込み 🚀\r\n"
    "    return t;  \n"
    "}\n\n"
    "const s = `${a}  ${b}`;\u2028x = 'don''t' + \"It's\";\n"
    "if(a!==b&&c<=d){ return [1,2,3].map(x=>x**2) }\n"
    "  \t \n\n\n"
    "const 変数 = \"émoji 👩‍💻 and CJK 中文字符\"; // ÀÉÎ\n"
    "\ufeffBOM and trailing spaces   "
)
LOGIT_SAMPLE = (
    "<|task|>rename\n<|file|>src/cart.ts\n<|context|>\n\n<|original|>\n"
    "function sum(xs: number[]) {\n  let t = 0;\n  for (const x of xs) t += x;\n  return t;\n}\n"
    "<|instruction|>\nRename `t` to `total`.\n<|edited|>\n"
    "function sum(xs: number[]) {\n  let total = 0;\n"
)


def logprob_fixture(m, tok):
    ids = [tok.eos] + tok.encode(LOGIT_SAMPLE)
    with torch.no_grad():
        lp = torch.log_softmax(m(torch.tensor([ids])).double(), -1)[0]
    rows = []
    for t in range(len(ids) - 1):
        top = torch.topk(lp[t], 8)
        rows.append({'top': [[int(i), float(v)] for v, i in zip(top.values, top.indices)],
                     'next': [ids[t + 1], float(lp[t, ids[t + 1]])]})
    return {'text': LOGIT_SAMPLE, 'tokens': ids, 'positions': rows}


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    tok = Tokenizer()
    ids = tok.encode(SAMPLE)
    assert tok.decode_bytes(ids) == SAMPLE.encode()
    write_json(os.path.join(FIXTURES, 'tokenizer-sample.json'), {'text': SAMPLE, 'ids': ids})
    torch.manual_seed(1234)
    cfg = Config(dim=32, heads=2, layers=2, ffn=64, circuit=False, rope_base=10000.0)
    m = Llama(cfg, seed=1234)
    with torch.no_grad():  # a random model with every branch active (zero-init outputs would hide bugs)
        for b in m.blocks:
            b.wo.normal_(0, 0.2)
            b.w_down.normal_(0, 0.2)
            b.attn_norm.uniform_(0.5, 1.5)
            b.wq.normal_(0, 0.3)
            b.wk.normal_(0, 0.3)
        m.tok_emb.normal_(0, 1.0)
        m.out.normal_(0, 0.3)
    from dataclasses import asdict
    write_gguf(os.path.join(FIXTURES, 'tiny.gguf'), asdict(cfg), m.state_dict(), 'specedit-tiny-check')
    write_json(os.path.join(FIXTURES, 'tiny-logprobs.json'), logprob_fixture(m, tok))
    args = sys.argv[1:]
    for ckpt, name in zip(args[::2], args[1::2]):
        mm, _ = load(ckpt)
        write_json(os.path.join(FIXTURES, f'{name}-logprobs.json'), logprob_fixture(mm, tok))


if __name__ == '__main__':
    sys.exit(main())
