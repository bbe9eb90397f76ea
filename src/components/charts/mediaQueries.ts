// Recharts remounts each series' animation wrapper whenever its data changes (3.11 keys it by an
// id derived from the points), and every mount asks window.matchMedia for the reduced-motion
// preference. In Chromium 156 each such call, made in the middle of a redraw's DOM changes, forces
// a style recalculation of the page: 12-18 ms of a chart's redraw on a two-core machine. A
// MediaQueryList is live (its `matches` follows the preference and it fires `change`), so one per
// query serves every caller.

/** Makes window.matchMedia return one live MediaQueryList per query string. */
export function shareMediaQueryLists(target: Window = window): void {
  if (typeof target.matchMedia !== 'function') return;
  const original = target.matchMedia.bind(target);
  const lists = new Map<string, MediaQueryList>();
  target.matchMedia = (query: string) => {
    let list = lists.get(query);
    if (!list) {
      list = original(query);
      lists.set(query, list);
    }
    return list;
  };
}
