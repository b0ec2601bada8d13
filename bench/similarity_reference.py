"""PyTorch reference for bench/similarity.bench: the centred cosine similarity of images x neurons
float32 responses (each neuron centred over the images and weighted, each image scaled to unit
length, all pairs by one matrix product), as a lab's script would compute it.

Usage: /usr/bin/python3 bench/similarity_reference.py FILE IMAGES NEURONS
FILE holds IMAGES x NEURONS little-endian float32 values, row-major. Prints seconds=, the sum of
squared upper-triangle similarities as a checksum, and the threads and BLAS library in use.
"""
import os
import sys
import time

import numpy as np
import torch


def centred_cosine(x, weights):
    centred = (x - x.mean(dim=0)) * weights
    inverse_norm = (centred * centred).sum(dim=1).rsqrt()
    similarity = centred @ centred.T
    similarity *= inverse_norm[:, None]
    similarity *= inverse_norm[None, :]
    return similarity.clamp_(-1.0, 1.0)


def loaded_blas():
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1] for line in maps if "blas" in line.lower()}
    return ", ".join(sorted(names)) or "none found in /proc/self/maps"


def main():
    path, images, neurons = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(os.cpu_count())
    x = torch.from_numpy(np.fromfile(path, dtype="<f4", count=images * neurons).reshape(images, neurons))
    weights = torch.tensor([0.5 + (n % 7) / 7 for n in range(neurons)], dtype=torch.float32)

    centred_cosine(x[:1024, :1024].contiguous(), weights[:1024])  # warm-up
    start = time.perf_counter()
    similarity = centred_cosine(x, weights)
    seconds = time.perf_counter() - start

    squares = (torch.triu(similarity) ** 2).sum(dtype=torch.float64).item()
    print(f"seconds={seconds:.4f}")
    print(f"sum_of_squares={squares:.10e}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS library {loaded_blas()}")


if __name__ == "__main__":
    main()
