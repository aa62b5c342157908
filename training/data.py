"""Tokenized edit examples: [BOS] + prompt + completion + [EOS], with the loss on completion + EOS.
Prompt and completion are tokenized separately, as at inference (the engine tokenizes the prompt,
the model writes the rest). Cached in work/edits/SPLIT.tok.pt."""
import json
import os

import torch

from common import work
from tokenizer import Tokenizer


def load_split(split, max_len=1024):
    cache = work('edits', f'{split}.tok.pt')
    src = work('edits', f'{split}.jsonl')
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(src):
        return torch.load(cache)
    out = tokenize_file(src, Tokenizer(), max_len)
    torch.save(out, cache)
    return out


def load_extra(path, max_len=1024):
    """More edits in the same JSONL format from outside the pipeline, e.g. the server's
    accepted-edits.jsonl (setting logAcceptedEdits); small, so not cached."""
    return tokenize_file(os.path.expanduser(path), Tokenizer(), max_len)


def tokenize_file(path, tok, max_len):
    out = []
    for line in open(path):
        if not line.strip():
            continue
        ex = json.loads(line)
        p = tok.encode(ex['prompt'])
        c = tok.encode(ex['completion'])
        ids = [tok.eos] + p + c + [tok.eos]
        if len(ids) > max_len:
            continue
        out.append({'ids': torch.tensor(ids), 'start': 1 + len(p), 'kind': ex['kind'], 'focus': focus_tokens(tok, c, ex)})
    return out


def focus_tokens(tok, completion_ids, ex):
    """Completion token indices where the edit happens (what copying alone gets wrong): the tokens
    overlapping a changed span (new name, extracted call...) and the token right after each span."""
    import difflib
    spans = []
    a, b = ex['original'], ex['edited']
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != 'equal':
            spans.append((j1, max(j2, j1 + 1)))
    out, pos = [], 0
    for k, t in enumerate(completion_ids):
        n = len(tok.decode_bytes([t]).decode('utf-8', errors='replace'))
        if any(s < pos + n + 1 and pos < e + 1 for s, e in spans):
            out.append(k)
        pos += n
    return out


def batch(examples, focus_weight=1.0):
    T = max(len(e['ids']) for e in examples)
    ids = torch.zeros(len(examples), T, dtype=torch.long)
    tgt = torch.full((len(examples), T), -100, dtype=torch.long)
    for b, e in enumerate(examples):
        n = len(e['ids'])
        ids[b, :n] = e['ids']
        # position t predicts token t+1; loss only where t+1 is in the completion
        tgt[b, e['start'] - 1:n - 1] = e['ids'][e['start']:]
    if focus_weight == 1.0:
        return ids, tgt
    w = (tgt != -100).float()
    for b, e in enumerate(examples):
        for k in e.get('focus', []):
            w[b, e['start'] - 1 + k] = focus_weight
    return ids, tgt, w
