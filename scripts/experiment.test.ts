import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PRESET_LIMITS } from '../src/presets';
import { baseConfig, jobLimits, parseArgs } from './lib/experimentArgs';
import { readRunFiles, tagSteps } from './lib/runFiles';
import { loadModelFolder } from './lib/twin';

describe('experiment options', () => {
  it('parses the fixed flags and any knob, in kebab or camel case', () => {
    const options = parseArgs([
      '--data',
      'builtin',
      '--model',
      'micro',
      '--mode',
      'both',
      '--epochs',
      '3',
      '--train-limit',
      '100',
      '--lambda-rank',
      '0.05',
      '--pruneThreshold',
      '0.03',
      '--augment',
      'false',
    ]);
    expect(options).toMatchObject({
      data: 'builtin',
      model: 'micro',
      mode: 'both',
      trainLimit: 100,
      knobs: { epochs: 3, lambdaRank: 0.05, pruneThreshold: 0.03, augment: false },
    });
    expect(baseConfig('micro').architecture).toBe('resnet8');
    expect(baseConfig('resnet56').architecture).toBe('resnet56');
  });

  it.each([
    [['--model', 'micro'], /--data is required/],
    [
      ['--data', 'builtin', '--model', 'micro', '--lambda-rank', 'NaN'],
      /lambdaRank must be a finite number/,
    ],
    [
      ['--data', 'builtin', '--model', 'micro', '--mode', 'sparse'],
      /--mode must be lowrank, dense or both/,
    ],
    [
      ['--data', 'builtin', '--model', 'micro', '--frobnicate', '1'],
      /unknown option --frobnicate$/,
    ],
    [
      ['--data', 'builtin', '--model', 'micro', '--lamda-rank', '1'],
      /unknown option --lamda-rank \(did you mean --lambda-rank\?\)/,
    ],
    [
      ['--data', 'builtin', '--model', 'micro', '--target', '30'],
      /did you mean --target-params-kept\?/,
    ],
    [
      ['--data', 'builtin', '--model', 'micro', '--train-limit', '-4'],
      /--train-limit needs a positive whole number/,
    ],
  ])('rejects %j', (args, message) => {
    expect(() => parseArgs(args)).toThrow(message);
  });

  it("a preset brings the studio's image limits; the flags override them", () => {
    expect(jobLimits({ model: 'classroom' })).toEqual(PRESET_LIMITS.classroom);
    expect(jobLimits({ model: 'classroom', trainLimit: 100 })).toEqual({
      ...PRESET_LIMITS.classroom,
      trainLimit: 100,
    });
    expect(jobLimits({ model: 'resnet20' })).toEqual({
      trainLimit: undefined,
      testLimit: undefined,
    });
  });

  it('rejects an unknown model by listing the valid ones', () => {
    expect(() => baseConfig('vgg16')).toThrow(
      /unknown model 'vgg16': use a preset \(.*micro.*\) or an architecture/,
    );
  });
});

describe('npm run experiment', () => {
  it('--help prints the usage and succeeds', () => {
    const output = execFileSync('npx', ['tsx', 'scripts/experiment.ts', '--help'], {
      encoding: 'utf8',
    });
    expect(output).toContain('usage: npm run experiment');
    expect(output).toContain('--target-params-kept');
  });

  it('--validation holds images out: epochs evaluate on them, the test set is read once', () => {
    const out = mkdtempSync(join(tmpdir(), 'experiment-'));
    const flags = ['--data', 'builtin', '--model', 'micro', '--epochs', '1', '--out', out];
    const limits = ['--train-limit', '64', '--test-limit', '32', '--batch-size', '32'];
    const result = spawnSync(
      'npx',
      ['tsx', 'scripts/experiment.ts', ...flags, ...limits, '--validation', '40'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('64 train / 40 validation / 32 test images');
    expect(result.stderr).toMatch(/lowrank epoch 1: train loss [\d.]+, validation accuracy/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.dataset).toMatchObject({ trainCount: 64, validationCount: 40, testCount: 32 });
    const [run] = report.runs;
    expect(run.validationCount).toBe(40);
    expect(run.history[0].validationAccuracy).toBe(run.validationAccuracy);
    expect(run.history[0].testAccuracy).toBeUndefined();
    expect(run.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('40 validation / 32 test');
    // the run's history beside the report: the epoch on the validation images, the test set once
    const { log, events } = readRunFiles(out);
    expect(log.header.dataset).toMatchObject({ trainCount: 64, validationCount: 40 });
    expect(tagSteps(events, 'accuracy/validation')).toEqual([2]);
    expect(tagSteps(events, 'accuracy/test')).toEqual([2]);
  });

  it('--stop-after-epochs runs the first epochs of a longer schedule', () => {
    const out = mkdtempSync(join(tmpdir(), 'experiment-'));
    const flags = ['--data', 'builtin', '--model', 'micro', '--epochs', '4', '--out', out];
    const limits = ['--train-limit', '64', '--test-limit', '32', '--batch-size', '32'];
    const run = (...extra: string[]) =>
      spawnSync('npx', ['tsx', 'scripts/experiment.ts', ...flags, ...limits, ...extra], {
        encoding: 'utf8',
      });
    expect(run('--stop-after-epochs', '5').stderr).toContain(
      '--stop-after-epochs 5 is past the run',
    );
    const result = run('--stop-after-epochs', '1', '--schedule', 'cosine');
    expect(result.status, result.stderr).toBe(0);
    const [report] = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).runs;
    expect(report).toMatchObject({ epochs: 4, stoppedAfterEpochs: 1 });
    expect(report.history).toHaveLength(1);
    // the learning rate after a quarter of a 4-epoch cosine schedule, not at a 1-epoch one's end
    const rates = readRunFiles(out).events.flatMap(({ summary }) =>
      (summary ?? []).flatMap((v) =>
        v.tag === 'schedule/learning_rate' && v.kind === 'scalar' ? [v.value] : [],
      ),
    );
    const peak = Math.max(...rates);
    expect(rates.at(-1)! / peak).toBeGreaterThan(0.7);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| 1 of 4 |');
  });

  it('trains on a zip of class folders and records its classes and split', async () => {
    const out = mkdtempSync(join(tmpdir(), 'experiment-'));
    const files: Record<string, Uint8Array> = {};
    for (const [name, colour] of [
      ['dark', 30],
      ['light', 220],
    ] as const)
      for (let i = 0; i < 10; i++) {
        const pixels = new Uint8Array(8 * 8 * 3).fill(colour + i);
        files[`set/${name}/${i}.png`] = new Uint8Array(
          await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } })
            .png()
            .toBuffer(),
        );
      }
    const zip = join(out, 'shades.zip');
    writeFileSync(zip, zipSync(files));
    const flags = ['--data', zip, '--model', 'classroom', '--epochs', '1', '--out', out];
    const result = spawnSync(
      'npx',
      ['tsx', 'scripts/experiment.ts', ...flags, '--test-fraction', '0.3', '--image-size', '16'],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('shades.zip (image folders): 14 train / 6 test images');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.dataset).toMatchObject({
      kind: 'folder',
      classNames: ['dark', 'light'],
      folder: { source: 'shades.zip', split: { kind: 'seeded', fraction: 0.3, seed: 0 }, side: 16 },
    });
  });

  it('trains both modes and writes report.json and report.md', async () => {
    const out = mkdtempSync(join(tmpdir(), 'experiment-'));
    const result = spawnSync(
      'npx',
      [
        'tsx',
        'scripts/experiment.ts',
        '--data',
        'builtin',
        '--model',
        'micro',
        '--mode',
        'both',
        '--epochs',
        '1',
        '--train-limit',
        '64',
        '--test-limit',
        '32',
        '--batch-size',
        '32',
        '--out',
        out,
        '--export',
        join(out, 'model'),
      ],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    // written to a pipe, progress is one line an epoch: no carriage-return frames
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).toMatch(/lowrank epoch 1: train loss [\d.]+, test accuracy/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.runs.map((r: { mode: string }) => r.mode)).toEqual(['dense', 'lowrank']);
    for (const run of report.runs) {
      expect(run.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(run.testAccuracy).toBeLessThanOrEqual(1);
      expect(run.paramsKeptPercent).toBeGreaterThan(0);
      expect(run.epochs).toBe(1);
    }
    const lowrank = report.runs[1];
    expect(lowrank.layers.length).toBe(7);
    expect(lowrank.layers[0]).toMatchObject({ name: 'stage1/block1/conv1', form: 'composed' });
    expect(lowrank.factorisedParamsKeptPercent).toBeGreaterThan(100);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| lowrank | 1 |');
    // --export: a standard LayersModel per mode that loads back, with its report
    const exported = JSON.parse(readFileSync(join(out, 'model', 'lowrank', 'report.json'), 'utf8'));
    const model = await loadModelFolder(join(out, 'model', 'lowrank'));
    expect(model.countParams()).toBe(exported.params.exported);
    expect(exported.params.dense).toBeGreaterThan(0);
    expect(exported.inferenceTiming.speedup).toBeGreaterThan(0);
    // labels.json: the classes, input size and the normalisation the model applies itself
    const labels = JSON.parse(readFileSync(join(out, 'model', 'lowrank', 'labels.json'), 'utf8'));
    expect(labels).toMatchObject({ format: 'lowrank-studio-labels', inputSize: 16 });
    expect(labels.classNames).toHaveLength(10);
    expect(labels.normalisation.inModel).toBe(true);
    const modelJson = JSON.parse(readFileSync(join(out, 'model', 'lowrank', 'model.json'), 'utf8'));
    expect(modelJson.userDefinedMetadata).toEqual(labels);
    expect(readFileSync(join(out, 'model', 'dense', 'model.json'), 'utf8')).toContain(
      'layers-model',
    );
    // each mode's run log and TensorBoard events, every step and the epoch in them
    for (const mode of ['dense', 'lowrank']) {
      const { log, events } = readRunFiles(join(out, mode));
      expect(log.header.config.mode).toBe(mode);
      expect(log.header.producer).toMatch(/^lowrank-studio experiment \(TF\.js 4\.22\.0, \w+\)$/);
      expect(log.history.steps.main!.step).toEqual(Float64Array.of(1, 2));
      expect(tagSteps(events, 'loss/total')).toEqual([1, 2]);
      expect(tagSteps(events, 'epoch')).toEqual([2]);
      expect(tagSteps(events, 'run/header')).toEqual([0]);
    }
  }, 120_000);
});
