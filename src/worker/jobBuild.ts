// A configure command's job: its settings checked against each other and against what the
// backend can hold, then its network (and its dense baseline's) built a block at a time.
import { configProblems, DEFAULT_CONFIG, type TrainConfig } from '../config';
import type { ImageDataset } from '../data/dataset';
import type { BackendName, Command, JobLimits } from '../protocol';
import { jobTooLarge } from '../train/resources';
import { Trainer } from '../train/trainer';
import { CommandError } from './validateCommand';

type BuildProgress = Parameters<typeof Trainer.create>[3];

export async function buildJob(
  command: Extract<Command, { type: 'configure' }>,
  dataset: ImageDataset,
  backend: BackendName,
  progress: BuildProgress,
): Promise<{ trainer: Trainer; baseline: Trainer | null; limits: JobLimits }> {
  const config: TrainConfig = { ...DEFAULT_CONFIG, ...command.config };
  const problems = configProblems(config);
  if (problems.length) throw new CommandError(problems.join('; '), command.type);
  const limits = command.limits ?? {};
  const compare = command.compareWithDense === true && config.mode === 'lowrank';
  const tooLarge = jobTooLarge(
    compare ? { ...config, batchSize: 2 * config.batchSize } : config,
    dataset.classNames.length,
    backend,
  );
  if (tooLarge) throw new CommandError(tooLarge, command.type);
  const trainer = await Trainer.create(dataset, config, limits, progress);
  const baseline = compare
    ? await Trainer.create(dataset, { ...config, mode: 'dense' }, limits, progress).catch(
        (error: unknown) => {
          trainer.dispose();
          throw error;
        },
      )
    : null;
  return { trainer, baseline, limits };
}
