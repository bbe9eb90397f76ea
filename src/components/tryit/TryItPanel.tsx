import { useState } from 'react';
import { useStudio } from '../../store/store';
import { AnswerCard } from './AnswerCard';
import { CameraView } from './CameraView';
import { targetSides } from './classifyImage';
import { SquarePreview } from './SquarePreview';
import { TryItInputs } from './TryItInputs';
import './tryIt.css';

/**
 * Try it: the model in training (and its dense baseline) or an exported model loaded back from
 * its zip, asked about an image or the camera's picture: its three likeliest classes.
 */
export function TryItPanel() {
  const [cameraOn, setCameraOn] = useState(false);
  const runState = useStudio((state) => state.runState);
  const dataset = useStudio((state) => state.dataset);
  const loadedModel = useStudio((state) => state.loadedModel);
  const image = useStudio((state) => state.tryImage);
  const answers = useStudio((state) => state.tryAnswers);
  const error = useStudio((state) => state.tryError);
  const sides = targetSides({ runState, dataset, loadedModel });
  const canAsk = Object.keys(sides).length > 0;
  const job = sides.job !== undefined ? answers.job : undefined;
  const loaded = sides.loaded !== undefined ? answers.loaded : undefined;
  return (
    <section className="panel try-it" aria-labelledby="try-heading" data-testid="try-it">
      <h2 id="try-heading">Try it</h2>
      <p className="muted small">
        {canAsk
          ? 'Ask the model what it sees: its three likeliest classes, during training or after.'
          : 'Start a run, or load an exported model (.zip), then ask it what it sees in an image.'}
      </p>
      <TryItInputs canAsk={canAsk} cameraOn={cameraOn} onCamera={setCameraOn} />
      {loadedModel && (
        <p className="small" data-testid="try-loaded-model">
          Loaded: {loadedModel.description}, {loadedModel.labels.classNames.length} classes
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="try-error">
          {error}
        </p>
      )}
      <div className="try-view">
        {cameraOn && <CameraView />}
        {image && <SquarePreview image={image} />}
      </div>
      <div className="try-answers" aria-live="polite">
        {job && (
          <AnswerCard title={job.answeredBy} guesses={job.runs.main} testId="try-answer-job" />
        )}
        {job?.runs.baseline && (
          <AnswerCard
            title="Dense baseline, same step"
            guesses={job.runs.baseline}
            testId="try-answer-baseline"
          />
        )}
        {loaded && (
          <AnswerCard
            title={loaded.answeredBy}
            guesses={loaded.runs.main}
            testId="try-answer-loaded"
          />
        )}
      </div>
    </section>
  );
}
