// Try it's camera: a stream shown in a video element, a frame handed on every FRAME_INTERVAL_MS,
// and every failure (no camera, permission refused, camera busy) told in words to act on.
import { useEffect, useRef, useState } from 'react';

/** How often a camera frame is classified while the camera is on. */
export const FRAME_INTERVAL_MS = 500;

export const NO_CAMERA_ACCESS =
  'This page cannot use a camera here: it needs https (or localhost) and a browser with camera access. Choose or drop an image instead.';

/** Why the camera did not start, from getUserMedia's error. */
export function cameraProblem(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'The camera permission was refused: allow the camera for this page (in the address bar) and turn it on again, or choose an image instead.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No camera was found on this device: choose, drop or paste an image instead.';
  if (name === 'NotReadableError' || name === 'AbortError')
    return 'The camera is in use by another program or tab: close it there and turn the camera on again.';
  const message = error instanceof Error ? error.message : String(error);
  return `The camera could not start (${message}): choose an image instead.`;
}

/**
 * Opens the camera while the calling component is mounted and calls `onFrame` with its video at
 * once and then every FRAME_INTERVAL_MS; closes it (tracks stopped) on unmount.
 */
export function useCameraFrames(onFrame: (video: HTMLVideoElement) => void) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const supported = Boolean(navigator.mediaDevices?.getUserMedia);
  const [problem, setProblem] = useState<string | null>(supported ? null : NO_CAMERA_ACCESS);
  useEffect(() => {
    if (!supported) return;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    let closed = false;
    const stop = (opened: MediaStream) => opened.getTracks().forEach((track) => track.stop());
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(
        async (opened) => {
          const video = videoRef.current;
          if (closed || !video) return stop(opened);
          stream = opened;
          video.srcObject = opened;
          await video.play().catch(() => undefined);
          if (closed) return;
          onFrame(video);
          timer = setInterval(() => onFrame(video), FRAME_INTERVAL_MS);
        },
        (error) => {
          if (!closed) setProblem(cameraProblem(error));
        },
      );
    return () => {
      closed = true;
      clearInterval(timer);
      if (stream) stop(stream);
    };
  }, [supported, onFrame]);
  return { videoRef, problem };
}
