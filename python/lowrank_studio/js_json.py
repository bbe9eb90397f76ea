"""JSON text exactly as JavaScript's JSON.stringify(value, null, 2) writes it, so the run header
the twin puts in an event file is the same string the studio puts there: numbers in
ECMAScript's form (5 for 5.0, 1e-7, 1e+21), integer-like keys first, two-space indents."""

import json
import math
from decimal import Decimal
from typing import Any, List

_SAFE_INTEGER = 2 ** 53


def js_number(value: Any) -> str:
    """Number::toString of ECMAScript, from the shortest digits that read back (Python's repr)."""
    if isinstance(value, int) and abs(value) < _SAFE_INTEGER:
        return str(value)
    value = float(value)
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    parts = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, parts.digits))
    exponent = int(parts.exponent)
    while len(digits) > 1 and digits.endswith("0"):
        digits, exponent = digits[:-1], exponent + 1
    k = len(digits)
    n = exponent + k  # the value is 0.digits x 10^n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _keys(obj: dict) -> List[str]:
    """JavaScript's property order: array indices ascending, then the rest as inserted."""
    def is_index(key: str) -> bool:
        return key.isdigit() and str(int(key)) == key and int(key) < 2 ** 32 - 1
    indices = sorted((k for k in obj if is_index(k)), key=int)
    return indices + [k for k in obj if not is_index(k)]


def stringify(value: Any, indent: str = "") -> str:
    if value is None or value is True or value is False:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [inner + stringify(item, inner) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    if not value:
        return "{}"
    fields = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {stringify(value[k], inner)}"
              for k in _keys(value)]
    return "{\n" + ",\n".join(fields) + "\n" + indent + "}"
