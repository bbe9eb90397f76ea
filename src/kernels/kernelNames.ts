// The names our kernels register under: model/layers.ts asks the engine for them by name, so
// building a model does not load the kernels themselves (their threads, their wasm binary).
export const BATCH_NORM_TRAIN = 'LowrankBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'LowrankBatchNormTrainGrad';
