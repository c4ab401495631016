#!/usr/bin/env python3
"""Generates openapi/lambda.json and openapi/runtime-api.json.

    python3 openapi/generate.py          # writes both documents (formatted with prettier)
    python3 openapi/generate.py --check  # exits 1 if the committed documents are stale

Sources, and nothing else (so the output is deterministic for a given botocore):
  - the botocore service model of Lambda, data/lambda/2015-03-31/service-2.json.gz, for the
    types and constraints of every member we document;
  - src/aws/errors.ts, for ERROR_CATALOGUE (x-error-catalogue and the error body schemas);
  - src/runtime-api/protocol.json, for the Runtime API's paths and headers;
  - the tables below, which say what this server serves: the operations (src/frontend/routes),
    the members each request body accepts (src/aws/function-rules.ts), the members each
    response carries (src/control-plane/function-view.ts and friends) and the errors each
    operation can answer with.

test/unit/openapi.test.ts checks the result against a running server; when a route, a request
member or a response field is added, update the tables here and regenerate.
"""

import gzip
import html
import json
import os
import re
import subprocess
import sys

import botocore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'openapi')

with gzip.open(
    os.path.join(os.path.dirname(botocore.__file__), 'data/lambda/2015-03-31/service-2.json.gz')
) as f:
    MODEL = json.load(f)
SHAPES = MODEL['shapes']

# ---------------------------------------------------------------------------------------------
# The error catalogue, read from src/aws/errors.ts.

ERROR_LINE = re.compile(
    r"^\s*(\w+): \{ status: (\d+), fault: '(User|Service)', field: '(message|Message)' \},?$"
)


def read_catalogue():
    with open(os.path.join(ROOT, 'src/aws/errors.ts'), encoding='utf8') as f:
        text = f.read()
    body = text.split('export const ERROR_CATALOGUE = {', 1)[1].split('} as const;', 1)[0]
    catalogue = {}
    for line in body.splitlines():
        if not line.strip():
            continue
        match = ERROR_LINE.match(line)
        if not match:
            sys.exit(f'generate.py: cannot read ERROR_CATALOGUE line: {line!r}')
        code, status, fault, field = match.groups()
        catalogue[code] = {'status': int(status), 'fault': fault, 'field': field}
    if not catalogue:
        sys.exit('generate.py: ERROR_CATALOGUE not found in src/aws/errors.ts')
    return catalogue


CATALOGUE = read_catalogue()

ERROR_DESCRIPTIONS = {
    'ValidationException': 'A member failed a model constraint (length, range, pattern, enum, '
    'required); every violation is listed in one message ("1 validation error detected: ...").',
    'InvalidParameterValueException': 'A service rule refused a parameter.',
    'InvalidRequestContentException': 'The body is not JSON, or a member has the wrong JSON type.',
    'ResourceNotFoundException': 'The function, version or code package does not exist.',
    'ResourceConflictException': 'The function exists already, or is not in a state that allows '
    'the operation (Pending, an update InProgress, Failed).',
    'PreconditionFailedException': 'The RevisionId does not match the latest revision.',
    'RequestEntityTooLargeException': "The body is over the operation's limit.",
    'UnsupportedMediaTypeException': 'The content type is not supported.',
    'TooManyRequestsException': 'The request throughput limit was exceeded.',
    'ServiceException': 'An internal error of the server.',
    'ResourceNotReadyException': 'The function is not ready to be invoked.',
    'InvalidRuntimeException': 'The runtime cannot run here (no interpreter for it on this host).',
    'InvalidZipFileException': 'The deployment package could not be unzipped.',
    'ProvisionedConcurrencyConfigNotFoundException': 'The version has no provisioned '
    'concurrency config.',
    'AccessDeniedException': "IAM's refusal (not in the Lambda model): another account's layer "
    'that grants the caller nothing, or an operation only the layer\'s account may call.',
    'UnknownOperationException': 'No operation is served at this method and path. Answered for '
    'every request that matches no path of this document.',
    'PolicyLengthExceededException': 'The resource policy would be over 20,480 bytes.',
    'CodeSigningConfigNotFoundException': 'The code signing configuration does not exist.',
}

# ---------------------------------------------------------------------------------------------
# Shapes: botocore → JSON Schema (2020-12, as OpenAPI 3.1 uses it).

# Shapes that carry nothing beyond their JSON type are written inline.
INLINE = {
    'String',
    'Integer',
    'Long',
    'Boolean',
    'NullableBoolean',
    'Blob',
    'Timestamp',
    'SensitiveString',
    'TagKey',
    'TagValue',
    'SubnetId',
    'SecurityGroupId',
    'StateReason',
    'LastUpdateStatusReason',
}

LAYER_VERSION_MEMBERS = [
    'Content',
    'LayerArn',
    'LayerVersionArn',
    'Description',
    'CreatedDate',
    'Version',
    'CompatibleRuntimes',
    'LicenseInfo',
    'CompatibleArchitectures',
]

# The members we document of each structure, in the model's order. Request structures list what
# the zod shapes of src/aws/function-rules.ts accept; response structures what the views emit.
MEMBERS = {
    'CreateFunctionRequest': [
        'FunctionName',
        'Runtime',
        'Role',
        'Handler',
        'Code',
        'Description',
        'Timeout',
        'MemorySize',
        'Publish',
        'VpcConfig',
        'PackageType',
        'DeadLetterConfig',
        'Environment',
        'KMSKeyArn',
        'TracingConfig',
        'Tags',
        'Layers',
        'ImageConfig',
        'Architectures',
        'EphemeralStorage',
        'LoggingConfig',
        'RevisionId',
    ],
    'UpdateFunctionCodeRequest': [
        'ZipFile',
        'S3Bucket',
        'S3Key',
        'S3ObjectVersion',
        'ImageUri',
        'Publish',
        'DryRun',
        'RevisionId',
        'Architectures',
    ],
    'UpdateFunctionConfigurationRequest': [
        'Role',
        'Handler',
        'Description',
        'Timeout',
        'MemorySize',
        'VpcConfig',
        'Environment',
        'Runtime',
        'DeadLetterConfig',
        'KMSKeyArn',
        'TracingConfig',
        'RevisionId',
        'Layers',
        'ImageConfig',
        'EphemeralStorage',
        'LoggingConfig',
    ],
    'ImageConfig': ['EntryPoint', 'Command', 'WorkingDirectory'],
    'ImageConfigResponse': ['ImageConfig'],
    'FunctionCode': ['ZipFile', 'S3Bucket', 'S3Key', 'S3ObjectVersion', 'ImageUri'],
    'Environment': ['Variables'],
    'EphemeralStorage': ['Size'],
    'TracingConfig': ['Mode'],
    'LoggingConfig': ['LogFormat', 'ApplicationLogLevel', 'SystemLogLevel', 'LogGroup'],
    'DeadLetterConfig': ['TargetArn'],
    'VpcConfig': ['SubnetIds', 'SecurityGroupIds', 'Ipv6AllowedForDualStack'],
    'FunctionConfiguration': [
        'FunctionName',
        'FunctionArn',
        'Runtime',
        'Role',
        'Handler',
        'CodeSize',
        'Description',
        'Timeout',
        'MemorySize',
        'LastModified',
        'CodeSha256',
        'Version',
        'VpcConfig',
        'DeadLetterConfig',
        'Environment',
        'KMSKeyArn',
        'TracingConfig',
        'RevisionId',
        'Layers',
        'State',
        'StateReason',
        'StateReasonCode',
        'LastUpdateStatus',
        'LastUpdateStatusReason',
        'LastUpdateStatusReasonCode',
        'PackageType',
        'ImageConfigResponse',
        'Architectures',
        'EphemeralStorage',
        'SnapStart',
        'RuntimeVersionConfig',
        'LoggingConfig',
    ],
    'VpcConfigResponse': ['SubnetIds', 'SecurityGroupIds', 'Ipv6AllowedForDualStack'],
    'EnvironmentResponse': ['Variables'],
    'TracingConfigResponse': ['Mode'],
    'Layer': ['Arn', 'CodeSize'],
    'SnapStartResponse': ['ApplyOn', 'OptimizationStatus'],
    'RuntimeVersionConfig': ['RuntimeVersionArn'],
    'GetFunctionResponse': ['Configuration', 'Code', 'Tags', 'Concurrency'],
    'Concurrency': ['ReservedConcurrentExecutions'],
    'PutFunctionConcurrencyRequest': ['ReservedConcurrentExecutions'],
    'GetFunctionConcurrencyResponse': ['ReservedConcurrentExecutions'],
    'FunctionCodeLocation': ['RepositoryType', 'Location', 'ImageUri', 'ResolvedImageUri'],
    'ListFunctionsResponse': ['NextMarker', 'Functions'],
    'GetAccountSettingsResponse': ['AccountLimit', 'AccountUsage'],
    'AccountLimit': [
        'TotalCodeSize',
        'CodeSizeUnzipped',
        'CodeSizeZipped',
        'ConcurrentExecutions',
        'UnreservedConcurrentExecutions',
    ],
    'AccountUsage': ['TotalCodeSize', 'FunctionCount'],
    'PutProvisionedConcurrencyConfigRequest': ['ProvisionedConcurrentExecutions'],
    'PutProvisionedConcurrencyConfigResponse': [
        'RequestedProvisionedConcurrentExecutions',
        'AvailableProvisionedConcurrentExecutions',
        'AllocatedProvisionedConcurrentExecutions',
        'Status',
        'StatusReason',
        'LastModified',
    ],
    'GetProvisionedConcurrencyConfigResponse': [
        'RequestedProvisionedConcurrentExecutions',
        'AvailableProvisionedConcurrentExecutions',
        'AllocatedProvisionedConcurrentExecutions',
        'Status',
        'StatusReason',
        'LastModified',
    ],
    'ListProvisionedConcurrencyConfigsResponse': ['ProvisionedConcurrencyConfigs', 'NextMarker'],
    'ProvisionedConcurrencyConfigListItem': [
        'FunctionArn',
        'RequestedProvisionedConcurrentExecutions',
        'AvailableProvisionedConcurrentExecutions',
        'AllocatedProvisionedConcurrentExecutions',
        'Status',
        'StatusReason',
        'LastModified',
    ],
    'PutFunctionEventInvokeConfigRequest': [
        'MaximumRetryAttempts',
        'MaximumEventAgeInSeconds',
        'DestinationConfig',
    ],
    'UpdateFunctionEventInvokeConfigRequest': [
        'MaximumRetryAttempts',
        'MaximumEventAgeInSeconds',
        'DestinationConfig',
    ],
    'DestinationConfig': ['OnSuccess', 'OnFailure'],
    'OnSuccess': ['Destination'],
    'OnFailure': ['Destination'],
    'FunctionEventInvokeConfig': [
        'LastModified',
        'FunctionArn',
        'MaximumRetryAttempts',
        'MaximumEventAgeInSeconds',
        'DestinationConfig',
    ],
    'ListFunctionEventInvokeConfigsResponse': ['FunctionEventInvokeConfigs', 'NextMarker'],
    'InvokeAsyncResponse': ['Status'],
    # Versions and aliases (src/aws/alias-rules.ts, src/control-plane/aliases.ts and versions.ts).
    'PublishVersionRequest': ['CodeSha256', 'Description', 'RevisionId'],
    'ListVersionsByFunctionResponse': ['NextMarker', 'Versions'],
    'CreateAliasRequest': ['Name', 'FunctionVersion', 'Description', 'RoutingConfig'],
    'UpdateAliasRequest': ['FunctionVersion', 'Description', 'RoutingConfig', 'RevisionId'],
    'AliasRoutingConfiguration': ['AdditionalVersionWeights'],
    'AliasConfiguration': [
        'AliasArn',
        'Name',
        'FunctionVersion',
        'Description',
        'RoutingConfig',
        'RevisionId',
    ],
    'ListAliasesResponse': ['NextMarker', 'Aliases'],
    'PublishLayerVersionRequest': [
        'Description',
        'Content',
        'CompatibleRuntimes',
        'LicenseInfo',
        'CompatibleArchitectures',
    ],
    'LayerVersionContentInput': ['S3Bucket', 'S3Key', 'S3ObjectVersion', 'ZipFile'],
    'PublishLayerVersionResponse': LAYER_VERSION_MEMBERS,
    'GetLayerVersionResponse': LAYER_VERSION_MEMBERS,
    'LayerVersionContentOutput': ['Location', 'CodeSha256', 'CodeSize'],
    'LayerVersionsListItem': [
        'LayerVersionArn',
        'Version',
        'Description',
        'CreatedDate',
        'CompatibleRuntimes',
        'LicenseInfo',
        'CompatibleArchitectures',
    ],
    'ListLayerVersionsResponse': ['NextMarker', 'LayerVersions'],
    'ListLayersResponse': ['NextMarker', 'Layers'],
    'LayersListItem': ['LayerName', 'LayerArn', 'LatestMatchingVersion'],
    'AddLayerVersionPermissionRequest': ['StatementId', 'Action', 'Principal', 'OrganizationId'],
    'AddLayerVersionPermissionResponse': ['Statement', 'RevisionId'],
    'GetLayerVersionPolicyResponse': ['Policy', 'RevisionId'],
    # Function URLs (src/control-plane/function-urls.ts).
    'CreateFunctionUrlConfigRequest': ['AuthType', 'Cors', 'InvokeMode'],
    'UpdateFunctionUrlConfigRequest': ['AuthType', 'Cors', 'InvokeMode'],
    'Cors': [
        'AllowCredentials',
        'AllowHeaders',
        'AllowMethods',
        'AllowOrigins',
        'ExposeHeaders',
        'MaxAge',
    ],
    'CreateFunctionUrlConfigResponse': [
        'FunctionUrl',
        'FunctionArn',
        'AuthType',
        'Cors',
        'CreationTime',
        'InvokeMode',
    ],
    'GetFunctionUrlConfigResponse': [
        'FunctionUrl',
        'FunctionArn',
        'AuthType',
        'Cors',
        'CreationTime',
        'LastModifiedTime',
        'InvokeMode',
    ],
    'UpdateFunctionUrlConfigResponse': [
        'FunctionUrl',
        'FunctionArn',
        'AuthType',
        'Cors',
        'CreationTime',
        'LastModifiedTime',
        'InvokeMode',
    ],
    'FunctionUrlConfig': [
        'FunctionUrl',
        'FunctionArn',
        'CreationTime',
        'LastModifiedTime',
        'Cors',
        'AuthType',
        'InvokeMode',
    ],
    'ListFunctionUrlConfigsResponse': ['FunctionUrlConfigs', 'NextMarker'],
}

# Members this server accepts that the model does not have.
EXTRA_MEMBERS = {
    ('CreateFunctionRequest', 'RevisionId'): {
        'type': 'string',
        'description': 'Accepted and ignored (CreateFunctionRequest has no RevisionId on AWS).',
    },
}

LAYER_VERSION_REQUIRED = [
    'Content',
    'LayerArn',
    'LayerVersionArn',
    'Description',
    'CreatedDate',
    'Version',
]

# Members always present in what the server sends (the model marks no output member required).
# Only structures that appear in responses alone are listed.
RESPONSE_REQUIRED = {
    'FunctionConfiguration': [
        'FunctionName',
        'FunctionArn',
        'Role',
        'CodeSize',
        'Description',
        'Timeout',
        'MemorySize',
        'LastModified',
        'CodeSha256',
        'Version',
        'TracingConfig',
        'RevisionId',
        'PackageType',
        'Architectures',
        'EphemeralStorage',
        'SnapStart',
        'LoggingConfig',
    ],
    'VpcConfigResponse': ['SubnetIds', 'SecurityGroupIds', 'Ipv6AllowedForDualStack'],
    'EnvironmentResponse': ['Variables'],
    'TracingConfigResponse': ['Mode'],
    'Layer': ['Arn', 'CodeSize'],
    'SnapStartResponse': ['ApplyOn', 'OptimizationStatus'],
    'RuntimeVersionConfig': ['RuntimeVersionArn'],
    'GetFunctionResponse': ['Configuration', 'Code'],
    'FunctionCodeLocation': ['RepositoryType'],
    'ListFunctionsResponse': ['Functions'],
    'GetAccountSettingsResponse': ['AccountLimit', 'AccountUsage'],
    'AccountLimit': MEMBERS['AccountLimit'],
    'AccountUsage': MEMBERS['AccountUsage'],
    'PutProvisionedConcurrencyConfigResponse': [
        'RequestedProvisionedConcurrentExecutions',
        'AvailableProvisionedConcurrentExecutions',
        'AllocatedProvisionedConcurrentExecutions',
        'Status',
        'LastModified',
    ],
    'GetProvisionedConcurrencyConfigResponse': [
        'RequestedProvisionedConcurrentExecutions',
        'AvailableProvisionedConcurrentExecutions',
        'AllocatedProvisionedConcurrentExecutions',
        'Status',
        'LastModified',
    ],
    'ListProvisionedConcurrencyConfigsResponse': ['ProvisionedConcurrencyConfigs'],
    'ProvisionedConcurrencyConfigListItem': [
        'FunctionArn',
        'RequestedProvisionedConcurrentExecutions',
        'AvailableProvisionedConcurrentExecutions',
        'AllocatedProvisionedConcurrentExecutions',
        'Status',
        'LastModified',
    ],
    'FunctionEventInvokeConfig': ['LastModified', 'FunctionArn', 'DestinationConfig'],
    'ListFunctionEventInvokeConfigsResponse': ['FunctionEventInvokeConfigs'],
    'InvokeAsyncResponse': ['Status'],
    'ListVersionsByFunctionResponse': ['Versions'],
    'AliasConfiguration': ['AliasArn', 'Name', 'FunctionVersion', 'Description', 'RevisionId'],
    'ListAliasesResponse': ['Aliases'],
    'PublishLayerVersionResponse': LAYER_VERSION_REQUIRED,
    'GetLayerVersionResponse': LAYER_VERSION_REQUIRED,
    'LayerVersionContentOutput': ['Location', 'CodeSha256', 'CodeSize'],
    'LayerVersionsListItem': ['LayerVersionArn', 'Version', 'Description', 'CreatedDate'],
    'ListLayerVersionsResponse': ['LayerVersions'],
    'ListLayersResponse': ['Layers'],
    'LayersListItem': ['LayerName', 'LayerArn', 'LatestMatchingVersion'],
    'AddLayerVersionPermissionResponse': ['Statement', 'RevisionId'],
    'GetLayerVersionPolicyResponse': ['Policy', 'RevisionId'],
    'GetFunctionUrlConfigResponse': [
        'FunctionUrl',
        'FunctionArn',
        'AuthType',
        'CreationTime',
        'LastModifiedTime',
        'InvokeMode',
    ],
    'UpdateFunctionUrlConfigResponse': [
        'FunctionUrl',
        'FunctionArn',
        'AuthType',
        'CreationTime',
        'LastModifiedTime',
        'InvokeMode',
    ],
    'FunctionUrlConfig': [
        'FunctionUrl',
        'FunctionArn',
        'CreationTime',
        'LastModifiedTime',
        'AuthType',
        'InvokeMode',
    ],
}

# Where this server's rules are stricter than the model's, or its behaviour differs from AWS's.
SHAPE_OVERRIDES = {
    'Date': {
        'type': 'number',
        'description': 'Epoch seconds, with milliseconds as a fraction (REST-JSON timestamps).',
    },
    'DestinationArn': {
        'description': 'A Lambda function ARN (invoked asynchronously with the invocation record), '
        'or an SQS, SNS, EventBridge or (OnFailure only) S3 ARN: those are stored, and a record '
        'for them is logged as not delivered, since those services do not exist here.'
    },
    'Timeout': {'maximum': 900, 'description': 'Seconds, 1 to 900.'},
    'MemorySize': {
        'maximum': 10240,
        'description': 'MB. The model allows up to 32768; above 10240 the answer is an '
        'InvalidParameterValueException, as on AWS.',
    },
    'LayerList': {
        'maxItems': 5,
        'description': 'Layer version ARNs, at most one version per layer. Each must exist (not '
        "deleted); another account's only where its policy grants the caller's account. Their "
        'contents are merged, in order, at /opt.',
    },
    'LayerVersionContentInput': {
        'description': 'The layer archive. Only ZipFile is supported: S3Bucket/S3Key are answered '
        'as AWS answers for a bucket that does not exist.'
    },
    'LayerVersionContentOutput': {
        'description': 'Location is a URL on this server (DownloadFunctionCode), not a presigned '
        'S3 URL.'
    },
    'EnvironmentVariables': {
        'description': 'At most 4 KB in total (keys and values, as JSON). Reserved keys '
        '(AWS_REGION, _HANDLER, ...) are refused with an InvalidParameterValueException.'
    },
    'FunctionCode': {
        'description': 'The deployment package: ZipFile, or ImageUri for PackageType Image (an '
        'image on the Docker engine, or pullable by it). S3Bucket/S3Key are answered as AWS '
        'answers for a bucket that does not exist, with an InvalidParameterValueException.'
    },
    'PackageType': {
        'description': 'Zip, or Image: Image functions run their image on the Docker engine, '
        'under either executor; without an engine they are refused with an '
        'InvalidParameterValueException.'
    },
    'FunctionUrl': {
        'description': 'On this server `http://<url-id>.lambda-url.<region>.localhost:<port>/` '
        '(on AWS `https://<url-id>.lambda-url.<region>.on.aws/`). It is served: see the README '
        'for the host-style and path-style forms.'
    },
    'InvokeMode': {
        'description': 'BUFFERED (the default) or RESPONSE_STREAM. RESPONSE_STREAM is stored; '
        'the URL serves such functions buffered for now.'
    },
    'FunctionCodeLocation': {
        'description': 'For a zip, Location is a URL on this server (DownloadFunctionCode), not a '
        'presigned S3 URL. For an image, RepositoryType ECR, ImageUri and ResolvedImageUri (the '
        'repository at the image id the code was pinned to).'
    },
}

MEMBER_OVERRIDES = {
    ('UpdateFunctionCodeRequest', 'S3Bucket'): {'description': 'Refused: there is no S3 here.'},
    ('UpdateFunctionCodeRequest', 'ImageUri'): {
        'description': 'The image of a PackageType Image function, pinned again to the digest '
        'its tag names now.'
    },
    ('UpdateFunctionConfigurationRequest', 'LoggingConfig'): {
        'description': 'The members given replace the stored ones; the others are kept.'
    },
    ('CreateFunctionRequest', 'Publish'): {
        'description': 'Publish version 1 at once; the response is then that version.'
    },
    ('UpdateFunctionCodeRequest', 'DryRun'): {
        'description': 'Validate the package and answer with the configuration it would give, '
        'changing nothing.'
    },
    ('CreateFunctionRequest', 'KMSKeyArn'): {'description': 'Stored as given; not used.'},
    ('UpdateFunctionConfigurationRequest', 'KMSKeyArn'): {
        'description': 'Stored as given; not used. An empty string removes it.'
    },
    ('FunctionConfiguration', 'KMSKeyArn'): {'description': 'As given; not used.'},
    ('CreateFunctionRequest', 'VpcConfig'): {
        'description': 'Stored as given; functions are not attached to a VPC.'
    },
    ('UpdateFunctionConfigurationRequest', 'VpcConfig'): {
        'description': 'Stored as given; functions are not attached to a VPC.'
    },
    ('CreateFunctionRequest', 'DeadLetterConfig'): {
        'description': 'Stored as given; an asynchronous event that fails is logged as not '
        'delivered to it (there is no SQS or SNS here).'
    },
    ('UpdateFunctionConfigurationRequest', 'DeadLetterConfig'): {
        'description': 'Stored as given; an asynchronous event that fails is logged as not '
        'delivered to it (there is no SQS or SNS here).'
    },
    ('FunctionEventInvokeConfig', 'MaximumRetryAttempts'): {
        'description': 'Present when set; unset means 2.'
    },
    ('FunctionEventInvokeConfig', 'MaximumEventAgeInSeconds'): {
        'description': 'Present when set; unset means 21600.'
    },
    ('FunctionEventInvokeConfig', 'FunctionArn'): {
        'description': 'The function ARN with the qualifier the configuration is for ($LATEST '
        'when none was given).'
    },
    ('ListFunctionEventInvokeConfigsResponse', 'NextMarker'): {
        'description': 'Present when there are more configurations: pass it as Marker.'
    },
    ('UpdateFunctionEventInvokeConfigRequest', 'DestinationConfig'): {
        'description': 'OnSuccess and OnFailure each replace the stored one when given.'
    },
    ('FunctionConfiguration', 'State'): {'description': 'Left out by ListFunctions.'},
    ('FunctionConfiguration', 'StateReason'): {'description': 'Left out by ListFunctions.'},
    ('FunctionConfiguration', 'StateReasonCode'): {'description': 'Left out by ListFunctions.'},
    ('FunctionConfiguration', 'LastUpdateStatus'): {'description': 'Left out by ListFunctions.'},
    ('FunctionConfiguration', 'LastUpdateStatusReason'): {
        'description': 'Left out by ListFunctions.'
    },
    ('FunctionConfiguration', 'LastUpdateStatusReasonCode'): {
        'description': 'Left out by ListFunctions.'
    },
    ('FunctionConfiguration', 'RuntimeVersionConfig'): {
        'description': 'A stable ARN derived from the runtime. Left out by ListFunctions.'
    },
    ('FunctionConfiguration', 'Layers'): {'description': 'Present when the function has layers.'},
    ('AddLayerVersionPermissionRequest', 'OrganizationId'): {
        'description': 'Stored and shown; grants nothing here, since this server knows no '
        'organizations.'
    },
    ('ListLayerVersionsResponse', 'NextMarker'): {
        'description': 'Present when there are more versions: pass it as Marker.'
    },
    ('ListLayersResponse', 'NextMarker'): {
        'description': 'Present when there are more layers: pass it as Marker.'
    },
    ('LayersListItem', 'LatestMatchingVersion'): {
        'description': 'The newest version that matches CompatibleRuntime and '
        'CompatibleArchitecture; layers with none are left out.'
    },
    ('GetFunctionResponse', 'Tags'): {'description': 'Present when the function has tags.'},
    ('ListFunctionsResponse', 'NextMarker'): {
        'description': 'Present when there are more functions: pass it as Marker.'
    },
    ('ListProvisionedConcurrencyConfigsResponse', 'NextMarker'): {
        'description': 'Present when there are more configs: pass it as Marker.'
    },
    ('PutProvisionedConcurrencyConfigResponse', 'StatusReason'): {
        'description': 'Present when Status is FAILED: FUNCTION_ERROR_INIT_FAILURE.'
    },
    ('GetProvisionedConcurrencyConfigResponse', 'StatusReason'): {
        'description': 'Present when Status is FAILED: FUNCTION_ERROR_INIT_FAILURE.'
    },
    ('ProvisionedConcurrencyConfigListItem', 'StatusReason'): {
        'description': 'Present when Status is FAILED: FUNCTION_ERROR_INIT_FAILURE.'
    },
    ('ListVersionsByFunctionResponse', 'NextMarker'): {
        'description': 'Present when there are more versions: pass it as Marker.'
    },
    ('ListAliasesResponse', 'NextMarker'): {
        'description': 'Present when there are more aliases: pass it as Marker.'
    },
    ('AliasConfiguration', 'RoutingConfig'): {
        'description': 'Present when the alias sends a share of its invocations to a second '
        'version.'
    },
    ('UpdateAliasRequest', 'RoutingConfig'): {
        'description': 'Replaces the routing; empty AdditionalVersionWeights remove it.'
    },
}

# ---- Resource policies, tags, runtime management, recursion, code signing --------------------

MEMBERS['CreateFunctionRequest'].append('CodeSigningConfigArn')
MEMBERS.update(
    {
        'AddPermissionRequest': [
            'StatementId',
            'Action',
            'Principal',
            'SourceArn',
            'SourceAccount',
            'EventSourceToken',
            'RevisionId',
            'PrincipalOrgID',
            'FunctionUrlAuthType',
            'InvokedViaFunctionUrl',
        ],
        'AddPermissionResponse': ['Statement'],
        'GetPolicyResponse': ['Policy', 'RevisionId'],
        'TagResourceRequest': ['Tags'],
        'ListTagsResponse': ['Tags'],
        'PutRuntimeManagementConfigRequest': ['UpdateRuntimeOn', 'RuntimeVersionArn'],
        'PutRuntimeManagementConfigResponse': ['UpdateRuntimeOn', 'FunctionArn', 'RuntimeVersionArn'],
        'GetRuntimeManagementConfigResponse': ['UpdateRuntimeOn', 'RuntimeVersionArn', 'FunctionArn'],
        'PutFunctionRecursionConfigRequest': ['RecursiveLoop'],
        'PutFunctionRecursionConfigResponse': ['RecursiveLoop'],
        'GetFunctionRecursionConfigResponse': ['RecursiveLoop'],
        'CreateCodeSigningConfigRequest': [
            'Description',
            'AllowedPublishers',
            'CodeSigningPolicies',
            'Tags',
        ],
        'UpdateCodeSigningConfigRequest': ['Description', 'AllowedPublishers', 'CodeSigningPolicies'],
        'AllowedPublishers': ['SigningProfileVersionArns'],
        'CodeSigningPolicies': ['UntrustedArtifactOnDeployment'],
        'CodeSigningConfig': [
            'CodeSigningConfigId',
            'CodeSigningConfigArn',
            'Description',
            'AllowedPublishers',
            'CodeSigningPolicies',
            'LastModified',
        ],
        'CreateCodeSigningConfigResponse': ['CodeSigningConfig'],
        'GetCodeSigningConfigResponse': ['CodeSigningConfig'],
        'UpdateCodeSigningConfigResponse': ['CodeSigningConfig'],
        'ListCodeSigningConfigsResponse': ['NextMarker', 'CodeSigningConfigs'],
        'ListFunctionsByCodeSigningConfigResponse': ['NextMarker', 'FunctionArns'],
        'PutFunctionCodeSigningConfigRequest': ['CodeSigningConfigArn'],
        'PutFunctionCodeSigningConfigResponse': ['CodeSigningConfigArn', 'FunctionName'],
        'GetFunctionCodeSigningConfigResponse': ['CodeSigningConfigArn', 'FunctionName'],
    }
)
RESPONSE_REQUIRED.update(
    {
        'AddPermissionResponse': ['Statement'],
        'GetPolicyResponse': ['Policy', 'RevisionId'],
        'ListTagsResponse': ['Tags'],
        'GetRuntimeManagementConfigResponse': ['UpdateRuntimeOn', 'FunctionArn'],
        'PutFunctionRecursionConfigResponse': ['RecursiveLoop'],
        'GetFunctionRecursionConfigResponse': ['RecursiveLoop'],
        'CodeSigningConfig': MEMBERS['CodeSigningConfig'],
        'ListCodeSigningConfigsResponse': ['CodeSigningConfigs'],
        'ListFunctionsByCodeSigningConfigResponse': ['FunctionArns'],
        # A function without a config answers {}.
        'GetFunctionCodeSigningConfigResponse': [],
    }
)
SHAPE_OVERRIDES.update(
    {
        'CodeSigningConfig': {
            'description': 'A code signing configuration. Stored and returned: deployment packages '
            'are not checked against it (there is no AWS Signer here).'
        },
        'Tags': {
            'description': 'At most 50 tags; keys 1 to 128 characters, not starting with aws:; '
            'values at most 256 characters.',
        },
    }
)
MEMBER_OVERRIDES.update(
    {
        ('GetPolicyResponse', 'RevisionId'): {
            'description': 'The RevisionId of the function ($LATEST), version or alias the policy '
            'is attached to; adding or removing a statement changes it.'
        },
        ('GetPolicyResponse', 'Policy'): {
            'description': 'The policy document as a JSON string: {"Version":"2012-10-17",'
            '"Id":"default","Statement":[...]}.'
        },
        ('AddPermissionResponse', 'Statement'): {
            'description': 'The statement added, as a JSON string: Sid, Effect, Principal, Action, '
            'Resource and, when asked for, Condition.'
        },
        ('GetRuntimeManagementConfigResponse', 'RuntimeVersionArn'): {
            'description': 'Present when UpdateRuntimeOn is Manual.'
        },
        ('PutRuntimeManagementConfigResponse', 'RuntimeVersionArn'): {
            'description': 'Present when UpdateRuntimeOn is Manual.'
        },
        ('ListCodeSigningConfigsResponse', 'NextMarker'): {
            'description': 'Present when there are more configurations: pass it as Marker.'
        },
        ('ListFunctionsByCodeSigningConfigResponse', 'NextMarker'): {
            'description': 'Present when there are more functions: pass it as Marker.'
        },
        ('CreateFunctionRequest', 'CodeSigningConfigArn'): {
            'description': 'Must name an existing code signing config; stored, not enforced.'
        },
    }
)

COMPONENTS = {}


def ref(name):
    return {'$ref': f'#/components/schemas/{name}'}


def doc(text):
    """The first sentence of a model documentation string, as plain text."""
    if not text:
        return None
    plain = html.unescape(re.sub(r'<[^>]+>', '', text))
    plain = re.sub(r'\s+', ' ', plain).strip()
    match = re.match(r'(.+?\.)(\s|$)', plain)
    return match.group(1) if match else plain or None


def anchored(pattern):
    # Model patterns match the whole value; JSON Schema patterns match anywhere.
    return f'^(?:{pattern})$'


def scalar(shape):
    kind = shape['type']
    out = {}
    if kind == 'string':
        out['type'] = 'string'
        if 'enum' in shape:
            out['enum'] = list(shape['enum'])
        if 'min' in shape:
            out['minLength'] = shape['min']
        if 'max' in shape:
            out['maxLength'] = shape['max']
        if 'pattern' in shape:
            out['pattern'] = anchored(shape['pattern'])
    elif kind in ('integer', 'long'):
        out['type'] = 'integer'
        out['format'] = 'int32' if kind == 'integer' else 'int64'
        if 'min' in shape:
            out['minimum'] = shape['min']
        if 'max' in shape:
            out['maximum'] = shape['max']
    elif kind == 'double':
        out['type'] = 'number'
        if 'min' in shape:
            out['minimum'] = shape['min']
        if 'max' in shape:
            out['maximum'] = shape['max']
    elif kind == 'boolean':
        out['type'] = 'boolean'
    elif kind == 'blob':
        out['type'] = 'string'
        out['contentEncoding'] = 'base64'
    elif kind == 'timestamp':
        out['type'] = 'string'
    else:
        sys.exit(f'generate.py: unexpected scalar type {kind}')
    return out


def schema_of(name):
    """A schema for a member of shape `name`: inline for plain types, else a component ref."""
    shape = SHAPES[name]
    if name in INLINE:
        if shape['type'] in ('structure', 'list', 'map') or any(
            k in shape for k in ('enum', 'min', 'max', 'pattern')
        ):
            sys.exit(f'generate.py: {name} has constraints and cannot be inlined')
        return scalar(shape)
    kind = shape['type']
    if kind in ('list', 'map') and not any(k in shape for k in ('min', 'max')) and (
        name not in SHAPE_OVERRIDES
    ):
        return collection(shape)
    build_component(name)
    return ref(name)


def collection(shape):
    if shape['type'] == 'list':
        out = {'type': 'array', 'items': schema_of(shape['member']['shape'])}
        if 'min' in shape:
            out['minItems'] = shape['min']
        if 'max' in shape:
            out['maxItems'] = shape['max']
        return out
    key = SHAPES[shape['key']['shape']]
    out = {'type': 'object'}
    if any(k in key for k in ('enum', 'min', 'max', 'pattern')):
        out['propertyNames'] = schema_of(shape['key']['shape'])
    out['additionalProperties'] = schema_of(shape['value']['shape'])
    return out


def structure(name):
    shape = SHAPES[name]
    wanted = MEMBERS.get(name)
    if wanted is None:
        sys.exit(f'generate.py: no member list for structure {name}')
    properties = {}
    for member in wanted:
        extra = EXTRA_MEMBERS.get((name, member))
        if extra is not None:
            properties[member] = dict(extra)
            continue
        spec = shape['members'].get(member)
        if spec is None:
            sys.exit(f'generate.py: {name} has no member {member} in the model')
        prop = schema_of(spec['shape'])
        text = doc(spec.get('documentation'))
        if text:
            prop = {**prop, 'description': text}
        prop.update(MEMBER_OVERRIDES.get((name, member), {}))
        properties[member] = prop
    out = {'type': 'object'}
    text = doc(shape.get('documentation'))
    if text:
        out['description'] = text
    needed = RESPONSE_REQUIRED.get(name)
    if needed is None:
        needed = [m for m in shape.get('required', []) if m in wanted]
    if needed:
        out['required'] = list(needed)
    out['properties'] = properties
    return out


def build_component(name):
    if name in COMPONENTS:
        return
    COMPONENTS[name] = None  # reserve: recursion and ordering
    shape = SHAPES[name]
    kind = shape['type']
    if kind == 'structure':
        schema = structure(name)
    elif kind in ('list', 'map'):
        schema = collection(shape)
    else:
        schema = scalar(shape)
        text = doc(shape.get('documentation'))
        if text:
            schema = {'description': text, **schema}
    schema.update(SHAPE_OVERRIDES.get(name, {}))
    COMPONENTS[name] = schema


def error_schema(code):
    entry = CATALOGUE[code]
    props = {
        'Type': {'type': 'string', 'const': entry['fault']},
        entry['field']: {'type': 'string'},
    }
    if code == 'TooManyRequestsException':
        props['Reason'] = schema_of('ThrottleReason')
    return {
        'type': 'object',
        'description': f"{ERROR_DESCRIPTIONS.get(code, code)} HTTP {entry['status']}; the message "
        f"is in `{entry['field']}`.",
        'required': ['Type', entry['field']],
        'properties': props,
    }


# ---------------------------------------------------------------------------------------------
# Operations, as src/frontend/routes/*.ts serves them.

V = '/2015-03-31'
EIC = '/2019-09-25/functions/{FunctionName}/event-invoke-config'
NAME_ERRORS = ['ValidationException', 'ResourceNotFoundException']
BODY_ERRORS = ['RequestEntityTooLargeException', 'InvalidRequestContentException']
PC = '/2019-09-30/functions/{FunctionName}/provisioned-concurrency'
LAYERS = '/2018-10-31/layers'
LAYER_VERSION = f'{LAYERS}/{{LayerName}}/versions/{{VersionNumber}}'
LAYER_ERRORS = ['ValidationException', 'InvalidParameterValueException', 'AccessDeniedException']
URL = '/2021-10-31/functions/{FunctionName}/url'

OPERATIONS = [
    {
        'name': 'CreateFunction',
        'method': 'post',
        'path': f'{V}/functions',
        'tag': 'Functions',
        'summary': 'Creates a function from a zip package.',
        'input': 'CreateFunctionRequest',
        'status': 201,
        'output': 'FunctionConfiguration',
        'body_limit': 69_905_067,
        'errors': BODY_ERRORS
        + [
            'ValidationException',
            'InvalidParameterValueException',
            'ResourceNotFoundException',
            'ResourceConflictException',
            'ServiceException',
        ],
    },
    {
        'name': 'ListFunctions',
        'method': 'get',
        'path': f'{V}/functions',
        'tag': 'Functions',
        'summary': 'Lists functions by name ($LATEST, or every version with FunctionVersion=ALL).',
        'input': 'ListFunctionsRequest',
        'query': ['FunctionVersion', 'Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListFunctionsResponse',
        'errors': ['ValidationException', 'InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'GetFunction',
        'method': 'get',
        'path': f'{V}/functions/{{FunctionName}}',
        'tag': 'Functions',
        'summary': "Returns a function's configuration, code location and tags.",
        'input': 'GetFunctionRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'GetFunctionResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'DeleteFunction',
        'method': 'delete',
        'path': f'{V}/functions/{{FunctionName}}',
        'tag': 'Functions',
        'summary': 'Deletes a function, or one published version of it with Qualifier.',
        'input': 'DeleteFunctionRequest',
        'query': ['Qualifier'],
        'status': 204,
        'errors': NAME_ERRORS
        + ['InvalidParameterValueException', 'ResourceConflictException', 'ServiceException'],
    },
    {
        'name': 'GetFunctionConfiguration',
        'method': 'get',
        'path': f'{V}/functions/{{FunctionName}}/configuration',
        'tag': 'Functions',
        'summary': "Returns a function's (or version's) configuration.",
        'input': 'GetFunctionConfigurationRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'FunctionConfiguration',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'UpdateFunctionConfiguration',
        'method': 'put',
        'path': f'{V}/functions/{{FunctionName}}/configuration',
        'tag': 'Functions',
        'summary': "Changes the members given of $LATEST's configuration.",
        'input': 'UpdateFunctionConfigurationRequest',
        'status': 200,
        'output': 'FunctionConfiguration',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ResourceConflictException',
            'PreconditionFailedException',
            'ServiceException',
        ],
    },
    {
        'name': 'UpdateFunctionCode',
        'method': 'put',
        'path': f'{V}/functions/{{FunctionName}}/code',
        'tag': 'Functions',
        'summary': "Replaces $LATEST's zip package (optionally publishing a version).",
        'input': 'UpdateFunctionCodeRequest',
        'status': 200,
        'output': 'FunctionConfiguration',
        'body_limit': 69_905_067,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ResourceConflictException',
            'PreconditionFailedException',
            'ServiceException',
        ],
    },
    {
        'name': 'GetAccountSettings',
        'method': 'get',
        'path': '/2016-08-19/account-settings',
        'tag': 'Account',
        'summary': "The account's limits and usage in the caller's region.",
        'input': 'GetAccountSettingsRequest',
        'status': 200,
        'output': 'GetAccountSettingsResponse',
        'errors': ['ServiceException'],
    },
    {
        'name': 'Invoke',
        'method': 'post',
        'path': f'{V}/functions/{{FunctionName}}/invocations',
        'tag': 'Invocation',
        'summary': 'Invokes a function: synchronously, asynchronously (Event) or as a DryRun.',
        'input': 'InvocationRequest',
        'query': ['Qualifier'],
        'headers': ['InvocationType', 'LogType', 'ClientContext'],
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ResourceConflictException',
            'InvalidRuntimeException',
            'TooManyRequestsException',
            'ServiceException',
        ],
    },
    {
        'name': 'InvokeWithResponseStream',
        'method': 'post',
        'path': '/2021-11-15/functions/{FunctionName}/response-streaming-invocations',
        'tag': 'Invocation',
        'summary': "Invokes a function synchronously and streams its response as it is written.",
        'input': 'InvokeWithResponseStreamRequest',
        'query': ['Qualifier'],
        'headers': ['InvocationType', 'LogType', 'ClientContext'],
        'header_descriptions': {
            'InvocationType': 'RequestResponse (the default) runs the function and streams its '
            'response; DryRun only checks the request and answers 204.',
            'LogType': 'Tail adds the last 4 KB of the log, base64, to InvokeComplete\'s '
            'LogResult.',
        },
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ResourceConflictException',
            'InvalidRuntimeException',
            'TooManyRequestsException',
            'ServiceException',
        ],
    },
    {
        'name': 'PutFunctionConcurrency',
        'method': 'put',
        'path': '/2017-10-31/functions/{FunctionName}/concurrency',
        'tag': 'Concurrency',
        'summary': "Reserves concurrency for a function (and caps it there).",
        'input': 'PutFunctionConcurrencyRequest',
        'status': 200,
        'output': 'Concurrency',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'GetFunctionConcurrency',
        'method': 'get',
        'path': '/2019-09-30/functions/{FunctionName}/concurrency',
        'tag': 'Concurrency',
        'summary': "A function's reserved concurrency (an empty object when it has none).",
        'input': 'GetFunctionConcurrencyRequest',
        'status': 200,
        'output': 'GetFunctionConcurrencyResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'DeleteFunctionConcurrency',
        'method': 'delete',
        'path': '/2017-10-31/functions/{FunctionName}/concurrency',
        'tag': 'Concurrency',
        'summary': "Removes a function's reserved concurrency.",
        'input': 'DeleteFunctionConcurrencyRequest',
        'status': 204,
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'PutFunctionEventInvokeConfig',
        'method': 'put',
        'path': EIC,
        'tag': 'Asynchronous invocation',
        'summary': 'Sets how asynchronous invocations are retried and where their records go '
        '(replacing any previous configuration).',
        'input': 'PutFunctionEventInvokeConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'FunctionEventInvokeConfig',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'UpdateFunctionEventInvokeConfig',
        'method': 'post',
        'path': EIC,
        'tag': 'Asynchronous invocation',
        'summary': 'Changes the members given of an existing configuration.',
        'input': 'UpdateFunctionEventInvokeConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'FunctionEventInvokeConfig',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'GetFunctionEventInvokeConfig',
        'method': 'get',
        'path': EIC,
        'tag': 'Asynchronous invocation',
        'summary': 'The configuration of a function, version or alias ($LATEST by default).',
        'input': 'GetFunctionEventInvokeConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'FunctionEventInvokeConfig',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'DeleteFunctionEventInvokeConfig',
        'method': 'delete',
        'path': EIC,
        'tag': 'Asynchronous invocation',
        'summary': 'Removes a configuration; the defaults apply again.',
        'input': 'DeleteFunctionEventInvokeConfigRequest',
        'query': ['Qualifier'],
        'status': 204,
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'ListFunctionEventInvokeConfigs',
        'method': 'get',
        'path': f'{EIC}/list',
        'tag': 'Asynchronous invocation',
        'summary': "A function's configurations: $LATEST, then versions, then aliases.",
        'input': 'ListFunctionEventInvokeConfigsRequest',
        'query': ['Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListFunctionEventInvokeConfigsResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'InvokeAsync',
        'method': 'post',
        'path': '/2014-11-13/functions/{FunctionName}/invoke-async',
        'tag': 'Invocation',
        'summary': 'Deprecated: queues an event, as Invoke with InvocationType Event does.',
        'input': 'InvokeAsyncRequest',
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + ['InvalidParameterValueException', 'ResourceConflictException', 'ServiceException'],
    },
    {
        'name': 'PutProvisionedConcurrencyConfig',
        'method': 'put',
        'path': PC,
        'tag': 'Concurrency',
        'summary': 'Keeps that many execution environments of a published version initialized.',
        'description': 'Qualifier is a published version number or an alias (an alias '
        'provisions the version it points to). The environments start in the background: '
        'Status is IN_PROGRESS until all are '
        'initialized, then READY, or FAILED when an init fails. Available and Allocated count '
        'the initialized environments as they are now.',
        'input': 'PutProvisionedConcurrencyConfigRequest',
        'query': ['Qualifier'],
        'status': 202,
        'output': 'PutProvisionedConcurrencyConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + ['InvalidParameterValueException', 'ResourceConflictException', 'ServiceException'],
    },
    {
        'name': 'GetProvisionedConcurrencyConfig',
        'method': 'get',
        'path': PC,
        'tag': 'Concurrency',
        'summary': "A version's provisioned concurrency config and its environments' status.",
        'input': 'GetProvisionedConcurrencyConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'GetProvisionedConcurrencyConfigResponse',
        'errors': NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ProvisionedConcurrencyConfigNotFoundException',
            'ServiceException',
        ],
    },
    {
        'name': 'DeleteProvisionedConcurrencyConfig',
        'method': 'delete',
        'path': PC,
        'tag': 'Concurrency',
        'summary': "Removes a version's provisioned concurrency config and stops its "
        'environments (204 also when there was none, as on AWS).',
        'input': 'DeleteProvisionedConcurrencyConfigRequest',
        'query': ['Qualifier'],
        'status': 204,
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'ListProvisionedConcurrencyConfigs',
        'method': 'get',
        'path': f'{PC}?List=ALL',
        'tag': 'Concurrency',
        'summary': "A function's provisioned concurrency configs, in version order.",
        'description': '`List=ALL` is part of the request URI, as in the AWS model: it tells this '
        'operation from GetProvisionedConcurrencyConfig on the same path.',
        'input': 'ListProvisionedConcurrencyConfigsRequest',
        'query': ['Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListProvisionedConcurrencyConfigsResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'PublishLayerVersion',
        'method': 'post',
        'path': f'{LAYERS}/{{LayerName}}/versions',
        'tag': 'Layers',
        'summary': 'Publishes the next version of a layer (creating the layer at version 1).',
        'input': 'PublishLayerVersionRequest',
        'path_params': ['LayerName'],
        'status': 201,
        'output': 'PublishLayerVersionResponse',
        'body_limit': 69_905_067,
        'errors': BODY_ERRORS + LAYER_ERRORS + ['ServiceException'],
    },
    {
        'name': 'ListLayerVersions',
        'method': 'get',
        'path': f'{LAYERS}/{{LayerName}}/versions',
        'tag': 'Layers',
        'summary': "A layer's versions, newest first (none for an unknown layer).",
        'input': 'ListLayerVersionsRequest',
        'path_params': ['LayerName'],
        'query': ['CompatibleRuntime', 'Marker', 'MaxItems', 'CompatibleArchitecture'],
        'status': 200,
        'output': 'ListLayerVersionsResponse',
        'errors': LAYER_ERRORS + ['ServiceException'],
    },
    {
        'name': 'GetLayerVersion',
        'method': 'get',
        'path': LAYER_VERSION,
        'tag': 'Layers',
        'summary': 'A layer version and the location of its content.',
        'input': 'GetLayerVersionRequest',
        'path_params': ['LayerName', 'VersionNumber'],
        'status': 200,
        'output': 'GetLayerVersionResponse',
        'errors': LAYER_ERRORS + ['ResourceNotFoundException', 'ServiceException'],
    },
    {
        'name': 'DeleteLayerVersion',
        'method': 'delete',
        'path': LAYER_VERSION,
        'tag': 'Layers',
        'summary': 'Deletes a layer version (204 also when there is none, as on AWS). Functions '
        'that use it keep its content.',
        'input': 'DeleteLayerVersionRequest',
        'path_params': ['LayerName', 'VersionNumber'],
        'status': 204,
        'errors': LAYER_ERRORS + ['ServiceException'],
    },
    {
        'name': 'GetLayerVersionByArn',
        'method': 'get',
        'path': f'{LAYERS}?find=LayerVersion',
        'tag': 'Layers',
        'summary': 'A layer version by its ARN.',
        'description': '`find=LayerVersion` is part of the request URI, as in the AWS model: it '
        'tells this operation from ListLayers on the same path.',
        'input': 'GetLayerVersionByArnRequest',
        'query': ['Arn'],
        'status': 200,
        'output': 'GetLayerVersionResponse',
        'errors': LAYER_ERRORS + ['ResourceNotFoundException', 'ServiceException'],
    },
    {
        'name': 'ListLayers',
        'method': 'get',
        'path': LAYERS,
        'tag': 'Layers',
        'summary': "The caller's layers by name, each with its latest matching version.",
        'input': 'ListLayersRequest',
        'query': ['CompatibleRuntime', 'Marker', 'MaxItems', 'CompatibleArchitecture'],
        'status': 200,
        'output': 'ListLayersResponse',
        'errors': ['ValidationException', 'InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'AddLayerVersionPermission',
        'method': 'post',
        'path': f'{LAYER_VERSION}/policy',
        'tag': 'Layers',
        'summary': "Adds a statement to a layer version's resource policy (lets other accounts "
        'use it).',
        'input': 'AddLayerVersionPermissionRequest',
        'path_params': ['LayerName', 'VersionNumber'],
        'query': ['RevisionId'],
        'status': 201,
        'output': 'AddLayerVersionPermissionResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + LAYER_ERRORS
        + [
            'ResourceNotFoundException',
            'ResourceConflictException',
            'PreconditionFailedException',
            'ServiceException',
        ],
    },
    {
        'name': 'GetLayerVersionPolicy',
        'method': 'get',
        'path': f'{LAYER_VERSION}/policy',
        'tag': 'Layers',
        'summary': "A layer version's resource policy, as a JSON string.",
        'input': 'GetLayerVersionPolicyRequest',
        'path_params': ['LayerName', 'VersionNumber'],
        'status': 200,
        'output': 'GetLayerVersionPolicyResponse',
        'errors': LAYER_ERRORS + ['ResourceNotFoundException', 'ServiceException'],
    },
    {
        'name': 'RemoveLayerVersionPermission',
        'method': 'delete',
        'path': f'{LAYER_VERSION}/policy/{{StatementId}}',
        'tag': 'Layers',
        'summary': "Removes a statement from a layer version's resource policy.",
        'input': 'RemoveLayerVersionPermissionRequest',
        'path_params': ['LayerName', 'VersionNumber', 'StatementId'],
        'query': ['RevisionId'],
        'status': 204,
        'errors': LAYER_ERRORS
        + ['ResourceNotFoundException', 'PreconditionFailedException', 'ServiceException'],
    },
    {
        'name': 'CreateFunctionUrlConfig',
        'method': 'post',
        'path': URL,
        'tag': 'Function URLs',
        'summary': 'Creates the HTTP endpoint of a function (or of an alias, with Qualifier).',
        'description': 'Qualifier must name an existing alias; $LATEST and version numbers are '
        'refused (ValidationException), as on AWS.',
        'input': 'CreateFunctionUrlConfigRequest',
        'query': ['Qualifier'],
        'status': 201,
        'output': 'CreateFunctionUrlConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + ['InvalidParameterValueException', 'ResourceConflictException', 'ServiceException'],
    },
    {
        'name': 'GetFunctionUrlConfig',
        'method': 'get',
        'path': URL,
        'tag': 'Function URLs',
        'summary': "A function's (or alias's) URL configuration.",
        'input': 'GetFunctionUrlConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'GetFunctionUrlConfigResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'UpdateFunctionUrlConfig',
        'method': 'put',
        'path': URL,
        'tag': 'Function URLs',
        'summary': 'Changes the members given (a Cors given replaces the stored one).',
        'input': 'UpdateFunctionUrlConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'UpdateFunctionUrlConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'DeleteFunctionUrlConfig',
        'method': 'delete',
        'path': URL,
        'tag': 'Function URLs',
        'summary': 'Removes a URL configuration; its URL stops answering.',
        'input': 'DeleteFunctionUrlConfigRequest',
        'query': ['Qualifier'],
        'status': 204,
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'ListFunctionUrlConfigs',
        'method': 'get',
        'path': f'{URL}s',
        'tag': 'Function URLs',
        'summary': "A function's URL configurations: the function's own, then its aliases'.",
        'input': 'ListFunctionUrlConfigsRequest',
        'query': ['Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListFunctionUrlConfigsResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'DownloadFunctionCode',
        'method': 'get',
        'path': '/_asimov/code/{Package}',
        'tag': 'Asimov',
        'summary': 'Serves a deployment package or layer archive as uploaded (GetFunction '
        'Code.Location, GetLayerVersion Content.Location).',
        'description': 'Not an AWS operation: this server stands in for the presigned S3 URL of '
        'GetFunction. Package is the hex SHA-256 of the zip followed by `.zip`; the URL is not '
        'signed.',
        'errors': ['ResourceNotFoundException', 'ServiceException'],
    },
    # Versions and aliases.
    {
        'name': 'PublishVersion',
        'method': 'post',
        'path': f'{V}/functions/{{FunctionName}}/versions',
        'tag': 'Versions and aliases',
        'summary': 'Publishes $LATEST as the next version number (or returns the last version '
        'when nothing changed since it was published).',
        'input': 'PublishVersionRequest',
        'status': 201,
        'output': 'FunctionConfiguration',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ResourceConflictException',
            'PreconditionFailedException',
            'ServiceException',
        ],
    },
    {
        'name': 'ListVersionsByFunction',
        'method': 'get',
        'path': f'{V}/functions/{{FunctionName}}/versions',
        'tag': 'Versions and aliases',
        'summary': "A function's versions: $LATEST, then the published ones by number.",
        'input': 'ListVersionsByFunctionRequest',
        'query': ['Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListVersionsByFunctionResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'CreateAlias',
        'method': 'post',
        'path': f'{V}/functions/{{FunctionName}}/aliases',
        'tag': 'Versions and aliases',
        'summary': 'Creates an alias for a version, optionally weighted towards a second one.',
        'input': 'CreateAliasRequest',
        'status': 201,
        'output': 'AliasConfiguration',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + ['InvalidParameterValueException', 'ResourceConflictException', 'ServiceException'],
    },
    {
        'name': 'ListAliases',
        'method': 'get',
        'path': f'{V}/functions/{{FunctionName}}/aliases',
        'tag': 'Versions and aliases',
        'summary': "A function's aliases by name (with FunctionVersion, those pointing to it).",
        'input': 'ListAliasesRequest',
        'query': ['FunctionVersion', 'Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListAliasesResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'GetAlias',
        'method': 'get',
        'path': f'{V}/functions/{{FunctionName}}/aliases/{{Name}}',
        'tag': 'Versions and aliases',
        'summary': 'An alias.',
        'input': 'GetAliasRequest',
        'status': 200,
        'output': 'AliasConfiguration',
        'errors': NAME_ERRORS + ['ServiceException'],
    },
    {
        'name': 'UpdateAlias',
        'method': 'put',
        'path': f'{V}/functions/{{FunctionName}}/aliases/{{Name}}',
        'tag': 'Versions and aliases',
        'summary': 'Changes the members given of an alias.',
        'input': 'UpdateAliasRequest',
        'status': 200,
        'output': 'AliasConfiguration',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + ['InvalidParameterValueException', 'PreconditionFailedException', 'ServiceException'],
    },
    {
        'name': 'DeleteAlias',
        'method': 'delete',
        'path': f'{V}/functions/{{FunctionName}}/aliases/{{Name}}',
        'tag': 'Versions and aliases',
        'summary': 'Deletes an alias and what was configured for it (204 also when there was '
        'none, as on AWS).',
        'input': 'DeleteAliasRequest',
        'status': 204,
        'errors': NAME_ERRORS + ['ServiceException'],
    },
]

POLICY = f'{V}/functions/{{FunctionName}}/policy'
TAGS = '/2017-03-31/tags/{Resource}'
CSC = '/2020-04-22/code-signing-configs'
FN_CSC = '/2020-06-30/functions/{FunctionName}/code-signing-config'
CSC_ARN_ERRORS = ['ValidationException', 'InvalidParameterValueException']
OPERATIONS += [
    {
        'name': 'AddPermission',
        'method': 'post',
        'path': POLICY,
        'tag': 'Permissions',
        'summary': "Adds a statement to the resource policy of a function, version or alias.",
        'input': 'AddPermissionRequest',
        'query': ['Qualifier'],
        'status': 201,
        'output': 'AddPermissionResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'ResourceConflictException',
            'PreconditionFailedException',
            'PolicyLengthExceededException',
            'ServiceException',
        ],
    },
    {
        'name': 'GetPolicy',
        'method': 'get',
        'path': POLICY,
        'tag': 'Permissions',
        'summary': 'The resource policy of a function, version or alias.',
        'input': 'GetPolicyRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'GetPolicyResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'RemovePermission',
        'method': 'delete',
        'path': f'{POLICY}/{{StatementId}}',
        'path_members': ['StatementId'],
        'tag': 'Permissions',
        'summary': 'Removes a statement; the policy goes with its last statement.',
        'input': 'RemovePermissionRequest',
        'query': ['Qualifier', 'RevisionId'],
        'status': 204,
        'errors': NAME_ERRORS
        + ['InvalidParameterValueException', 'PreconditionFailedException', 'ServiceException'],
    },
    {
        'name': 'TagResource',
        'method': 'post',
        'path': TAGS,
        'path_members': ['Resource'],
        'tag': 'Tags',
        'summary': 'Adds tags to a function (unqualified ARN) or a code signing config.',
        'input': 'TagResourceRequest',
        'status': 204,
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'UntagResource',
        'method': 'delete',
        'path': TAGS,
        'path_members': ['Resource'],
        'tag': 'Tags',
        'summary': 'Removes tags by key.',
        'input': 'UntagResourceRequest',
        'query': ['TagKeys'],
        'status': 204,
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'ListTags',
        'method': 'get',
        'path': TAGS,
        'path_members': ['Resource'],
        'tag': 'Tags',
        'summary': "A function's or code signing config's tags.",
        'input': 'ListTagsRequest',
        'status': 200,
        'output': 'ListTagsResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'GetRuntimeManagementConfig',
        'method': 'get',
        'path': '/2021-07-20/functions/{FunctionName}/runtime-management-config',
        'tag': 'Function settings',
        'summary': "A version's runtime update mode (Auto unless set).",
        'input': 'GetRuntimeManagementConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'GetRuntimeManagementConfigResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'PutRuntimeManagementConfig',
        'method': 'put',
        'path': '/2021-07-20/functions/{FunctionName}/runtime-management-config',
        'tag': 'Function settings',
        'summary': "Sets a version's runtime update mode (stored; there is one build per runtime "
        'here).',
        'input': 'PutRuntimeManagementConfigRequest',
        'query': ['Qualifier'],
        'status': 200,
        'output': 'PutRuntimeManagementConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'GetFunctionRecursionConfig',
        'method': 'get',
        'path': '/2024-08-31/functions/{FunctionName}/recursion-config',
        'tag': 'Function settings',
        'summary': "A function's recursive loop setting (Terminate unless set).",
        'input': 'GetFunctionRecursionConfigRequest',
        'status': 200,
        'output': 'GetFunctionRecursionConfigResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'PutFunctionRecursionConfig',
        'method': 'put',
        'path': '/2024-08-31/functions/{FunctionName}/recursion-config',
        'tag': 'Function settings',
        'summary': "Sets a function's recursive loop setting (stored; loops are not detected here).",
        'input': 'PutFunctionRecursionConfigRequest',
        'status': 200,
        'output': 'PutFunctionRecursionConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'CreateCodeSigningConfig',
        'method': 'post',
        'path': CSC,
        'tag': 'Code signing',
        'summary': 'Creates a code signing config (id csc- and 17 hex digits).',
        'input': 'CreateCodeSigningConfigRequest',
        'status': 201,
        'output': 'CreateCodeSigningConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS + CSC_ARN_ERRORS + ['ServiceException'],
    },
    {
        'name': 'ListCodeSigningConfigs',
        'method': 'get',
        'path': CSC,
        'tag': 'Code signing',
        'summary': "The caller's code signing configs, by id.",
        'input': 'ListCodeSigningConfigsRequest',
        'query': ['Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListCodeSigningConfigsResponse',
        'errors': CSC_ARN_ERRORS + ['ServiceException'],
    },
    {
        'name': 'GetCodeSigningConfig',
        'method': 'get',
        'path': f'{CSC}/{{CodeSigningConfigArn}}',
        'path_members': ['CodeSigningConfigArn'],
        'tag': 'Code signing',
        'summary': 'A code signing config.',
        'input': 'GetCodeSigningConfigRequest',
        'status': 200,
        'output': 'GetCodeSigningConfigResponse',
        'errors': CSC_ARN_ERRORS + ['ResourceNotFoundException', 'ServiceException'],
    },
    {
        'name': 'UpdateCodeSigningConfig',
        'method': 'put',
        'path': f'{CSC}/{{CodeSigningConfigArn}}',
        'path_members': ['CodeSigningConfigArn'],
        'tag': 'Code signing',
        'summary': 'Replaces the members given of a code signing config.',
        'input': 'UpdateCodeSigningConfigRequest',
        'status': 200,
        'output': 'UpdateCodeSigningConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + CSC_ARN_ERRORS
        + ['ResourceNotFoundException', 'ServiceException'],
    },
    {
        'name': 'DeleteCodeSigningConfig',
        'method': 'delete',
        'path': f'{CSC}/{{CodeSigningConfigArn}}',
        'path_members': ['CodeSigningConfigArn'],
        'tag': 'Code signing',
        'summary': 'Deletes a code signing config no function uses.',
        'input': 'DeleteCodeSigningConfigRequest',
        'status': 204,
        'errors': CSC_ARN_ERRORS
        + ['ResourceNotFoundException', 'ResourceConflictException', 'ServiceException'],
    },
    {
        'name': 'ListFunctionsByCodeSigningConfig',
        'method': 'get',
        'path': f'{CSC}/{{CodeSigningConfigArn}}/functions',
        'path_members': ['CodeSigningConfigArn'],
        'tag': 'Code signing',
        'summary': 'The ARNs of the functions that use a code signing config.',
        'input': 'ListFunctionsByCodeSigningConfigRequest',
        'query': ['Marker', 'MaxItems'],
        'status': 200,
        'output': 'ListFunctionsByCodeSigningConfigResponse',
        'errors': CSC_ARN_ERRORS + ['ResourceNotFoundException', 'ServiceException'],
    },
    {
        'name': 'PutFunctionCodeSigningConfig',
        'method': 'put',
        'path': FN_CSC,
        'tag': 'Code signing',
        'summary': 'Attaches a code signing config to a function.',
        'input': 'PutFunctionCodeSigningConfigRequest',
        'status': 200,
        'output': 'PutFunctionCodeSigningConfigResponse',
        'body_limit': 6_291_456,
        'errors': BODY_ERRORS
        + NAME_ERRORS
        + [
            'InvalidParameterValueException',
            'CodeSigningConfigNotFoundException',
            'ServiceException',
        ],
    },
    {
        'name': 'GetFunctionCodeSigningConfig',
        'method': 'get',
        'path': FN_CSC,
        'tag': 'Code signing',
        'summary': "A function's code signing config ({} when it has none).",
        'input': 'GetFunctionCodeSigningConfigRequest',
        'status': 200,
        'output': 'GetFunctionCodeSigningConfigResponse',
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
    {
        'name': 'DeleteFunctionCodeSigningConfig',
        'method': 'delete',
        'path': FN_CSC,
        'tag': 'Code signing',
        'summary': "Detaches a function's code signing config.",
        'input': 'DeleteFunctionCodeSigningConfigRequest',
        'status': 204,
        'errors': NAME_ERRORS + ['InvalidParameterValueException', 'ServiceException'],
    },
]

HEADER_DESCRIPTIONS = {
    'InvocationType': 'RequestResponse (the default) runs the function and answers with its '
    'result; Event answers 202 and runs it in the background; DryRun only checks the request '
    'and answers 204.',
    'LogType': 'Tail adds the last 4 KB of the log, base64, in X-Amz-Log-Result '
    '(RequestResponse only).',
    'ClientContext': 'Base64 of a JSON object (at most 3,583 bytes once decoded), passed to the '
    'function as context.clientContext.',
}


def parameter(op_input, member, where, descriptions=None):
    spec = SHAPES[op_input]['members'][member]
    location = {'uri': 'path', 'querystring': 'query', 'header': 'header'}[spec['location']]
    if location != where:
        sys.exit(f'generate.py: {op_input}.{member} is in {location}, not {where}')
    out = {'name': spec['locationName'], 'in': where}
    text = (
        (descriptions or {}).get(member)
        or HEADER_DESCRIPTIONS.get(member)
        or doc(spec.get('documentation'))
    )
    if text:
        out['description'] = text
    if where == 'path':
        out['required'] = True
    out['schema'] = schema_of(spec['shape'])
    return out


FUNCTION_NAME_PARAM = {
    'name': 'FunctionName',
    'in': 'path',
    'description': 'The name or ARN of the function, optionally with `:qualifier` '
    '(`my-function`, `my-function:1`, `123456789012:function:my-function`, '
    '`arn:aws:lambda:us-east-1:123456789012:function:my-function`), percent-encoded.',
    'required': True,
    'schema': None,  # filled in below
}

PACKAGE_PARAM = {
    'name': 'Package',
    'in': 'path',
    'description': 'The hex SHA-256 of the zip, then `.zip`.',
    'required': True,
    'schema': {'type': 'string', 'pattern': '^[0-9a-f]{64}\\.zip$'},
}

REQUEST_ID_HEADER = {'$ref': '#/components/headers/RequestId'}


def error_responses(codes):
    by_status = {}
    for code in codes:
        if code not in CATALOGUE:
            sys.exit(f'generate.py: {code} is not in ERROR_CATALOGUE')
        by_status.setdefault(CATALOGUE[code]['status'], []).append(code)
    out = {}
    for status in sorted(by_status):
        group = by_status[status]
        if len(group) == 1:
            out[str(status)] = {'$ref': f'#/components/responses/{group[0]}'}
            continue
        out[str(status)] = {
            'description': ' | '.join(group),
            'headers': {
                'x-amzn-RequestId': REQUEST_ID_HEADER,
                'x-amzn-ErrorType': {
                    'description': 'The error code.',
                    'required': True,
                    'schema': {'type': 'string', 'enum': group},
                },
            },
            'content': {'application/json': {'schema': {'anyOf': [ref(c) for c in group]}}},
        }
    return out


def json_response(description, schema):
    return {
        'description': description,
        'headers': {'x-amzn-RequestId': REQUEST_ID_HEADER},
        'content': {'application/json': {'schema': schema}},
    }


EXECUTED_VERSION = {
    'description': 'The version that ran ($LATEST or a number).',
    'required': True,
    'schema': ref('Version'),
}


def invoke_responses():
    headers = {'x-amzn-RequestId': REQUEST_ID_HEADER, 'X-Amz-Executed-Version': EXECUTED_VERSION}
    return {
        '200': {
            'description': 'RequestResponse: the function ran. Its own errors are answered here '
            'too, with X-Amz-Function-Error set and the error object as the body.',
            'headers': {
                **headers,
                'X-Amz-Function-Error': {
                    'description': "Set when the function failed; the body is the runtime's "
                    'error object ({errorType, errorMessage, ...}).',
                    'schema': {'type': 'string', 'enum': ['Unhandled']},
                },
                'X-Amz-Log-Result': {
                    'description': 'With X-Amz-Log-Type: Tail, the last 4 KB of the log, base64.',
                    'schema': {'type': 'string', 'contentEncoding': 'base64'},
                },
            },
            'content': {
                'application/json': {
                    'schema': {'description': "The function's response, as the runtime sent it."}
                }
            },
        },
        '202': {
            'description': 'Event: queued; the function runs in the background.',
            'headers': headers,
        },
        '204': {'description': 'DryRun: the request would have been accepted.', 'headers': headers},
    }


def stream_responses():
    headers = {'x-amzn-RequestId': REQUEST_ID_HEADER, 'X-Amz-Executed-Version': EXECUTED_VERSION}
    return {
        '200': {
            'description': 'RequestResponse: the function ran. The body is an AWS event stream '
            '(binary frames: total and headers length, prelude CRC32, string headers, payload, '
            'message CRC32), opened when the function starts answering. Each frame has '
            ':message-type event and an :event-type: PayloadChunk (:content-type '
            'application/octet-stream; the payload is a piece of the response, as the function '
            'wrote it, sent at once) any number of times, then one InvokeComplete '
            '(:content-type application/json; {ErrorCode, ErrorDetails, LogResult}). A function '
            'that does not stream sends its whole response as one PayloadChunk. The function\'s '
            'errors, a timeout and a response over 200 MB (Function.ResponseSizeTooLarge) are '
            'InvokeComplete\'s ErrorCode (the error type) and ErrorDetails (its message).',
            'headers': headers,
            'content': {
                'application/vnd.amazon.eventstream': {
                    'schema': {
                        'type': 'string',
                        'contentMediaType': 'application/vnd.amazon.eventstream',
                        'description': 'PayloadChunk events, then InvokeComplete.',
                    }
                }
            },
        },
        '204': {'description': 'DryRun: the request would have been accepted.', 'headers': headers},
    }


def operation(op):
    out = {
        'operationId': op['name'],
        'tags': [op['tag']],
        'summary': op['summary'],
    }
    if 'description' in op:
        out['description'] = op['description']
    params = []
    if '{FunctionName}' in op['path']:
        params.append({**FUNCTION_NAME_PARAM, 'schema': schema_of('NamespacedFunctionName')})
    if '{Package}' in op['path']:
        params.append(dict(PACKAGE_PARAM))
    if '{Name}' in op['path']:
        params.append(parameter(op['input'], 'Name', 'path'))
    for member in op.get('path_members', []) + op.get('path_params', []):
        params.append(parameter(op['input'], member, 'path'))
    for member in op.get('query', []):
        params.append(parameter(op['input'], member, 'query'))
    for member in op.get('headers', []):
        params.append(parameter(op['input'], member, 'header', op.get('header_descriptions')))
    if params:
        out['parameters'] = params

    if op['name'] == 'Invoke':
        out['requestBody'] = {
            'description': 'The event: any JSON value (an empty body is sent as {}), at most '
            '6,291,456 bytes. The content type is not checked.',
            'required': False,
            'content': {'*/*': {'schema': {'description': 'A JSON document.'}}},
        }
        responses = invoke_responses()
    elif op['name'] == 'InvokeWithResponseStream':
        out['requestBody'] = {
            'description': 'The event: any JSON value (an empty body is sent as {}), at most '
            '6,291,456 bytes. The content type is not checked.',
            'required': False,
            'content': {'*/*': {'schema': {'description': 'A JSON document.'}}},
        }
        responses = stream_responses()
    elif op['name'] == 'InvokeAsync':
        out['requestBody'] = {
            'description': 'The event: any JSON value, at most 1,048,576 bytes (the limit of '
            'asynchronous invocations). The content type is not checked.',
            'required': False,
            'content': {'*/*': {'schema': {'description': 'A JSON document.'}}},
        }
        responses = {
            '202': json_response(
                'Queued; the function runs in the background.', schema_of('InvokeAsyncResponse')
            )
        }
    elif op['name'] == 'DownloadFunctionCode':
        responses = {
            '200': {
                'description': 'The zip, byte for byte as uploaded.',
                'headers': {'x-amzn-RequestId': REQUEST_ID_HEADER},
                'content': {
                    'application/zip': {
                        'schema': {'type': 'string', 'contentMediaType': 'application/zip'}
                    }
                },
            }
        }
    else:
        body_members = MEMBERS.get(op['input'])
        if body_members is not None:
            build_component(op['input'])
            out['requestBody'] = {
                'description': f"At most {op['body_limit']:,} bytes of JSON.",
                'required': True,
                'content': {'application/json': {'schema': ref(op['input'])}},
            }
        status = str(op['status'])
        if 'output' in op:
            responses = {status: json_response('Success.', schema_of(op['output']))}
        else:
            responses = {
                status: {
                    'description': 'Done; no body.',
                    'headers': {'x-amzn-RequestId': REQUEST_ID_HEADER},
                }
            }
    responses.update(error_responses(op['errors']))
    out['responses'] = responses
    out['x-error-codes'] = list(op['errors'])
    return out


def lambda_document():
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op['path'], {})[op['method']] = operation(op)
    errors = {code: error_schema(code) for code in CATALOGUE}
    clash = sorted(set(errors) & set(COMPONENTS))
    if clash:
        sys.exit(f'generate.py: error codes clash with model schema names: {clash}')
    schemas = {name: COMPONENTS[name] for name in sorted(COMPONENTS)}
    schemas.update(errors)
    responses = {}
    for code, entry in CATALOGUE.items():
        responses[code] = {
            'description': f"{code} (HTTP {entry['status']})",
            'headers': {
                'x-amzn-RequestId': REQUEST_ID_HEADER,
                'x-amzn-ErrorType': {
                    'description': 'The error code.',
                    'required': True,
                    'schema': {'type': 'string', 'const': code},
                },
            },
            'content': {'application/json': {'schema': ref(code)}},
        }
    return {
        'openapi': '3.1.0',
        'info': {
            'title': 'Asimov Lambda: AWS Lambda API (2015-03-31)',
            'version': '2015-03-31',
            'description': 'Exactly the operations this server serves, in the REST-JSON protocol '
            'of AWS Lambda (the AWS SDKs, aws CLI and boto3 talk to it unchanged). Types and '
            'constraints are those of the botocore service model, narrowed to the members the '
            'server accepts and sends. Every response carries x-amzn-RequestId; every error '
            'carries x-amzn-ErrorType and a JSON body {Type, message|Message} '
            '(see x-error-catalogue). Requests may be SigV4-signed: the credential scope names '
            'the account (a 12-digit access key id) and the region; the signature is not '
            'verified. Generated by openapi/generate.py.',
            'license': {'name': 'Apache-2.0', 'identifier': 'Apache-2.0'},
        },
        'servers': [{'url': 'http://127.0.0.1:9001', 'description': 'asimov serve (defaults)'}],
        'tags': [
            {'name': 'Functions', 'description': 'Function management (2015-03-31).'},
            {
                'name': 'Invocation',
                'description': 'Invoke (2015-03-31), InvokeWithResponseStream (2021-11-15).',
            },
            {'name': 'Account', 'description': 'GetAccountSettings (2016-08-19).'},
            {
                'name': 'Versions and aliases',
                'description': 'Published versions and the aliases that point to them '
                '(2015-03-31).',
            },
            {
                'name': 'Concurrency',
                'description': 'Reserved and provisioned concurrency (2017-10-31, 2019-09-30).',
            },
            {
                'name': 'Asynchronous invocation',
                'description': 'Event invoke configurations: retries, event age and destinations '
                '(2019-09-25).',
            },
            {
                'name': 'Permissions',
                'description': 'Resource policies: AddPermission, GetPolicy, RemovePermission.',
            },
            {'name': 'Tags', 'description': 'Tags of functions and code signing configs.'},
            {
                'name': 'Function settings',
                'description': 'Runtime management (2021-07-20) and recursion (2024-08-31) '
                'configurations.',
            },
            {
                'name': 'Code signing',
                'description': 'Code signing configs (2020-04-22, 2020-06-30), stored and returned.',
            },
            {
                'name': 'Layers',
                'description': 'Layers, their versions and their resource policies (2018-10-31).',
            },
            {
                'name': 'Function URLs',
                'description': 'Function URL configurations (2021-10-31). The URLs themselves '
                'are served by this server too; they are HTTP endpoints, not API operations, and '
                'are described in the README.',
            },
            {'name': 'Asimov', 'description': 'Operations of this server that AWS does not have.'},
        ],
        'security': [{}, {'sigv4': []}],
        'paths': paths,
        'components': {
            'securitySchemes': {
                'sigv4': {
                    'type': 'apiKey',
                    'in': 'header',
                    'name': 'Authorization',
                    'description': 'AWS Signature Version 4. Only the credential scope is read '
                    '(account and region); the signature is not checked.',
                }
            },
            'headers': {
                'RequestId': {
                    'description': 'A UUID naming the request.',
                    'required': True,
                    'schema': {'type': 'string', 'format': 'uuid'},
                }
            },
            'responses': responses,
            'schemas': schemas,
        },
        'x-error-catalogue': {code: dict(entry) for code, entry in CATALOGUE.items()},
        'x-generated-from': {'botocore': botocore.__version__},
    }


# ---------------------------------------------------------------------------------------------
# The Runtime API (2018-06-01), as src/runtime-api/runtime-api-server.ts serves it.

with open(os.path.join(ROOT, 'src/runtime-api/protocol.json'), encoding='utf8') as f:
    PROTOCOL = json.load(f)


def header_name(key):
    """protocol.json's lower-case header names, written as AWS documents them."""
    return '-'.join(part.capitalize() for part in PROTOCOL['headers'][key].split('-'))


def rt_error(error_type, description):
    return {
        'description': description,
        'content': {
            'application/json': {
                'schema': {
                    'type': 'object',
                    'required': ['errorMessage', 'errorType'],
                    'properties': {
                        'errorMessage': {'type': 'string'},
                        'errorType': {'type': 'string', 'const': error_type},
                    },
                }
            }
        },
    }


RT_ACCEPTED = {
    'description': 'Accepted.',
    'content': {'application/json': {'schema': {'$ref': '#/components/schemas/StatusResponse'}}},
}
RT_BAD_ID = {'$ref': '#/components/responses/InvalidRequestID'}
RT_FORBIDDEN = {'$ref': '#/components/responses/InvalidStateTransition'}
RT_TOO_LARGE = {'$ref': '#/components/responses/RequestEntityTooLarge'}

ERROR_TYPE_HEADER = {
    'name': header_name('functionErrorType'),
    'in': 'header',
    'description': 'The error type (e.g. Runtime.ImportModuleError); the caller of Invoke sees '
    'X-Amz-Function-Error: Unhandled either way.',
    'schema': {'type': 'string'},
}
ERROR_BODY_HEADER = {
    'name': header_name('errorBody'),
    'in': 'header',
    'description': 'Accepted and ignored (newer runtime clients send the error body here too).',
    'schema': {'type': 'string'},
}
RESPONSE_MODE_HEADER = {
    'name': header_name('responseMode'),
    'in': 'header',
    'description': 'streaming: the body is a streamed response (Transfer-Encoding: chunked), '
    'handed to the caller piece by piece as it arrives, up to 209,715,200 bytes (200 MB; past '
    'it the runtime gets 413 and the caller Function.ResponseSizeTooLarge). Content-Type is '
    "the stream's (application/vnd.awslambda.http-integration-response: a JSON prelude and 8 "
    'NUL bytes before the body, for function URLs). An error met half-way goes in the trailers '
    f"{header_name('functionErrorType')} and {header_name('errorBody')} (base64 of the error "
    'JSON); the 202 comes once the body has ended.',
    'schema': {'type': 'string', 'enum': ['streaming']},
}
REQUEST_ID_PARAM = {
    'name': 'requestId',
    'in': 'path',
    'required': True,
    'description': 'Lambda-Runtime-Aws-Request-Id of the invocation.',
    'schema': {'type': 'string'},
}


def runtime_document():
    document = runtime_api_document()
    extensions = extensions_api_paths()
    document['paths'].update(extensions['paths'])
    document['components']['responses'].update(extensions['responses'])
    document['components']['schemas'].update(extensions['schemas'])
    document['info']['description'] += (
        ' The same address serves the Extensions API (2020-01-01), the Telemetry API '
        '(2022-07-01) and the Logs API (2020-08-15) to extensions.'
    )
    return document


def runtime_api_document():
    paths = PROTOCOL['paths']
    headers = {
        'requestId': ('The request id of the invocation.', True, {'type': 'string'}),
        'deadlineMs': (
            'When the invocation times out, in milliseconds since the epoch.',
            True,
            {'type': 'integer', 'format': 'int64'},
        ),
        'invokedFunctionArn': (
            'The ARN the caller invoked (qualified when the caller gave a qualifier).',
            True,
            {'type': 'string'},
        ),
        'traceId': (
            'The X-Ray trace header (Root=...;Parent=...;Sampled=0).',
            True,
            {'type': 'string'},
        ),
        'clientContext': (
            'The client context (decoded JSON), when the caller sent X-Amz-Client-Context.',
            False,
            {'type': 'string'},
        ),
        'cognitoIdentity': ('The Cognito identity, when there is one.', False, {'type': 'string'}),
    }
    next_headers = {
        header_name(key): {'description': text, 'required': required, 'schema': schema}
        for key, (text, required, schema) in headers.items()
    }
    result_body = {
        'required': False,
        'content': {'*/*': {'schema': {'description': 'Any bytes; JSON by convention.'}}},
    }
    return {
        'openapi': '3.1.0',
        'info': {
            'title': 'Asimov Lambda: AWS Lambda Runtime API (2018-06-01)',
            'version': PROTOCOL['version'],
            'description': 'The Runtime API each execution environment serves to its runtime, '
            'on a loopback port of its own (AWS_LAMBDA_RUNTIME_API=host:port). The runtime '
            'long-polls next, then posts one response or error for the invocation it was given. '
            'Any other method or path is answered 404 with '
            '{"errorMessage":"Unknown path","errorType":"NotFound"}. Paths and header names are '
            'those of src/runtime-api/protocol.json. Generated by openapi/generate.py.',
            'license': {'name': 'Apache-2.0', 'identifier': 'Apache-2.0'},
        },
        'servers': [
            {
                'url': 'http://{runtimeApi}',
                'variables': {
                    'runtimeApi': {
                        'default': '127.0.0.1:9001',
                        'description': 'The value of AWS_LAMBDA_RUNTIME_API in the environment.',
                    }
                },
            }
        ],
        'paths': {
            paths['next']: {
                'get': {
                    'operationId': 'NextInvocation',
                    'summary': 'Waits for the next invocation (long poll, no timeout).',
                    'description': 'The first call ends init. A new call replaces a poll still '
                    'open; results for an earlier invocation are then refused (400).',
                    'responses': {
                        '200': {
                            'description': 'The event, with the invocation in headers.',
                            'headers': next_headers,
                            'content': {
                                'application/json': {'schema': {'description': 'The event.'}}
                            },
                        }
                    },
                }
            },
            paths['response']: {
                'post': {
                    'operationId': 'PostInvocationResponse',
                    'summary': "The function's result for the invocation.",
                    'parameters': [REQUEST_ID_PARAM, RESPONSE_MODE_HEADER],
                    'requestBody': {
                        **result_body,
                        'description': 'At most 6,291,556 bytes; above that the runtime gets '
                        '413 and the caller Function.ResponseSizeTooLarge. A streamed response '
                        '(see the response mode header) may be larger.',
                    },
                    'responses': {
                        '202': RT_ACCEPTED,
                        '400': RT_BAD_ID,
                        '403': RT_FORBIDDEN,
                        '413': RT_TOO_LARGE,
                    },
                }
            },
            paths['error']: {
                'post': {
                    'operationId': 'PostInvocationError',
                    'summary': "The function's error for the invocation.",
                    'parameters': [REQUEST_ID_PARAM, ERROR_TYPE_HEADER, ERROR_BODY_HEADER],
                    'requestBody': {
                        'description': 'The error object, at most 1,048,576 bytes.',
                        'required': False,
                        'content': {
                            'application/json': {
                                'schema': {'$ref': '#/components/schemas/FunctionError'}
                            }
                        },
                    },
                    'responses': {
                        '202': RT_ACCEPTED,
                        '400': RT_BAD_ID,
                        '403': RT_FORBIDDEN,
                        '413': RT_TOO_LARGE,
                    },
                }
            },
            paths['initError']: {
                'post': {
                    'operationId': 'PostInitError',
                    'summary': 'Init failed; allowed only before the first next.',
                    'parameters': [ERROR_TYPE_HEADER, ERROR_BODY_HEADER],
                    'requestBody': {
                        'description': 'The error object, at most 1,048,576 bytes.',
                        'required': False,
                        'content': {
                            'application/json': {
                                'schema': {'$ref': '#/components/schemas/FunctionError'}
                            }
                        },
                    },
                    'responses': {'202': RT_ACCEPTED, '403': RT_FORBIDDEN, '413': RT_TOO_LARGE},
                }
            },
        },
        'components': {
            'responses': {
                'InvalidRequestID': rt_error(
                    'InvalidRequestID',
                    'The request id is not that of the invocation in progress.',
                ),
                'InvalidStateTransition': rt_error(
                    'InvalidStateTransition',
                    'The post is not allowed in the current state (a second result for the same '
                    'invocation, an init error after init).',
                ),
                'RequestEntityTooLarge': rt_error(
                    'RequestEntityTooLarge', 'The body is over the limit.'
                ),
                'NotFound': rt_error('NotFound', 'Unknown method or path.'),
            },
            'schemas': {
                'StatusResponse': {
                    'type': 'object',
                    'required': ['status'],
                    'properties': {'status': {'type': 'string', 'const': 'OK'}},
                },
                'FunctionError': {
                    'type': 'object',
                    'description': 'What runtimes send; passed to the caller of Invoke as is.',
                    'properties': {
                        'errorMessage': {'type': 'string'},
                        'errorType': {'type': 'string'},
                        'stackTrace': {'type': 'array', 'items': {'type': 'string'}},
                    },
                },
            },
        },
    }


# ---------------------------------------------------------------------------------------------
# The Extensions API (2020-01-01) and the Telemetry / Logs APIs, as
# src/runtime-api/extensions-api.ts and telemetry-api.ts serve them on the Runtime API's address.


def extension_header(key, description, required=True):
    return {
        'name': header_name(key),
        'in': 'header',
        'required': required,
        'description': description,
        'schema': {'type': 'string'},
    }


def extension_refusal(description):
    return {
        'description': description,
        'content': {'application/json': {'schema': {'$ref': '#/components/schemas/ApiError'}}},
    }


def extensions_api_paths():
    paths = PROTOCOL['paths']
    identifier = extension_header(
        'extensionIdentifier', 'The identifier register answered (a UUID).'
    )
    error_type = extension_header(
        'extensionErrorType', 'The error type, e.g. Extension.ConfigInvalid.'
    )
    refused = {'$ref': '#/components/responses/ExtensionRefused'}
    accepted = RT_ACCEPTED
    subscription = {
        'required': True,
        'content': {
            'application/json': {'schema': {'$ref': '#/components/schemas/TelemetrySubscription'}}
        },
    }
    subscribed = {
        'description': '"OK" for a new subscription, "AlreadySubcribed" (AWS\'s spelling) for '
        'a repeated one.',
        'content': {
            'application/json': {'schema': {'type': 'string', 'enum': ['OK', 'AlreadySubcribed']}}
        },
    }
    invalid = extension_refusal('The subscription is not valid (errorType ValidationError).')

    def subscribe(operation, summary):
        return {
            'put': {
                'operationId': operation,
                'summary': summary,
                'parameters': [identifier],
                'requestBody': subscription,
                'responses': {'200': subscribed, '400': invalid, '403': refused},
            }
        }

    return {
        'paths': {
            paths['extensionRegister']: {
                'post': {
                    'operationId': 'RegisterExtension',
                    'summary': 'Registers an extension for INVOKE and/or SHUTDOWN.',
                    'description': 'An external extension registers with its file name in '
                    '/opt/extensions; any other name is an internal extension (only INVOKE, and '
                    'only until the runtime asks for its first invocation).',
                    'parameters': [
                        extension_header('extensionName', 'The extension\'s name.'),
                        extension_header(
                            'extensionAcceptFeature',
                            'accountId: the answer includes the account id.',
                            False,
                        ),
                    ],
                    'requestBody': {
                        'required': True,
                        'content': {
                            'application/json': {
                                'schema': {
                                    'type': 'object',
                                    'properties': {
                                        'events': {
                                            'type': 'array',
                                            'items': {
                                                'type': 'string',
                                                'enum': ['INVOKE', 'SHUTDOWN'],
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    },
                    'responses': {
                        '200': {
                            'description': 'Registered.',
                            'headers': {
                                header_name('extensionIdentifier'): {
                                    'description': 'The extension\'s identifier for later calls.',
                                    'required': True,
                                    'schema': {'type': 'string', 'format': 'uuid'},
                                }
                            },
                            'content': {
                                'application/json': {
                                    'schema': {'$ref': '#/components/schemas/RegisterResponse'}
                                }
                            },
                        },
                        '403': refused,
                    },
                }
            },
            paths['extensionNext']: {
                'get': {
                    'operationId': 'NextExtensionEvent',
                    'summary': 'Waits for the next event (long poll, no timeout).',
                    'description': 'The first call ends the extension\'s init; after an INVOKE '
                    'the invocation lasts until every extension that got it calls next again.',
                    'parameters': [identifier],
                    'responses': {
                        '200': {
                            'description': 'An INVOKE or SHUTDOWN event.',
                            'headers': {
                                header_name('extensionEventIdentifier'): {
                                    'description': 'A UUID naming the event.',
                                    'required': True,
                                    'schema': {'type': 'string', 'format': 'uuid'},
                                }
                            },
                            'content': {
                                'application/json': {
                                    'schema': {'$ref': '#/components/schemas/ExtensionEvent'}
                                }
                            },
                        },
                        '403': refused,
                    },
                }
            },
            paths['extensionInitError']: {
                'post': {
                    'operationId': 'PostExtensionInitError',
                    'summary': 'The extension failed to initialize (then exits: '
                    'Extension.InitError).',
                    'parameters': [identifier, error_type],
                    'responses': {'202': accepted, '403': refused},
                }
            },
            paths['extensionExitError']: {
                'post': {
                    'operationId': 'PostExtensionExitError',
                    'summary': 'The extension is about to exit with an error (Extension.ExitError).',
                    'parameters': [identifier, error_type],
                    'responses': {'202': accepted, '403': refused},
                }
            },
            paths['telemetrySubscribe']: subscribe(
                'SubscribeTelemetry',
                'Subscribes a listener of the extension to platform events, function and '
                'extension logs (Telemetry API), during init only.',
            ),
            paths['logsSubscribe']: subscribe(
                'SubscribeLogs',
                'The older Logs API: the same subscription, Logs API event types.',
            ),
        },
        'responses': {
            'ExtensionRefused': extension_refusal(
                'Refused, with AWS\'s errorType: Extension.MissingExtensionIdentifier, '
                'Extension.InvalidExtensionIdentifier, Extension.UnknownExtensionIdentifier, '
                'Extension.InvalidExtensionName, Extension.InvalidExtensionState, '
                'Extension.InvalidEventType, Extension.RegistrationClosed, '
                'Extension.TooManyExtensions, Extension.MissingHeader, InvalidRequestFormat, '
                'Telemetry.SubscriptionClosed, Logs.SubscriptionClosed.'
            ),
        },
        'schemas': {
            'ApiError': {
                'type': 'object',
                'required': ['errorMessage', 'errorType'],
                'properties': {'errorMessage': {'type': 'string'}, 'errorType': {'type': 'string'}},
            },
            'RegisterResponse': {
                'type': 'object',
                'required': ['functionName', 'functionVersion', 'handler'],
                'properties': {
                    'functionName': {'type': 'string'},
                    'functionVersion': {'type': 'string'},
                    'handler': {'type': 'string'},
                    'accountId': {'type': 'string'},
                },
            },
            'ExtensionEvent': {
                'type': 'object',
                'required': ['eventType', 'deadlineMs'],
                'properties': {
                    'eventType': {'type': 'string', 'enum': ['INVOKE', 'SHUTDOWN']},
                    'deadlineMs': {'type': 'integer', 'format': 'int64'},
                    'requestId': {'type': 'string'},
                    'invokedFunctionArn': {'type': 'string'},
                    'tracing': {
                        'type': 'object',
                        'properties': {'type': {'type': 'string'}, 'value': {'type': 'string'}},
                    },
                    'shutdownReason': {
                        'type': 'string',
                        'enum': ['spindown', 'timeout', 'failure'],
                    },
                },
            },
            'TelemetrySubscription': {
                'type': 'object',
                'required': ['destination', 'types'],
                'properties': {
                    'schemaVersion': {
                        'type': 'string',
                        'description': 'Telemetry API: 2022-07-01, 2022-12-13 or 2025-01-29 '
                        '(required). Logs API: 2020-08-15 or 2021-03-18.',
                    },
                    'destination': {
                        'type': 'object',
                        'required': ['protocol', 'URI'],
                        'properties': {
                            'protocol': {'type': 'string', 'enum': ['HTTP', 'TCP']},
                            'URI': {
                                'type': 'string',
                                'description': 'http://sandbox.localdomain:PORT/PATH (HTTP) or '
                                'tcp://sandbox.localdomain:PORT (TCP).',
                            },
                        },
                    },
                    'types': {
                        'type': 'array',
                        'items': {'type': 'string', 'enum': ['platform', 'function', 'extension']},
                    },
                    'buffering': {
                        'type': 'object',
                        'properties': {
                            'maxItems': {'type': 'integer', 'minimum': 1000, 'maximum': 10000},
                            'maxBytes': {
                                'type': 'integer',
                                'minimum': 262144,
                                'maximum': 1048576,
                            },
                            'timeoutMs': {'type': 'integer', 'minimum': 25, 'maximum': 30000},
                        },
                    },
                },
            },
        },
    }


# ---------------------------------------------------------------------------------------------


def formatted(path, document):
    text = json.dumps(document, indent=2, ensure_ascii=False) + '\n'
    prettier = os.path.join(ROOT, 'node_modules', '.bin', 'prettier')
    result = subprocess.run(
        [prettier, '--stdin-filepath', path],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return result.stdout


def main():
    check = '--check' in sys.argv[1:]
    outputs = {
        os.path.join(OUT_DIR, 'lambda.json'): lambda_document(),
        os.path.join(OUT_DIR, 'runtime-api.json'): runtime_document(),
    }
    stale = []
    for path, document in outputs.items():
        text = formatted(path, document)
        if check:
            try:
                with open(path, encoding='utf8') as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != text:
                stale.append(os.path.relpath(path, ROOT))
        else:
            with open(path, 'w', encoding='utf8') as f:
                f.write(text)
    if stale:
        print('stale (run python3 openapi/generate.py): ' + ', '.join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
