// The configuration in the address bar, so a shared link reproduces a setup: ?preset=micro plus
// any knob (?lambdaRank=0.05), job limits (?trainLimit=512), a forced backend (?backend=webgl)
// and a wasm thread count (?threads=1, for comparisons).
// An address with no setup at all (a first visit) opens the classroom demo; settings that start
// from no preset are written as ?preset=custom, so their link never falls back to the demo.
import {
  configProblems,
  DEFAULT_CONFIG,
  KNOBS,
  parseKnob,
  type KnobName,
  type TrainConfig,
} from '../config';
import { PRESET_LIMITS, PRESET_NAMES, PRESETS, type PresetName } from '../presets';
import { BACKENDS, type BackendName, type JobLimits } from '../protocol';
import { MAX_WASM_THREADS } from '../worker/threads';

export interface UrlState {
  preset: PresetName | null;
  config: TrainConfig;
  limits: JobLimits;
  backend?: BackendName;
  /** wasm threads asked for (else every core) */
  threads?: number;
  /** parameters that were present but invalid, with why */
  problems: string[];
}

const LIMIT_NAMES = ['trainLimit', 'testLimit'] as const;

/** Where a first visit starts: the lesson the studio is built around. */
export const FIRST_VISIT_PRESET: PresetName = 'classroom';

/** The preset an address names: its own, none for ?preset=custom or bare knobs, else the demo. */
function presetOf(params: URLSearchParams, problems: string[]): PresetName | null {
  const name = params.get('preset');
  if (name === 'custom') return null;
  if (name !== null) {
    if (PRESET_NAMES.includes(name as PresetName)) return name as PresetName;
    problems.push(`unknown preset '${name}'`);
    return null;
  }
  const setsSomething = [...params.keys()].some(
    (key) => key in KNOBS || (LIMIT_NAMES as readonly string[]).includes(key),
  );
  return setsSomething ? null : FIRST_VISIT_PRESET;
}

export function readUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const preset = presetOf(params, problems);
  const config: TrainConfig = { ...DEFAULT_CONFIG, ...(preset ? PRESETS[preset] : {}) };
  for (const name of Object.keys(KNOBS) as KnobName[]) {
    const text = params.get(name);
    if (text === null) continue;
    try {
      (config as Record<string, unknown>)[name] = parseKnob(name, text);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  problems.push(...configProblems(config));
  const limits: JobLimits = { ...(preset ? PRESET_LIMITS[preset] : {}) };
  for (const name of LIMIT_NAMES) {
    const text = params.get(name);
    if (text === null) continue;
    const value = Number(text);
    if (Number.isInteger(value) && value > 0) limits[name] = value;
    else problems.push(`${name} must be a positive whole number, got ${text}`);
  }
  const backendParam = params.get('backend');
  const backend = BACKENDS.includes(backendParam as BackendName)
    ? (backendParam as BackendName)
    : undefined;
  const threadsParam = params.get('threads');
  let threads: number | undefined;
  if (threadsParam !== null) {
    const value = Number(threadsParam);
    if (Number.isInteger(value) && value >= 1 && value <= MAX_WASM_THREADS) threads = value;
    else
      problems.push(
        `threads must be a whole number from 1 to ${MAX_WASM_THREADS}, got ${threadsParam}`,
      );
  }
  return { preset, config, limits, backend, threads, problems };
}

/** The query string for a config: the preset plus only the knobs that differ from it. */
export function writeUrlState(state: Omit<UrlState, 'problems'>): string {
  const params = new URLSearchParams();
  const base: TrainConfig = { ...DEFAULT_CONFIG, ...(state.preset ? PRESETS[state.preset] : {}) };
  params.set('preset', state.preset ?? 'custom');
  for (const name of Object.keys(KNOBS) as KnobName[]) {
    if (state.config[name] !== base[name]) params.set(name, String(state.config[name]));
  }
  const baseLimits: JobLimits = state.preset ? PRESET_LIMITS[state.preset] : {};
  for (const name of LIMIT_NAMES) {
    const value = state.limits[name];
    if (value && value !== baseLimits[name]) params.set(name, String(value));
  }
  if (state.backend) params.set('backend', state.backend);
  if (state.threads) params.set('threads', String(state.threads));
  const text = params.toString();
  return text ? `?${text}` : '';
}
