#!/usr/bin/python3
"""PyTorch reference for scripts/bench-torch.sh: the same LeNet-5, SGD and batch size as
Decentral.Learning.Torch, on one intra-op thread. Prints "key<TAB>value" lines.

Usage: bench-torch-reference.py DATA_ROOT STEPS
Uses DATA_ROOT/fashion-mnist/*.gz when present, same-shaped random images otherwise.
"""
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


class LeNet5(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * 5 * 5, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def load(root):
    folder = os.path.join(root, "fashion-mnist")
    images = os.path.join(folder, "train-images-idx3-ubyte.gz")
    labels = os.path.join(folder, "train-labels-idx1-ubyte.gz")
    if os.path.exists(images) and os.path.exists(labels):
        with gzip.open(images) as f:
            x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
        with gzip.open(labels) as f:
            y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
        return "Fashion-MNIST (fetched)", torch.from_numpy(x.astype(np.float32) / 255), torch.from_numpy(y.astype(np.int64))
    rng = np.random.default_rng(1)
    x = rng.random((60000, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 60000)
    return "random 28x28 images", torch.from_numpy(x), torch.from_numpy(y)


def train(model, x, y, steps, batch, seed):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    cursor = 0
    for _ in range(steps):
        if cursor + batch > len(y):
            order = torch.randperm(len(y))
            cursor = 0
        idx = order[cursor:cursor + batch]
        cursor += batch
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    root, steps = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(1)
    name, x, y = load(root)
    print(f"data\t{name}")
    print(f"torch_version\t{torch.__version__}")
    torch.manual_seed(1)
    model = LeNet5()
    train(model, x, y, 50, 32, 0)
    wall, cpu = [], []
    for r in range(3):
        w0, c0 = time.perf_counter(), time.process_time()
        train(model, x, y, steps, 32, r)
        wall.append(steps * 32 / (time.perf_counter() - w0))
        cpu.append(steps * 32 / (time.process_time() - c0))
    print(f"train_samples_per_s_1thread\t{sorted(wall)[1]:.0f}")
    print(f"train_samples_per_s_1thread_all\t{' '.join(f'{v:.0f}' for v in wall)}")
    print(f"train_samples_per_cpu_s_1thread\t{sorted(cpu)[1]:.0f}")


if __name__ == "__main__":
    main()
