"""Stage 2, tokenizer: one byte-level BPE (vocab 4096) shared by every specedit model.

Pre-tokenization reproduces llama.cpp's "qwen2" split exactly (the regex below is the one
llama.cpp uses for LLAMA_VOCAB_PRE_TYPE_QWEN2), and the GGUF says tokenizer.ggml.pre = "qwen2".
Why qwen2 and not gpt-2: with "gpt-2" llama.cpp's detokenizer cleans up spaces before punctuation
and code stops round-tripping; qwen2 splits digits one by one and keeps whitespace runs, which
suits code. Ids: 0..255 the bytes, then the merges in order, last <|endoftext|> (BOS = EOS).
Writes work/tokenizer.json; `python3 tokenizer.py` trains (resumable: skips if present).
"""
import heapq
import json
import os
import sys
from collections import Counter, defaultdict

import regex

from common import log, work

VOCAB_SIZE = 4096
END_OF_TEXT = '<|endoftext|>'
QWEN2_SPLIT = regex.compile(
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
TRAIN_BYTES = 12_000_000


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable code point table (what llama.cpp's gpt2 vocab expects)."""
    bs = list(range(0x21, 0x7f)) + list(range(0xa1, 0xad)) + list(range(0xae, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHARS = bytes_to_unicode()
CHAR_BYTES = {c: b for b, c in BYTE_CHARS.items()}


def pretokenize(text):
    return QWEN2_SPLIT.findall(text)


def train(texts):
    words = Counter()
    for t in texts:
        for w in pretokenize(t):
            words[''.join(BYTE_CHARS[b] for b in w.encode('utf-8'))] += 1
    vocab = [BYTE_CHARS[b] for b in range(256)]
    seqs = [list(w) for w in words]
    freqs = list(words.values())
    pair_count = defaultdict(int)
    pair_words = defaultdict(set)
    for i, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pair_count[(a, b)] += freqs[i]
            pair_words[(a, b)].add(i)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < VOCAB_SIZE - 1 and heap:
        c, p = heapq.heappop(heap)
        if pair_count.get(p, 0) != -c or c == 0:
            continue  # stale heap entry
        merges.append(p)
        new = p[0] + p[1]
        vocab.append(new)
        for i in list(pair_words[p]):
            s = seqs[i]
            f = freqs[i]
            for a, b in zip(s, s[1:]):
                pair_count[(a, b)] -= f
            j, out = 0, []
            while j < len(s):
                if j + 1 < len(s) and s[j] == p[0] and s[j + 1] == p[1]:
                    out.append(new)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            touched = set()
            for a, b in zip(out, out[1:]):
                pair_count[(a, b)] += f
                pair_words[(a, b)].add(i)
                touched.add((a, b))
            for q in touched:
                heapq.heappush(heap, (-pair_count[q], q))
        del pair_count[p]
        if len(merges) % 500 == 0:
            log(f'merges {len(merges)}')
    vocab.append(END_OF_TEXT)
    return vocab, merges


class Tokenizer:
    def __init__(self, path=None):
        data = json.load(open(path or work('tokenizer.json')))
        self.vocab = data['vocab']
        self.merges = [tuple(m.split(' ')) for m in data['merges']]
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.eos = self.ids[END_OF_TEXT]
        self.cache = {}

    def _bpe(self, word):
        s = list(word)
        while len(s) > 1:
            best, bi = None, -1
            for i in range(len(s) - 1):
                r = self.ranks.get((s[i], s[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            s[bi:bi + 2] = [s[bi] + s[bi + 1]]
        return [self.ids[t] for t in s]

    def encode(self, text):
        out = []
        for w in pretokenize(text):
            ids = self.cache.get(w)
            if ids is None:
                ids = self._bpe(''.join(BYTE_CHARS[b] for b in w.encode('utf-8')))
                if len(self.cache) < 500_000:
                    self.cache[w] = ids
            out.extend(ids)
        return out

    def decode_bytes(self, ids):
        return b''.join(bytes(CHAR_BYTES[c] for c in self.vocab[i]) for i in ids if i != self.eos)

    def decode(self, ids):
        return self.decode_bytes(ids).decode('utf-8', errors='replace')


def main():
    out = work('tokenizer.json')
    if os.path.exists(out):
        log('tokenizer exists:', out)
        return
    texts, n = [], 0
    with open(work('corpus', 'train.jsonl')) as f:
        lines = f.readlines()
    # A spread over all packages, not the first ones alphabetically.
    step = max(1, len(lines) // 4000)
    for line in lines[::step]:
        t = json.loads(line)['text']
        texts.append(t)
        n += len(t)
        if n > TRAIN_BYTES:
            break
    log(f'training BPE on {n / 1e6:.1f} MB')
    vocab, merges = train(texts)
    bad = [t for t in vocab[:-1] if t in ('<|end|>', '<|endoftext|>', '<|im_end|>', '<|eot_id|>')]
    assert not bad, f'a merge made a token llama.cpp would treat as control: {bad}'
    with open(out, 'w') as f:
        json.dump({'vocab': vocab, 'merges': [a + ' ' + b for a, b in merges], 'pre': 'qwen2'}, f)
    tok = Tokenizer(out)
    sample = ''.join(texts[:50])
    ids = tok.encode(sample)
    assert tok.decode_bytes(ids) == sample.encode()
    log(f'vocab {len(vocab)}; {len(sample.encode()) / len(ids):.2f} bytes/token on a sample')


if __name__ == '__main__':
    sys.exit(main())
