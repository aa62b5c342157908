"""Stage 4, training: python3 train.py NAME [--dim 256 --layers 4 ...] [--kinds rename,fix] [--minutes 20]

Resumable: runs/NAME/ckpt.pt holds model, optimizer, step and tokens; a new invocation continues
until --max-tokens. Logs: runs/NAME/log.txt, metrics.jsonl (loss, per-kind copy accuracy, exact
greedy reproduction on held-out examples), plot.svg. Exact greedy reproduction is measured by
teacher forcing: greedy decoding reproduces the target iff the argmax is right at every position.
"""
import os

# One core per process: OpenBLAS/OpenMP would otherwise start a thread per core.
os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import argparse
import json
import math
import os
import random
import sys
import time

import torch

from common import RUNS, log, write_json
from data import batch, load_extra, load_split
from model import Config, Llama, load, param_count, save
from plot import write_plot

EVAL_N = 120


def evaluate(m, examples):
    m.eval()
    by = {}
    with torch.no_grad():
        for e in examples:
            ids, tgt = batch([e])
            lg = m(ids)
            mask = tgt != -100
            ok = (lg.argmax(-1) == tgt)[mask]
            loss = torch.nn.functional.cross_entropy(lg[mask], tgt[mask], reduction='sum').item()
            d = by.setdefault(e['kind'], [0, 0, 0, 0, 0.0, 0, 0])
            d[0] += ok.sum().item(); d[1] += ok.numel(); d[2] += int(ok.all()); d[3] += 1; d[4] += loss
            f = e.get('focus', [])
            d[5] += sum(int(ok[k]) for k in f if k < ok.numel()); d[6] += len(f)
    m.train()
    # editAcc: accuracy at the tokens where the edit happens (changed spans and the token after each)
    out = {k: {'tokenAcc': v[0] / v[1], 'exact': v[2] / v[3], 'loss': v[4] / v[1], 'n': v[3], 'editAcc': v[5] / max(1, v[6])} for k, v in by.items()}
    tot = [sum(v[i] for v in by.values()) for i in range(5)]
    out['all'] = {'tokenAcc': tot[0] / tot[1], 'exact': tot[2] / tot[3], 'loss': tot[4] / tot[1], 'n': tot[3]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('name')
    ap.add_argument('--dim', type=int, default=256)
    ap.add_argument('--heads', type=int, default=2)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--ffn', type=int, default=512)
    ap.add_argument('--kinds', default='rename,fix,extract,optimizeLoop,instruction,copy')
    ap.add_argument('--lr', type=float, default=5e-4)
    ap.add_argument('--batch-tokens', type=int, default=4096)
    ap.add_argument('--minutes', type=float, default=20)
    ap.add_argument('--max-tokens', type=float, default=3e6)
    ap.add_argument('--eval-every', type=int, default=40)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--focus-weight', type=float, default=1.0, help='loss weight of the tokens where the edit happens')
    ap.add_argument('--extra-edits', action='append', default=[], help='more training edits in the same JSONL format (repeatable), e.g. the server\'s accepted-edits.jsonl')
    a = ap.parse_args()
    torch.set_num_threads(1)
    run = os.path.join(RUNS, a.name)
    os.makedirs(run, exist_ok=True)
    ckpt = os.path.join(run, 'ckpt.pt')
    kinds = set(a.kinds.split(','))
    train = [e for e in load_split('train') if e['kind'] in kinds]
    train += [e for path in a.extra_edits for e in load_extra(path) if e['kind'] in kinds]
    valid = [e for e in load_split('valid') if e['kind'] in kinds][:EVAL_N]
    if os.path.exists(ckpt):
        m, ck = load(ckpt)
        state = ck['train']
        log(f'resuming {a.name} at step {state["step"]}, {state["tokens"]} tokens')
    else:
        cfg = Config(dim=a.dim, heads=a.heads, layers=a.layers, ffn=a.ffn)
        m = Llama(cfg, seed=a.seed)
        state = {'step': 0, 'tokens': 0, 'seconds': 0.0, 'args': vars(a), 'command': ' '.join(sys.argv)}
        ev = evaluate(m, valid)
        with open(os.path.join(run, 'metrics.jsonl'), 'w') as f:
            f.write(json.dumps({'step': 0, 'tokens': 0, 'seconds': 0, 'valid': ev}) + '\n')
        log('step 0', json.dumps(ev))
    state.setdefault('commands', [state.get('command')] if state['step'] else [])
    if not state['commands'] or state['commands'][-1] != ' '.join(sys.argv):
        state['commands'].append(' '.join(sys.argv))
    opt = torch.optim.AdamW(m.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.0)
    if 'opt' in state:
        opt.load_state_dict(state.pop('opt'))
    rng = random.Random(a.seed + state['step'])
    log(f'{a.name}: {param_count(m)} parameters, {len(train)} train / {len(valid)} valid examples')
    t_start = time.time()
    logf = open(os.path.join(run, 'log.txt'), 'a')
    train_loss = []
    while state['tokens'] < a.max_tokens and time.time() - t_start < a.minutes * 60:
        # Length-bucketed batches: a random anchor and its neighbours in length.
        anchor = rng.randrange(len(train))
        L = len(train[anchor]['ids'])
        near = [e for e in rng.sample(train, min(64, len(train))) if abs(len(e['ids']) - L) < 80] or [train[anchor]]
        group = [train[anchor]] + near[:max(0, a.batch_tokens // L - 1)]
        if a.focus_weight != 1.0:
            ids, tgt, w = batch(group, a.focus_weight)
        else:
            ids, tgt = batch(group)
            w = (tgt != -100).float()
        total = a.max_tokens / a.batch_tokens
        lr = a.lr * min(1.0, (state['step'] + 1) / 30) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, state['step'] / total))))
        for g in opt.param_groups:
            g['lr'] = lr
        t0 = time.time()
        lg = m(ids)
        per = torch.nn.functional.cross_entropy(lg.view(-1, lg.shape[-1]), tgt.view(-1), ignore_index=-100, reduction='none')
        loss = (per * w.view(-1)).sum() / w.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        state['seconds'] += time.time() - t0
        state['step'] += 1
        state['tokens'] += int(ids.numel())
        train_loss.append(loss.item())
        if state['step'] % a.eval_every == 0:
            ev = evaluate(m, valid)
            rec = {'step': state['step'], 'tokens': state['tokens'], 'seconds': round(state['seconds'], 1), 'lr': lr,
                   'trainLoss': sum(train_loss) / len(train_loss), 'valid': ev}
            train_loss = []
            with open(os.path.join(run, 'metrics.jsonl'), 'a') as f:
                f.write(json.dumps(rec) + '\n')
            line = (f"step {state['step']} tok {state['tokens']} {state['tokens'] / max(1, state['seconds']):.0f} tok/s "
                    f"train {rec['trainLoss']:.3f} valid {ev['all']['loss']:.3f} acc {ev['all']['tokenAcc']:.3f} exact {ev['all']['exact']:.3f} "
                    + ' '.join(f"{k}:{v['tokenAcc']:.3f}/{v['exact']:.2f}/e{v.get('editAcc', 0):.2f}" for k, v in ev.items() if k != 'all'))
            log(line)
            logf.write(line + '\n')
            logf.flush()
            save(m, ckpt + '.tmp', {'train': {**state, 'opt': opt.state_dict()}})
            os.replace(ckpt + '.tmp', ckpt)
            write_plot(run)
    save(m, ckpt + '.tmp', {'train': {**state, 'opt': opt.state_dict()}})
    os.replace(ckpt + '.tmp', ckpt)
    write_json(os.path.join(run, 'summary.json'), {'name': a.name, 'parameters': param_count(m), 'tokens': state['tokens'],
                                                   'steps': state['step'], 'trainSeconds': round(state['seconds'], 1),
                                                   'command': state.get('command'), 'commands': state['commands'], 'args': state.get('args')})
    write_plot(run)


if __name__ == '__main__':
    sys.exit(main())
