import { startTransition, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { shallow } from 'zustand/shallow';
import { useStudio, type StudioState } from '../../store/store';

/** Time between one chart's redraw and the next one's. */
export const REDRAW_STAGGER_MS = 70;

/**
 * Store values for one chart, redrawn in its own turn: chart `slot` takes the store's changes
 * `slot` × REDRAW_STAGGER_MS later than chart 0. Every chart redrawing in the same task after a
 * store update blocked the page for 100 ms and more; one at a time, each task stays short.
 * `select` returns store fields (compared shallowly), not values derived from them.
 */
export function useStaggeredStudio<T extends object>(
  select: (state: StudioState) => T,
  slot: number,
): T {
  const [value, setValue] = useState(() => select(useStudio.getState()));
  const selectRef = useRef(select);
  useLayoutEffect(() => {
    selectRef.current = select;
  });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const apply = () => {
      timer = null;
      const next = selectRef.current(useStudio.getState());
      // a transition: React renders the chart in slices of a few milliseconds, yielding to input
      // and other tasks in between, instead of in one task
      startTransition(() => setValue((shown) => (shallow(shown, next) ? shown : next)));
    };
    const unsubscribe = useStudio.subscribe((state, previous) => {
      if (timer !== null || shallow(selectRef.current(state), selectRef.current(previous))) return;
      timer = setTimeout(apply, slot * REDRAW_STAGGER_MS);
    });
    apply(); // a change between the first render and the subscription
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [slot]);
  return value;
}
