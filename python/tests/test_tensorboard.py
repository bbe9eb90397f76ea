"""The twin's TensorBoard event files: CRC-32C, the bytes TensorBoard's own writer makes, and a
run log that reads back from them through a small reader written here (checks both CRCs)."""

import json
import struct
import subprocess
import sys
from pathlib import Path

from lowrank_studio.event_file import crc32c, encode_event_file, masked_crc32c
from lowrank_studio.js_json import stringify
from lowrank_studio.tensorboard import event_files, read_run_log

PYTHON_ROOT = Path(__file__).parent.parent
FIXTURE = PYTHON_ROOT.parent / "e2e" / "fixtures" / "twin-run-log.jsonl"

# made once with TensorBoard 2.21's RecordWriter and event_pb2 (the same bytes as
# src/runs/tensorboard/eventFile.test.ts, which says how): a version record, then loss/total = 0.75
# at step 42, both at wall time 1700000000.25
SCALAR_FILE_HEX = (
    "1800000000000000a37f4b220900001040fc54d9411a0d627261696e2e4576656e743a32338d2fe9"
    "200000000000000029eda9500900001040fc54d941102a2a130a110a0a6c6f73732f746f74616c"
    "150000403f45a9a3fb")


def fields(data: bytes):
    """(field, value) of a protobuf message: varints as ints, fixed64 as doubles, fixed32 as
    floats, length-delimited fields as bytes."""
    at = 0

    def varint():
        nonlocal at
        value = shift = 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value
    while at < len(data):
        key = varint()
        wire = key & 7
        if wire == 0:
            yield key >> 3, varint()
        elif wire == 1:
            yield key >> 3, struct.unpack_from("<d", data, at)[0]
            at += 8
        elif wire == 5:
            yield key >> 3, struct.unpack_from("<f", data, at)[0]
            at += 4
        else:
            length = varint()
            yield key >> 3, data[at:at + length]
            at += length


def read_events(data: bytes):
    """[(step, {tag: float or text})] of a TFRecord file, each record's CRCs checked."""
    events, at = [], 0
    while at < len(data):
        length = data[at:at + 8]
        assert struct.unpack_from("<I", data, at + 8)[0] == masked_crc32c(length)
        size = struct.unpack("<Q", length)[0]
        body = data[at + 12:at + 12 + size]
        assert struct.unpack_from("<I", data, at + 12 + size)[0] == masked_crc32c(body)
        at += 16 + size
        event = dict(fields(body))
        values = {}
        for _, value in fields(event.get(5, b"")):
            parts = dict(fields(value))
            tensor = dict(fields(parts.get(8, b"")))
            values[parts[1].decode()] = tensor[8].decode() if 8 in tensor else parts.get(2)
        events.append((event.get(2, 0), values))
    return events


def test_crc32c_gives_the_castagnoli_check_value_and_tfrecords_mask():
    assert crc32c(b"123456789") == 0xE3069283
    assert masked_crc32c(b"123456789") == 0xC78AB0E5


def test_a_scalar_event_is_byte_for_byte_what_tensorboard_writes():
    scalar = {"kind": "scalar", "tag": "loss/total", "value": 0.75}
    data = encode_event_file([{"wallTime": 1700000000.25, "step": 42, "summary": [scalar]}])
    assert data.hex() == SCALAR_FILE_HEX


def test_the_header_text_is_what_javascripts_json_stringify_writes():
    value = {"b": [1.0, 0.5, 1e-7, 1e21, 2.5e-5], "1": None, "text": "«é»\n", "empty": {}}
    # JSON.stringify(value, null, 2) in Node
    assert stringify(value) == (
        '{\n  "1": null,\n  "b": [\n    1,\n    0.5,\n    1e-7,\n    1e+21,\n    0.000025\n  ],\n'
        '  "text": "«é»\\n",\n  "empty": {}\n}')


def test_a_run_log_reads_back_from_its_event_files():
    header, steps, events = read_run_log(str(FIXTURE))
    files = event_files(str(FIXTURE), 1700000000.5)
    assert list(files) == ["events.out.tfevents.1700000000.lowrank-studio"]
    read = read_events(files["events.out.tfevents.1700000000.lowrank-studio"])
    assert read[0][1] == {}  # the version record
    assert json.loads(read[1][1]["run/header"]) == header
    totals = {step: values["loss/total"] for step, values in read if "loss/total" in values}
    assert sorted(totals) == [s["step"] for s in steps["main"]]
    assert all(totals[s["step"]] == s["total"] for s in steps["main"])
    epochs = [(step, values["accuracy/test"]) for step, values in read if "epoch" in values]
    assert epochs == [(e["summary"]["step"], struct.unpack("<f", struct.pack(
        "<f", e["summary"]["testAccuracy"]))[0]) for e in events if e["type"] == "epoch"]


def test_the_command_writes_the_files_into_the_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lowrank_studio.tensorboard", str(FIXTURE),
                           str(tmp_path), "--start-wall-time", "1700000000.5"],
                          cwd=PYTHON_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "events.out.tfevents.1700000000.lowrank-studio"
    assert written.read_bytes() == event_files(str(FIXTURE), 1700000000.5)[written.name]
