"""Paths and small helpers shared by the pipeline stages (one concept per stage file)."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINING = os.path.join(ROOT, 'training')
# Large intermediate data lives outside git (training/.gitignore); override with SPECEDIT_WORK.
WORK = os.environ.get('SPECEDIT_WORK', os.path.join(TRAINING, 'work'))
SCRATCH = os.environ.get('SPECEDIT_SCRATCH', '/work/scratch')
RUNS = os.path.join(TRAINING, 'runs')
MODELS = os.path.join(ROOT, 'models')
FIXTURES = os.path.join(ROOT, 'tests', 'models', 'fixtures')


def work(*parts):
    path = os.path.join(WORK, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def log(*args):
    print(*args, flush=True, file=sys.stderr)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')
    os.replace(tmp, path)
