"""The llama architecture in torch, written to match llama.cpp's "llama" graph exactly
(RMSNorm, RoPE in GGML's normal mode = adjacent pairs, SwiGLU, no biases, scale 1/sqrt(head_dim)),
plus the hand-initialised copy circuit that makes in-context copying work from step 0.

The circuit (see README.md): layer 0 has two previous-token heads (tokens i-1, i-2), layer 1 one
(token i-3); they are built from RoPE alone (a huge rope base leaves the high-frequency pairs for
position and the slow pairs for content). Layer 2's induction head matches the last three tokens
(current, i-1, i-2) against (j-1, j-2, j-3) with weights 1, .8, .6 -- a *soft* suffix match, so
after a renamed identifier copying resumes at once instead of waiting for a full n-gram -- and
writes the code of token j into the output subspace O, which the output matrix reads.
"""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F


@dataclass
class Config:
    vocab: int = 4096
    dim: int = 256
    heads: int = 2
    layers: int = 4
    ffn: int = 512
    ctx: int = 1024
    rope_base: float = 1e14
    eps: float = 1e-5
    code: int = 32  # token code dims of the circuit subspaces
    circuit: bool = True

    @property
    def head_dim(self):
        return self.dim // self.heads


def rope_tables(cfg, n, device=None):
    d = cfg.head_dim
    theta = cfg.rope_base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(n, dtype=torch.float64)[:, None] * theta[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    # x: [B, H, T, D]; GGML normal mode rotates the adjacent pairs (2k, 2k+1).
    x0, x1 = x[..., 0::2], x[..., 1::2]
    y0 = x0 * cos - x1 * sin
    y1 = x0 * sin + x1 * cos
    return torch.stack([y0, y1], dim=-1).flatten(-2)


class Block(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        E, F_ = cfg.dim, cfg.ffn
        self.cfg = cfg
        self.attn_norm = torch.nn.Parameter(torch.ones(E))
        self.wq = torch.nn.Parameter(torch.randn(E, E) * 0.02)  # [out, in]
        self.wk = torch.nn.Parameter(torch.randn(E, E) * 0.02)
        self.wv = torch.nn.Parameter(torch.randn(E, E) * 0.02)
        self.wo = torch.nn.Parameter(torch.zeros(E, E))
        self.ffn_norm = torch.nn.Parameter(torch.ones(E))
        self.w_gate = torch.nn.Parameter(torch.randn(F_, E) * 0.02)
        self.w_up = torch.nn.Parameter(torch.randn(F_, E) * 0.02)
        self.w_down = torch.nn.Parameter(torch.zeros(E, F_))

    def forward(self, x, cos, sin, mask):
        cfg = self.cfg
        B, T, E = x.shape
        H, D = cfg.heads, cfg.head_dim
        h = rmsnorm(x, self.attn_norm, cfg.eps)
        q = (h @ self.wq.T).view(B, T, H, D).transpose(1, 2)
        k = (h @ self.wk.T).view(B, T, H, D).transpose(1, 2)
        v = (h @ self.wv.T).view(B, T, H, D).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D) + mask
        att = torch.softmax(att, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, E)
        x = x + o @ self.wo.T
        h = rmsnorm(x, self.ffn_norm, cfg.eps)
        return x + (F.silu(h @ self.w_gate.T) * (h @ self.w_up.T)) @ self.w_down.T


def rmsnorm(x, w, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


class Llama(torch.nn.Module):
    def __init__(self, cfg, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.cfg = cfg
        self.tok_emb = torch.nn.Parameter(torch.randn(cfg.vocab, cfg.dim) * 0.02)
        self.blocks = torch.nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.out_norm = torch.nn.Parameter(torch.ones(cfg.dim))
        self.out = torch.nn.Parameter(torch.randn(cfg.vocab, cfg.dim) * 0.02)
        if cfg.circuit:
            with torch.no_grad():
                build_circuit(self)

    def forward(self, ids):
        B, T = ids.shape
        cos, sin = rope_tables(self.cfg, T)
        mask = torch.full((T, T), float('-inf')).triu(1)
        x = self.tok_emb[ids]
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return rmsnorm(x, self.out_norm, self.cfg.eps) @ self.out.T


# ---- the hand-initialised copy circuit ---------------------------------------------------------

def layout(cfg):
    c = cfg.code
    return {'T': [slice(i * c, (i + 1) * c) for i in range(4)], 'O': slice(4 * c, 5 * c), 'free': slice(5 * c, cfg.dim - 2),
            'bos': cfg.dim - 2, 'C': cfg.dim - 1}


BOS_ID = None  # set by build_circuit from the vocab: the last id is <|endoftext|>


def positional_head(blk, head, d, rms, cfg, src, dst, n_pos_pairs=18, amp=22.0):
    """A head that attends to position i-d using RoPE only, and copies subspace src into dst."""
    L = layout(cfg)
    D = cfg.head_dim
    theta = cfg.rope_base ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    base = head * D
    for k in range(n_pos_pairs):
        # q pair (a, 0), k pair b (cos phi, sin phi), phi = d * theta_k: score ~ cos(theta_k (delta - d)).
        a = math.sqrt(amp * math.sqrt(D))
        phi = d * theta[k].item()
        blk.wq[base + 2 * k, L['C']] = a * rms
        blk.wk[base + 2 * k, L['C']] = a * math.cos(phi) * rms
        blk.wk[base + 2 * k + 1, L['C']] = a * math.sin(phi) * rms
    c = cfg.code
    for t in range(c):
        blk.wv[base + t, src.start + t] = rms
        blk.wo[dst.start + t, base + t] = 1.0


def build_circuit(m):
    cfg = m.cfg
    L = layout(cfg)
    c, D, E = cfg.code, cfg.head_dim, cfg.dim
    assert cfg.heads >= 2 and cfg.layers >= 3 and 5 * c + 2 <= E
    # Circuit heads start clean; free heads (layer 1 head 1, layer 2 head 1, later layers) keep their random init.
    for li, heads in ((0, (0, 1)), (1, (0,)), (2, (0,))):
        for h in heads:
            for w in (m.blocks[li].wq, m.blocks[li].wk, m.blocks[li].wv):
                w[h * D:(h + 1) * D] = 0
    codes = torch.randn(cfg.vocab, c)
    codes = codes / codes.norm(dim=1, keepdim=True)
    codes[-1] = 0  # <|endoftext|> (BOS): no code, a flag instead; attention sink of the induction head
    m.tok_emb.zero_()
    m.tok_emb[:, L['T'][0]] = codes
    m.tok_emb[:, L['C']] = 1.0
    m.tok_emb[-1, L['bos']] = 1.0
    rms = lambda n: math.sqrt(n / E)
    b0, b1, b2 = m.blocks[0], m.blocks[1], m.blocks[2]
    positional_head(b0, 0, 1, rms(2), cfg, L['T'][0], L['T'][1])
    positional_head(b0, 1, 2, rms(2), cfg, L['T'][0], L['T'][2])
    positional_head(b1, 0, 3, rms(4), cfg, L['T'][0], L['T'][3])
    # Induction head (layer 2, head 0): content in the slow RoPE pairs only.
    r = rms(5)
    theta = cfg.rope_base ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    slow = [k for k in range(D // 2) if theta[k] * cfg.ctx < 0.15]
    per = (2 * len(slow) - 2) // 3  # dims per matched token; one pair for the sink
    per = min(per, c)
    dims = [2 * k + j for k in slow for j in (0, 1)]
    sink_q, sink_k = dims[-2], dims[-2]
    weights = [1.0, 0.8, 0.6]
    gamma = 14.0
    s = math.sqrt(gamma * math.sqrt(D))
    for term, w in enumerate(weights):
        sq, sk = L['T'][term], L['T'][term + 1]  # query reads token i-term; key reads token j-1-term
        for t in range(per):
            hd = dims[term * per + t]
            b2.wq[hd, sq.start + t] = s * math.sqrt(w) * r
            b2.wk[hd, sk.start + t] = s * math.sqrt(w) * r
    sink = 1.1 * gamma
    b2.wq[sink_q, L['C']] = math.sqrt(sink * math.sqrt(D)) * r
    b2.wk[sink_q, L['bos']] = math.sqrt(sink * math.sqrt(D)) * r / r * rms(2)  # BOS row has norm^2 = 2
    for t in range(c):
        b2.wv[t, L['T'][0].start + t] = r
        b2.wo[L['O'].start + t, t] = 1.0
    # Output reads O: the copied token's code. beta = logit of the copied token.
    beta = 25.0
    m.out.mul_(0.1)
    m.out[:, L['O']] = beta * rms(6) * codes
    m.out[-1, L['O']] = 0


def param_count(m):
    return sum(p.numel() for p in m.parameters())


def save(m, path, extra=None):
    torch.save({'cfg': asdict(m.cfg), 'state': m.state_dict(), **(extra or {})}, path)


def load(path):
    ck = torch.load(path, map_location='cpu')
    cfg = Config(**ck['cfg'])
    cfg.circuit = False
    m = Llama(cfg)
    m.load_state_dict(ck['state'])
    return m, ck
