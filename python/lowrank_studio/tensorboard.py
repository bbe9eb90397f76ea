"""A run log (run-log.jsonl) as TensorBoard event files, byte for byte as the studio writes them
(src/runs/tensorboard/runEvents.ts): the same tags, buckets, wall times and file names.
`python3 -m lowrank_studio.tensorboard <run-log.jsonl> <out-dir> [--start-wall-time S]`."""

import argparse
import json
import math
import os
import struct
import sys
from typing import Any, Dict, List, Optional, Tuple

from lowrank_studio.event_file import encode_event_file
from lowrank_studio.js_json import stringify

STEP_TAGS = (("crossEntropy", "loss/cross_entropy"), ("orth", "loss/orthogonality"),
             ("rank", "loss/rank"), ("total", "loss/total"), ("trainAccuracy", "accuracy/train"),
             ("learningRate", "schedule/learning_rate"), ("lambdaRank", "schedule/lambda_rank"),
             ("stepMs", "speed/step_ms"))
SIZE_TAGS = (("paramsKept", "size/params_kept"),
             ("factorisedParamsKept", "size/factorised_params_kept"),
             ("macsKept", "size/macs_kept"), ("rankKept", "size/rank_kept"),
             ("compressionRatio", "size/compression_ratio"))
HEADER_TAG = "run/header"
BASELINE_FOLDER = "dense-baseline"
# equal buckets from 0 to each spectrum's largest value (runEvents.ts says why)
SPECTRUM_BUCKETS = 30


def f32(value: Any) -> float:
    """The float32 nearest `value` (the studio keeps step metrics and spectra as float32)."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(tag: str, value: Any) -> List[Dict[str, Any]]:
    finite = _is_number(value) and math.isfinite(f32(value))
    return [{"kind": "scalar", "tag": tag, "value": value}] if finite else []


def _sizes(size: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [v for field, tag in SIZE_TAGS for v in _scalar(tag, size.get(field))]


def read_run_log(path: str) -> Tuple[Dict[str, Any], Dict[str, List[Dict[str, Any]]], list]:
    """The header, each run's steps and the events, as src/runLog.ts's decodeRunLog reads them."""
    with open(path, encoding="utf-8") as file:
        lines = [(n, json.loads(line)) for n, line in enumerate(file, 1) if line.strip()]
    if not lines or lines[0][1].get("format") != "lowrank-studio-run-log":
        raise ValueError(f"{path} is not a run log: its first line must be the run log's header")
    header = lines[0][1]
    if not _is_number(header.get("stepsPerEpoch")):
        batch = header["config"]["batchSize"]
        train = header["dataset"].get("trainCount")
        header["stepsPerEpoch"] = math.ceil((batch if train is None else train) / batch)
    steps: Dict[str, List[Dict[str, Any]]] = {"main": [], "baseline": []}
    events = []
    for number, record in lines[1:]:
        kind = record.get("type")
        run = "baseline" if record.get("run") == "baseline" else "main"
        if kind == "step":
            # a diverged step's null stays missing
            steps[run].append({**record, **{f: f32(record[f]) if _is_number(record.get(f)) else None
                                            for f, _ in STEP_TAGS}})
        elif kind in ("epoch", "evaluation", "pruned", "spectra"):
            if kind in ("epoch", "evaluation"):
                record["run"] = run
            if kind == "evaluation":
                record["scope"] = "slice" if record.get("scope") == "slice" else "full"
            events.append(record)
        else:
            raise ValueError(f"{path}, line {number}: unknown record type '{kind}'")
    return header, steps, events


def _event_step(event: Dict[str, Any]) -> int:
    return event["summary"]["step"] if event["type"] == "epoch" else event["step"]


def _event_run(event: Dict[str, Any]) -> str:
    return event["run"] if event["type"] in ("epoch", "evaluation") else "main"


def _spectrum_histogram(spectrum: List[Any]) -> Optional[Dict[str, Any]]:
    # a null reads as 0, as in a Float32Array
    values = [v for v in (f32(0.0 if v is None else v) for v in spectrum) if math.isfinite(v)]
    if not values:
        return None
    top = max(values) if max(values) > 0 else 1.0
    bucket = [0.0] * SPECTRUM_BUCKETS
    total = squares = 0.0
    for value in values:
        total += value
        squares += value * value
        bucket[min(SPECTRUM_BUCKETS - 1, max(0, math.floor(value / top * SPECTRUM_BUCKETS)))] += 1
    return {"min": min(values), "max": max(values), "num": float(len(values)), "sum": total,
            "sumSquares": squares, "bucket": bucket,
            "bucketLimit": [top * (i + 1) / SPECTRUM_BUCKETS for i in range(SPECTRUM_BUCKETS)]}


def _event_values(event: Dict[str, Any], split: str) -> List[Dict[str, Any]]:
    if event["type"] == "epoch":
        s = event["summary"]
        return (_scalar(f"accuracy/{split}", s.get("testAccuracy"))
                + _scalar(f"loss/{split}", s.get("testLoss")) + _sizes(s["size"])
                + _scalar("epoch", s.get("epoch")))
    if event["type"] == "evaluation":
        if event["scope"] == "full":
            return (_scalar("accuracy/test", event.get("testAccuracy"))
                    + _scalar("loss/test", event.get("testLoss")))
        return _scalar("accuracy/test_slice", event.get("testAccuracy"))
    if event["type"] == "pruned":
        return _sizes(event["size"])
    out = []
    spectra = event.get("values") or []
    for i, layer in enumerate(event["layers"]):
        out += _scalar(f"rank/{layer['name']}", layer.get("rank"))
        histogram = _spectrum_histogram(spectra[i]) if i < len(spectra) else None
        if histogram:
            out.append({"kind": "histogram", "tag": f"spectrum/{layer['name']}",
                        "histogram": histogram})
    return out


def run_events(header: Dict[str, Any], steps: List[Dict[str, Any]], events: list,
               start: float) -> List[Dict[str, Any]]:
    """One run's events: the header at step 0, then its steps and events in step order."""
    text = {"kind": "text", "tag": HEADER_TAG, "text": stringify(header)}
    out = [{"wallTime": start, "step": 0, "summary": [text]}]
    epochs = [e["summary"] for e in events if e["type"] == "epoch"]
    split = "validation" if header["dataset"].get("validationCount") else "test"
    elapsed_ms = 0.0
    wall_time = start
    next_step = 0

    def steps_up_to(step: float) -> None:
        nonlocal elapsed_ms, wall_time, next_step
        while next_step < len(steps) and steps[next_step]["step"] <= step:
            record = steps[next_step]
            next_step += 1
            if _is_number(record["stepMs"]) and math.isfinite(record["stepMs"]):
                elapsed_ms += record["stepMs"]
            wall_time = start + elapsed_ms / 1000
            values = [v for field, tag in STEP_TAGS for v in _scalar(tag, record[field])]
            out.append({"wallTime": wall_time, "step": int(record["step"]), "summary": values})

    for event in events:
        steps_up_to(_event_step(event))
        # the twin logs each epoch's evaluation beside its epoch: written once, as the epoch's
        repeats = event["type"] == "evaluation" and any(
            (s.get("step"), s.get("testAccuracy"), s.get("testCount"))
            == (event.get("step"), event.get("testAccuracy"), event.get("count")) for s in epochs)
        values = [] if repeats else _event_values(event, split)
        if values:
            out.append({"wallTime": wall_time, "step": int(_event_step(event)), "summary": values})
    steps_up_to(math.inf)
    return out


def event_files(path: str, start: float) -> Dict[str, bytes]:
    """The event files of the run log at `path`, by their path in the output folder."""
    header, steps, events = read_run_log(path)
    name = f"events.out.tfevents.{math.floor(start)}.lowrank-studio"
    has_baseline = bool(steps["baseline"]) or any(_event_run(e) == "baseline" for e in events)
    files = {}
    for run in ("main", "baseline") if has_baseline else ("main",):
        mine = [e for e in events if _event_run(e) == run]
        files[name if run == "main" else f"{BASELINE_FOLDER}/{name}"] = encode_event_file(
            run_events(header, steps[run], mine, start))
    return files


def write_event_files(path: str, out: str, start: float) -> List[str]:
    written = []
    for name, data in event_files(path, start).items():
        target = os.path.join(out, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as file:
            file.write(data)
        written.append(target)
    return written


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m lowrank_studio.tensorboard",
                                description="Writes a run log's TensorBoard event files.")
    p.add_argument("run_log", help="run-log.jsonl of the studio or the twin")
    p.add_argument("out", help="folder to point TensorBoard at (tensorboard --logdir <out>)")
    p.add_argument("--start-wall-time", type=float, default=None,
                   help="when the run began, seconds since 1970 (default: the log's modification "
                        "time less its steps' time)")
    args = p.parse_args(argv)
    try:
        start = args.start_wall_time
        if start is None:
            _, steps, _ = read_run_log(args.run_log)
            spent = sum(s["stepMs"] for s in steps["main"]
                        if _is_number(s["stepMs"]) and math.isfinite(s["stepMs"]))
            start = os.path.getmtime(args.run_log) - spent / 1000
        for target in write_event_files(args.run_log, args.out, start):
            print(f"wrote {target}", file=sys.stderr)
        return 0
    except (OSError, ValueError, KeyError) as error:
        print(f"lowrank_studio.tensorboard: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
