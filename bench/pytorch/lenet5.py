"""PyTorch side of the comparison in README: the zoo's LeNet-5 (6@5x5 same, pool 2, 16@5x5,
pool 2, dense 120, 84, 10; ReLU; Adam 1e-3; batch 32) trained on random 28x28 inputs, timed at
1 and 2 threads in interleaved rounds, as images per second of whole steps.

    /usr/bin/python3 bench/pytorch/lenet5.py [--rounds 5] [--steps 200]
    /usr/bin/python3 bench/pytorch/lenet5.py --serve     (driven by bench/vs-pytorch.ts)

Needs Debian's python3-torch (apt-get install python3-torch). Prints one JSON line. With --serve
it warms up, prints "ready", then for each line "T N" on stdin runs N steps on T threads and
prints that chunk's images/s, so that another process can interleave its own chunks with these.
"""
import argparse, json, statistics, sys, time
import torch
import torch.nn as nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--steps', type=int, default=200)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--serve', action='store_true')
    a = ap.parse_args()
    torch.manual_seed(0)
    x = torch.rand(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))
    models = {t: lenet5() for t in (1, 2)}
    opts = {t: torch.optim.Adam(models[t].parameters(), lr=1e-3) for t in (1, 2)}
    loss_fn = nn.CrossEntropyLoss()

    def steps(t, n):
        torch.set_num_threads(t)
        m, o = models[t], opts[t]
        start = time.perf_counter()
        for _ in range(n):
            o.zero_grad(set_to_none=True)
            loss_fn(m(x), y).backward()
            o.step()
        return n * a.batch / (time.perf_counter() - start)

    for t in (1, 2):
        steps(t, 30)  # warm up
    if a.serve:
        print(json.dumps({'ready': True, 'torch': torch.__version__}), flush=True)
        for line in sys.stdin:
            t, n = (int(v) for v in line.split())
            print(json.dumps({'imagesPerSecond': steps(t, n)}), flush=True)
        return
    rates = {1: [], 2: []}
    for r in range(a.rounds):
        for t in ((1, 2) if r % 2 == 0 else (2, 1)):
            rates[t].append(steps(t, a.steps))
    print(json.dumps({
        'torch': torch.__version__, 'batch': a.batch,
        'imagesPerSecond': {str(t): statistics.median(v) for t, v in rates.items()},
        'ratio': statistics.median([b / c for b, c in zip(rates[2], rates[1])]),
    }))


if __name__ == '__main__':
    main()
