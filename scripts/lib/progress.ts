// Progress of a training run on standard error: a live bar on a terminal, one line an epoch in a
// log or CI (a carriage-return bar written to a file is hundreds of frames on one line).
import type { TrainConfig } from '../../src/config';
import type { Progress } from './runJob';

const BAR_WIDTH = 24;

function bar(done: number, total: number): string {
  const filled = Math.round((BAR_WIDTH * done) / total);
  return (
    '='.repeat(filled) +
    (filled < BAR_WIDTH ? '>' : '') +
    ' '.repeat(Math.max(0, BAR_WIDTH - filled - 1))
  );
}

export function consoleProgress(
  config: TrainConfig,
  label: string = config.mode,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const name = label.padEnd(7);
  return {
    step(epoch, stepInEpoch, stepsPerEpoch, loss, accuracy) {
      if (!stream.isTTY) return;
      stream.write(
        `\r  ${name} epoch ${epoch + 1}/${config.epochs} [${bar(stepInEpoch, stepsPerEpoch)}] ${stepInEpoch}/${stepsPerEpoch}  loss ${loss.toFixed(3)}  train acc ${(100 * accuracy).toFixed(1)}%   `,
      );
    },
    epoch(report, entry) {
      const pruned = report.pruneEvents.length ? `, ${report.pruneEvents.length} cuts` : '';
      const evaluated = entry.validationAccuracy === undefined ? 'test' : 'validation';
      stream.write(
        `${stream.isTTY ? '\n' : ''}  ${name} epoch ${report.epoch}: train loss ${entry.trainLoss.toFixed(3)}, ${evaluated} accuracy ${(100 * report.test.accuracy).toFixed(2)}%, params kept ${entry.paramsKeptPercent.toFixed(1)}% (factorised ${entry.factorisedParamsKeptPercent.toFixed(1)}%, rank ${entry.rankKeptPercent.toFixed(1)}%)${pruned}\n`,
      );
    },
  };
}
