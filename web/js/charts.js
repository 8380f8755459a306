// charts.js - a chart panel: an ECharts chart (served from /vendor, no
// network), the same data as a table, and exports (CSV of the data, PNG of
// the chart).  Every chart of the console goes through chartPanel(), so
// every chart has its table and its export.
import { h, clear, download, toCsv } from './dom.js';
import { t, lang } from './i18n.js';

let loader = null;
/* Loads /vendor/echarts.min.js once (a same-origin script, allowed by the
 * CSP); resolves window.echarts, or null when it is not installed. */
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loader)
    loader = new Promise((resolve) => {
      const s = document.createElement('script');
      s.src = '/vendor/echarts.min.js';
      s.onload = () => resolve(window.echarts || null);
      s.onerror = () => {
        loader = null;
        resolve(null);
      };
      document.head.append(s);
    });
  return loader;
}

export const COLORS = {
  on_track: '#2e7d32',
  at_risk: '#b26a00',
  off_track: '#c62828',
  no_data: '#7b8794',
  unquantified: '#52606d',
  series: ['#0b4f8a', '#e07b00', '#2e7d32', '#8e44ad', '#c62828', '#00838f'],
};

/*
 * chartPanel({
 *   title, note,                      text (already in the current language)
 *   columns: [{label, value(row)->text|number, num}],
 *   rows: [...],                      the data, one per table row
 *   option(rows) -> ECharts option,   the chart
 *   filename,                         for the exports (without extension)
 *   height,                           px, default 280
 *   ctx,                              the page context (charts are disposed on leaving)
 *   view: 'chart' | 'table'
 * }) -> element
 */
export function chartPanel(o) {
  const name = o.filename || 'chart';
  const chartDiv = h('div.chart', { style: `height:${o.height || 280}px`, role: 'img', 'aria-label': o.title });
  const tableDiv = h('div.table-wrap.chart-table', { hidden: true });
  const bChart = h('button.seg', { type: 'button', 'aria-pressed': 'true' }, t('图表', 'Chart'));
  const bTable = h('button.seg', { type: 'button', 'aria-pressed': 'false' }, t('表格', 'Table'));
  const bCsv = h('button.btn.btn-small', { type: 'button' }, t('导出 CSV', 'Export CSV'));
  const bPng = h('button.btn.btn-small', { type: 'button' }, t('导出图片', 'Export PNG'));
  const panel = h(
    'section.card.chart-panel',
    h('div.card-head', h('h2', o.title), h('div.toolbar', h('div.segmented', { role: 'group', 'aria-label': t('显示方式', 'View') }, bChart, bTable), bCsv, bPng)),
    o.note ? h('p.muted.small', o.note) : null,
    chartDiv,
    tableDiv,
  );
  const header = o.columns.map((c) => c.label);
  const cells = () => o.rows.map((r) => o.columns.map((c) => c.value(r)));
  clear(
    tableDiv,
    h(
      'table.data',
      h('caption.sr-only', o.title),
      h('thead', h('tr', header.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', o.rows.map((r) => h('tr', o.columns.map((c) => h(c.num ? 'td.num' : 'td', c.display ? c.display(r) : c.value(r) ?? ''))))),
    ),
  );
  let chart = null;
  const show = (which) => {
    const isChart = which === 'chart';
    chartDiv.hidden = !isChart;
    tableDiv.hidden = isChart;
    bChart.setAttribute('aria-pressed', String(isChart));
    bTable.setAttribute('aria-pressed', String(!isChart));
    bPng.disabled = !isChart || !chart;
    if (isChart && chart) chart.resize();
  };
  bChart.addEventListener('click', () => show('chart'));
  bTable.addEventListener('click', () => show('table'));
  bCsv.addEventListener('click', () => download(`${name}.csv`, toCsv(header, cells())));
  bPng.addEventListener('click', () => {
    if (!chart) return;
    const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
    const a = h('a', { href: url, download: `${name}.png`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
  });
  bPng.disabled = true;
  loadECharts().then((echarts) => {
    if (!echarts) {
      chartDiv.replaceWith(h('p.muted', t('图表组件未安装（make web），以下为表格。', 'The chart library is not installed (make web); here is the table.')));
      show('table');
      bChart.disabled = true;
      return;
    }
    requestAnimationFrame(() => {
      if (!chartDiv.isConnected) return;
      chart = echarts.init(chartDiv, null, { renderer: 'canvas', locale: lang() === 'en' ? 'EN' : 'ZH' });
      const opt = o.option(o.rows);
      chart.setOption({ aria: { enabled: true }, animationDuration: 300, textStyle: { fontFamily: 'Noto Sans CJK SC, Noto Sans SC, sans-serif' }, ...opt });
      const ro = new ResizeObserver(() => chart && !chart.isDisposed() && chart.resize());
      ro.observe(chartDiv);
      const dispose = () => {
        ro.disconnect();
        if (chart && !chart.isDisposed()) chart.dispose();
        chart = null;
      };
      if (o.ctx) o.ctx.onCleanup(dispose);
      panel.dispose = dispose;
      if (o.view === 'table') show('table');
      else show('chart');
    });
  });
  if (o.view === 'table') show('table');
  return panel;
}

/* A line/bar chart option over categories with several series. */
export function seriesOption({ categories, series, yName, percent = false }) {
  return {
    color: COLORS.series,
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v == null ? '—' : percent ? `${v}%` : Number(v).toLocaleString(lang() === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 2 })) },
    legend: { show: series.length > 1, top: 0, type: 'scroll' },
    grid: { left: 56, right: 24, top: series.length > 1 ? 40 : 30, bottom: 32, containLabel: false },
    xAxis: { type: 'category', data: categories, boundaryGap: series.some((s) => s.type === 'bar') },
    yAxis: { type: 'value', name: yName || '', nameTextStyle: { align: 'left' }, scale: false },
    series,
  };
}
