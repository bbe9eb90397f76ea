// The type every slice creator has: it may read and set the whole store (a slice's action can
// reset another slice's fields, as starting a job clears the metrics).
import type { StateCreator } from 'zustand';
import type { StudioState } from '../store';

export type SliceCreator<Slice> = StateCreator<StudioState, [], [], Slice>;
