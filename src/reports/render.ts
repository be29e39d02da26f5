/**
 * Renderers: lay out the neutral tables as Markdown, standalone HTML, CSV or LaTeX (booktabs).
 * Pure functions, string in, string out.
 */
import type { Cell, Table } from './tables.js';

export type ReportFormat = 'markdown' | 'html' | 'csv' | 'latex' | 'json';

const plain = (c: Cell): string => {
  let s = c.value ?? '';
  if (c.bracket) s += `${s ? ' ' : ''}[${c.bracket}]`;
  if (c.paren) s += `${s ? ' ' : ''}(${c.paren})`;
  return s;
};

// ---------- Markdown ----------
const mdEscape = (s: string): string => s.replace(/\|/g, '\\|');
const mdCell = (c: Cell): string => {
  if (!c.value && !c.bracket && !c.paren) return '—';
  const v = c.value ? (c.bold ? `**${c.value}**` : c.value) : '';
  const br = c.bracket ? (c.bracketBold ? `**${c.bracket}**` : c.bracket) : '';
  return mdEscape(v + (c.bracket ? `${v ? ' ' : ''}[${br}]` : '') + (c.paren ? `${v || c.bracket ? ' ' : ''}(${c.paren})` : ''));
};

export function tableToMarkdown(t: Table): string {
  const out: string[] = [`### ${t.title}`, '', `| ${t.columns.map(mdEscape).join(' | ')} |`, `|${t.columns.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`];
  for (const s of t.sections) {
    if (s.heading) out.push(`| ***${mdEscape(s.heading)}*** |${' |'.repeat(t.columns.length - 1)}`);
    for (const r of s.rows) out.push(`| ${mdEscape(r.label + (r.unit ? ` (${r.unit})` : ''))} | ${r.cells.map(mdCell).join(' | ')} |`);
  }
  out.push('', `*${t.caption}*`, '');
  return out.join('\n');
}

// ---------- HTML ----------
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const htmlCell = (c: Cell): string => {
  const v = c.value ? (c.bold ? `<strong>${esc(c.value)}</strong>` : esc(c.value)) : '';
  const rest = (c.bracket ? ` [${c.bracketBold ? `<strong>${esc(c.bracket)}</strong>` : esc(c.bracket)}]` : '') + (c.paren ? ` (${esc(c.paren)})` : '');
  return v || rest ? (v + rest).trim() : '—';
};

export function tableToHtml(t: Table): string {
  const head = `<thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
  const body = t.sections
    .map(
      (s) =>
        (s.heading ? `<tr class="section"><th colspan="${t.columns.length}">${esc(s.heading)}</th></tr>` : '') +
        s.rows.map((r) => `<tr><th scope="row">${esc(r.label)}${r.unit ? ` <span class="unit">(${esc(r.unit)})</span>` : ''}</th>${r.cells.map((c) => `<td>${htmlCell(c)}</td>`).join('')}</tr>`).join('\n'),
    )
    .join('\n');
  return `<table>\n<caption><strong>${esc(t.title)}.</strong> ${esc(t.caption)}</caption>\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export function htmlDocument(title: string, tables: Table[], preamble = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: "Times New Roman", serif; max-width: 60em; margin: 2em auto; color: #111; }
table { border-collapse: collapse; margin: 1.5em 0; width: 100%; }
caption { caption-side: top; text-align: left; margin-bottom: 0.5em; }
th, td { padding: 0.2em 0.8em; text-align: right; }
th[scope=row], thead th:first-child { text-align: left; font-weight: normal; }
thead tr { border-top: 2px solid #000; border-bottom: 1px solid #000; }
tbody tr:last-child { border-bottom: 2px solid #000; }
tr.section th { text-align: left; font-style: italic; padding-top: 0.6em; }
.unit { color: #555; }
figure.plot { margin: 1.5em 0; overflow-x: auto; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.95em; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${preamble}
${tables.map(tableToHtml).join('\n')}
</body>
</html>
`;
}

// ---------- CSV (RFC 4180) ----------
const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function tableToCsv(t: Table): string {
  const lines = [['table', 'section', 'property', 'unit', ...t.columns.slice(1)].map(csvField).join(',')];
  for (const s of t.sections)
    for (const r of s.rows) lines.push([t.title, s.heading, r.label, r.unit, ...r.cells.map((c) => plain(c) + (c.bold || c.bracketBold ? '*' : ''))].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

// ---------- LaTeX (booktabs) ----------
const texEscape = (s: string): string =>
  s
    .replace(/([&%$#_{}])/g, '\\$1')
    .replace(/\\(?![&%$#_{}])/g, '\\textbackslash{}')
    .replace(/Σ/g, '$\\Sigma$')
    .replace(/≤/g, '$\\leq$')
    .replace(/≥/g, '$\\geq$')
    .replace(/⚠/g, '\\textbf{!}')
    .replace(/±/g, '$\\pm$')
    .replace(/√/g, '$\\surd$')
    .replace(/~/g, '\\textasciitilde{}')
    .replace(/\^/g, '\\textasciicircum{}')
    .replace(/Å/g, '\\AA{}')
    .replace(/ρ/g, '$\\rho$')
    .replace(/α/g, '$\\alpha$')
    .replace(/β/g, '$\\beta$')
    .replace(/γ/g, '$\\gamma$')
    .replace(/Δ/g, '$\\Delta$')
    .replace(/→/g, '$\\rightarrow$')
    .replace(/−/g, '--')
    .replace(/–/g, '--')
    .replace(/—/g, '---')
    .replace(/·/g, '$\\cdot$')
    .replace(/×/g, '$\\times$')
    .replace(/²/g, '$^{2}$')
    .replace(/³/g, '$^{3}$')
    .replace(/⁶/g, '$^{6}$')
    .replace(/¹²/g, '$^{12}$')
    .replace(/°/g, '$^\\circ$')
    .replace(/10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)/g, (_m, e: string) => `10$^{${e.replace(/[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => '-0123456789'['⁻⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(c)]!)}}$`);

const texCell = (c: Cell): string => {
  if (!c.value && !c.bracket && !c.paren) return '--';
  const v = c.value ? (c.bold ? `\\textbf{${texEscape(c.value)}}` : texEscape(c.value)) : '';
  return (v + (c.bracket ? ` [${c.bracketBold ? `\\textbf{${texEscape(c.bracket)}}` : texEscape(c.bracket)}]` : '') + (c.paren ? ` (${texEscape(c.paren)})` : '')).trim();
};

export function tableToLatex(t: Table): string {
  const cols = 'l' + 'r'.repeat(t.columns.length - 1);
  const out = [
    '\\begin{table}[htbp]',
    '\\centering',
    `\\caption{${texEscape(t.title)}. ${texEscape(t.caption)}}`,
    `\\begin{tabular}{${cols}}`,
    '\\toprule',
    t.columns.map(texEscape).join(' & ') + ' \\\\',
    '\\midrule',
  ];
  t.sections.forEach((s, i) => {
    if (s.heading) {
      if (i > 0) out.push('\\midrule');
      out.push(`\\multicolumn{${t.columns.length}}{l}{\\textit{${texEscape(s.heading)}}} \\\\`);
    }
    for (const r of s.rows) out.push(`${texEscape(r.label)}${r.unit ? ` (${texEscape(r.unit)})` : ''} & ${r.cells.map(texCell).join(' & ')} \\\\`);
  });
  out.push('\\bottomrule', '\\end{tabular}', '\\end{table}', '');
  return out.join('\n');
}

export function latexDocument(tables: Table[]): string {
  return ['\\documentclass{article}', '\\usepackage{booktabs}', '\\usepackage[utf8]{inputenc}', '\\begin{document}', '', ...tables.map(tableToLatex), '\\end{document}', ''].join('\n');
}
