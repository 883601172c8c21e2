import type { AuditFigures, AuditReport } from './types.js';

/** One line with the run's figures: what a chaos scenario prints and RELIABILITY.md quotes. */
export function formatFigures(f: AuditFigures): string {
  return (
    `orders ${f.orders}: terminal ${f.terminal} (shipped ${f.shipped}, cancelled ${f.cancelled}, ` +
    `rejected ${f.rejected}), stuck ${f.stuck}, in flight ${f.inFlight}, lost ${f.lost}, ` +
    `duplicate effects ${f.duplicateEffects}, skus ${f.skus}`
  );
}

/** The human report: the figures, one line per check, then the first problems of each failed check. */
export function formatAudit(report: AuditReport): string {
  const lines = [formatFigures(report.figures)];
  const width = Math.max(...report.checks.map((c) => c.name.length));
  for (const c of report.checks) {
    const mark = c.ok ? 'ok  ' : 'FAIL';
    lines.push(`${mark} ${c.name.padEnd(width)}  ${c.checked} checked, ${c.failed} failed`);
    for (const p of c.problems) lines.push(`       ${p}`);
  }
  lines.push(report.ok ? 'audit: clean' : 'audit: FAILED');
  return lines.join('\n');
}
