// A small hand-written SVG bar chart of the ratios (no dependency): one bar per row, a line at
// 1.0 and a tick at each row's target (a red bar misses it). `svgChart(rows, title)` → SVG text.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

export function svgChart(rows, title) {
  const labelW = 360;
  const barW = 420;
  const rowH = 26;
  const top = 40;
  // The axis stops at 2: a larger ratio (Gatehouse ÷ express) gets a full bar and its label.
  const max = 2;
  const x = (v) => labelW + (Math.min(v, max) / max) * barW;
  const height = top + rows.length * rowH + 30;
  const width = labelW + barW + 90;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(r.label)}</text>`);
    if (r.ratio == null) {
      out.push(`<text x="${labelW + 4}" y="${y + 16}" fill="#888">not measured</text>`);
      return;
    }
    const missed = r.target != null && r.ratio < r.target;
    out.push(
      `<rect x="${labelW}" y="${y + 4}" width="${(x(r.ratio) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${missed ? '#d9534f' : '#4a90d9'}"/>`,
    );
    out.push(
      `<text x="${(x(r.ratio) + 4).toFixed(1)}" y="${y + 16}">${r.ratio.toFixed(2)}${r.target != null ? ` (target ${r.target})` : ''}</text>`,
    );
    if (r.target != null)
      out.push(
        `<line x1="${x(r.target).toFixed(1)}" x2="${x(r.target).toFixed(1)}" y1="${y + 1}" y2="${y + rowH - 1}" stroke="#000" stroke-width="2"/>`,
      );
  });
  const y1 = top + rows.length * rowH;
  out.push(`<line x1="${x(1)}" x2="${x(1)}" y1="${top - 4}" y2="${y1}" stroke="#666" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${x(1)}" y="${y1 + 16}" text-anchor="middle" fill="#666">1.0</text>`);
  out.push(`<text x="${labelW}" y="${y1 + 16}" text-anchor="middle" fill="#666">0</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
