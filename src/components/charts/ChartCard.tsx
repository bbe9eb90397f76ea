import type { ReactNode } from 'react';

/**
 * A titled chart with its "what am I seeing?" explanation and optional controls. The drawing is
 * one image to assistive technology, labelled with `summary`: the latest values in words.
 */
export function ChartCard({
  title,
  testId,
  summary,
  explanation,
  controls,
  children,
}: {
  title: string;
  testId: string;
  summary: string;
  explanation: ReactNode;
  controls?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section
      className="panel chart-card"
      data-testid={testId}
      data-tour={testId}
      aria-label={title}
    >
      <header className="chart-header">
        <h2>{title}</h2>
        {controls}
      </header>
      <div className="chart-body" role="img" aria-label={summary} data-testid={`${testId}-summary`}>
        {children}
      </div>
      <details className="explanation">
        <summary>What am I seeing?</summary>
        {explanation}
      </details>
    </section>
  );
}
