// Params and MACs of each layer in its dense, factorised and deployable forms (docs/method.md,
// "Accounting").
// Pure arithmetic on shapes, so the UI and the reports can use it without tensors.

export interface Cost {
  params: number;
  macs: number;
}

export interface LayerShape {
  kind: 'conv' | 'dense';
  name: string;
  /** 1 for dense layers */
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  rank: number;
  /** output spatial size; 1 x 1 for dense layers */
  outHeight: number;
  outWidth: number;
  /** dense layers carry a bias; convs here are followed by BatchNorm and have none */
  hasBias: boolean;
}

export interface LayerAccounting {
  name: string;
  rank: number;
  fullRank: number;
  breakEvenRank: number;
  dense: Cost;
  factorised: Cost;
  /** the cheaper of the two forms: what an exported model stores */
  deployable: Cost;
  deployableForm: 'lowrank' | 'composed';
}

export function accountLayer(shape: LayerShape): LayerAccounting {
  const { kernelSize: k, inChannels, outChannels, rank, outHeight, outWidth } = shape;
  const rows = k * k * inChannels;
  const positions = outHeight * outWidth;
  const bias = shape.hasBias ? outChannels : 0;
  const dense = { params: rows * outChannels + bias, macs: positions * rows * outChannels };
  const factorised = {
    params: rank * (rows + outChannels) + rank + bias,
    macs: positions * rank * (rows + outChannels),
  };
  const lowrankWins = factorised.params < dense.params;
  return {
    name: shape.name,
    rank,
    fullRank: Math.min(rows, outChannels),
    breakEvenRank: (rows * outChannels) / (rows + outChannels),
    dense,
    factorised,
    deployable: lowrankWins ? factorised : dense,
    deployableForm: lowrankWins ? 'lowrank' : 'composed',
  };
}

export interface ModelAccounting {
  layers: LayerAccounting[];
  dense: Cost;
  factorised: Cost;
  deployable: Cost;
}

/** Totals over layers, plus `fixed` (params and MACs of everything not factorised: BN, stem...). */
export function accountModel(
  shapes: readonly LayerShape[],
  fixed: Cost = { params: 0, macs: 0 },
): ModelAccounting {
  const layers = shapes.map(accountLayer);
  const total = (pick: (layer: LayerAccounting) => Cost): Cost =>
    layers.reduce(
      (sum, layer) => ({
        params: sum.params + pick(layer).params,
        macs: sum.macs + pick(layer).macs,
      }),
      { ...fixed },
    );
  return {
    layers,
    dense: total((l) => l.dense),
    factorised: total((l) => l.factorised),
    deployable: total((l) => l.deployable),
  };
}

/** The size figures the studio and the reports show, each as a share of the dense network. */
export interface SizeKept {
  /** deployable params / dense params: what an exported model stores */
  paramsKept: number;
  /** factorised params / dense params: every layer as U, s, V (above 1 at full rank) */
  factorisedParamsKept: number;
  /** deployable MACs / dense MACs */
  macsKept: number;
  /** sum of ranks / sum of full ranks over the factorised layers (1 with none) */
  rankKept: number;
  /** dense params / deployable params */
  compressionRatio: number;
}

export function sizeKept(accounting: ModelAccounting): SizeKept {
  const { dense, factorised, deployable, layers } = accounting;
  const fullRanks = layers.reduce((sum, layer) => sum + layer.fullRank, 0);
  return {
    paramsKept: deployable.params / dense.params,
    factorisedParamsKept: factorised.params / dense.params,
    macsKept: deployable.macs / dense.macs,
    rankKept: fullRanks ? layers.reduce((sum, layer) => sum + layer.rank, 0) / fullRanks : 1,
    compressionRatio: dense.params / deployable.params,
  };
}
