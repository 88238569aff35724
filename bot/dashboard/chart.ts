import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';

/**
 * A line chart as a PNG, rendered in Node without a browser: ECharts draws SVG on the server, resvg rasterises it
 * (with the system's fonts; without any, the lines are still drawn).
 */

export interface ChartInput {
  title: string;
  unit: string;
  points: { at: number; value: number }[];
  /** The time span shown (epoch ms), whether or not samples cover all of it. */
  from: number;
  to: number;
  width?: number;
  height?: number;
}

export function renderChart({ title, unit, points, from, to, width = 800, height = 400 }: ChartInput): Buffer {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', textStyle: { fontSize: 16 } },
    grid: { left: 64, right: 24, top: 48, bottom: 40 },
    xAxis: { type: 'time', min: from, max: to },
    yAxis: { type: 'value', name: unit, minInterval: 1 },
    series: [{ type: 'line', showSymbol: points.length < 60, data: points.map((p) => [p.at, p.value]), areaStyle: { opacity: 0.15 } }],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return new Resvg(svg, { background: '#ffffff', fitTo: { mode: 'original' } }).render().asPng();
}
