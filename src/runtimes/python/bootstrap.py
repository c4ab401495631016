"""Asimov Lambda's Python runtime: the loop between the Runtime API and a handler.

It plays the part of AWS's Python runtime interface client (awslambdaric):
import the handler once, then forever take an invocation from the Runtime API,
call the handler and post back its result or error. Messages, error shapes and
log formats follow AWS's so functions behave (and fail) as they do on Lambda.

Started as `python3.X -u bootstrap.py` with cwd = the task root and the
environment Lambda sets (_HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API...).
Standard library only, Python 3.8+.

Cold start matters, so only what every start needs is imported here; modules
that only some paths need (traceback, decimal) are imported where used. The
Runtime API is spoken over a plain socket (HttpConnection) because importing
http.client (with ssl and the email package) cost more than all the rest.
logging stays imported and set up at start although most functions never log:
AWS's runtime does so, which puts the root handler in place before user code
runs and resolves logging and what it imports (traceback, string, threading...)
to the standard library before the task root goes on sys.path.
"""

import _socket  # the socket module minus its Python wrapper, a 4 ms import we don't need
import importlib
import io
import json
import logging
import os
import site
import sys
import time

# The Runtime API's paths and header names are defined once, for the server and
# every runtime we ship, in src/runtime-api/protocol.json.
_PROTOCOL_FILE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'runtime-api', 'protocol.json'
)

# AWS's error types for faults the runtime itself detects.
MALFORMED_HANDLER_NAME = 'Runtime.MalformedHandlerName'
BUILT_IN_MODULE_CONFLICT = 'Runtime.BuiltInModuleConflict'
IMPORT_MODULE_ERROR = 'Runtime.ImportModuleError'
USER_CODE_SYNTAX_ERROR = 'Runtime.UserCodeSyntaxError'
HANDLER_NOT_FOUND = 'Runtime.HandlerNotFound'
UNMARSHAL_ERROR = 'Runtime.UnmarshalError'
MARSHAL_ERROR = 'Runtime.MarshalError'
CONTEXT_UNMARSHAL_ERROR = 'Runtime.LambdaContextUnmarshalError'

# Logged (as a warning) before an init error, word for word as AWS does.
UNHANDLED_INIT_WARNING = (
    'LAMBDA_WARNING: Unhandled exception. '
    'The most likely cause is an issue in the function code. '
    'However, in rare cases, a Lambda runtime update can cause unexpected function behavior. '
    'For functions using managed runtimes, runtime updates can be triggered by a function '
    'change, or can be applied automatically. '
    'To determine if the runtime has been updated, check the runtime version in the '
    'INIT_START log entry. '
    'If this error correlates with a change in the runtime version, you may be able to '
    'mitigate this error by temporarily rolling back to the previous runtime version. '
    'For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html'
)

LOG_FORMAT = '[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n'
LOG_DATE_FORMAT = '%Y-%m-%dT%H:%M:%S'

# AWS indents traceback lines in its error log with no-break spaces, so log
# viewers that trim leading whitespace keep the traceback's shape.
ERROR_LOG_INDENT = '\u00a0'

# The invocation in progress; the log filter stamps it on every record.
_current_request_id = None


def _load_protocol():
    with open(_PROTOCOL_FILE, 'rb') as file:
        return json.load(file)


_PROTOCOL = _load_protocol()
_PATHS = _PROTOCOL['paths']
# Lower-case, as HttpConnection gives response header names.
_HEADERS = {key: name.lower() for key, name in _PROTOCOL['headers'].items()}

# AWS escapes non-ASCII in JSON it writes, except on python3.12 where it stopped.
_ENSURE_ASCII = os.environ.get('AWS_EXECUTION_ENV') != 'AWS_Lambda_python3.12'


class FaultException(Exception):
    """A failure the runtime classifies itself, reported with a Runtime.* type."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# --- Runtime API client ----------------------------------------------------


class RuntimeApiClient:
    """The Runtime API over one kept-alive HTTP connection."""

    def __init__(self, address):
        self._connection = HttpConnection(address)

    def next_invocation(self):
        """Long-polls for the next invocation; returns (headers, body bytes)."""
        path = _PATHS['next']
        status, headers, body = self._exchange('GET', path, None, {})
        if status != 200:
            raise RuntimeError('Runtime API %s answered %d: %r' % (path, status, body[:200]))
        return headers, body

    def post_response(self, request_id, payload, content_type):
        path = _PATHS['response'].replace('{requestId}', request_id)
        self._exchange('POST', path, payload, {'Content-Type': content_type})

    def post_error(self, request_id, error):
        path = _PATHS['error'].replace('{requestId}', request_id)
        self._post_error_body(path, error)

    def post_init_error(self, error):
        self._post_error_body(_PATHS['initError'], error)

    def _post_error_body(self, path, error):
        headers = {
            'Content-Type': 'application/json',
            _HEADERS['functionErrorType']: _header_safe(error['errorType']),
        }
        self._exchange('POST', path, to_json(error).encode('utf-8'), headers)

    def _exchange(self, method, path, body, headers):
        # The server may close a kept-alive connection while it sits idle (a
        # long handler run, say) and we only find out on the next request.
        # Nothing was received in that case, so reconnect and send it again.
        try:
            return self._connection.request(method, path, body, headers)
        except ConnectionError:
            return self._connection.request(method, path, body, headers)


def _header_safe(value):
    # Header values go out as Latin-1; a non-ASCII exception class name must
    # not stop the error from being reported.
    return value if value.isascii() else value.encode('ascii', 'backslashreplace').decode()


# --- HTTP ----------------------------------------------------------------------


class HttpError(Exception):
    """A response that is cut short or malformed: not worth sending again."""


class HttpConnection:
    """Just the HTTP/1.1 client the Runtime API needs, over one kept-alive connection.

    http.client would do, but importing it costs more than all the rest of the
    runtime's start (it pulls in ssl and the email package). A body is read by
    its Content-Length (what the Runtime API sends), chunked, or up to the close.
    """

    def __init__(self, address):
        host, colon, port = address.rpartition(':')
        if not colon or ']' in port:  # no port, or a bare IPv6 address
            host, port = address, '80'
        self._host_header = address
        host = host.strip('[]')
        # As bytes, getaddrinfo needs no IDNA codec (a 2 ms import) for the name.
        self._host = host.encode('ascii') if host.isascii() else host
        self._port = int(port)
        self._sock = None
        self._buffer = bytearray()

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers by lower-case name, body bytes).

        Raises ConnectionError when the server closed or reset the connection
        before answering (a kept-alive connection it dropped while idle): the
        request can be sent again, on a new connection.
        """
        lines = ['%s %s HTTP/1.1' % (method, path), 'Host: ' + self._host_header]
        lines.extend('%s: %s' % header for header in (headers or {}).items())
        if body is not None:
            lines.append('Content-Length: %d' % len(body))
        message = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + (body or b'')
        try:
            if self._sock is None:
                self._connect()
            # One send, so Nagle's algorithm never holds a body back behind its headers.
            self._sock.sendall(message)
            status_line = self._read_line()
            try:
                return self._read_response(status_line)
            except ConnectionError as e:
                raise HttpError('connection lost in the middle of a response') from e
        except BaseException:
            self.close()
            raise

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buffer.clear()

    def _connect(self):
        # What socket.create_connection does: the first address that answers.
        error = None
        for family, kind, proto, _, address in _socket.getaddrinfo(
            self._host, self._port, 0, _socket.SOCK_STREAM
        ):
            sock = _socket.socket(family, kind, proto)
            try:
                sock.connect(address)
            except OSError as e:
                sock.close()
                error = e
            else:
                self._sock = sock
                return
        raise error

    def _read_response(self, status_line):
        version, _, rest = status_line.decode('latin-1').partition(' ')
        if not version.startswith('HTTP/') or not rest[:3].isdigit():
            raise HttpError('bad status line %r' % status_line[:100])
        status = int(rest[:3])
        headers = {}
        line = self._read_line()
        while line:
            name, _, value = line.decode('latin-1').partition(':')
            # The first of a repeated header is the one kept, as http.client's get() returns.
            headers.setdefault(name.strip().lower(), value.strip())
            line = self._read_line()
        keep_alive = version != 'HTTP/1.0' and headers.get('connection', '').lower() != 'close'
        if status in (204, 304):
            body = b''
        elif 'chunked' in headers.get('transfer-encoding', '').lower():
            body = self._read_chunked()
        elif 'content-length' in headers:
            body = self._read_exact(int(headers['content-length']))
        else:
            while self._receive():  # the body ends where the server closes
                pass
            body = bytes(self._buffer)
            keep_alive = False
        if not keep_alive:
            self.close()
        return status, headers, body

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self._read_line().split(b';', 1)[0], 16)  # minus any extensions
            if size == 0:
                break
            chunks.append(self._read_exact(size))
            self._read_line()  # the line end that closes the chunk
        while self._read_line():  # trailers, up to an empty line
            pass
        return b''.join(chunks)

    def _read_line(self):
        """The next line, without its line end."""
        while True:
            end = self._buffer.find(b'\n')
            if end >= 0:
                line = bytes(self._buffer[:end]).rstrip(b'\r')
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > 65536:
                raise HttpError('response line over 64 KiB')
            self._receive_or_fail()

    def _read_exact(self, size):
        while len(self._buffer) < size:
            self._receive_or_fail()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _receive_or_fail(self):
        if not self._receive():
            raise ConnectionResetError('the Runtime API closed the connection')

    def _receive(self):
        """Adds what arrives to the buffer; False once the server has closed."""
        data = self._sock.recv(65536)
        self._buffer += data
        return len(data) > 0


# --- JSON --------------------------------------------------------------------


def to_json(value):
    """Serializes like AWS's marshaller, which also writes decimal.Decimal as numbers
    (boto3's DynamoDB items are full of them)."""
    decimals = []

    def default(obj):
        import decimal  # only responses with non-JSON types get here

        if not isinstance(obj, decimal.Decimal):
            raise TypeError('Object of type %s is not JSON serializable' % type(obj).__name__)
        if obj.is_nan():
            return float('nan')
        decimals.append(str(obj))
        return _decimal_placeholder(len(decimals) - 1)

    text = json.dumps(value, default=default, ensure_ascii=_ENSURE_ASCII)
    # The json module cannot emit a raw number for a Decimal, so each one went out
    # as a unique placeholder string that is now swapped for its digits.
    for index, digits in enumerate(decimals):
        placeholder = json.dumps(_decimal_placeholder(index), ensure_ascii=_ENSURE_ASCII)
        text = text.replace(placeholder, digits, 1)
    return text


_placeholder_nonce = None


def _decimal_placeholder(index):
    global _placeholder_nonce
    if _placeholder_nonce is None:
        # Random per process, so no string a handler returns can look like one.
        _placeholder_nonce = os.urandom(12).hex()
    return '\x00decimal:%s:%d\x00' % (_placeholder_nonce, index)


def unmarshal_event(body, content_type):
    # Like AWS, a payload that isn't declared JSON reaches the handler as bytes.
    # A missing content type counts as JSON: only a non-JSON one opts out.
    if content_type and content_type != 'application/json':
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(UNMARSHAL_ERROR, 'Unable to unmarshal input: %s' % e)


def marshal_result(result):
    """Returns (payload bytes, content type)."""
    if isinstance(result, bytes):
        # AWS hands bytes back untouched rather than failing to serialize them.
        return result, 'application/unknown'
    try:
        return to_json(result).encode('utf-8'), 'application/json'
    except Exception as e:
        raise FaultException(MARSHAL_ERROR, 'Unable to marshal response: %s' % e)


# --- Context ------------------------------------------------------------------


class LambdaContext:
    """The handler's second argument, with AWS's attributes."""

    def __init__(self, request_id, client_context, cognito_identity, deadline_ms, function_arn):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get('AWS_LAMBDA_LOG_GROUP_NAME')
        self.log_stream_name = os.environ.get('AWS_LAMBDA_LOG_STREAM_NAME')
        self.function_name = os.environ.get('AWS_LAMBDA_FUNCTION_NAME')
        # A string, as AWS leaves it: it is the environment variable's value.
        self.memory_limit_in_mb = os.environ.get('AWS_LAMBDA_FUNCTION_MEMORY_SIZE')
        self.function_version = os.environ.get('AWS_LAMBDA_FUNCTION_VERSION')
        self.invoked_function_arn = function_arn
        self.client_context = _object_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _object_from_dict(Client, self.client_context.client)
        # AWS always gives an identity, with None fields when there is none.
        self.identity = _object_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get('cognitoIdentityId')
            self.identity.cognito_identity_pool_id = cognito_identity.get('cognitoIdentityPoolId')
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, message):
        sys.stdout.write(str(message))

    def __repr__(self):
        return (
            f'{self.__class__.__name__}(['
            f'aws_request_id={self.aws_request_id},'
            f'log_group_name={self.log_group_name},'
            f'log_stream_name={self.log_stream_name},'
            f'function_name={self.function_name},'
            f'memory_limit_in_mb={self.memory_limit_in_mb},'
            f'function_version={self.function_version},'
            f'invoked_function_arn={self.invoked_function_arn},'
            f'client_context={self.client_context},'
            f'identity={self.identity}'
            '])'
        )


class _SlotsRepr:
    __slots__ = ()

    def __repr__(self):
        fields = ','.join('%s=%s' % (name, getattr(self, name)) for name in self.__slots__)
        return '%s([%s])' % (self.__class__.__name__, fields)


class CognitoIdentity(_SlotsRepr):
    __slots__ = ('cognito_identity_id', 'cognito_identity_pool_id')


class Client(_SlotsRepr):
    __slots__ = (
        'installation_id',
        'app_title',
        'app_version_name',
        'app_version_code',
        'app_package_name',
    )


class ClientContext(_SlotsRepr):
    __slots__ = ('custom', 'env', 'client')


def _object_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for name in cls.__slots__:
        setattr(obj, name, values.get(name))
    return obj


def _parse_json_header(value, what):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(CONTEXT_UNMARSHAL_ERROR, 'Unable to parse %s JSON: %s' % (what, e))


def make_context(headers, request_id):
    client_context = headers.get(_HEADERS['clientContext'])
    cognito_identity = headers.get(_HEADERS['cognitoIdentity'])
    return LambdaContext(
        request_id,
        _parse_json_header(client_context, 'Client Context') if client_context else None,
        _parse_json_header(cognito_identity, 'Cognito Identity') if cognito_identity else None,
        int(headers.get(_HEADERS['deadlineMs']) or 0),
        headers.get(_HEADERS['invokedFunctionArn']),
    )


# --- Logging -----------------------------------------------------------------


class _Unbuffered:
    """Flushes after every write, for streams the interpreter buffers (no -u)."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, text):
        written = self.stream.write(text)
        self.stream.flush()
        return written

    def writelines(self, lines):
        self.stream.writelines(lines)
        self.stream.flush()


def _unbuffered(stream):
    # Under -u (how we are started) stdio already writes straight through, and
    # the real stream is kept so user code sees an ordinary TextIOWrapper.
    raw = isinstance(getattr(stream, 'buffer', None), io.RawIOBase)
    return stream if raw and getattr(stream, 'write_through', False) else _Unbuffered(stream)


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        # Looked up on each record so logs follow a handler's redirection of
        # sys.stdout, as AWS's do. Like AWS, formatting errors are not swallowed.
        sys.stdout.write(self.format(record))


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ''
        return True


def _log_level_from_env():
    level = os.environ.get('AWS_LAMBDA_LOG_LEVEL')
    return {None: '', 'TRACE': 'DEBUG'}.get(level, level).upper()


def set_up_logging():
    # AWS switches every formatter (users' too) to UTC.
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    # Like AWS, the root level stays Python's default (WARNING) unless the
    # function's log level is configured.
    level = _log_level_from_env()
    if level in ('CRITICAL', 'FATAL', 'ERROR', 'WARN', 'WARNING', 'INFO', 'DEBUG', 'NOTSET'):
        root.setLevel(level)
    root.addHandler(handler)


def log_error(error):
    """Writes an error as AWS's text-format runtime does, in a single write."""
    description = '[ERROR]'
    if error['errorType']:
        description += ' ' + error['errorType']
    if error['errorMessage']:
        if error['errorType']:
            description += ':'
        description += ' ' + error['errorMessage']
    lines = [description, 'Traceback (most recent call last):']
    for entry in error['stackTrace']:
        lines.extend(_indent_with_nbsp(line) for line in entry.splitlines())
    sys.stdout.write('\n'.join(lines) + '\n')


def _indent_with_nbsp(line):
    stripped = line.lstrip(' ')
    return ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped


# --- Errors ------------------------------------------------------------------


def make_error(message, error_type, stack_trace, request_id=''):
    return {
        'errorMessage': message or '',
        'errorType': error_type or '',
        'requestId': request_id or '',
        'stackTrace': stack_trace or [],
    }


def error_from_exception(exc_info, request_id=''):
    """Describes an exception the way AWS does: the class name as type and the
    traceback from the first frame that is not the runtime's own."""
    import traceback

    error_class, error, tb = exc_info
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if frame[0] != __file__:
            frames = frames[index:]
            break
    # Plain tuples, as AWS formats them: no column carets on Python 3.11+.
    return make_error(
        str(error), error_class.__name__, traceback.format_list(frames), request_id
    )


# --- Init ----------------------------------------------------------------------


def set_up_sys_path():
    # AWS's order: the task root, then the layers' site-packages, then
    # /opt/python. It leaves the layer paths to PYTHONPATH when that is set.
    task_root = os.environ.get('LAMBDA_TASK_ROOT') or os.getcwd()
    # The layers are at /opt, or elsewhere where the server cannot mount them there.
    opt_root = os.environ.pop('_ASIMOV_OPT_ROOT', '/opt')
    layer_dirs = []
    if 'PYTHONPATH' not in os.environ:
        version = '%d.%d' % sys.version_info[:2]
        layer_dirs = [
            '%s/python/lib/python%s/site-packages' % (opt_root, version),
            '%s/python' % opt_root,
        ]
    sys.path[0:0] = [task_root] + layer_dirs
    # Site directories, so .pth files shipped with the code or a layer work.
    for directory in [task_root] + layer_dirs:
        site.addsitedir(directory)
    # Subprocesses get the runtime directory, as Lambda documents for PYTHONPATH.
    runtime_dir = os.environ.get('LAMBDA_RUNTIME_DIR')
    if 'PYTHONPATH' not in os.environ and runtime_dir:
        os.environ['PYTHONPATH'] = runtime_dir


def wait_for_debugger():
    # The server asks for a debugger (asimov --debug-port) through _ASIMOV_DEBUGPY=host:port:
    # listen with debugpy and wait for the IDE to attach before the handler is imported, so
    # breakpoints in module code hit too. debugpy comes from the interpreter or the code/layers.
    address = os.environ.pop('_ASIMOV_DEBUGPY', None)
    if not address:
        return
    host, _, port = address.rpartition(':')
    try:
        import debugpy
    except ImportError:
        sys.stderr.write(
            'asimov: debugpy is not importable by %s, so this function runs without a debugger: '
            'install it for that interpreter (pip install debugpy) or ship it in a layer\n'
            % sys.executable
        )
        return
    debugpy.listen((host, int(port)))
    sys.stderr.write(
        'asimov: debugpy is listening on %s:%s; waiting for a debugger to attach '
        '(the timeout is suspended)\n' % (host, port)
    )
    debugpy.wait_for_client()


def load_handler(handler_name):
    try:
        module_name, function_name = handler_name.rsplit('.', 1)
    except ValueError as e:
        raise FaultException(MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler_name, e))
    module = _import_handler_module(module_name)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultException(
            HANDLER_NOT_FOUND,
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )


def _import_handler_module(module_name):
    if module_name.split('.')[0] in sys.builtin_module_names:
        raise FaultException(
            BUILT_IN_MODULE_CONFLICT,
            'Cannot use built-in module %s as a handler module' % module_name,
        )
    try:
        return importlib.import_module(module_name.replace('/', '.'))
    except ImportError as e:
        raise FaultException(
            IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (module_name, e)
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (module_name, e), trace
        )


def init_or_exit(client):
    """Imports the handler; on failure reports the init error and exits 1."""
    try:
        return load_handler(os.environ.get('_HANDLER', ''))
    except FaultException as e:
        error = make_error(e.message, e.error_type, e.trace)
    except Exception:
        # Anything else the module raises is reported as itself, like AWS.
        error = error_from_exception(sys.exc_info())
    logging.warning(UNHANDLED_INIT_WARNING)
    log_error(error)
    client.post_init_error(error)
    sys.exit(1)


# --- Invoke --------------------------------------------------------------------


def handle_next_invocation(client, handler):
    global _current_request_id
    headers, body = client.next_invocation()
    request_id = headers.get(_HEADERS['requestId'])
    _current_request_id = request_id
    _set_trace_id(headers.get(_HEADERS['traceId']))
    try:
        context = make_context(headers, request_id)
        event = unmarshal_event(body, headers.get('content-type'))
        payload, content_type = marshal_result(handler(event, context))
    except FaultException as e:
        error = make_error(e.message, e.error_type, e.trace, request_id)
    except Exception:
        # Only Exception: SystemExit and KeyboardInterrupt end the process, as on AWS.
        error = error_from_exception(sys.exc_info(), request_id)
    else:
        client.post_response(request_id, payload, content_type)
        return
    log_error(error)
    client.post_error(request_id, error)


def _set_trace_id(trace_id):
    # The X-Ray SDK reads the current trace from the environment.
    if trace_id is not None:
        os.environ['_X_AMZN_TRACE_ID'] = trace_id
    elif '_X_AMZN_TRACE_ID' in os.environ:
        del os.environ['_X_AMZN_TRACE_ID']


def main():
    sys.stdout = _unbuffered(sys.stdout)
    sys.stderr = _unbuffered(sys.stderr)
    set_up_logging()
    set_up_sys_path()
    wait_for_debugger()
    client = RuntimeApiClient(os.environ['AWS_LAMBDA_RUNTIME_API'])
    handler = init_or_exit(client)
    while True:
        handle_next_invocation(client, handler)


if __name__ == '__main__':
    main()
