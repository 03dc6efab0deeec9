#!/usr/bin/python3
"""PyTorch reference of protoseg-go's U-Net, for side-by-side speed checks.

Same model as package unet: 18 layers of conv3x3 + BatchNorm + ReLU with
widths Base*(1,1,2,2,4,4,8,8,16,16,8,8,4,4,2,2,1,1), 2x2 max-pool after
layers 2, 4, 6 and 8, 2x2 stride-2 transposed-conv up-sampling before layers
11, 13, 15 and 17 (concatenated with the skip), a 1x1 head to 2 classes,
softmax cross-entropy, Adam. Batch 10, 1 input channel, channels-first (what
PyTorch's CPU kernels are fastest with).

Prints one line per measurement:
  torch train base=B size=S ms=... images/s=...
  torch inference base=B size=S ms=... images/s=...

A benchmark tool, not a dependency of the project: run with Debian's
python3-torch (/usr/bin/python3), e.g. through bench/compare.sh.
"""
import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

MULT = (1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1)


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, base, in_ch=1, classes=2):
        super().__init__()
        w = [base * m for m in MULT]
        self.layers = nn.ModuleList()
        self.ups = nn.ModuleList()
        cin = in_ch
        for l in range(18):
            if l in (10, 12, 14, 16):  # up-sample, then concatenate the skip
                self.ups.append(nn.ConvTranspose2d(cin, w[l], 2, stride=2))
                cin = 2 * w[l]
            self.layers.append(conv_bn_relu(cin, w[l]))
            cin = w[l]
        self.head = nn.Conv2d(cin, classes, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        skips, feats, u = [], [], 0
        for l, layer in enumerate(self.layers):
            if l in (2, 4, 6, 8):
                skips.append(x)
                x = self.pool(x)
            if l in (10, 12, 14, 16):
                x = torch.cat([skips.pop(), self.ups[u](x)], 1)
                u += 1
            x = layer(x)
            feats.append(x)
        return self.head(x), feats


def timeit(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    best = float("inf")
    total = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        d = time.perf_counter() - t
        total += d
        best = min(best, d)
    return total / reps, best


# --- 3D (--dims 3): the same network with Conv3d, BatchNorm3d, 2x2x2
# MaxPool3d and ConvTranspose3d, on volumes [N, 1, D, H, W] (package unet's
# Config{Dims: 3}). Prints "torch3d train|inference base=B size=DxHxW batch=N
# ms=... best_ms=... cpu_ms=... volumes/s=..." (cpu_ms: process CPU time per
# step, warm-up included, comparable with Go's cpu-ms/op on a loaded machine).


def conv_bn_relu3d(cin, cout):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1, bias=False),
                         nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class UNet3D(UNet):
    def __init__(self, base, in_ch=1, classes=2):
        nn.Module.__init__(self)
        w = [base * m for m in MULT]
        self.layers = nn.ModuleList()
        self.ups = nn.ModuleList()
        cin = in_ch
        for l in range(18):
            if l in (10, 12, 14, 16):
                self.ups.append(nn.ConvTranspose3d(cin, w[l], 2, stride=2))
                cin = 2 * w[l]
            self.layers.append(conv_bn_relu3d(cin, w[l]))
            cin = w[l]
        self.head = nn.Conv3d(cin, classes, 1)
        self.pool = nn.MaxPool3d(2)


def main3d(args):
    for base in map(int, args.bases.split(",")):
        for size in args.sizes.split(","):
            d, h, w = map(int, size.split("x"))
            net = UNet3D(base)
            opt = torch.optim.Adam(net.parameters(), lr=1e-4)
            loss_fn = nn.CrossEntropyLoss()
            x = torch.randn(args.batch, 1, d, h, w)
            y = (torch.rand(args.batch, d, h, w) > 0.7).long()

            def train_step():
                opt.zero_grad(set_to_none=True)
                logits, _ = net(x)
                loss_fn(logits, y).backward()
                opt.step()

            net.train()
            for what, fn, reps in (("train", train_step, args.reps), ("inference", None, args.reps * 3)):
                if fn is None:
                    net.eval()

                    def fn():
                        with torch.no_grad():
                            net(x)
                cpu0 = time.process_time()
                mean, best = timeit(fn, 2, reps)
                cpu_ms = (time.process_time() - cpu0) * 1e3 / (reps + 2)
                print(f"torch3d {what} base={base} size={size} batch={args.batch} ms={mean*1e3:.1f} "
                      f"best_ms={best*1e3:.1f} cpu_ms={cpu_ms:.1f} volumes/s={args.batch/mean:.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bases", default="8,16")
    ap.add_argument("--sizes", default="64")
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--dims", type=int, default=2, help="3: the 3D network (sizes DxHxW)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.dims == 3:
        return main3d(args)
    for base in map(int, args.bases.split(",")):
        for size in map(int, args.sizes.split(",")):
            net = UNet(base)
            opt = torch.optim.Adam(net.parameters(), lr=1e-4)
            loss_fn = nn.CrossEntropyLoss()
            x = torch.randn(args.batch, 1, size, size)
            y = (torch.rand(args.batch, size, size) > 0.7).long()

            def train_step():
                opt.zero_grad(set_to_none=True)
                logits, _ = net(x)
                loss = loss_fn(logits, y)
                loss.backward()
                opt.step()

            net.train()
            mean, best = timeit(train_step, 3, args.reps)
            print(f"torch train base={base} size={size} ms={mean*1e3:.1f} best_ms={best*1e3:.1f} "
                  f"images/s={args.batch/mean:.1f}", flush=True)

            net.eval()

            def infer():
                with torch.no_grad():
                    net(x)

            mean, best = timeit(infer, 3, args.reps * 3)
            print(f"torch inference base={base} size={size} ms={mean*1e3:.1f} best_ms={best*1e3:.1f} "
                  f"images/s={args.batch/mean:.1f}", flush=True)


if __name__ == "__main__":
    main()
