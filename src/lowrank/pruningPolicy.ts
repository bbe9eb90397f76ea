// When to prune and how much (docs/method.md, "Pruning policy"): the pruning window in fractions
// of the run, the loss gate that keeps pruning away from a net that has not learned yet, the
// spacing of prune events, the floors and the per-event cap, and the target-size controller that
// steers the cut so that the run ends at the size the user picked. Pure arithmetic on |s| and
// layer shapes: the trainer reads |s| back and applies the plan.
import type { TrainConfig } from '../config';
import type { PruningWindow } from '../protocol';
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
  /** first train cross-entropy seen (reported; the gate's reference is chance, ln(classes)) */
  initialLoss: number | null;
  /** exponential moving average of the train cross-entropy */
  smoothedLoss: number | null;
  /** losses fed to the average; absent in checkpoints from before the warm-up (then: warm) */
  observations?: number;
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
 * Losses the average takes in before the gate may open: it starts at the first reading, and a
 * fresh network's first readings can sit above chance, so it needs a few time constants.
 */
export const GATE_WARMUP = 60;

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

/** A layer's deployable params were it cut to `rank`. */
function deployableAt(shape: LayerShape, rank: number): number {
  return accountLayer({ ...shape, rank }).deployable.params;
}

/** A layer's deployable params at every rank from 0 to its current one. */
function paramsByRank(shape: LayerShape): number[] {
  return Array.from({ length: shape.rank + 1 }, (_, rank) => deployableAt(shape, rank));
}

/** A layer's directions, strongest first, with each one's share of the layer's energy. */
function byStrength(values: ArrayLike<number>): { order: number[]; shares: number[] } {
  const energies = Array.from(values, (s) => s * s);
  let total = 0;
  for (const energy of energies) total += energy;
  total ||= 1;
  const order = energies.map((_, i) => i).sort((a, b) => energies[b] - energies[a] || a - b);
  return { order, shares: order.map((i) => energies[i] / total) };
}

/**
 * Ranks that bring the model to at most `budget` deployable params for the least energy lost per
 * param saved. A layer saves params only below its break-even rank (above it an export stores
 * the merged kernel), so each step moves one layer to a lower rank: its cost is the share of the
 * layer's energy (s_i^2 / sum s^2) in the directions it drops, its gain the params it saves. The
 * cheapest move per param goes first; a move that saves nothing is never made, so a layer above
 * its break-even goes below it in one move or keeps its rank; and no move goes deeper than the
 * budget needs. Within the floors and at most `caps[i]` directions per layer; each layer keeps
 * its strongest directions. Returns the kept indices per layer, in their order.
 */
export function cutToBudget(
  model: PolicyModel,
  budget: number,
  floors: readonly number[],
  caps: readonly number[],
): number[][] {
  const layers = model.layers.map((layer, l) => ({
    ...byStrength(layer.singularValues),
    paramsAt: paramsByRank(layer.shape),
    lowest: Math.max(floors[l], layer.shape.rank - caps[l]),
  }));
  const ranks = model.layers.map((layer) => layer.shape.rank);
  let params = deployableParams(model, ranks);
  while (params > budget) {
    let best: { layer: number; rank: number; cost: number; saved: number } | null = null;
    for (const [l, { shares, paramsAt, lowest }] of layers.entries()) {
      let lost = 0;
      for (let rank = ranks[l] - 1; rank >= lowest; rank--) {
        lost += shares[rank];
        const saved = paramsAt[ranks[l]] - paramsAt[rank];
        if (saved <= 0) continue;
        const cost = lost / saved;
        if (best === null || cost < best.cost) best = { layer: l, rank, cost, saved };
        if (params - saved <= budget) break;
      }
    }
    if (best === null) break;
    ranks[best.layer] = best.rank;
    params -= best.saved;
  }
  return layers.map(({ order }, l) => order.slice(0, ranks[l]).sort((a, b) => a - b));
}

/**
 * Kept indices per layer under the threshold rule, within the floors and the caps. A layer whose
 * rule cut would save no deployable params (it stays at or above its break-even rank, like a
 * classifier whose floor of classes - 1 is above it) keeps every direction: the cut would cost
 * accuracy for nothing. A cut the cap stops short of break-even goes ahead; a later event takes
 * the layer below it.
 */
export function cutByRule(
  model: PolicyModel,
  rule: PruneRule,
  floors: readonly number[],
  caps: readonly number[],
): number[][] {
  return model.layers.map((layer, l) => {
    const { rank } = layer.shape;
    const all = Array.from({ length: rank }, (_, i) => i);
    const keep = directionsToKeep(layer.singularValues, rule, floors[l]);
    const saves = deployableAt(layer.shape, keep.length) < deployableAt(layer.shape, rank);
    if (keep.length >= rank || !saves) return all;
    const fewest = rank - caps[l];
    return keep.length >= fewest ? keep : strongest(layer.singularValues, fewest);
  });
}

/** The state of a run that has not started pruning. */
export function freshPolicyState(): PolicyState {
  return {
    initialLoss: null,
    smoothedLoss: null,
    observations: 0,
    openedAt: null,
    lastEventAt: null,
    closed: false,
    fading: [],
  };
}

export class PruningPolicy {
  state: PolicyState = freshPolicyState();

  /** `classes`: the loss gate's reference is chance, ln(classes). */
  constructor(readonly classes: number) {}

  /** Feeds one step's train cross-entropy to the loss gate. */
  observeLoss(crossEntropy: number): void {
    if (!Number.isFinite(crossEntropy)) return;
    const { smoothedLoss } = this.state;
    this.state.smoothedLoss =
      smoothedLoss === null
        ? crossEntropy
        : smoothedLoss + LOSS_SMOOTHING * (crossEntropy - smoothedLoss);
    this.state.initialLoss ??= crossEntropy;
    if (this.state.observations !== undefined) this.state.observations++;
  }

  /**
   * How far the smoothed train loss is below chance (ln(classes)), as a fraction of it: 0 or less
   * while the network guesses, or before the average has warmed up.
   */
  get lossBelowChance(): number {
    const { smoothedLoss, observations } = this.state;
    if (smoothedLoss === null || (observations ?? GATE_WARMUP) < GATE_WARMUP) return 0;
    return 1 - smoothedLoss / Math.log(Math.max(2, this.classes));
  }

  /** Where the run stands with its window at `progress` (see PruningWindow). */
  window(settings: PolicySettings, progress: number): PruningWindow {
    if (!settings.pruning || settings.mode !== 'lowrank') return 'off';
    if (this.state.closed) return 'closed';
    if (this.state.openedAt !== null) return 'open';
    return progress > pruneEndFraction(settings) ? 'missed' : 'waiting';
  }

  /** Whether a scheduled prune event is due at `progress` (the fraction of the run done). */
  due(settings: PolicySettings, progress: number): boolean {
    if (!settings.pruning || settings.mode !== 'lowrank') return false;
    const end = pruneEndFraction(settings);
    if (this.state.closed) return false;
    if (this.state.openedAt === null) {
      if (progress < settings.pruneStart || progress > end) return false;
      // a gate of 0 is off: a demonstration of pruning a network that has not learned
      if (settings.pruneLossDrop > 0 && this.lossBelowChance < settings.pruneLossDrop) return false;
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
