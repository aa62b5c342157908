"""Stage 1, corpus: TS/JS sources of npm packages installed into a scratch folder outside the repo.

Removes minified files, duplicates, tiny files and locale folders; holds out WHOLE packages for
validation (random files of one package share too much code to measure generalisation).
Writes work/corpus/{train,valid}.jsonl: one {"package", "path", "text"} per line.
Resumable: skips the npm install when the scratch folder already has the packages.
"""
import hashlib
import json
import os
import subprocess
import sys

from common import SCRATCH, log, work

PACKAGES = ['typescript@5.9.3', '@types/node', 'rxjs', 'zod', 'date-fns', 'fp-ts', 'effect', 'lodash-es',
            '@types/lodash', 'vue-router', 'immer', 'mobx', 'redux', '@reduxjs/toolkit', 'io-ts', 'neverthrow',
            'ts-pattern', 'hono', '@angular/core', 'preact']
# Whole packages held out: the edit evaluation draws its functions from these only.
VALID_PACKAGES = {'zod', 'neverthrow', 'ts-pattern', 'immer'}
EXTENSIONS = ('.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs')
SKIP_DIRS = {'locale', 'locales', 'i18n', '__tests__', 'test', 'tests'}


def npm_dir():
    return os.path.join(SCRATCH, 'corpus-npm')


def install():
    d = npm_dir()
    if os.path.isdir(os.path.join(d, 'node_modules', 'typescript')):
        return
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'package.json'), 'w') as f:
        f.write('{"name":"corpus","private":true}\n')
    subprocess.run(['npm', 'install', '--no-audit', '--no-fund', '--ignore-scripts', *PACKAGES], cwd=d, check=True)


def package_of(rel):
    parts = rel.split(os.sep)
    return '/'.join(parts[:2]) if parts[0].startswith('@') else parts[0]


def is_minified(text):
    lines = text.split('\n')
    return max(len(l) for l in lines) > 1000 or len(text) / max(1, len(lines)) > 200


def main():
    install()
    root = os.path.join(npm_dir(), 'node_modules')
    seen = set()
    counts = {'train': [0, 0], 'valid': [0, 0]}
    out = {s: open(work('corpus', s + '.jsonl') + '.tmp', 'w') for s in counts}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d.lower() not in SKIP_DIRS and not d.startswith('.'))
        for name in sorted(filenames):
            if not name.endswith(EXTENSIONS) or '.min.' in name:
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            try:
                text = open(path, encoding='utf-8').read()
            except (UnicodeDecodeError, OSError):
                continue
            if len(text) < 200 or len(text) > 400_000 or is_minified(text):
                continue
            digest = hashlib.sha1(text.encode()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            pkg = package_of(rel)
            split = 'valid' if pkg in VALID_PACKAGES else 'train'
            out[split].write(json.dumps({'package': pkg, 'path': rel, 'text': text}) + '\n')
            counts[split][0] += 1
            counts[split][1] += len(text.encode())
    for s, f in out.items():
        f.close()
        os.replace(work('corpus', s + '.jsonl') + '.tmp', work('corpus', s + '.jsonl'))
    for s, (n, b) in counts.items():
        log(f'corpus {s}: {n} files, {b / 1e6:.1f} MB')


if __name__ == '__main__':
    sys.exit(main())
