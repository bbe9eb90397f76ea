"""Reference: one ResNet-20 (option-A shortcuts) training step in PyTorch, as its users run it:
on the CPU with every core (PyTorch's own default can be one OpenMP thread), or on a CUDA GPU.

Prints one JSON line per batch size: {"batch": B, "imagesPerSecond": ..., "stepMs": ...,
"threads": T, "device": ...}.
Usage (from python/): python3 -m lowrank_studio.reference --batches 32,128 --steps 5 [--threads N]
[--device cuda]. Plain PyTorch on purpose: it is the yardstick `npm run bench` compares the studio
with, written as a PyTorch user writes a ResNet-20, not the twin's factorised model.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = cout - cin
        self.stride = stride

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x
        if self.stride != 1 or self.pad:
            shortcut = x[:, :, :: self.stride, :: self.stride]
            shortcut = F.pad(shortcut, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + shortcut)


class ResNet(nn.Module):
    def __init__(self, blocks_per_stage=3, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for stage, cout in enumerate((16, 32, 64)):
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(Block(cin, cout, stride))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.blocks(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="32,128")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="CPU threads (default: every core)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    synchronise = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    model = ResNet().to(device)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    for batch in (int(b) for b in args.batches.split(",")):
        images = torch.randn(batch, 3, 32, 32, device=device)
        labels = torch.randint(0, 10, (batch,), device=device)

        def step():
            optimiser.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimiser.step()

        for _ in range(2):
            step()
        synchronise()
        # the median step, as the TF.js benchmark reports it: robust to a stalled step
        times = []
        for _ in range(args.steps):
            started = time.perf_counter()
            step()
            synchronise()
            times.append(1000 * (time.perf_counter() - started))
        step_ms = sorted(times)[len(times) // 2]
        print(json.dumps({"batch": batch, "stepMs": step_ms,
                          "imagesPerSecond": 1000 * batch / step_ms,
                          "threads": torch.get_num_threads(), "device": str(device),
                          "torch": torch.__version__}))


if __name__ == "__main__":
    main()
