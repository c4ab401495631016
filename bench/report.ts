/** The printed table and the JSON file: every figure beside a same-run baseline, as a ratio. */

export interface Row {
  section: string;
  metric: string;
  value: string;
  /** The baseline it is compared with, described, with its value. */
  baseline?: string;
  /** value ÷ baseline (for rates: fraction of the baseline's rate). */
  ratio?: number;
  target?: string;
  pass?: boolean;
  /** Extra context: sample counts, spread. */
  note?: string;
}

export class Report {
  readonly rows: Row[] = [];
  readonly warnings: string[] = [];

  add(row: Row): void {
    this.rows.push(row);
  }

  warn(message: string): void {
    this.warnings.push(message);
    process.stderr.write(`bench: warning: ${message}\n`);
  }

  render(): string {
    const header = ['metric', 'value', 'baseline (same run)', 'ratio', 'target', '', 'note'];
    const cells = (row: Row): string[] => [
      row.metric,
      row.value,
      row.baseline ?? '',
      row.ratio === undefined ? '' : fmtRatio(row.ratio),
      row.target ?? '',
      row.pass === undefined ? '' : row.pass ? 'PASS' : 'MISS',
      row.note ?? '',
    ];
    const all = [header, ...this.rows.map(cells)];
    const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]): string =>
      r
        .map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    const out: string[] = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
    let section = '';
    for (const row of this.rows) {
      if (row.section !== section) {
        section = row.section;
        out.push('', `== ${section} ==`);
      }
      out.push(line(cells(row)));
    }
    const targets = this.rows.filter((r) => r.pass !== undefined);
    const passed = targets.filter((r) => r.pass).length;
    out.push('', `targets: ${passed}/${targets.length} PASS (a MISS is reported, never fatal)`);
    for (const w of this.warnings) out.push(`warning: ${w}`);
    return out.join('\n');
  }
}

export function fmtRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return ratio >= 10 ? `${ratio.toFixed(1)}x` : `${ratio.toFixed(2)}x`;
}
