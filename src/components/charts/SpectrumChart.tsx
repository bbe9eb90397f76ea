import { useMemo } from 'react';
import {
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  ScatterChart,
  XAxis,
  YAxis,
} from 'recharts';
import type { LayerRank } from '../../protocol';
import { useStudio } from '../../store/store';
import { useStaggeredStudio } from './useStaggeredStudio';
import { ChartCard } from './ChartCard';
import { ChartLegend, type LegendItem } from './ChartLegend';
import { CHART_MARGIN, COLOURS, formatExponent2, tickExponent0 } from './chartStyle';
import { SeriesLayer, WithSeries } from './SeriesLayer';
import { IdleFrame } from './StepFrame';
import type { LiveSeries } from './liveSeries';
import { decadeRange, steady } from './axisScale';
import { spectrumPoints } from './spectrumPoints';

/** The key of the one-layer view; the name of the orange dots depends on the pruning rule. */
function spectrumLegend(atRiskName: string): LegendItem[] {
  return [
    { name: 'kept', colour: COLOURS.kept, mark: 'dot' },
    { name: atRiskName, colour: COLOURS.atRisk, mark: 'dot' },
    { name: 'pruned', colour: COLOURS.pruned, mark: 'cross' },
  ];
}
const TARGET_LEGEND = spectrumLegend('fading, cut next');
const RULE_LEGEND = spectrumLegend('below the cut');

const CUT_LABEL = { value: 'cut', position: 'insideTopRight', fill: COLOURS.cut } as const;

function LayerSpectrum({
  index,
  height,
  compact,
}: {
  index: number;
  height: number;
  compact: boolean;
}) {
  const { spectra, layers, config } = useStaggeredStudio(
    (state) => ({ spectra: state.spectra, layers: state.layers, config: state.config }),
    3,
  );
  const values = spectra[index];
  const layer = layers[index];
  const points = useMemo(
    () => (values && layer ? spectrumPoints(values, layer.fullRank, config, layer.fading) : null),
    [values, layer, config],
  );
  const atRiskName = config.targetParamsKept > 0 ? 'fading, cut next' : 'below the cut';
  const series = useMemo((): LiveSeries[] => {
    if (!points) return [];
    const xy = (list: { index: number; value: number }[]) =>
      list.map((p) => ({ x: p.index, y: p.value }));
    const dots = (name: string, colour: string, list: typeof points.kept): LiveSeries => ({
      name,
      colour,
      points: xy(list),
      line: false,
      dots: 'circle',
      dotRadius: compact ? 2 : 3.5,
    });
    return [
      dots('kept', COLOURS.kept, points.kept),
      dots(atRiskName, COLOURS.atRisk, points.atRisk),
      { ...dots('pruned', COLOURS.pruned, points.pruned), dots: 'cross' },
    ];
  }, [points, atRiskName, compact]);
  const fullRank = layer?.fullRank ?? 1;
  const x = steady({ domain: [0, fullRank + 1], ticks: [] });
  const y = steady(decadeRange(points?.floor ?? 1e-3, (values?.[0] ?? 1) * 1.5));
  const cut = points && points.cut > 0 ? Math.max(points.cut, points.floor) : null;
  const frame = useMemo(
    () => (
      <IdleFrame height={height}>
        <ResponsiveContainer width="100%" height={height}>
          <ScatterChart data={x.domain.map((index) => ({ index }))} margin={CHART_MARGIN}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="index"
              type="number"
              domain={x.domain}
              allowDecimals={false}
              hide={compact}
            />
            <YAxis
              dataKey="value"
              type="number"
              scale="log"
              domain={y.domain}
              ticks={y.ticks}
              interval={0}
              width={compact ? 0 : 56}
              hide={compact}
              tickFormatter={tickExponent0}
              allowDataOverflow
            />
            {cut !== null && (
              <ReferenceLine
                y={cut}
                stroke={COLOURS.cut}
                strokeDasharray="5 3"
                label={compact ? undefined : CUT_LABEL}
              />
            )}
            <SeriesLayer format={formatExponent2} xLabel="direction" />
          </ScatterChart>
        </ResponsiveContainer>
      </IdleFrame>
    ),
    [x, y, cut, height, compact],
  );
  return (
    <>
      <WithSeries
        series={series}
        frame={frame}
        note={points ? undefined : 'Start a low-rank job to see its spectra.'}
      />
      {points && !compact && (
        <ChartLegend items={config.targetParamsKept > 0 ? TARGET_LEGEND : RULE_LEGEND} />
      )}
    </>
  );
}

function spectrumSummary(layer: LayerRank | undefined, values: Float32Array | undefined): string {
  if (!layer || !values?.length) return 'Singular values: no low-rank job yet.';
  const fading = layer.fading ? `, ${layer.fading} fading towards the next cut` : '';
  return `${layer.name}: rank ${layer.rank} of ${layer.fullRank}${fading}; largest |s| ${values[0].toExponential(2)}, smallest ${values[values.length - 1].toExponential(2)}.`;
}

/** |s| of one layer (or all, as small multiples) on a log scale, with the pruning cut. */
export function SpectrumChart() {
  const {
    layers,
    selectedLayer,
    spectrumView: view,
    spectra,
  } = useStaggeredStudio(
    (state) => ({
      layers: state.layers,
      selectedLayer: state.selectedLayer,
      spectrumView: state.spectrumView,
      spectra: state.spectra,
    }),
    3,
  );
  const selected = Math.min(selectedLayer, Math.max(0, layers.length - 1));
  const { selectLayer, setSpectrumView } = useStudio.getState();
  const controls = (
    <span className="chart-controls small">
      <select
        aria-label="Layer"
        value={selected}
        disabled={view === 'all'}
        onChange={(event) => selectLayer(Number(event.target.value))}
      >
        {layers.map((layer, i) => (
          <option key={layer.name} value={i}>
            {layer.name} (rank {layer.rank}/{layer.fullRank})
          </option>
        ))}
      </select>
      <label>
        <input
          type="checkbox"
          checked={view === 'all'}
          onChange={(event) => setSpectrumView(event.target.checked ? 'all' : 'one')}
        />{' '}
        all layers
      </label>
    </span>
  );
  return (
    <ChartCard
      title="Singular values"
      testId="spectrum-chart"
      summary={spectrumSummary(layers[selected], spectra[selected])}
      controls={controls}
      explanation={
        <p>
          Each dot is one direction of the layer's weight W = U diag(s) Vᵀ, sorted by |s| on a log
          scale. The rank term pushes the small ones down. With a target size, the schedule picks
          the directions to cut: orange dots are fading towards zero and go at the next prune event.
          Without one, the red dashed line is the rule's cut (τ × the largest value, or the energy
          rule's) and moves with the τ slider; orange dots are below it. Grey crosses are directions
          already pruned: the layer's rank is the number of coloured dots.
        </p>
      }
    >
      {view === 'one' || layers.length === 0 ? (
        <LayerSpectrum index={selected} height={220} compact={false} />
      ) : (
        <div className="small-multiples">
          {layers.map((layer, i) => (
            <figure key={layer.name}>
              <LayerSpectrum index={i} height={80} compact />
              <figcaption className="small">
                {layer.name}: {layer.rank}/{layer.fullRank}
              </figcaption>
            </figure>
          ))}
        </div>
      )}
    </ChartCard>
  );
}
