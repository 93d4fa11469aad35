// Clicks, orders and earnings per day, drawn by uPlot (served by the collector, see
// src/http/routes/dashboard.ts). Counts share the left axis; money has its own on the right.
import uPlot from '../vendor/uPlot.esm.js';
import { daySeconds, formatCount, formatMoney, minorDigits, toMajor } from './format.js';

const HEIGHT = 260;
const COLORS = { clicks: '#3563e9', orders: '#e8730c', earnings: ['#1a9c5b', '#8a4fd8', '#c2185b'] };
const utc = (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

/** uPlot's aligned data from a by-day breakdown: one x per day of the period, 0 where a day has no row. */
export function chartData(rows, period, currencies) {
  const days = daySeconds(period.from, period.to);
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const at = (x) => byDay.get(new Date(x * 1000).toISOString().slice(0, 10));
  return [
    days,
    days.map((x) => at(x)?.clicks ?? 0),
    days.map((x) => at(x)?.orders ?? 0),
    ...currencies.map((c) => days.map((x) => toMajor(at(x)?.byCurrency[c]?.earnings ?? 0, c))),
  ];
}

/** Canvas cannot resolve CSS variables: read the theme's colours once per chart. */
function theme(container) {
  const style = getComputedStyle(container);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return { text: read('--muted', '#5a6475'), grid: read('--grid', '#e6e8ee') };
}

/** Sum of one series over the period: what the legend shows while the cursor is off the chart. */
const total = (u, si) => u.data[si].reduce((sum, v) => sum + (v ?? 0), 0);

function options(width, currencies, colors) {
  const count = (u, v, si, idx) => (idx === null ? `${formatCount(total(u, si))} in all` : formatCount(v));
  const money = (c) => (u, v, si, idx) => formatMoney(Math.round((idx === null ? total(u, si) : v) * 10 ** minorDigits(c)), c) + (idx === null ? ' in all' : '');
  // With one currency its axis can say so; with several, plain numbers (each series' legend names its currency).
  const moneyAxis = currencies.length === 1
    ? (_u, ticks) => ticks.map((t) => new Intl.NumberFormat(undefined, { style: 'currency', currency: currencies[0], notation: 'compact' }).format(t))
    : undefined;
  return {
    width,
    height: HEIGHT,
    tzDate: utc,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      x: { time: true },
      count: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] },
      money: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] },
    },
    series: [
      { label: 'Day', value: (u, v, _si, idx) => (idx === null ? `${formatCount(u.data[0].length)} days` : new Date(v * 1000).toISOString().slice(0, 10)) },
      { label: 'Clicks', scale: 'count', stroke: COLORS.clicks, width: 2, fill: `${COLORS.clicks}1a`, value: count, points: { size: 5 } },
      { label: 'Orders', scale: 'count', stroke: COLORS.orders, width: 2, value: count, points: { size: 6 } },
      ...currencies.map((c, i) => ({
        label: `Earnings ${c}`, scale: 'money', stroke: COLORS.earnings[i % COLORS.earnings.length], width: 2, dash: [6, 4],
        value: money(c), points: { size: 5 },
      })),
    ],
    axes: [
      { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid } },
      { scale: 'count', stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { show: false }, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? formatCount(t) : '')) },
      { scale: 'money', side: 1, stroke: colors.text, grid: { show: false }, ticks: { show: false }, show: currencies.length > 0, ...(moneyAxis && { values: moneyAxis }) },
    ],
  };
}

/** A chart that fills `container`'s width and follows it when the layout changes. */
export function createChart(container) {
  let plot;
  let signature = '';
  const width = () => Math.max(200, Math.floor(container.clientWidth));
  const resize = new ResizeObserver(() => {
    // Next frame, so a resize never feeds back into the observation that caused it.
    requestAnimationFrame(() => {
      if (plot && plot.width !== width()) plot.setSize({ width: width(), height: HEIGHT });
    });
  });
  resize.observe(container);
  return {
    /** Draws the period's by-day rows; currencies decides the earnings series. */
    update(rows, period, currencies) {
      const data = chartData(rows, period, currencies);
      const next = currencies.join(',');
      if (plot && next === signature) return plot.setData(data);
      plot?.destroy();
      signature = next;
      plot = new uPlot(options(width(), currencies, theme(container)), data, container);
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
      plot = undefined;
      signature = '';
    },
  };
}
