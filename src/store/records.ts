/**
 * What the store keeps about a function. Field names follow AWS's FunctionConfiguration where a
 * field is stored as AWS shows it; everything derivable (ARNs, the function name inside each
 * version, layer sizes) is derived by the control plane's views instead of stored.
 */
export interface VersionRecord {
  Version: string;
  Runtime?: string;
  Handler?: string;
  Role: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  Environment?: { Variables: Record<string, string> };
  Layers: string[];
  Architectures: string[];
  EphemeralStorage: { Size: number };
  TracingConfig: { Mode: string };
  LoggingConfig: {
    LogFormat: string;
    LogGroup: string;
    ApplicationLogLevel?: string;
    SystemLogLevel?: string;
  };
  PackageType: 'Zip' | 'Image';
  /** PackageType Image: ImageConfig as GetFunctionConfiguration shows it. */
  ImageConfigResponse?: {
    ImageConfig: { EntryPoint?: string[]; Command?: string[]; WorkingDirectory?: string };
  };
  /** PackageType Image: the image as given and as pinned; GetFunction's Code, not configuration. */
  image?: { ImageUri: string; ResolvedImageUri: string };
  KMSKeyArn?: string;
  DeadLetterConfig?: { TargetArn?: string };
  VpcConfig?: { SubnetIds: string[]; SecurityGroupIds: string[]; Ipv6AllowedForDualStack: boolean };
  /**
   * Base64 of the SHA-256 of the zip, as AWS reports it; the code store keys blobs by it. For an
   * image, the image's digest in hex (src/aws/image-rules.ts).
   */
  CodeSha256: string;
  CodeSize: number;
  /** Hot reload (LocalStack's `hot-reload` bucket): the local folder the code runs from. */
  hotReloadFolder?: string;
  LastModified: string;
  RevisionId: string;
  State: 'Pending' | 'Active' | 'Failed' | 'Inactive';
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
}

export interface FunctionRecord {
  account: string;
  region: string;
  name: string;
  latest: VersionRecord;
  /** Published versions by number. */
  versions: Record<string, VersionRecord>;
  /** The last version number handed out; AWS never reuses one, even after a delete. */
  lastVersion: number;
  tags: Record<string, string>;
  /** PutFunctionConcurrency: the concurrency set aside for (and limiting) this function. */
  reservedConcurrency?: number;
  /** Put/UpdateFunctionEventInvokeConfig, by qualifier ('$LATEST', a version or an alias). */
  eventInvokeConfigs?: Record<string, EventInvokeConfigRecord>;
  /** PutProvisionedConcurrencyConfig, by qualifier (a version or an alias). */
  provisionedConcurrency?: Record<string, ProvisionedConcurrencyRecord>;
  /** CreateAlias, by alias name. */
  aliases?: Record<string, AliasRecord>;
  /** AddPermission: the resource policy of each qualifier ('' for the unqualified function). */
  policies?: Record<string, PolicyRecord>;
  /** CreateFunctionUrlConfig, by qualifier ('$LATEST' for the unqualified function, or an alias). */
  urlConfigs?: Record<string, FunctionUrlRecord>;
  /** PutRuntimeManagementConfig, by version ('$LATEST' or a number); absent means Auto. */
  runtimeManagement?: Record<string, RuntimeManagementRecord>;
  /** PutFunctionRecursionConfig; absent means Terminate. */
  recursiveLoop?: 'Allow' | 'Terminate';
  /** Put/CreateFunction's code signing config (stored only: signatures are not verified). */
  codeSigningConfigArn?: string;
}

export interface RuntimeManagementRecord {
  UpdateRuntimeOn: 'Auto' | 'FunctionUpdate' | 'Manual';
  RuntimeVersionArn?: string;
}

/** CreateCodeSigningConfig: kept per account and region, by id (`csc-` + 17 hex digits). */
export interface CodeSigningConfigRecord {
  CodeSigningConfigId: string;
  Description: string;
  AllowedPublishers: { SigningProfileVersionArns: string[] };
  CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Warn' | 'Enforce' };
  /** Lambda's LastModified string format. */
  LastModified: string;
  tags: Record<string, string>;
}

export interface AliasRecord {
  FunctionVersion: string;
  Description: string;
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
  RevisionId: string;
}

/** One resource policy: AWS returns it as a JSON string with a RevisionId of its own. */
export interface PolicyRecord {
  RevisionId: string;
  /** IAM policy statements, stored in the shape GetPolicy prints. */
  Statement: Record<string, unknown>[];
}

export interface FunctionUrlRecord {
  /** The 32-character id in `https://<id>.lambda-url.<region>.on.aws/`. */
  urlId: string;
  AuthType: 'NONE' | 'AWS_IAM';
  Cors?: {
    AllowCredentials?: boolean;
    AllowHeaders?: string[];
    AllowMethods?: string[];
    AllowOrigins?: string[];
    ExposeHeaders?: string[];
    MaxAge?: number;
  };
  InvokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  CreationTime: string;
  LastModifiedTime: string;
}

export interface EventInvokeConfigRecord {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig?: {
    OnSuccess?: { Destination?: string };
    OnFailure?: { Destination?: string };
  };
  /** Epoch seconds, as AWS returns it (a timestamp, not LastModified's string format). */
  LastModified: number;
}

export interface ProvisionedConcurrencyRecord {
  requested: number;
  /** Lambda's LastModified string format. */
  lastModified: string;
}

/**
 * A layer of one account and region: its versions by number. The record outlives its versions,
 * since AWS never hands out a version number twice.
 */
export interface LayerRecord {
  account: string;
  region: string;
  name: string;
  /** The last version number handed out. */
  lastVersion: number;
  versions: Record<string, LayerVersionRecord>;
}

/** One published layer version; ARNs are derived by the control plane's view. */
export interface LayerVersionRecord {
  Version: number;
  Description: string;
  CreatedDate: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
  LicenseInfo?: string;
  /** Base64 of the SHA-256 of the zip; the code store keys blobs by it. */
  CodeSha256: string;
  CodeSize: number;
  /** Hot reload: the local folder the layer's content is read from, as for functions. */
  hotReloadFolder?: string;
  /** AddLayerVersionPermission: absent until the first statement, removed with the last. */
  policy?: PolicyRecord;
  /**
   * DeleteLayerVersion: gone for the layer operations and for new references, while functions
   * that already use it keep its content (AWS keeps a copy for them).
   */
  deleted?: boolean;
}

/**
 * An event accepted by an asynchronous Invoke (202) and not yet finished: it survives restarts
 * and leaves the queue only when it succeeded, reached a destination, or was dropped with a reason.
 */
export interface QueuedEvent {
  /** The request id returned with the 202, and the awsRequestId of every attempt. */
  id: string;
  account: string;
  region: string;
  functionName: string;
  qualifier?: string;
  /** Base64 of the payload bytes. */
  payload: string;
  /** Epoch milliseconds when the event was accepted. */
  acceptedAt: number;
  /** Attempts made so far (0 before the first). */
  attempts: number;
  /** Epoch milliseconds before which the next attempt must not start. */
  notBefore: number;
  /**
   * Set while an attempt runs. An event found with it after a restart lost that attempt to the
   * restart, a system error that AWS retries without counting it.
   */
  inFlight?: boolean;
  /** How the event finished, recorded before its destination is delivered: it never runs again. */
  outcome?: EventOutcome;
}

/** The result an asynchronous event's destination record is built from. */
export interface EventOutcome {
  condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
  /** Epoch milliseconds when the outcome was decided. */
  at: number;
  /** The version the last attempt ran, when there was an attempt. */
  executedVersion?: string;
  functionError?: string;
  /** Base64 of the last attempt's response (the error object when it failed). */
  response?: string;
}
