import { memo } from 'react';

export interface LegendItem {
  name: string;
  colour: string;
  /** how the series is drawn: a line (solid or dashed), dots, or crosses */
  mark: 'line' | 'dashed' | 'dot' | 'cross';
}

/**
 * A chart's key as plain HTML beside the drawing. Recharts' own legend measures itself in the
 * page after every redraw (a forced layout of 13-21 ms per live chart on two cores); this one
 * changes only when its series do.
 */
export const ChartLegend = memo(function ChartLegend({ items }: { items: readonly LegendItem[] }) {
  return (
    <ul className="chart-legend small" aria-hidden="true">
      {items.map((item) => (
        <li key={item.name}>
          <svg width="16" height="10" viewBox="0 0 16 10">
            {item.mark === 'dot' ? (
              <circle cx="8" cy="5" r="3.5" fill={item.colour} />
            ) : item.mark === 'cross' ? (
              <path d="M4 1 L12 9 M12 1 L4 9" stroke={item.colour} strokeWidth="2" />
            ) : (
              <line
                x1="0"
                y1="5"
                x2="16"
                y2="5"
                stroke={item.colour}
                strokeWidth="2"
                strokeDasharray={item.mark === 'dashed' ? '4 3' : undefined}
              />
            )}
          </svg>
          {item.name}
        </li>
      ))}
    </ul>
  );
});
