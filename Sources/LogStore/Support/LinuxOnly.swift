// LogStore runs on Linux only: the write-ahead log, the store lock and the followers use Glibc, `flock`
// and inotify directly. Say so at build time on any other system instead of failing on a missing symbol.
#if !os(Linux)
#error("LogStore is Linux only (it uses Glibc, flock and inotify); build it on Linux x86_64 or arm64")
#endif
