// A trainer's pruning: the policy's decisions (when, how much, which directions) carried out on
// the model's factorised layers and the optimiser's slots, the fading before each cut, and the
// log of prune events for the live view and the epoch report.
import type { TrainConfig } from '../config';
import { accountModel } from '../lowrank/accounting';
import { rankOf, type FactorisedLayer } from '../lowrank/factorised';
import { Fading } from '../lowrank/fading';
import type { Optimiser } from '../lowrank/optimisers';
import {
  pruneLayer,
  reorthonormalise,
  strongestDirections,
  type PruneEvent,
} from '../lowrank/pruning';
import {
  PruningPolicy,
  type PolicyModel,
  type PolicyState,
  type PrunePlan,
} from '../lowrank/pruningPolicy';
import { accountingInputs, factorisedLayers, type Model } from '../model/resnet';
import { relativeName } from './trainerState';

export class Pruner {
  /** when and how much to prune (window, loss gate, floors, cap, target size) */
  readonly policy: PruningPolicy;
  /** the directions shrinking towards the next prune event's cut */
  private readonly fading = new Fading();
  /** prune events not yet taken by the live view (takeLog) */
  private log: PruneEvent[] = [];
  /** prune events since the last epoch report */
  private epochEvents: PruneEvent[] = [];

  constructor(
    private readonly model: Model,
    private readonly optimiser: Optimiser,
    private readonly classes: number,
  ) {
    this.policy = new PruningPolicy(classes);
  }

  private get layers(): FactorisedLayer[] {
    return factorisedLayers(this.model);
  }

  /** Prunes when the policy's schedule says so (the window, the loss gate, the spacing). */
  async ifDue(config: TrainConfig, progress: number): Promise<PruneEvent[]> {
    if (!this.policy.due(config, progress)) return [];
    const model = await this.policyModel();
    // a diverged network has no spectrum to cut by; its caller stops the run
    if (model.layers.some((l) => Array.from(l.singularValues).some((s) => !Number.isFinite(s))))
      return [];
    return this.apply(this.policy.plan(config, model, progress), config);
  }

  /** Applies the pruning rule to every factorised layer now. */
  async now(config: TrainConfig): Promise<PruneEvent[]> {
    return this.apply(this.policy.manual(config, await this.policyModel()), config);
  }

  /** Brings the network within a lowered rank cap or target size (a live change). */
  async enforce(config: TrainConfig): Promise<void> {
    await this.applyMaxRank(config);
    await this.apply(this.policy.enforceTarget(config, await this.policyModel()), config);
  }

  /**
   * Cuts layer i to its `ranks[i]` strongest directions, reported as no prune event: a network
   * held at fixed ranks from its first step (an equal-size baseline, with pruning off).
   */
  async hold(ranks: readonly number[], config: TrainConfig): Promise<void> {
    const keep = await Promise.all(
      this.layers.map(async (layer, i) => strongestDirections(await layer.s.data(), ranks[i])),
    );
    await this.apply({ keep, fade: keep.map(() => []) }, config);
    this.takeLog();
    this.takeEpochEvents();
  }

  /** Shrinks the fading directions by one step's factor. */
  fade(steps: number): void {
    this.fading.apply(this.layers, steps);
  }

  /** Prune events not yet reported live (by a schedule, a lowered cap or target, Prune now). */
  takeLog(): PruneEvent[] {
    const events = this.log;
    this.log = [];
    return events;
  }

  /** Prune events since the last call (an epoch's report). */
  takeEpochEvents(): PruneEvent[] {
    const events = this.epochEvents;
    this.epochEvents = [];
    return events;
  }

  /** Directions fading in layer `l`. */
  fadingIn(l: number): number {
    return this.policy.state.fading[l]?.length ?? 0;
  }

  /** The policy's state as a checkpoint saved it, its fading resumed. */
  restore(state: PolicyState): void {
    this.policy.state = structuredClone(state);
    this.fading.set(this.layers, this.policy.state.fading);
  }

  dispose(): void {
    this.fading.dispose();
  }

  private async applyMaxRank(config: TrainConfig): Promise<void> {
    const cap = config.maxRank;
    if (config.mode !== 'lowrank' || cap <= 0) return;
    if (this.layers.every((l) => rankOf(l) <= cap)) return;
    const keep = await Promise.all(
      this.layers.map(async (layer) =>
        rankOf(layer) <= cap
          ? Array.from({ length: rankOf(layer) }, (_, i) => i)
          : strongestDirections(await layer.s.data(), cap),
      ),
    );
    await this.apply({ keep, fade: this.policy.remapFading(keep) }, config);
  }

  /** The factorised layers as the pruning policy sees them (reads every |s| back). */
  private async policyModel(): Promise<PolicyModel> {
    const { shapes, fixed } = accountingInputs(this.model);
    const values = await Promise.all(this.layers.map((layer) => layer.s.data()));
    return {
      layers: shapes.map((shape, i) => ({ shape, singularValues: values[i] })),
      fixed,
      denseParams: accountModel(shapes, fixed).dense.params,
      classes: this.classes,
    };
  }

  /**
   * Keeps directions `plan.keep[i]` of layer i, then starts fading `plan.fade[i]` (a factor is
   * multiplied into those s after every step, until the next event cuts them).
   */
  private async apply(plan: PrunePlan | null, config: TrainConfig): Promise<PruneEvent[]> {
    if (!plan) return [];
    const events: PruneEvent[] = [];
    this.layers.forEach((layer, i) => {
      if (plan.keep[i].length >= rankOf(layer)) return;
      events.push(pruneLayer(layer, plan.keep[i], this.optimiser));
      if (config.reorthonormalise) reorthonormalise(layer, this.optimiser);
    });
    this.fading.set(this.layers, plan.fade);
    const relative = events.map((event) => ({
      ...event,
      layer: relativeName(this.model, event.layer),
    }));
    this.log.push(...relative);
    this.epochEvents.push(...relative);
    return relative;
  }
}
