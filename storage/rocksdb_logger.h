#ifndef TILBAKE_STORAGE_ROCKSDB_LOGGER_H_
#define TILBAKE_STORAGE_ROCKSDB_LOGGER_H_

#include <memory>

#include "rocksdb/env.h"

namespace tilbake::storage {

// RocksDB's info log, written as the server's own log lines
// (`event=rocksdb level=… message=…` on stderr, journald under systemd)
// instead of a LOG file in the data directory.
//
// Why: RocksDB's file logger lives on the same disk as the data. When that
// disk fills, its write fails, and in Debian's build (assertions on) the
// next line it writes aborts the process
// (WritableFileWriter::AssertFalseAndGetStatusForPrevError), taking the
// server down exactly when it should be refusing writes and waiting for
// space. A logger that writes no file cannot fail that way.
//
// Lines below `level` are dropped: RocksDB's INFO level prints its whole
// option set at open and a statistics dump every ten minutes. Thread-safe.
std::shared_ptr<rocksdb::Logger> NewServerLogger(
    rocksdb::InfoLogLevel level = rocksdb::InfoLogLevel::WARN_LEVEL);

}  // namespace tilbake::storage

#endif  // TILBAKE_STORAGE_ROCKSDB_LOGGER_H_
