#ifndef TILBAKE_TESTS_TESTING_FAULTY_FILE_SYSTEM_H_
#define TILBAKE_TESTS_TESTING_FAULTY_FILE_SYSTEM_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace tilbake::testing {

// What the disk does to writes.
enum class DiskFault {
  kNone,
  kNoSpace,   // Every write fails as on a full disk (ENOSPC).
  kReadOnly,  // Every write or new file fails as on a read-only mount.
};

// RocksDB's real file system with a switch that makes writes fail, for
// tests of disk-full and read-only data directories (as root, chmod cannot
// make a directory read-only, and a small mount needs privileges).
// Pass env() as storage::StoreOptions::env.
class FaultyFileSystem {
 public:
  FaultyFileSystem()
      : fs_(std::make_shared<Wrapper>(rocksdb::FileSystem::Default(), &fault_)),
        env_(rocksdb::NewCompositeEnv(fs_)) {}

  void Set(DiskFault fault) { fault_.store(fault); }
  rocksdb::Env* env() const { return env_.get(); }

 private:
  static rocksdb::IOStatus Failure(DiskFault fault) {
    if (fault == DiskFault::kNoSpace) {
      return rocksdb::IOStatus::NoSpace("injected: no space left on device");
    }
    return rocksdb::IOStatus::IOError("injected: read-only file system");
  }

  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file,
         const std::atomic<DiskFault>* fault)
        : FSWritableFileOwnerWrapper(std::move(file)), fault_(fault) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (DiskFault f = fault_->load(); f != DiskFault::kNone) {
        return Failure(f);
      }
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (DiskFault f = fault_->load(); f != DiskFault::kNone) {
        return Failure(f);
      }
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (DiskFault f = fault_->load(); f != DiskFault::kNone) {
        return Failure(f);
      }
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (DiskFault f = fault_->load(); f != DiskFault::kNone) {
        return Failure(f);
      }
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    const std::atomic<DiskFault>* fault_;
  };

  class Wrapper final : public rocksdb::FileSystemWrapper {
   public:
    Wrapper(const std::shared_ptr<rocksdb::FileSystem>& target,
            const std::atomic<DiskFault>* fault)
        : FileSystemWrapper(target), fault_(fault) {}

    const char* Name() const override { return "TilbakeFaultyFileSystem"; }

    rocksdb::IOStatus NewWritableFile(
        const std::string& name, const rocksdb::FileOptions& options,
        std::unique_ptr<rocksdb::FSWritableFile>* result,
        rocksdb::IODebugContext* dbg) override {
      if (DiskFault f = fault_->load(); f != DiskFault::kNone) {
        return Failure(f);
      }
      std::unique_ptr<rocksdb::FSWritableFile> file;
      rocksdb::IOStatus s =
          FileSystemWrapper::NewWritableFile(name, options, &file, dbg);
      if (s.ok()) *result = std::make_unique<File>(std::move(file), fault_);
      return s;
    }

    // A full disk also says so when asked (RocksDB waits for free space
    // before it retries).
    rocksdb::IOStatus GetFreeSpace(const std::string& path,
                                   const rocksdb::IOOptions& options,
                                   uint64_t* free,
                                   rocksdb::IODebugContext* dbg) override {
      if (fault_->load() == DiskFault::kNoSpace) {
        *free = 0;
        return rocksdb::IOStatus::OK();
      }
      return FileSystemWrapper::GetFreeSpace(path, options, free, dbg);
    }

    rocksdb::IOStatus LockFile(const std::string& name,
                               const rocksdb::IOOptions& options,
                               rocksdb::FileLock** lock,
                               rocksdb::IODebugContext* dbg) override {
      if (fault_->load() == DiskFault::kReadOnly) {
        return Failure(DiskFault::kReadOnly);
      }
      return FileSystemWrapper::LockFile(name, options, lock, dbg);
    }

   private:
    const std::atomic<DiskFault>* fault_;
  };

  std::atomic<DiskFault> fault_{DiskFault::kNone};
  std::shared_ptr<rocksdb::FileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_FAULTY_FILE_SYSTEM_H_
