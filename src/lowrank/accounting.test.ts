import { describe, expect, it } from 'vitest';
import { accountLayer, accountModel, sizeKept, type LayerShape } from './accounting';

function conv(
  name: string,
  inChannels: number,
  outChannels: number,
  rank: number,
  size: number,
): LayerShape {
  return {
    kind: 'conv',
    name,
    kernelSize: 3,
    inChannels,
    outChannels,
    rank,
    outHeight: size,
    outWidth: size,
    hasBias: false,
  };
}

describe('accounting', () => {
  it('a 3x3 16->16 conv at rank 8 on 32x32: 8*(144+16)+8 params', () => {
    const layer = accountLayer(conv('c', 16, 16, 8, 32));
    expect(layer.factorised.params).toBe(8 * (144 + 16) + 8);
    expect(layer.dense.params).toBe(2304);
    expect(layer.factorised.macs).toBe(32 * 32 * 8 * 160);
    expect(layer.dense.macs).toBe(32 * 32 * 2304);
    expect(layer.deployable).toEqual(layer.factorised);
    expect(layer.deployableForm).toBe('lowrank');
    expect(layer.breakEvenRank).toBeCloseTo(14.4, 6);
  });

  it('above the break-even rank the deployable form is the merged dense kernel', () => {
    const layer = accountLayer(conv('c', 16, 16, 16, 32));
    expect(layer.factorised.params).toBe(16 * 160 + 16);
    expect(layer.deployable).toEqual(layer.dense);
    expect(layer.deployableForm).toBe('composed');
  });

  it('dense layers count their bias in every form; 64->10 breaks even at 8.6', () => {
    const fc: LayerShape = {
      kind: 'dense',
      name: 'fc',
      kernelSize: 1,
      inChannels: 64,
      outChannels: 10,
      rank: 4,
      outHeight: 1,
      outWidth: 1,
      hasBias: true,
    };
    const layer = accountLayer(fc);
    expect(layer.dense.params).toBe(650);
    expect(layer.factorised.params).toBe(4 * 74 + 4 + 10);
    expect(layer.breakEvenRank).toBeCloseTo(8.65, 2);
  });

  it('sums ResNet-20 convs: 267,696 dense params, stem kept fixed', () => {
    const shapes: LayerShape[] = [];
    for (let i = 0; i < 6; i++) shapes.push(conv(`s1-${i}`, 16, 16, 16, 32));
    shapes.push(conv('s2-0', 16, 32, 32, 16));
    for (let i = 1; i < 6; i++) shapes.push(conv(`s2-${i}`, 32, 32, 32, 16));
    shapes.push(conv('s3-0', 32, 64, 64, 8));
    for (let i = 1; i < 6; i++) shapes.push(conv(`s3-${i}`, 64, 64, 64, 8));
    const stem = { params: 3 * 3 * 3 * 16, macs: 32 * 32 * 432 };
    const model = accountModel(shapes, stem);
    expect(model.dense.params).toBe(267_696);
    // every factorised conv at full rank: r (k*k*Cin + Cout) + r
    expect(model.factorised.params).toBe(432 + 6 * 2576 + 5664 + 5 * 10272 + 22592 + 5 * 41024);
    expect(model.deployable.params).toBe(267_696);
    // 1024*432 + 6*1024*2304 + (256*4608 + 5*256*9216) + (64*18432 + 5*64*36864)
    expect(model.dense.macs).toBe(40_550_400);
  });
});

describe('size kept', () => {
  it('reports factorised, deployable and rank figures apart when cuts stay above break-even', () => {
    // a run that cut 16 -> 15 and 32 -> 30: both above their break-even ranks (14.4, 28.8)
    const full = accountModel([conv('a', 16, 16, 16, 8), conv('b', 32, 32, 32, 8)]);
    const cut = accountModel([conv('a', 16, 16, 15, 8), conv('b', 32, 32, 30, 8)]);
    const size = sizeKept(cut);
    // stored as merged kernels: the deployable model is still the dense one
    expect(size.paramsKept).toBe(1);
    expect(size.factorisedParamsKept).toBeCloseTo(cut.factorised.params / cut.dense.params);
    expect(size.factorisedParamsKept).toBeLessThan(sizeKept(full).factorisedParamsKept);
    expect(size.rankKept).toBeCloseTo(45 / 48);
    expect(sizeKept(full).rankKept).toBe(1);
    // below break-even the deployable figure moves too
    const deep = sizeKept(accountModel([conv('a', 16, 16, 4, 8), conv('b', 32, 32, 8, 8)]));
    expect(deep.paramsKept).toBeCloseTo(deep.factorisedParamsKept);
    expect(deep.paramsKept).toBeLessThan(0.3);
    expect(deep.compressionRatio).toBeCloseTo(1 / deep.paramsKept);
  });
});
