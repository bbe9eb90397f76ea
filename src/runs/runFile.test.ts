import { describe, expect, it } from 'vitest';
import { sampleRunLogText } from '../testing/sampleRun';
import { encodeRunFile, gzip, readRunFile, RunFileError } from './runFile';

const about = { name: 'my run', note: 'lambda_r 0.3', savedAt: 1_700_000_000_000 };

describe('run files', () => {
  it('round-trips a run with its name and note', async () => {
    const text = sampleRunLogText();
    const read = await readRunFile(await encodeRunFile(about, text));
    expect(read.about).toEqual(about);
    expect(read.text).toBe(text);
    expect(read.log.lastStep).toBe(8);
  });

  it('reads a plain run log and a compressed one', async () => {
    const text = sampleRunLogText();
    const plain = await readRunFile(new TextEncoder().encode(text));
    expect(plain.about).toBeUndefined();
    expect(plain.log.header.producer).toBe('test');
    const compressed = await readRunFile(await gzip(new TextEncoder().encode(text)));
    expect(compressed.text).toBe(text);
  });

  it('refuses a cut, an edited, a foreign and a newer file, each with its reason', async () => {
    const file = await encodeRunFile(about, sampleRunLogText());
    await expect(readRunFile(file.slice(0, file.length - 20))).rejects.toThrow(
      /cut short or damaged/,
    );
    const edited = (await readRunFile(file)).text.replace('"crossEntropy":', '"crossEntropy":"x",');
    await expect(readRunFile(new TextEncoder().encode(edited))).rejects.toThrow(/line \d+/);
    await expect(readRunFile(Uint8Array.of(0, 159, 146, 150))).rejects.toThrow(RunFileError);
    await expect(readRunFile(new TextEncoder().encode('hello\n'))).rejects.toThrow(
      /not a run file/,
    );
    const newer = `${JSON.stringify({ type: 'shared-run', format: 'lowrank-studio-run', version: 99 })}\n${sampleRunLogText()}`;
    await expect(readRunFile(new TextEncoder().encode(newer))).rejects.toThrow(
      /newer than this studio/,
    );
  });
});
