// The AWS SDK warns on every start that future versions need Node 22. Under archive_command that warning
// would fill the PostgreSQL log once per WAL segment; the SDK's own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
export {};
