// Try it: the image last classified, each model's latest answer, the requests still out, and the
// exported model loaded back from its zip.
import type { ClassGuess, PredictTarget, SquareImage, WorkerEvent } from '../../protocol';
import type { ModelLabels } from '../../train/modelLabels';
import type { SliceCreator } from './types';

export interface TryItAnswer {
  answeredBy: string;
  runs: { main: ClassGuess[]; baseline?: ClassGuess[] };
}

export interface LoadedModelInfo {
  name: string;
  labels: ModelLabels;
  description: string;
}

export interface TryItSlice {
  /** the image last sent, as the model sees it (its centre square at the dataset's side) */
  tryImage: SquareImage | null;
  tryAnswers: Partial<Record<PredictTarget, TryItAnswer>>;
  /** the request each model is answering now: a new image waits until it is done */
  tryPending: Partial<Record<PredictTarget, number>>;
  loadedModel: LoadedModelInfo | null;
  loadingModel: boolean;
  tryError: string | null;
  setTryImage: (image: SquareImage) => void;
  setTryPending: (target: PredictTarget, requestId: number) => void;
  /** an answer to the request still out; an older one is dropped */
  setTryAnswer: (event: Extract<WorkerEvent, { type: 'prediction' }>) => void;
  setLoadingModel: (loading: boolean) => void;
  setLoadedModel: (model: LoadedModelInfo) => void;
  /** a request or load failed: nothing is out any more */
  setTryError: (message: string | null) => void;
}

export const createTryItSlice: SliceCreator<TryItSlice> = (set) => ({
  tryImage: null,
  tryAnswers: {},
  tryPending: {},
  loadedModel: null,
  loadingModel: false,
  tryError: null,
  setTryImage: (tryImage) => set({ tryImage }),
  setTryPending: (target, requestId) =>
    set((state) => ({ tryPending: { ...state.tryPending, [target]: requestId }, tryError: null })),
  setTryAnswer: ({ target, requestId, answeredBy, runs }) =>
    set((state) => {
      if (state.tryPending[target] !== requestId) return {};
      const pending = { ...state.tryPending };
      delete pending[target];
      return {
        tryPending: pending,
        tryAnswers: { ...state.tryAnswers, [target]: { answeredBy, runs } },
      };
    }),
  setLoadingModel: (loadingModel) => set({ loadingModel, tryError: null }),
  setLoadedModel: (loadedModel) =>
    set((state) => {
      const answers = { ...state.tryAnswers };
      delete answers.loaded;
      return { loadedModel, loadingModel: false, tryAnswers: answers };
    }),
  setTryError: (tryError) => set({ tryError, tryPending: {}, loadingModel: false }),
});
