"""The process group of a run (torchrun's environment, or none) and the few collective
operations the trainer needs. One process is world size 1 and every helper is then a no-op."""

import os
from dataclasses import dataclass
from typing import Any, List

import torch
import torch.distributed as dist


@dataclass
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    backend: str = "none"
    device: str = "cpu"

    @property
    def distributed(self) -> bool:
        return self.size > 1

    @property
    def leader(self) -> bool:
        return self.rank == 0


_world = World()


def current() -> World:
    return _world


def start(device: str) -> World:
    """Joins torchrun's process group where its environment says so (nccl on CUDA, gloo on CPU)."""
    global _world
    size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if size > 1 or "TORCHELASTIC_RUN_ID" in os.environ:
        backend = "nccl" if device == "cuda" else "gloo"
        if device == "cuda":
            torch.cuda.set_device(local_rank)
        if not dist.is_initialized():
            dist.init_process_group(backend)
        _world = World(rank, size, local_rank, backend, device)
    else:
        _world = World(device=device)
    return _world


def stop() -> None:
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum over processes, differentiable (the gradient is summed back the same way)."""
    if not _world.distributed:
        return tensor
    from torch.distributed.nn.functional import all_reduce
    return all_reduce(tensor)


def sum_values(tensor: torch.Tensor) -> torch.Tensor:
    """Sum over processes of a metric tensor (no gradient)."""
    if _world.distributed:
        tensor = tensor.clone()
        dist.all_reduce(tensor)
    return tensor


def broadcast(value: Any) -> Any:
    """Rank 0's `value` on every process (any picklable object)."""
    if not _world.distributed:
        return value
    box: List[Any] = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def shard(count: int) -> slice:
    """This process's contiguous share of `count` items (the first shares one larger)."""
    size, rank = _world.size, _world.rank
    base, extra = divmod(count, size)
    start_at = rank * base + min(rank, extra)
    return slice(start_at, start_at + base + (1 if rank < extra else 0))
