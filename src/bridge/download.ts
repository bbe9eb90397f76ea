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

/** One zip holding model.json, model.weights.bin, report.json and the run log (src/runLog.ts). */
export function modelZip(
  modelJson: string,
  weights: ArrayBuffer,
  report: unknown,
  runLog?: string,
): Uint8Array {
  return zipSync({
    'model.json': strToU8(modelJson),
    'model.weights.bin': new Uint8Array(weights),
    'report.json': strToU8(JSON.stringify(report, null, 2)),
    ...(runLog ? { 'run-log.jsonl': strToU8(runLog) } : {}),
  });
}
