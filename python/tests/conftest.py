"""Test setup: the package and the fixture reader importable, one CPU thread per test process."""

import sys
from pathlib import Path

import torch

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
torch.set_num_threads(1)
