/**
 * What AWS's init does inside the environment before the runtime, as a shell script that every
 * executor can run where the runtime would run (same sandbox, user, variables, cgroup):
 *
 *   sh -c LAUNCHER launcher N EXT_1 … EXT_N WRAP COMMAND ARGS…
 *
 * It starts each external extension (stdin /dev/null, stdout and stderr to fd 4, so that the
 * server tells extension logs from function logs), and writes `\x1eexit STATUS NAME` on fd 4 when
 * one ends (AWS's Extension.Crash comes from that). With extensions, it then waits for a line on
 * fd 0 — the server writes it once every extension has registered, since AWS starts the runtime
 * only then — and execs the runtime, through AWS_LAMBDA_EXEC_WRAPPER when WRAP is 1 and the
 * variable is set (AWS's wrapper scripts, managed runtimes only). The runtime keeps neither fd.
 */
export const LAUNCHER = [
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do',
  '  ext=$1; shift; n=$((n - 1))',
  `  ( "$ext" </dev/null >&4 2>&4 4>&-; s=$?; printf '\\036exit %s %s\\n' "$s" "\${ext##*/}" >&4 ) &`,
  '  started=1',
  'done',
  'if [ -n "$started" ]; then read -r _ || :; fi',
  'w=$1; shift',
  'if [ "$w" = 1 ] && [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then',
  '  exec "$AWS_LAMBDA_EXEC_WRAPPER" "$@" </dev/null 4>&-',
  'fi',
  'exec "$@" </dev/null 4>&-',
].join('\n');

/** The marker that starts an exit notice on the extension channel. */
export const EXIT_NOTICE = '\x1eexit ';

/** The launcher's command line around a runtime command; `extensions` are paths as seen inside. */
export function launchCommand(
  command: string,
  args: readonly string[],
  extensions: readonly string[],
  wrap: boolean,
): { command: string; args: string[] } {
  return {
    command: '/bin/sh',
    args: [
      '-c',
      LAUNCHER,
      'launcher',
      String(extensions.length),
      ...extensions,
      wrap ? '1' : '0',
      command,
      ...args,
    ],
  };
}

/** Whether a spec needs the launcher at all (no extensions, no wrapper: the runtime directly). */
export function needsLauncher(spec: { extensions?: readonly string[]; execWrapper?: boolean }) {
  return (spec.extensions?.length ?? 0) > 0 || spec.execWrapper === true;
}
