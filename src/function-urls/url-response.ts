/** An HTTP answer before it is written: headers as lines, so Set-Cookie may repeat. */
export interface UrlAnswer {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** Headers the function may not set: the server frames the body itself. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection']);

/** What AWS answers when the function failed or returned something it cannot map. */
export const internalServerError = (): UrlAnswer => ({
  status: 502,
  headers: [['content-type', 'application/json']],
  body: Buffer.from('Internal Server Error'),
});

/**
 * The function's result as the HTTP response, by AWS's payload format 2.0 rules: an object with
 * a `statusCode` is a response (statusCode, headers, cookies → Set-Cookie, body, isBase64Encoded;
 * content-type defaults to application/json). Anything else valid JSON is the body of a 200
 * application/json response: a string as its text, any other value re-serialized compactly.
 */
export function urlAnswer(payload: Buffer): UrlAnswer {
  let result: unknown;
  try {
    result = JSON.parse(payload.toString('utf8'));
  } catch {
    return internalServerError();
  }
  if (isObject(result) && 'statusCode' in result) return structured(result);
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  return {
    status: 200,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(text ?? '', 'utf8'),
  };
}

function structured(result: Record<string, unknown>): UrlAnswer {
  const head = responseHead(result, 'application/json');
  return head ? { ...head, body: bodyOf(result) } : internalServerError();
}

/**
 * Status and headers from a response object (statusCode, headers, cookies → Set-Cookie), with
 * `contentType` when it names none; null when its statusCode is not an HTTP status.
 */
export function responseHead(
  result: Record<string, unknown>,
  contentType: string,
): Omit<UrlAnswer, 'body'> | null {
  const status = result.statusCode === undefined ? 200 : Number(result.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return null;
  const headers: [string, string][] = [];
  if (isObject(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) {
      if (value === null || value === undefined || FRAMING.has(name.toLowerCase())) continue;
      headers.push([name, String(value)]);
    }
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) {
    headers.push(['content-type', contentType]);
  }
  if (Array.isArray(result.cookies)) {
    for (const cookie of result.cookies) headers.push(['set-cookie', String(cookie)]);
  }
  return { status, headers };
}

function bodyOf(result: Record<string, unknown>): Buffer {
  const body = result.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body !== 'string') return Buffer.from(JSON.stringify(body), 'utf8');
  return result.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
