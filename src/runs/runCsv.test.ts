import { describe, expect, it } from 'vitest';
import { decodeRunLog } from '../runLog';
import { sampleRunLogText } from '../testing/sampleRun';
import { runCsv } from './runCsv';

describe('runCsv', () => {
  it('writes a row a step, with accuracy and size where measured', () => {
    const lines = runCsv(decodeRunLog(sampleRunLogText())).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'step,epoch,crossEntropy,orth,rank,total,trainAccuracy,learningRate,lambdaRank,stepMs,testAccuracy,paramsKept,macsKept,rankKept',
    );
    expect(lines).toHaveLength(9);
    const byStep = (step: number) => lines[step].split(',');
    expect(byStep(4).slice(-4)).toEqual(['0.5', '0.8', '0.85', '0.7']);
    expect(byStep(3).slice(-4)).toEqual(['', '0.8', '0.85', '0.7']);
    expect(byStep(5).slice(-4)).toEqual(['', '', '', '']);
    expect(Number(byStep(1)[2])).toBeCloseTo(2.2, 5);
  });
});
