"""Stage 6, ship: export each trained run to models/NAME.gguf (F32) and write models/manifest.json.
python3 ship.py            export + manifest (eval scores taken from models/eval.json when present)
python3 ship.py --manifest manifest only (after make eval-models, to copy the scores in)
The manifest is what the engine reads to find its default models; keep its shape.
"""
import hashlib
import json
import os
import subprocess
import sys

from common import MODELS, ROOT, RUNS, log, write_json

SHIPPED = [
    {'name': 'verifier', 'role': 'verifier', 'run': 'verifier', 'kinds': ['rename', 'extract', 'fix', 'optimizeLoop', 'instruction']},
    {'name': 'drafter-rename', 'role': 'drafter', 'run': 'drafter-rename', 'kinds': ['rename', 'extract']},
    {'name': 'drafter-fix', 'role': 'drafter', 'run': 'drafter-fix', 'kinds': ['fix', 'optimizeLoop', 'instruction']},
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def commit():
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', 'training'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + ('+uncommitted training/' if dirty else '')
    except Exception:
        return 'unknown'


def main():
    only_manifest = '--manifest' in sys.argv
    os.makedirs(MODELS, exist_ok=True)
    ev_path = os.path.join(MODELS, 'eval.json')
    ev = json.load(open(ev_path))['models'] if os.path.exists(ev_path) else {}
    old = {}
    if os.path.exists(os.path.join(MODELS, 'manifest.json')):
        old = {m['name']: m for m in json.load(open(os.path.join(MODELS, 'manifest.json')))['models']}
    entries = []
    for spec in SHIPPED:
        run = os.path.join(RUNS, spec['run'])
        out = os.path.join(MODELS, spec['name'] + '.gguf')
        summary = json.load(open(os.path.join(run, 'summary.json')))
        made = old.get(spec['name'], {}).get('made')
        if not only_manifest or not os.path.exists(out):
            import torch
            from export_gguf import write_gguf
            ck = torch.load(os.path.join(run, 'ckpt.pt'), map_location='cpu')
            # Written beside the old file and renamed over it: a server that has the old model mmapped
            # keeps its inode (overwriting in place crashed one such process).
            write_gguf(out + '.tmp', ck['cfg'], ck['state'], 'specedit-' + spec['name'])
            os.replace(out + '.tmp', out)
            runs = ' ; '.join('python3 ' + c for c in (summary.get('commands') or [summary['command']]))
            made = {'command': f"make -f training/models.mk models  # from training/: {runs} ; python3 ship.py",
                    'commit': commit()}
            log('exported', out)
        entries.append({
            'name': spec['name'], 'role': spec['role'], 'file': f"models/{spec['name']}.gguf", 'kinds': spec['kinds'],
            'parameters': summary['parameters'], 'tokensTrained': summary['tokens'],
            'trainSeconds': summary['trainSeconds'],
            'shape': {k: summary['args'][k] for k in ('dim', 'layers', 'heads', 'ffn')} | {'vocab': 4096, 'format': 'F32'},
            'eval': {k: v for k, v in ev.get(spec['name'], {}).items() if k != 'role'},
            'sha256': sha256(out),
            'sizeBytes': os.path.getsize(out),
            'made': made,
        })
    write_json(os.path.join(MODELS, 'manifest.json'), {
        'tokenizer': {'type': 'byte-level BPE', 'vocab': 4096, 'ggml.model': 'gpt2', 'ggml.pre': 'qwen2', 'bos=eos': '<|endoftext|>'},
        'models': entries})
    log('wrote models/manifest.json')


if __name__ == '__main__':
    sys.exit(main())
