"""Entry point of `python3 -m lowrank_studio` and `torchrun -m lowrank_studio`."""

from lowrank_studio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
