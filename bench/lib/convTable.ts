// Per conv shape of ResNet-20, the forward conv and both gradients, timed kernel by kernel: shared
// by `bench/profile-step.ts` in Node (one thread) and the benchmark page in Chromium (threads).
import * as tf from '@tensorflow/tfjs';
import { median } from '../../src/stats';

/** [input size, in channels, out channels, stride]: ResNet-20's 3x3 convs, padding 'same'. */
const SHAPES: [number, number, number, number][] = [
  [32, 3, 16, 1],
  [32, 16, 16, 1],
  [32, 16, 32, 2],
  [16, 32, 32, 1],
  [16, 32, 64, 2],
  [8, 64, 64, 1],
];

export interface ConvTiming {
  shape: string;
  forwardMs: number;
  filterMs: number;
  inputMs: number;
}

/**
 * Median ms of one kernel call; fresh tensors each time, as a training step has (wasm kernels
 * return when done, so no read-back is timed).
 */
function timeKernel(reps: number, make: () => tf.Tensor[], run: (t: tf.Tensor[]) => tf.Tensor) {
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const inputs = make();
    const started = performance.now();
    const out = run(inputs);
    if (i > 0) times.push(performance.now() - started);
    tf.dispose([...inputs, out]);
  }
  return median(times);
}

export function timeConvKernels(batch: number, reps: number): ConvTiming[] {
  return SHAPES.map(([size, cin, cout, stride]) => {
    const out = Math.ceil(size / stride);
    const x = () => tf.randomNormal([batch, size, size, cin]);
    const w = () => tf.randomNormal([3, 3, cin, cout]);
    const dy = () => tf.randomNormal([batch, out, out, cout]);
    const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    const forwardMs = timeKernel(reps, () => [x(), w()], ([a, b]) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'),
    );
    const filterMs = timeKernel(reps, () => [x(), dy()], ([a, b]) =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: a, dy: b }, {
        ...attrs,
        filterShape: [3, 3, cin, cout],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    const inputMs = timeKernel(reps, () => [dy(), w()], ([a, b]) =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: a, filter: b }, {
        ...attrs,
        inputShape: [batch, size, size, cin],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    const shape = `${cin}->${cout} @${size}x${size}${stride > 1 ? ' s2' : ''}`;
    return { shape, forwardMs, filterMs, inputMs };
  });
}

/** The timings as a markdown table, one group of columns per labelled run. */
export function convTableMarkdown(runs: { label: string; rows: ConvTiming[] }[]): string {
  const header = runs.flatMap(({ label }) =>
    ['forward', 'filter grad', 'input grad', 'filter / forward'].map((c) => `${c} ${label}`),
  );
  const lines = [`| shape | ${header.join(' | ')} |`, `|---|${header.map(() => '---:').join('|')}|`];
  runs[0].rows.forEach(({ shape }, i) => {
    const cells = runs.flatMap(({ rows }) => {
      const { forwardMs, filterMs, inputMs } = rows[i];
      return [forwardMs, filterMs, inputMs].map((ms) => ms.toFixed(1)).concat(`${(filterMs / forwardMs).toFixed(2)}x`);
    });
    lines.push(`| ${shape} | ${cells.join(' | ')} |`);
  });
  return lines.join('\n');
}
