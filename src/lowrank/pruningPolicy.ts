// When to prune and how much (docs/method.md, "Pruning policy"): the pruning window in fractions
// of the run, the loss gate that keeps pruning away from a net that has not learned yet, the
// spacing of prune events, the floors and the per-event cap, and the target-size controller that
// steers the cut so that the run ends at the size the user picked. Pure arithmetic on |s| and
// layer shapes: the trainer reads |s| back and applies the plan.
import type { TrainConfig } from '../config';
import { accountLayer, type Cost, type LayerShape } from './accounting';
import { directionsToKeep, type PruneRule } from './directions';
import { pruneEndFraction } from './schedules';

/** The settings the policy reads: all of them live knobs. */
export type PolicySettings = Pick<
  TrainConfig,
  | 'mode'
  | 'pruning'
  | 'schedule'
  | 'pruneStart'
  | 'pruneEnd'
  | 'pruneInterval'
  | 'pruneLossDrop'
  | 'pruneCap'
  | 'minRank'
  | 'pruneClassifier'
  | 'pruneRule'
  | 'pruneThreshold'
  | 'energyEpsilon'
  | 'targetParamsKept'
  | 'fadeBeforeCut'
>;

/** One factorised layer as the policy sees it. */
export interface PolicyLayer {
  /** accounting shape at the layer's current rank */
  shape: LayerShape;
  /** |s| in the layer's current direction order */
  singularValues: ArrayLike<number>;
}

export interface PolicyModel {
  layers: PolicyLayer[];
  /** params and MACs of everything that is not factorised (stem, BatchNorm, ...) */
  fixed: Cost;
  /** params of the dense network, the denominator of "params kept" */
  denseParams: number;
  classes: number;
}

/** Saved with checkpoints, so a resumed run prunes exactly as the original would have. */
export interface PolicyState {
  /** first smoothed train cross-entropy seen, the reference of the loss gate */
  initialLoss: number | null;
  /** exponential moving average of the train cross-entropy */
  smoothedLoss: number | null;
  /** progress at which the window opened (start reached and the loss gate passed) */
  openedAt: number | null;
  /** progress of the last scheduled prune event */
  lastEventAt: number | null;
  /** the event at the window's end has run: the architecture is frozen */
  closed: boolean;
  /** per layer, the directions fading towards 0 before the next event cuts them */
  fading: number[][];
}

/** What one prune event does: directions to keep per layer, then the kept ones to fade. */
export interface PrunePlan {
  keep: number[][];
  /** indices into each layer after the cut (its kept directions), faded until the next event */
  fade: number[][];
}

/** The model with only directions `keep[l]` of each layer. */
function restrict(model: PolicyModel, keep: readonly number[][]): PolicyModel {
  return {
    ...model,
    layers: model.layers.map((layer, l) => ({
      shape: { ...layer.shape, rank: keep[l].length },
      singularValues: keep[l].map((i) => layer.singularValues[i]),
    })),
  };
}

/** Weight of the newest loss in the moving average: about the last 20 steps. */
const LOSS_SMOOTHING = 0.05;

/**
 * Keep at least this many directions of a layer: `minRank`, and classes - 1 for the classifier
 * (fewer cannot separate the classes linearly); all of them for an unpruned classifier.
 */
export function rankFloor(
  shape: LayerShape,
  settings: Pick<PolicySettings, 'minRank' | 'pruneClassifier'>,
  classes: number,
): number {
  if (shape.kind === 'dense' && !settings.pruneClassifier) return shape.rank;
  const floor = shape.kind === 'dense' ? Math.max(settings.minRank, classes - 1) : settings.minRank;
  return Math.min(shape.rank, Math.max(1, floor));
}

/** Most directions one event may remove from a layer of rank `rank` (at least one). */
export function eventCap(rank: number, pruneCap: number): number {
  return Math.max(1, Math.floor(pruneCap * rank));
}

/** The prune rule of the settings, as the pruning module takes it. */
export function pruneRuleOf(
  settings: Pick<PolicySettings, 'pruneRule' | 'pruneThreshold' | 'energyEpsilon'>,
): PruneRule {
  return settings.pruneRule === 'relative'
    ? { kind: 'relative', threshold: settings.pruneThreshold }
    : { kind: 'energy', epsilon: settings.energyEpsilon };
}

/** Indices of the `count` largest |s| of a layer, in their current order. */
function strongest(values: ArrayLike<number>, count: number): number[] {
  const magnitudes = Array.from(values, Math.abs);
  return magnitudes
    .map((_, i) => i)
    .sort((a, b) => magnitudes[b] - magnitudes[a])
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** Deployable params of the whole model with each layer at `ranks[i]`. */
export function deployableParams(model: PolicyModel, ranks: readonly number[]): number {
  return model.layers.reduce(
    (sum, layer, i) => sum + accountLayer({ ...layer.shape, rank: ranks[i] }).deployable.params,
    model.fixed.params,
  );
}

/**
 * Target-size schedule (the cubic ramp of gradual pruning, Zhu and Gupta 2017): the share of
 * params to keep at `t` in [0, 1] of the window, from 1 at its start to `target` at its end.
 * Cutting most while the learning rate is high leaves time to recover from each cut.
 */
export function budgetAt(target: number, t: number): number {
  const remaining = 1 - Math.min(1, Math.max(0, t));
  return target + (1 - target) * remaining ** 3;
}

/**
 * Ranks that bring the model to at most `budget` deployable params: removes, one at a time, the
 * direction holding the smallest share of its layer's energy (s_i^2 / sum s^2), across layers,
 * within the floors and at most `caps[i]` directions per layer. Returns the kept indices per layer.
 */
export function cutToBudget(
  model: PolicyModel,
  budget: number,
  floors: readonly number[],
  caps: readonly number[],
): number[][] {
  const ranks = model.layers.map((layer) => layer.shape.rank);
  const candidates = model.layers.flatMap((layer, l) => {
    const energies = Array.from(layer.singularValues, (s) => s * s);
    const total = energies.reduce((a, b) => a + b, 0) || 1;
    return energies.map((energy, index) => ({ layer: l, index, share: energy / total }));
  });
  candidates.sort((a, b) => a.share - b.share);
  const removed = model.layers.map(() => new Set<number>());
  let params = deployableParams(model, ranks);
  for (const { layer, index } of candidates) {
    if (params <= budget) break;
    if (ranks[layer] <= floors[layer] || removed[layer].size >= caps[layer]) continue;
    removed[layer].add(index);
    ranks[layer]--;
    params = deployableParams(model, ranks);
  }
  return model.layers.map((layer, l) =>
    Array.from({ length: layer.shape.rank }, (_, i) => i).filter((i) => !removed[l].has(i)),
  );
}

/** Kept indices per layer under the threshold rule, within the floors and the caps. */
export function cutByRule(
  model: PolicyModel,
  rule: PruneRule,
  floors: readonly number[],
  caps: readonly number[],
): number[][] {
  return model.layers.map((layer, l) => {
    const keep = directionsToKeep(layer.singularValues, rule, floors[l]);
    const fewest = layer.shape.rank - caps[l];
    return keep.length >= fewest ? keep : strongest(layer.singularValues, fewest);
  });
}

/** The state of a run that has not started pruning. */
export function freshPolicyState(): PolicyState {
  return {
    initialLoss: null,
    smoothedLoss: null,
    openedAt: null,
    lastEventAt: null,
    closed: false,
    fading: [],
  };
}

export class PruningPolicy {
  state: PolicyState = freshPolicyState();

  /** Feeds one step's train cross-entropy to the loss gate. */
  observeLoss(crossEntropy: number): void {
    if (!Number.isFinite(crossEntropy)) return;
    const { smoothedLoss } = this.state;
    this.state.smoothedLoss =
      smoothedLoss === null
        ? crossEntropy
        : smoothedLoss + LOSS_SMOOTHING * (crossEntropy - smoothedLoss);
    this.state.initialLoss ??= crossEntropy;
  }

  /** How far the smoothed train loss has fallen from its first value (0 before any loss). */
  get lossDrop(): number {
    const { initialLoss, smoothedLoss } = this.state;
    if (initialLoss === null || smoothedLoss === null || initialLoss <= 0) return 0;
    return 1 - smoothedLoss / initialLoss;
  }

  /** Whether a scheduled prune event is due at `progress` (the fraction of the run done). */
  due(settings: PolicySettings, progress: number): boolean {
    if (!settings.pruning || settings.mode !== 'lowrank') return false;
    const end = pruneEndFraction(settings);
    if (this.state.closed) return false;
    if (this.state.openedAt === null) {
      if (progress < settings.pruneStart || progress > end) return false;
      if (this.lossDrop < settings.pruneLossDrop) return false;
      this.state.openedAt = progress;
      return true;
    }
    if (progress >= end) return true;
    // a hair of tolerance: progress is a sum of fractions that float rounding can leave short
    return (
      progress - (this.state.lastEventAt ?? this.state.openedAt) >= settings.pruneInterval - 1e-9
    );
  }

  /**
   * The plan of a scheduled event at `progress`. Without a target: the threshold rule within the
   * floors and the cap. With a target: the directions faded since the last event are cut (their
   * s is near 0 by now, so the network hardly changes), and the next ones to fade are chosen so
   * that cutting them at the next event meets that event's budget. At the window's end the model
   * is cut to the target whatever the cap, and nothing fades any more.
   */
  plan(settings: PolicySettings, model: PolicyModel, progress: number): PrunePlan {
    const end = pruneEndFraction(settings);
    const opened = this.state.openedAt ?? progress;
    const final = progress >= end;
    this.state.lastEventAt = progress;
    if (final) this.state.closed = true;
    const floors = model.layers.map((l) => rankFloor(l.shape, settings, model.classes));
    if (settings.targetParamsKept <= 0) {
      this.state.fading = [];
      const caps = model.layers.map((l) => eventCap(l.shape.rank, settings.pruneCap));
      return { keep: cutByRule(model, pruneRuleOf(settings), floors, caps), fade: [] };
    }
    const target = settings.targetParamsKept / 100;
    const budgetAtProgress = (p: number) =>
      budgetAt(target, end > opened ? (p - opened) / (end - opened) : 1) * model.denseParams;
    const faded = model.layers.map((_, l) => new Set(this.state.fading[l] ?? []));
    const keep = model.layers.map((layer, l) =>
      Array.from({ length: layer.shape.rank }, (_, i) => i).filter((i) => !faded[l].has(i)),
    );
    const remaining = restrict(model, keep);
    if (final || !settings.fadeBeforeCut) {
      const caps = remaining.layers.map((l) =>
        final ? l.shape.rank : eventCap(l.shape.rank, settings.pruneCap),
      );
      const budget = budgetAtProgress(final ? end : progress);
      const kept = cutToBudget(remaining, budget, floors, caps);
      this.state.fading = [];
      return { keep: keep.map((indices, l) => kept[l].map((i) => indices[i])), fade: [] };
    }
    const caps = remaining.layers.map((l) => eventCap(l.shape.rank, settings.pruneCap));
    const next = Math.min(end, progress + settings.pruneInterval);
    const survivors = cutToBudget(remaining, budgetAtProgress(next), floors, caps);
    // indices into the layer after this event's cut, i.e. into `keep`
    const fade = survivors.map((kept, l) => {
      const stays = new Set(kept);
      return keep[l].map((_, i) => i).filter((i) => !stays.has(i));
    });
    this.state.fading = fade;
    return { keep, fade };
  }

  /**
   * After the window: a target lowered below the model's size is applied at once (like a lowered
   * rank cap); returns null when nothing is to be cut.
   */
  enforceTarget(settings: PolicySettings, model: PolicyModel): PrunePlan | null {
    if (!this.state.closed || settings.targetParamsKept <= 0 || !settings.pruning) return null;
    const budget = (settings.targetParamsKept / 100) * model.denseParams;
    const ranks = model.layers.map((l) => l.shape.rank);
    if (deployableParams(model, ranks) <= budget) return null;
    const floors = model.layers.map((l) => rankFloor(l.shape, settings, model.classes));
    return { keep: cutToBudget(model, budget, floors, ranks), fade: [] };
  }

  /** "Prune now": the threshold rule at once, within the floors, with no cap. */
  manual(settings: PolicySettings, model: PolicyModel): PrunePlan {
    const floors = model.layers.map((l) => rankFloor(l.shape, settings, model.classes));
    const ranks = model.layers.map((l) => l.shape.rank);
    const keep = cutByRule(model, pruneRuleOf(settings), floors, ranks);
    return { keep, fade: this.remapFading(keep) };
  }

  /** The fading directions that a cut keeps, renumbered into the layers after the cut. */
  remapFading(keep: readonly number[][]): number[][] {
    this.state.fading = keep.map((kept, l) => {
      const fading = new Set(this.state.fading[l] ?? []);
      return kept.map((i, position) => (fading.has(i) ? position : -1)).filter((i) => i >= 0);
    });
    return this.state.fading;
  }
}
