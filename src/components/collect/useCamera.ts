import { useCallback, useEffect, useRef, useState } from 'react';
import { cameraProblem, noCameraAccess } from '../cameraProblem';

export type CameraState =
  { status: 'off' | 'starting' | 'on' } | { status: 'error'; message: string };

const INSTEAD = 'Load a folder of images under Dataset instead.';

/** A camera stream shown in `videoRef`, started and stopped on request. */
export function useCamera() {
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const [state, setState] = useState<CameraState>({ status: 'off' });

  const stop = useCallback(() => {
    streamRef.current?.getTracks().forEach((track) => track.stop());
    streamRef.current = null;
    setState({ status: 'off' });
  }, []);

  const start = useCallback(async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      setState({
        status: 'error',
        message: noCameraAccess(INSTEAD),
      });
      return;
    }
    setState({ status: 'starting' });
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 320 }, height: { ideal: 240 } },
        audio: false,
      });
      streamRef.current = stream;
      if (videoRef.current) {
        videoRef.current.srcObject = stream;
        await videoRef.current.play().catch(() => undefined);
      }
      setState({ status: 'on' });
    } catch (error) {
      setState({ status: 'error', message: cameraProblem(error, INSTEAD) });
    }
  }, []);

  useEffect(() => stop, [stop]);
  return { videoRef, state, start, stop };
}

/** The video's centre square at `side` x `side`, as a JPEG. */
export function captureFrame(video: HTMLVideoElement, side: number): Promise<Blob | null> {
  const crop = Math.min(video.videoWidth, video.videoHeight);
  if (!crop) return Promise.resolve(null);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = side;
  const context = canvas.getContext('2d');
  if (!context) return Promise.resolve(null);
  context.drawImage(
    video,
    (video.videoWidth - crop) / 2,
    (video.videoHeight - crop) / 2,
    crop,
    crop,
    0,
    0,
    side,
    side,
  );
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}
