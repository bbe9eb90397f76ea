// Try it's camera: a stream shown in a video element, a frame handed on every FRAME_INTERVAL_MS,
// and every failure (no camera, permission refused, camera busy) told in words to act on.
import { useEffect, useRef, useState } from 'react';
import { cameraProblem, noCameraAccess } from '../cameraProblem';

/** How often a camera frame is classified while the camera is on. */
export const FRAME_INTERVAL_MS = 500;

const INSTEAD = 'Choose, drop or paste an image instead.';
export const NO_CAMERA_ACCESS = noCameraAccess(INSTEAD);

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
          if (!closed) setProblem(cameraProblem(error, INSTEAD));
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
