"""Stage 5, GGUF export: python3 export_gguf.py CKPT OUT.gguf [--f16] [--name NAME]

GGUF v3: header, metadata, tensor infos, 32-byte-aligned data. Weights are written as torch stores
them ([out, in] row-major), which is GGML's [ne0 = in, ne1 = out]; RoPE is trained in GGML's normal
mode, so Q/K need no permutation. 1-D tensors (norms) stay F32.
"""
import argparse
import struct
import sys

import numpy as np

from common import log
from tokenizer import END_OF_TEXT, Tokenizer

U32, I32, F32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_F16 = 0, 1
ALIGN = 32


def s(x):
    b = x.encode('utf-8')
    return struct.pack('<Q', len(b)) + b


def kv(key, typ, val):
    out = s(key) + struct.pack('<I', typ)
    if typ == U32:
        return out + struct.pack('<I', val)
    if typ == I32:
        return out + struct.pack('<i', val)
    if typ == F32:
        return out + struct.pack('<f', val)
    if typ == BOOL:
        return out + struct.pack('<?', val)
    if typ == STRING:
        return out + s(val)
    raise ValueError(typ)


def kv_array(key, typ, vals):
    out = s(key) + struct.pack('<I', ARRAY) + struct.pack('<IQ', typ, len(vals))
    if typ == STRING:
        return out + b''.join(s(v) for v in vals)
    if typ == I32:
        return out + np.asarray(vals, dtype='<i4').tobytes()
    raise ValueError(typ)


def tensors_of(state, cfg):
    yield 'token_embd.weight', state['tok_emb']
    for i in range(cfg['layers']):
        p = f'blocks.{i}.'
        yield f'blk.{i}.attn_norm.weight', state[p + 'attn_norm']
        yield f'blk.{i}.attn_q.weight', state[p + 'wq']
        yield f'blk.{i}.attn_k.weight', state[p + 'wk']
        yield f'blk.{i}.attn_v.weight', state[p + 'wv']
        yield f'blk.{i}.attn_output.weight', state[p + 'wo']
        yield f'blk.{i}.ffn_norm.weight', state[p + 'ffn_norm']
        yield f'blk.{i}.ffn_gate.weight', state[p + 'w_gate']
        yield f'blk.{i}.ffn_up.weight', state[p + 'w_up']
        yield f'blk.{i}.ffn_down.weight', state[p + 'w_down']
    yield 'output_norm.weight', state['out_norm']
    yield 'output.weight', state['out']


def write_gguf(path, cfg, state, name, f16=False, tokenizer_path=None):
    tok = Tokenizer(tokenizer_path)
    meta = [
        kv('general.architecture', STRING, 'llama'),
        kv('general.name', STRING, name),
        kv('general.file_type', U32, 1 if f16 else 0),
        kv('general.alignment', U32, ALIGN),
        kv('llama.vocab_size', U32, cfg['vocab']),
        kv('llama.context_length', U32, max(cfg['ctx'], 2048)),  # trained on <= 1024 tokens; RoPE base 1e14 keeps content pairs still to 2048
        kv('llama.embedding_length', U32, cfg['dim']),
        kv('llama.block_count', U32, cfg['layers']),
        kv('llama.feed_forward_length', U32, cfg['ffn']),
        kv('llama.attention.head_count', U32, cfg['heads']),
        kv('llama.attention.head_count_kv', U32, cfg['heads']),
        kv('llama.attention.layer_norm_rms_epsilon', F32, cfg['eps']),
        kv('llama.rope.freq_base', F32, cfg['rope_base']),
        kv('llama.rope.dimension_count', U32, cfg['dim'] // cfg['heads']),
        kv('tokenizer.ggml.model', STRING, 'gpt2'),
        kv('tokenizer.ggml.pre', STRING, 'qwen2'),
        kv_array('tokenizer.ggml.tokens', STRING, tok.vocab),
        kv_array('tokenizer.ggml.token_type', I32, [3 if t == END_OF_TEXT else 1 for t in tok.vocab]),
        kv_array('tokenizer.ggml.merges', STRING, [a + ' ' + b for a, b in tok.merges]),
        kv('tokenizer.ggml.bos_token_id', U32, tok.eos),
        kv('tokenizer.ggml.eos_token_id', U32, tok.eos),
        kv('tokenizer.ggml.add_bos_token', BOOL, True),
        kv('tokenizer.ggml.add_eos_token', BOOL, False),
    ]
    assert len(tok.vocab) == cfg['vocab']
    infos, blobs, offset = [], [], 0
    for tname, t in tensors_of(state, cfg):
        a = t.detach().cpu().numpy()
        typ = GGML_F16 if (f16 and a.ndim == 2) else GGML_F32
        data = a.astype('<f2' if typ == GGML_F16 else '<f4').tobytes()
        dims = list(reversed(a.shape))
        infos.append(s(tname) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims)
                     + struct.pack('<IQ', typ, offset))
        pad = (-len(data)) % ALIGN
        blobs.append(data + b'\0' * pad)
        offset += len(data) + pad
    head = b'GGUF' + struct.pack('<IQQ', 3, len(infos), len(meta)) + b''.join(meta) + b''.join(infos)
    head += b'\0' * ((-len(head)) % ALIGN)
    with open(path, 'wb') as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def main():
    import torch
    ap = argparse.ArgumentParser()
    ap.add_argument('ckpt')
    ap.add_argument('out')
    ap.add_argument('--f16', action='store_true')
    ap.add_argument('--name', default=None)
    a = ap.parse_args()
    ck = torch.load(a.ckpt, map_location='cpu')
    write_gguf(a.out, ck['cfg'], ck['state'], a.name or a.out.split('/')[-1].replace('.gguf', ''), a.f16)
    log('wrote', a.out)


if __name__ == '__main__':
    sys.exit(main())
