"""Loads an exported model.safetensors into a PyTorch ResNet-18 variant and prints its logits.

It does what a PyTorch user does with the trainer's export. It reads the file: an 8-byte
little-endian header length, a JSON header, then raw little-endian float32 data. It builds the
network from the metadata alone (stage widths and class count; the stem is a 7x7 stride-1
convolution and there is no max pool) and loads the weights by their torchvision names. It
classifies in evaluation mode with inputs scaled as 5 * (x - 0.5). The regulariser's tensors
(similarity.*) are not part of the network and are skipped.

Usage: safetensors_logits.py MODEL.safetensors IMAGES.json OUTPUT.json
IMAGES.json holds {"shape": [N, 1, H, W], "values": [...]} with pixels in [0, 1]; OUTPUT.json
receives {"logits": [...], "missing": [...], "unexpected": [...]}.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + header_length:]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError("tensor %s has unsupported dtype %s; expected F32" % (name, entry["dtype"]))
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


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


class ResNet(nn.Module):
    def __init__(self, widths, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 7, 1, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        channels = widths[0]
        for stage, width in enumerate(widths):
            blocks = []
            for block in range(2):
                blocks.append(BasicBlock(channels, width, 2 if block == 0 and stage > 0 else 1))
                channels = width
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(widths[-1], classes)

    def forward(self, images):
        x = F.relu(self.bn1(self.conv1(5 * (images - 0.5))))
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        return self.fc(x.mean(dim=(2, 3)))


def main():
    tensors, metadata = read_safetensors(sys.argv[1])
    widths = json.loads(metadata["widths"])
    classes = len(metadata["class_names"].split(","))
    model = ResNet(widths, classes)
    weights = {name: value for name, value in tensors.items() if not name.startswith("similarity.")}
    result = model.load_state_dict(weights, strict=False)
    model.eval()

    with open(sys.argv[2]) as f:
        images = json.load(f)
    x = torch.tensor(images["values"], dtype=torch.float32).reshape(images["shape"])
    with torch.no_grad():
        logits = model(x)
    missing = [name for name in result.missing_keys if not name.endswith("num_batches_tracked")]
    with open(sys.argv[3], "w") as f:
        json.dump({"logits": logits.flatten().tolist(), "missing": missing,
                   "unexpected": list(result.unexpected_keys)}, f)


if __name__ == "__main__":
    main()
