import { useCameraFrames } from './camera';
import { classifyVideoFrame } from './classifyImage';

/** The camera's picture while it is on; a frame is classified every half second. */
export function CameraView() {
  const { videoRef, problem } = useCameraFrames(classifyVideoFrame);
  if (problem)
    return (
      <p className="error" role="alert" data-testid="try-camera-problem">
        {problem}
      </p>
    );
  return (
    <video
      ref={videoRef}
      className="try-video"
      data-testid="try-video"
      muted
      playsInline
      aria-label="The camera's picture"
    />
  );
}
