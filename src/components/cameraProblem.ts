// Why a camera did not start, from getUserMedia's error, in words a class can act on; `instead`
// says what the panel offers without a camera. Shared by Collect and Try it.

export function noCameraAccess(instead: string): string {
  return `This page cannot use a camera here: it needs https (or localhost) and a browser with camera access. ${instead}`;
}

export function cameraProblem(error: unknown, instead: string): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return `The camera permission was refused: allow the camera for this page (in the address bar) and turn it on again. ${instead}`;
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return `No camera was found on this device. ${instead}`;
  if (name === 'NotReadableError' || name === 'AbortError')
    return 'The camera is in use by another program or tab: close it there and turn the camera on again.';
  const message = error instanceof Error ? error.message : String(error);
  return `The camera could not start (${message}). ${instead}`;
}
