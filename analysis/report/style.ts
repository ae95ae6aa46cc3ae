/** One colour per meaning, the same in every chart. */
export const COLORS = {
  trial: '#3b82f6',
  best: '#dc2626',
  recommended: '#0f172a',
  equity: '#0f766e',
  drawdown: '#dc2626',
  importance: '#6366f1',
  marginal: '#64748b',
  aroundBest: '#ea580c',
  inSample: '#2563eb',
  outOfSample: '#f97316',
  holdout: '#7c3aed',
  empty: '#eef2f7',
};

/** The phases of trial time, from the data in to the records out. */
export const PHASE_COLORS = {
  load: '#94a3b8',
  indicators: '#6366f1',
  simulation: '#0f766e',
  statistics: '#f59e0b',
  evaluate: '#3b82f6',
  store: '#dc2626',
} as const;

export const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f4f6fa;color:#1e293b;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#0f172a;color:#f8fafc;padding:22px 32px}
header h1{margin:0;font-size:24px;font-weight:650}
header p{margin:4px 0 0;color:#cbd5e1}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:18px 22px;margin:0 0 18px;box-shadow:0 1px 2px rgba(15,23,42,.04)}
h2{margin:0 0 6px;font-size:18px;font-weight:650}
h3{margin:16px 0 6px;font-size:15px;font-weight:650}
p.intro{margin:0 0 12px;color:#475569}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:0 0 18px}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:12px 16px}
.card b{display:block;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.card span{color:#64748b;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.cols{display:grid;grid-template-columns:1fr 2fr;gap:18px;align-items:start}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 10px;border-bottom:1px solid #e2e8f0;text-align:left}
td.num{white-space:nowrap}
th{background:#f8fafc;font-weight:600;color:#334155}
td.num,th.num{text-align:right}
svg{display:block;width:100%;height:auto}
svg text{font-family:inherit;fill:#334155}
svg .tick{font-size:11px;fill:#64748b}
svg .axis-title{font-size:12.5px;font-weight:600;fill:#334155}
svg .chart-title{font-size:13px;font-weight:650;fill:#1e293b}
svg .label{font-size:12.5px}
svg .value{font-size:11.5px;fill:#475569}
svg .plot{fill:#fcfdfe;stroke:#cbd5e1}
svg .grid{stroke:#e2e8f0;stroke-width:1}
svg .boundary{stroke:#94a3b8;stroke-dasharray:4 4}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:4px 0 10px 64px;color:#475569;font-size:12.5px}
.legend i{display:inline-block;width:14px;height:10px;border:2px solid;border-radius:2px;margin-right:6px;vertical-align:-1px}
.legend i.dashed{border-style:dashed}
.grid3{display:grid;grid-template-columns:repeat(3,1fr);gap:10px 18px}
.pair-picker{margin:0 0 10px}
.pair-picker select{font:inherit;padding:4px 8px;border:1px solid #cbd5e1;border-radius:6px;background:#fff}
.muted{color:#64748b}
footer{color:#94a3b8;font-size:12px;text-align:center;margin-top:8px}
.note{color:#475569;font-size:13px;margin:0 0 12px}
`;
