#!/bin/sh
# The entry point of AWS's base images, for image functions built FROM ours: Lambda starts the
# image's ENTRYPOINT with its CMD, whose one word is the handler; /var/runtime/bootstrap (ours, or
# a provided function's own) then speaks to the Runtime API that AWS_LAMBDA_RUNTIME_API names.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  echo "AWS_LAMBDA_RUNTIME_API is not set: run this image as a PackageType Image function" 1>&2
  exit 1
fi
exec /var/runtime/bootstrap
