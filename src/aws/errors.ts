/**
 * The AWS Lambda error catalogue: every error code we answer with, its HTTP status, whether the
 * caller or the service is at fault, and the name of the message field in the JSON body (AWS
 * spells it `message` for some errors and `Message` for others; the SDKs read both, but tools
 * that parse the raw body do not). Status and field names are those of the botocore service
 * model, `data/lambda/2015-03-31/service-2.json`; ValidationException,
 * RequestEntityTooLargeException and AccessDeniedException (IAM's refusal, for another account's
 * layer without a grant) are real AWS answers the model does not list.
 */
export const ERROR_CATALOGUE = {
  ValidationException: { status: 400, fault: 'User', field: 'message' },
  InvalidParameterValueException: { status: 400, fault: 'User', field: 'message' },
  InvalidRequestContentException: { status: 400, fault: 'User', field: 'message' },
  ResourceNotFoundException: { status: 404, fault: 'User', field: 'Message' },
  ProvisionedConcurrencyConfigNotFoundException: { status: 404, fault: 'User', field: 'message' },
  ResourceConflictException: { status: 409, fault: 'User', field: 'message' },
  PreconditionFailedException: { status: 412, fault: 'User', field: 'message' },
  RequestEntityTooLargeException: { status: 413, fault: 'User', field: 'message' },
  UnsupportedMediaTypeException: { status: 415, fault: 'User', field: 'message' },
  TooManyRequestsException: { status: 429, fault: 'User', field: 'message' },
  AccessDeniedException: { status: 403, fault: 'User', field: 'Message' },
  ServiceException: { status: 500, fault: 'Service', field: 'Message' },
  ResourceNotReadyException: { status: 502, fault: 'Service', field: 'message' },
  InvalidRuntimeException: { status: 502, fault: 'Service', field: 'Message' },
  InvalidZipFileException: { status: 502, fault: 'Service', field: 'Message' },
  UnknownOperationException: { status: 404, fault: 'User', field: 'message' },
  PolicyLengthExceededException: { status: 400, fault: 'User', field: 'message' },
  CodeSigningConfigNotFoundException: { status: 404, fault: 'User', field: 'Message' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error that any layer may throw; the frontend's error writer turns it into the AWS response. */
export class LambdaError extends Error {
  readonly code: ErrorCode;
  /** Extra body fields some errors carry (TooManyRequestsException's Reason, for one). */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.extra = extra;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  /** The JSON body AWS sends: `Type`, the message under the field AWS uses, and any extras. */
  body(): Record<string, unknown> {
    const entry = ERROR_CATALOGUE[this.code];
    return { Type: entry.fault, [entry.field]: this.message, ...this.extra };
  }
}

export const notFound = (message: string): LambdaError =>
  new LambdaError('ResourceNotFoundException', message);

export const invalidParameter = (message: string): LambdaError =>
  new LambdaError('InvalidParameterValueException', message);

export const conflict = (message: string): LambdaError =>
  new LambdaError('ResourceConflictException', message);

/** AWS phrases model-constraint failures as "1 validation error detected: …"; several are joined by "; ". */
export function validationError(problems: string[]): LambdaError {
  const count = problems.length;
  const noun = count === 1 ? 'validation error' : 'validation errors';
  return new LambdaError(
    'ValidationException',
    `${count} ${noun} detected: ${problems.join('; ')}`,
  );
}
