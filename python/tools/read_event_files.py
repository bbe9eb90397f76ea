"""Reads a folder of TensorBoard event files with TensorBoard's own reader and prints what it
found as JSON: per run (the folder holding its files, "." for the top), its scalars as [step,
value] lists, its histograms and its text tensors. Run it with a Python that has the tensorboard
package (python3 -m venv .tensorboard-venv && .tensorboard-venv/bin/pip install tensorboard);
scripts/tensorboard.test.ts checks the studio's and the twin's files with it.

    .tensorboard-venv/bin/python python/tools/read_event_files.py <folder>"""

import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator as ea

# 0 keeps every event of every kind
EVERYTHING = {ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.TENSORS: 0, ea.COMPRESSED_HISTOGRAMS: 0,
              ea.IMAGES: 0, ea.AUDIO: 0}


def read_run(folder: str) -> dict:
    accumulator = ea.EventAccumulator(folder, size_guidance=EVERYTHING)
    accumulator.Reload()
    tags = accumulator.Tags()
    return {
        "scalars": {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)]
                    for tag in tags[ea.SCALARS]},
        "histograms": {tag: [{"step": e.step, "min": e.histogram_value.min,
                              "max": e.histogram_value.max, "num": e.histogram_value.num,
                              "sum": e.histogram_value.sum,
                              "bucketLimit": list(e.histogram_value.bucket_limit),
                              "bucket": list(e.histogram_value.bucket)}
                             for e in accumulator.Histograms(tag)]
                       for tag in tags[ea.HISTOGRAMS]},
        "tensors": {tag: [[e.step, [s.decode("utf-8") for s in e.tensor_proto.string_val]]
                          for e in accumulator.Tensors(tag)]
                    for tag in tags[ea.TENSORS]},
    }


def main(folder: str) -> None:
    runs = {}
    for root, _, files in sorted(os.walk(folder)):
        if any("tfevents" in name for name in files):
            runs[os.path.relpath(root, folder).replace(os.sep, "/")] = read_run(root)
    if not runs:
        sys.exit(f"no event files under {folder}")
    json.dump(runs, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
