// Saves bytes as a file through the browser's download mechanism (main thread only: workers
// have no document).
import { strToU8, zipSync } from 'fflate';

export function downloadBytes(
  fileName: string,
  bytes: Uint8Array,
  type = 'application/octet-stream',
): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * One zip holding model.json, model.weights.bin, report.json, labels.json (class names, input
 * size, normalisation: src/train/modelLabels.ts) and the run log (src/runLog.ts).
 */
export function modelZip(files: {
  modelJson: string;
  weights: ArrayBuffer;
  report: unknown;
  labels: unknown;
  runLog?: string;
}): Uint8Array {
  const json = (value: unknown) => strToU8(JSON.stringify(value, null, 2));
  return zipSync({
    'model.json': strToU8(files.modelJson),
    'model.weights.bin': new Uint8Array(files.weights),
    'report.json': json(files.report),
    'labels.json': json(files.labels),
    ...(files.runLog ? { 'run-log.jsonl': strToU8(files.runLog) } : {}),
  });
}
