/** A uPlot time-series chart (canvas: thousands of points at no DOM cost), sized to its container. */
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface Series {
  label: string
  values: (number | null)[]
  color: string
}

export function Chart(props: { title: string; at: number[]; series: Series[]; format?: (v: number) => string; testid?: string; from?: number; to?: number }) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const fmt = props.format ?? ((v: number) => String(Math.round(v * 100) / 100))
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 150,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      // The time axis spans the chosen range, however few samples it holds.
      scales: { x: props.from !== undefined && props.to !== undefined ? { time: true, range: [props.from / 1000, props.to / 1000] } : { time: true } },
      axes: [
        { stroke: '#8b95a7', font: '11px system-ui, sans-serif', grid: { stroke: '#252b36', width: 1 }, ticks: { stroke: '#252b36' } },
        { stroke: '#8b95a7', font: '11px system-ui, sans-serif', grid: { stroke: '#252b36', width: 1 }, ticks: { stroke: '#252b36' }, size: 76, values: (_u, vals) => vals.map((x) => fmt(x)) },
      ],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, fill: `${s.color}22`, spanGaps: false, value: (_u: uPlot, x: number | null) => (x === null ? '—' : fmt(x)) }))],
    }
    const data: uPlot.AlignedData = [props.at.map((t) => t / 1000), ...props.series.map((s) => s.values)]
    const plot = new uPlot(opts, data, el)
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: 150 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      plot.destroy()
    }
  }, [props.at, props.series, props.from, props.to])
  return (
    <div class="chart" data-testid={props.testid}>
      <div class="chart-title">{props.title}</div>
      <div ref={ref} />
    </div>
  )
}
