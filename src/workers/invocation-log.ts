/** AWS's platform log lines around each invocation, and the Tail that Invoke returns. */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

export interface ReportFigures {
  durationMs: number;
  memoryMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
  status?: 'timeout' | 'error';
}

/** `REPORT RequestId: … Duration: 1.23 ms Billed Duration: 2 ms …`, tab-separated as on AWS. */
export function reportLine(requestId: string, figures: ReportFigures): string {
  const parts = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${figures.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(figures.durationMs))} ms`,
    `Memory Size: ${figures.memoryMb} MB`,
    `Max Memory Used: ${figures.maxMemoryUsedMb} MB`,
  ];
  if (figures.initDurationMs !== undefined)
    parts.push(`Init Duration: ${figures.initDurationMs.toFixed(2)} ms`);
  if (figures.status) parts.push(`Status: ${figures.status}`);
  return `${parts.join('\t')}\t\n`;
}

/** AWS returns the last 4 KB of the invocation's log, base64-encoded, in X-Amz-Log-Result. */
export function logTail(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - 4096)).toString('base64');
}
