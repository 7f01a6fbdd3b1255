// TempDir, SeededRandom and BuiltExecutable come from the shared test-support target.
@_exported import LogStoreTestSupport
