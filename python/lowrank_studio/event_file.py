"""TensorBoard event files by hand: CRC-32C, the few protobuf fields of Event, Summary, histograms
and text tensors, and TFRecord framing. The twin needs no tensorboard package to write them, and
writes the bytes src/runs/tensorboard/ writes (field numbers of TensorBoard's event.proto,
summary.proto, histogram.proto and tensor.proto)."""

import struct
from typing import Any, Dict, List, Optional, Sequence

FILE_VERSION = "brain.Event:2"
DT_STRING = 7


def _crc_table() -> List[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's mask: a CRC kept beside the bytes it covers is rotated and offset."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _length_delimited(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def _string(field: int, text: str) -> bytes:
    return _length_delimited(field, text.encode("utf-8"))


def _double(field: int, value: float) -> bytes:
    # proto3 leaves out a plain field at its default
    return _key(field, 1) + struct.pack("<d", value) if value != 0 else b""


def _packed_doubles(field: int, values: Sequence[float]) -> bytes:
    return _length_delimited(field, struct.pack(f"<{len(values)}d", *values)) if values else b""


def _histogram(h: Dict[str, Any]) -> bytes:
    return (_double(1, h["min"]) + _double(2, h["max"]) + _double(3, h["num"])
            + _double(4, h["sum"]) + _double(5, h["sumSquares"])
            + _packed_doubles(6, h["bucketLimit"]) + _packed_doubles(7, h["bucket"]))


def _value(value: Dict[str, Any]) -> bytes:
    """A Summary.Value: {"kind": "scalar" | "histogram" | "text", "tag", and its content}."""
    out = _string(1, value["tag"])
    if value["kind"] == "scalar":
        return out + _key(2, 5) + struct.pack("<f", value["value"])
    if value["kind"] == "histogram":
        return out + _length_delimited(5, _histogram(value["histogram"]))
    # a scalar string tensor and the text plugin's name, as TensorBoard's text summary writes them
    tensor = _key(1, 0) + _varint(DT_STRING) + _length_delimited(2, b"") + _string(8, value["text"])
    metadata = _length_delimited(1, _string(1, "text"))
    return out + _length_delimited(8, tensor) + _length_delimited(9, metadata)


def encode_event(wall_time: float, step: int, summary: Optional[List[Dict[str, Any]]] = None,
                 file_version: Optional[str] = None) -> bytes:
    out = _double(1, wall_time) + (_key(2, 0) + _varint(step) if step else b"")
    if file_version is not None:
        out += _string(3, file_version)
    if summary is not None:
        out += _length_delimited(5, b"".join(_length_delimited(1, _value(v)) for v in summary))
    return out


def record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


def encode_event_file(events: List[Dict[str, Any]]) -> bytes:
    """A version record at the first event's wall time, then `events` ({wallTime, step,
    summary})."""
    start = events[0]["wallTime"] if events else 0.0
    records = [encode_event(start, 0, file_version=FILE_VERSION)]
    records += [encode_event(e["wallTime"], e["step"], e["summary"]) for e in events]
    return b"".join(record(r) for r in records)
