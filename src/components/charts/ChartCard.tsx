import type { ReactNode } from 'react';

/** A titled chart with its "what am I seeing?" explanation and optional controls. */
export function ChartCard({
  title,
  testId,
  explanation,
  controls,
  children,
}: {
  title: string;
  testId: string;
  explanation: ReactNode;
  controls?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="panel chart-card" data-testid={testId} aria-label={title}>
      <header className="chart-header">
        <h2>{title}</h2>
        {controls}
      </header>
      <div className="chart-body">{children}</div>
      <details className="explanation">
        <summary>What am I seeing?</summary>
        {explanation}
      </details>
    </section>
  );
}
