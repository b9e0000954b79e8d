# SPDX-License-Identifier: MIT
"""PyTorch CPU peer for scripts/bench_models.mjs: builds one of the modules in zoo_modules.py, optionally loads
weights exported from the tfjs model (.safetensors with upstream keys), writes its logits for a given input,
times it, and exports it to ONNX with torch.onnx.export for the onnxruntime peer. Needs only torch and numpy
(Debian's python3-torch under /usr/bin/python3).

  zoo_torch.py --model nat_mini [--weights w.safetensors] [--input x.npy --logits-out y.npy]
               [--onnx out.onnx] [--batches 1,8] [--quick] [--target-s 3] [--threads 1]
Prints one JSON object on stdout; progress on stderr.
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time
import warnings

import numpy as np
import torch

from zoo_registry import MODELS


# ---------------------------------------------------------------- I/O

def read_safetensors(path):
    """A minimal reader for float32 safetensors files (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}; only F32 is read")
        begin, end = info["data_offsets"]
        array = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=base + begin)
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def log(message):
    print(f"[zoo_torch] {message}", file=sys.stderr, flush=True)


def time_forward(model, batch, size, quick, target_s):
    """Warm-up (not timed), then enough runs to fill target_s: at least 3, fewer when one run is slow (quick: 1-2)."""
    x = torch.randn(batch, 3, size, size)

    def once():
        t0 = time.perf_counter()
        model(x)
        return time.perf_counter() - t0

    with torch.no_grad():
        warm = once()
        if not quick and warm < 2:
            warm = once()
        min_runs = 3 if warm < 3 else 2 if warm < 15 else 1
        quick_runs = 1 if warm > 5 else 2   # this Debian build is slow (cct_14 at batch 8: over a minute a run)
        runs = quick_runs if quick else max(min_runs, min(30, math.ceil(target_s / max(warm, 1e-6))))
        return [once() for _ in range(runs)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--weights", help=".safetensors with upstream keys (default: random init)")
    parser.add_argument("--input", help="NHWC float32 .npy to run once; its logits go to --logits-out")
    parser.add_argument("--logits-out")
    parser.add_argument("--onnx", help="export the model to this ONNX file")
    parser.add_argument("--batches", default="", help="comma-separated batch sizes to time (none: no timing)")
    parser.add_argument("--quick", action="store_true", help="1 warm-up + 2 timed runs (1 when the warm-up took over 5 s)")
    parser.add_argument("--target-s", type=float, default=3.0, help="aim for about this much timed work per batch")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    size, build = MODELS[args.model]
    baseline = rss_bytes()
    model = build().eval()
    result = {"model": args.model, "torch": torch.__version__, "threads": torch.get_num_threads(),
              "params": sum(p.numel() for p in model.parameters())}
    if args.weights:
        missing, unexpected = model.load_state_dict(read_safetensors(args.weights), strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise SystemExit(f"--weights {args.weights}: missing {missing[:5]}, unexpected {unexpected[:5]}")
        result["weights"] = "loaded"
    if args.input:
        x = torch.from_numpy(np.load(args.input)).permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            logits = model(x).numpy()
        np.save(args.logits_out, logits)
    result["runs"] = []
    for batch in [int(b) for b in args.batches.split(",") if b]:
        log(f"{args.model} batch {batch}: timing")
        times = time_forward(model, batch, size, args.quick, args.target_s)
        result["runs"].append({"batch": batch, "timesS": times, "peakRssBytes": peak_rss_bytes() - baseline})
        log(f"{args.model} batch {batch}: median {sorted(times)[len(times) // 2] * 1000:.0f} ms over {len(times)} runs")
    if args.onnx:
        log(f"{args.model}: exporting ONNX")
        x = torch.randn(1, 3, size, size)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(model, x, args.onnx, input_names=["image"], output_names=["logits"], opset_version=13,
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
        result["onnx"] = args.onnx
    print(json.dumps(result))


if __name__ == "__main__":
    main()
