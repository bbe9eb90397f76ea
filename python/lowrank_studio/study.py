"""`python3 -m lowrank_studio.study`: a study's runs of the twin, one folder each under --out, in
the order named, resumable. A finished run (its report.json) is skipped; a stopped one continues
from its checkpoint; so a study can be spread over several sessions or machine loans.

Run names (any seed S):
  dense-sS        the dense recipe; stops after half its epochs once to keep that checkpoint
  targetT-sS      the low-rank recipe at target T% (the given recipe's other settings)
  rule-sS         the paper's rule: no target, --rule-lambda and --rule-tau (or rule-l0.3-t0.1-sS)
  narrow-sS       dense at the width matching target50-sS's deployable params
  fixed-sS        the factorised net held at target50-sS's final ranks from step 0
  posthoc-sS      dense-sS after half the epochs, cut to target50-sS's ranks, fine-tuned
(the baselines take --baseline-target's run, 50 by default).
"""

import argparse
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

NAME = re.compile(r"^(dense|narrow|fixed|posthoc|target(\d+)|rule(?:-l([\d.]+))?(?:-t([\d.]+))?)"
                  r"-s(\d+)$")
HALF = "checkpoint-half.pt"


class StudyError(Exception):
    pass


def parse_name(name: str, rule_lambda: float, rule_tau: float) -> Dict[str, Any]:
    match = NAME.match(name)
    if not match:
        raise StudyError(f"unknown run '{name}': see python3 -m lowrank_studio.study --help")
    kind, target, lam, tau, seed = match.groups()
    kind = "target" if target else "rule" if kind.startswith("rule") else kind
    return {"kind": kind, "seed": int(seed), "target": int(target) if target else None,
            "lambdaRank": float(lam) if lam else rule_lambda,
            "pruneThreshold": float(tau) if tau else rule_tau}


def recipe_for(run: Dict[str, Any], dense: Dict[str, Any], lowrank: Dict[str, Any]):
    """The recipe a run trains: the dense one, or the low-rank one with its target or rule."""
    if run["kind"] in ("dense", "narrow"):
        return dense
    recipe = copy.deepcopy(lowrank)
    if run["kind"] == "target":
        recipe["config"]["targetParamsKept"] = run["target"]
    elif run["kind"] == "rule":
        recipe["config"].update(targetParamsKept=0, lambdaRank=run["lambdaRank"],
                                pruneThreshold=run["pruneThreshold"])
    return recipe


def baseline_flags(run: Dict[str, Any], out: Path, target: int) -> List[str]:
    """The flags that make a baseline of target-T's run (and, for post-hoc, dense's half)."""
    source = out / f"target{target}-s{run['seed']}" / "report.json"
    if run["kind"] not in ("narrow", "fixed", "posthoc"):
        return []
    if not source.exists():
        raise StudyError(f"{run['kind']}-s{run['seed']} needs {source}: run "
                         f"target{target}-s{run['seed']} first")
    if run["kind"] == "narrow":
        return ["--match-params", str(source)]
    if run["kind"] == "fixed":
        return ["--rank-plan", str(source)]
    half = out / f"dense-s{run['seed']}" / HALF
    if not half.exists():
        raise StudyError(f"posthoc-s{run['seed']} needs {half}: run dense-s{run['seed']} first")
    return ["--post-hoc", str(source), "--dense-checkpoint", str(half)]


def twin(args: List[str], log: Path) -> None:
    # the package this module is in, wherever the study is started from
    package_root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    with open(log, "a", encoding="utf-8") as stdout:
        done = subprocess.run([sys.executable, "-m", "lowrank_studio", *args], stdout=stdout,
                              stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode:
        raise StudyError(f"the twin failed (exit {done.returncode}): see {log}")


def epochs_done(folder: Path) -> int:
    log = folder / "run-log.jsonl"
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if '"type": "epoch"' in line)


def run_one(name: str, options: argparse.Namespace, dense: Dict[str, Any],
            lowrank: Dict[str, Any]) -> Optional[Path]:
    """Trains (or continues) one run; returns its folder, or None if it had finished already."""
    run = parse_name(name, options.rule_lambda, options.rule_tau)
    folder = options.out / name
    if (folder / "report.json").exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    recipe = recipe_for(run, dense, lowrank)
    (folder / "recipe.json").write_text(json.dumps(recipe, indent=2) + "\n")
    common = ["--recipe", str(folder / "recipe.json"), "--data", str(options.data), "--out",
              str(folder), "--log-every", str(options.log_every),
              *(["--device", options.device] if options.device else []),
              *(["--threads", str(options.threads)] if options.threads is not None else [])]
    log = folder / "stdout.log"
    checkpoint = folder / "checkpoint.pt"
    start = (["--resume", str(checkpoint)] if checkpoint.exists()
             else ["--validation", str(options.validation), "--seed", str(run["seed"]),
                   *baseline_flags(run, options.out, options.baseline_target)])
    half = recipe["config"]["epochs"] // 2
    if run["kind"] == "dense" and not (folder / HALF).exists():
        # dense stops once at half its epochs: post-hoc starts from that checkpoint
        if epochs_done(folder) > half:
            raise StudyError(f"{folder} went past epoch {half} without keeping {HALF}")
        if epochs_done(folder) < half:
            twin([*common, *start, "--stop-after-epochs", str(half - epochs_done(folder))], log)
            start = ["--resume", str(checkpoint)]
        (folder / HALF).write_bytes(checkpoint.read_bytes())
    twin([*common, *start], log)
    return folder


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m lowrank_studio.study", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run names, in order (see above)")
    p.add_argument("--dense-recipe", type=Path, required=True)
    p.add_argument("--lowrank-recipe", type=Path, required=True,
                   help="a low-rank recipe; targets and the rule change its size settings only")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--validation", type=int, default=5000)
    p.add_argument("--device", choices=["cpu", "cuda"])
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--threads", type=int,
                   help="each run's CPU threads (default: every core); 1 for two studies side by "
                        "side on two cores")
    p.add_argument("--baseline-target", type=int, default=50)
    p.add_argument("--rule-lambda", type=float, default=0.3, help="λ_r of rule runs (0.3)")
    p.add_argument("--rule-tau", type=float, default=0.1, help="τ of rule runs (0.1)")
    options = p.parse_args(argv)
    try:
        names = options.runs
        for name in names:
            parse_name(name, options.rule_lambda, options.rule_tau)
        dense = json.loads(options.dense_recipe.read_text())
        lowrank = json.loads(options.lowrank_recipe.read_text())
        if dense["config"]["mode"] != "dense" or lowrank["config"]["mode"] != "lowrank":
            raise StudyError("--dense-recipe must be a dense recipe, "
                             "--lowrank-recipe a low-rank one")
        for name in names:
            folder = run_one(name, options, dense, lowrank)
            print(f"{name}: {'finished already' if folder is None else 'done'}", flush=True)
    except StudyError as error:
        print(f"study: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
