"""A hand-written SVG plot of a run's metrics (no matplotlib needed): loss and accuracies vs tokens."""
import json
import os

COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf']


def panel(series, x0, y0, w, h, title, ymax=None):
    xs = [x for s in series.values() for x, _ in s]
    ys = [y for s in series.values() for _, y in s]
    if not xs:
        return ''
    xmax = max(xs) or 1
    ymax = ymax or (max(ys) * 1.05 or 1)
    out = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
           f'<text x="{x0 + 5}" y="{y0 - 6}" font-size="13">{title} (x: tokens, max {xmax:,.0f}; y max {ymax:.2f})</text>']
    for i, (name, pts) in enumerate(series.items()):
        c = COLORS[i % len(COLORS)]
        path = ' '.join(f'{x0 + w * x / xmax:.1f},{y0 + h - h * min(y, ymax) / ymax:.1f}' for x, y in pts)
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{path}"/>')
        out.append(f'<text x="{x0 + w + 8}" y="{y0 + 14 + 16 * i}" font-size="12" fill="{c}">{name}</text>')
    return '\n'.join(out)


def write_plot(run):
    recs = [json.loads(l) for l in open(os.path.join(run, 'metrics.jsonl'))]
    loss = {'valid loss': [(r['tokens'], r['valid']['all']['loss']) for r in recs],
            'train loss': [(r['tokens'], r['trainLoss']) for r in recs if 'trainLoss' in r]}
    kinds = [k for k in recs[-1]['valid'] if k != 'all']
    acc = {f'{k} token acc': [(r['tokens'], r['valid'][k]['tokenAcc']) for r in recs if k in r['valid']] for k in kinds}
    acc.update({f'{k} exact': [(r['tokens'], r['valid'][k]['exact']) for r in recs if k in r['valid']] for k in kinds})
    acc.update({f'{k} edit-token acc': [(r['tokens'], r['valid'][k]['editAcc']) for r in recs if 'editAcc' in r['valid'].get(k, {})] for k in kinds if k not in ('copy', 'all')})
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="820" height="560" font-family="sans-serif">',
           f'<text x="20" y="20" font-size="15">{os.path.basename(run)}</text>',
           panel(loss, 40, 50, 520, 200, 'loss (nats/token, completion only)'),
           panel(acc, 40, 310, 520, 220, 'held-out copy accuracy', ymax=1.0), '</svg>']
    with open(os.path.join(run, 'plot.svg'), 'w') as f:
        f.write('\n'.join(svg))
