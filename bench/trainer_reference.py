"""PyTorch reference for bench/trainer.bench: one regularised training step of the trainer's network.

The network mirrors the Java TappedResNet. Inputs are scaled as 5 * (x - 0.5). A 7x7 stride-1
stem convolution without bias, batch norm and ReLU gives tap 0. Four stages of two basic residual
blocks follow, each block with 3x3 convolutions without bias, batch norm, and a 1x1 strided
projection where the shape changes; each stage's output is a tap. Global average pooling and a
linear layer give the logits. Widths are 64, 128, 256, 512
times the multiplier. A step is what TrainingStep.run does in REGULARISE mode: 64 classification
images and 16 pairs (32 images) through the same trunk, cross-entropy plus alpha times the
similarity loss (taps centred by EMA means, cosines mixed by softmax(gamma), squared difference of
2 atanh), backward, and SGD with momentum 0.9.

Usage: /usr/bin/python3 trainer_reference.py [WIDTH_MULTIPLIER [STEPS]]
Prints one line: "# torch training step: N images/s (M ms per step of 64 + 32 images)".
"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 64
PAIRS = 16
SIZE = 32
ALPHA = 10.0
EPSILON = 1e-2
MEAN_MOMENTUM = 0.9


class BasicBlock(nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.downsample = None
        if stride != 1 or inputs != outputs:
            self.downsample = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, 0, bias=False),
                                            nn.BatchNorm2d(outputs))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class TappedResNet(nn.Module):
    """Returns the logits and the five taps, with torchvision's parameter names."""

    def __init__(self, widths, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 7, 1, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        channels = widths[0]
        for stage, width in enumerate(widths):
            blocks = []
            for block in range(2):
                stride = 2 if block == 0 and stage > 0 else 1
                blocks.append(BasicBlock(channels, width, stride))
                channels = width
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(widths[-1], classes)
        self.gamma = nn.Parameter(torch.zeros(len(widths) + 1))
        self.tap_means = [torch.zeros(widths[0])] + [torch.zeros(w) for w in widths]

    def forward(self, images):
        x = F.relu(self.bn1(self.conv1(5 * (images - 0.5))))
        taps = [x]
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
            taps.append(x)
        logits = self.fc(x.mean(dim=(2, 3)))
        return logits, taps


def twice_atanh(x):
    return torch.log1p(x) - torch.log1p(-x)


def similarity_loss(model, taps, targets):
    pairs = targets.shape[0]
    cosines = []
    for k, tap in enumerate(taps):
        with torch.no_grad():
            model.tap_means[k].mul_(MEAN_MOMENTUM).add_(tap.mean(dim=(0, 2, 3)) * (1 - MEAN_MOMENTUM))
        centred = (tap - model.tap_means[k].reshape(1, -1, 1, 1)).reshape(tap.shape[0], -1)
        first, second = centred[:pairs], centred[pairs:]
        dot = (first * second).sum(1)
        norms = torch.sqrt((first * first).sum(1) * (second * second).sum(1))
        cosines.append(dot / norms.clamp_min(1e-12))
    mixed = (torch.stack(cosines) * torch.softmax(model.gamma, 0).reshape(-1, 1)).sum(0)
    predicted = twice_atanh(mixed.clamp(-1 + EPSILON, 1 - EPSILON))
    target = twice_atanh(targets.clamp(-1 + EPSILON, 1 - EPSILON))
    return ((predicted - target) ** 2).mean()


def main():
    multiplier = float(sys.argv[1]) if len(sys.argv) > 1 else 0.25
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    widths = [max(1, round(64 * multiplier * (1 << i))) for i in range(4)]
    torch.manual_seed(1)
    model = TappedResNet(widths, 10)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    generator = torch.Generator().manual_seed(1)
    images = torch.rand(BATCH, 1, SIZE, SIZE, generator=generator).numpy()
    labels = torch.randint(0, 10, (BATCH,), generator=generator).numpy()
    pair_images = torch.rand(2 * PAIRS, 1, SIZE, SIZE, generator=generator).numpy()
    targets = (torch.rand(PAIRS, generator=generator) * 1.6 - 0.8).numpy()

    def step():
        # Arrays enter from host memory every step, as the Java trainer's batches do.
        x = torch.from_numpy(images.copy())
        y = torch.from_numpy(labels.copy())
        logits, _ = model(x)
        loss = F.cross_entropy(logits, y)
        _, taps = model(torch.from_numpy(pair_images.copy()))
        loss = loss + ALPHA * similarity_loss(model, taps, torch.from_numpy(targets.copy()))
        optimizer.zero_grad(set_to_none=False)
        loss.backward()
        optimizer.step()
        return loss.item(), logits.detach().numpy().copy()

    for _ in range(5):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    print("# torch %s: widths %s, %d threads, median of %d steps"
          % (torch.__version__, widths, torch.get_num_threads(), steps))
    print("# torch training step: %.1f images/s (%.1f ms per step of %d + %d images)"
          % ((BATCH + 2 * PAIRS) / seconds, seconds * 1e3, BATCH, 2 * PAIRS))


if __name__ == "__main__":
    main()
