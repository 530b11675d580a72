"""Ratio table of the peer benchmark: reads the JSON lines that ./run collected (one per process and
round: Spinal, PyTorch, Keras, interleaved), takes each row's median over rounds, prints a Markdown
table with Spinal/peer ratios (>1 means Spinal is better: faster, or lower latency / memory).

Usage: python report.py results.jsonl
"""
import json
import statistics
import sys

ROWS = [  # key, label, higher is better
    ("train_vgg5_b64", "training images/s, VGG-5 + ProgressiveSpinal, batch 64", True),
    ("train_head_b16", "training images/s, head alone 2048->1024x4->250, batch 16", True),
    ("train_head_b256", "training images/s, head alone 2048->1024x4->250, batch 256", True),
    ("infer_b1_p50_ms", "inference latency batch 1, p50 (ms)", False),
    ("infer_b1_p99_ms", "inference latency batch 1, p99 (ms)", False),
    ("infer_b256", "inference images/s, batch 256", True),
    ("peak_rss_mb", "peak RSS of the process (MB)", False),
]
FRAMEWORKS = ["spinal", "torch", "keras"]


def main(path):
    runs = {f: [] for f in FRAMEWORKS}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                runs[d["framework"]].append(d)
    med = {f: {k: statistics.median(r[k] for r in runs[f]) for k, _, _ in ROWS} for f in FRAMEWORKS
           if runs[f]}
    print(f"rounds: " + ", ".join(f"{f} {len(runs[f])}" for f in FRAMEWORKS))
    for f in FRAMEWORKS:
        if runs[f]:
            r = runs[f][0]
            extra = f", keras jit_compile={r['keras_jit_compile']}" if "keras_jit_compile" in r else ""
            print(f"{f}: {r['version']}, intra-op {r['intra_op_threads']}, inter-op {r['inter_op_threads']}{extra}")
    print()
    print("| row | Spinal | PyTorch | Keras | Spinal/PyTorch | Spinal/Keras |")
    print("|---|---|---|---|---|---|")
    for key, label, higher in ROWS:
        s, t, k = (med.get(f, {}).get(key, float("nan")) for f in FRAMEWORKS)
        ratio = (lambda p: s / p) if higher else (lambda p: p / s)
        print(f"| {label} | {s:.1f} | {t:.1f} | {k:.1f} | {ratio(t):.2f} | {ratio(k):.2f} |")
    if runs["spinal"] and "matmul_gflops" in runs["spinal"][0]:
        matmul = statistics.median(r["matmul_gflops"] for r in runs["spinal"])
        per_image = runs["spinal"][0]["vgg5_train_gflop_per_image"]
        fractions = ", ".join(f"{name} {med[f]['train_vgg5_b64'] * per_image / matmul:.2f}"
                              for f, name in zip(FRAMEWORKS, ["Spinal", "PyTorch", "Keras"]) if f in med)
        print()
        print(f"MatMul ceiling (TF MatMul 2048^3 float32 in Spinal's process, median): {matmul:.1f} GFLOP/s. VGG-5"
              f" training ({per_image:.3f} GFLOP per image: 3 x the analytic forward FLOPs) as a fraction of it:"
              f" {fractions}.")
    print()
    print("Ratios: Spinal/peer for rates; peer/Spinal for latency and memory (so > 1 always means Spinal"
          " is better). Medians over rounds; all rounds:")
    for key, _, _ in ROWS:
        print(f"  {key}: " + "; ".join(
            f"{f} " + ", ".join(f"{r[key]:.1f}" for r in runs[f]) for f in FRAMEWORKS if runs[f]))


if __name__ == "__main__":
    main(sys.argv[1])
