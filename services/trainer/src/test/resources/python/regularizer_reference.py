"""Reference gradients of the similarity regulariser on a tiny network, for RegularizerGradientTest.

Reads inputs.json (shapes and values written by the Java test), computes the loss with PyTorch in
float64 and writes the loss and the gradients of every weight and of gamma to the output file.
Usage: regularizer_reference.py INPUT.json OUTPUT.json
"""
import json
import sys

import torch
import torch.nn.functional as F


def twice_atanh(x):
    return torch.log1p(x) - torch.log1p(-x)


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)

    def tensor(name, grad=False):
        t = torch.tensor(data[name]["values"], dtype=torch.float64).reshape(data[name]["shape"])
        return t.requires_grad_(grad)

    images = tensor("images")
    w1 = tensor("w1", True)
    w2 = tensor("w2", True)
    gamma = tensor("gamma", True)
    means = [tensor("mean0"), tensor("mean1")]
    targets = tensor("targets")
    eps = data["epsilon"]

    tap0 = F.relu(F.conv2d(images, w1, padding=1))
    tap1 = F.relu(F.conv2d(tap0, w2, stride=2, padding=1))
    pairs = images.shape[0] // 2
    cosines = []
    for tap, mean in zip([tap0, tap1], means):
        centred = (tap - mean.reshape(1, -1, 1, 1)).reshape(tap.shape[0], -1)
        a, b = centred[:pairs], centred[pairs:]
        cosines.append((a * b).sum(1) / torch.sqrt((a * a).sum(1) * (b * b).sum(1)))
    similarity = (torch.stack(cosines) * torch.softmax(gamma, 0).reshape(-1, 1)).sum(0)
    model = twice_atanh(similarity.clamp(-1 + eps, 1 - eps))
    target = twice_atanh(targets.clamp(-1 + eps, 1 - eps))
    loss = ((model - target) ** 2).mean()
    loss.backward()

    result = {
        "loss": loss.item(),
        "w1": w1.grad.flatten().tolist(),
        "w2": w2.grad.flatten().tolist(),
        "gamma": gamma.grad.flatten().tolist(),
    }
    with open(sys.argv[2], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
