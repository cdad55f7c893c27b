#include "storage/faulty_file_system.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/assert.h"

namespace samsa::storage {
namespace {

class faulty_data_file final : public data_file {
public:
    faulty_data_file(faulty_file_system& fs, std::unique_ptr<data_file> inner)
        : fs_(fs), inner_(std::move(inner)) {}

    data_file& inner() { return *inner_; }

    const std::filesystem::path& path() const override { return inner_->path(); }
    int descriptor() const override { return inner_->descriptor(); }

    io_status write_at(uint64_t offset, std::span<const uint8_t> data) override {
        auto fault = fs_.check(file_operation::write, path());
        if (!fault) {
            return inner_->write_at(offset, data);
        }
        if (fault->short_write_bytes) {
            std::size_t prefix = std::min(*fault->short_write_bytes, data.size());
            if (auto written = inner_->write_at(offset, data.first(prefix)); !written) {
                return written;
            }
        }
        return failure{fault->failure};
    }

    io_result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override {
        if (auto fault = fs_.check(file_operation::read, path())) {
            return failure{fault->failure};
        }
        return inner_->read_at(offset, buffer);
    }

    io_result<uint64_t> size() override {
        if (auto fault = fs_.check(file_operation::size, path())) {
            return failure{fault->failure};
        }
        return inner_->size();
    }

    io_status truncate(uint64_t size_bytes) override {
        if (auto fault = fs_.check(file_operation::truncate, path())) {
            return failure{fault->failure};
        }
        return inner_->truncate(size_bytes);
    }

private:
    faulty_file_system& fs_;
    std::unique_ptr<data_file> inner_;
};

data_file& unwrap(data_file& file) {
    auto* wrapped = dynamic_cast<faulty_data_file*>(&file);
    SAMSA_ASSERT(wrapped != nullptr, "%s was not opened through this faulty_file_system",
                 file.path().c_str());
    return wrapped->inner();
}

}  // namespace

std::string_view to_string(file_operation operation) {
    switch (operation) {
        case file_operation::open:
            return "open";
        case file_operation::write:
            return "write";
        case file_operation::read:
            return "read";
        case file_operation::size:
            return "size";
        case file_operation::truncate:
            return "truncate";
        case file_operation::sync:
            return "sync";
        case file_operation::sync_directory:
            return "sync directory";
        case file_operation::rename:
            return "rename";
        case file_operation::remove:
            return "remove";
        case file_operation::remove_all:
            return "remove all";
        case file_operation::list:
            return "list";
        case file_operation::create_directories:
            return "create directories";
        case file_operation::exists:
            return "exists";
    }
    return "unknown operation";
}

path_predicate any_path() {
    return [](const std::filesystem::path&) { return true; };
}

path_predicate path_is(std::filesystem::path path) {
    return [path = std::move(path)](const std::filesystem::path& candidate) {
        return candidate == path;
    };
}

path_predicate path_ends_with(std::string suffix) {
    return [suffix = std::move(suffix)](const std::filesystem::path& candidate) {
        std::string name = candidate.filename().string();
        return name.size() >= suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
}

fault_id faulty_file_system::arm(fault_rule rule) {
    SAMSA_ASSERT(static_cast<std::size_t>(rule.operation) < file_operation_count,
                 "unknown file operation %d", static_cast<int>(rule.operation));
    SAMSA_ASSERT(!rule.short_write_bytes || rule.operation == file_operation::write,
                 "a short write is a fault of writes only");
    std::lock_guard lock(mutex_);
    fault_id id = next_id_++;
    rules_.push_back(armed_rule{id, std::move(rule)});
    fired_[id] = 0;
    return id;
}

void faulty_file_system::disarm(fault_id id) {
    std::lock_guard lock(mutex_);
    std::erase_if(rules_, [id](const armed_rule& armed) { return armed.id == id; });
}

void faulty_file_system::disarm_all() {
    std::lock_guard lock(mutex_);
    rules_.clear();
}

void faulty_file_system::restart() {
    std::lock_guard lock(mutex_);
    crashed_ = false;
}

bool faulty_file_system::crashed() const {
    std::lock_guard lock(mutex_);
    return crashed_;
}

uint64_t faulty_file_system::count(file_operation operation) const {
    std::lock_guard lock(mutex_);
    return counts_[static_cast<std::size_t>(operation)];
}

uint64_t faulty_file_system::fired(fault_id id) const {
    std::lock_guard lock(mutex_);
    auto found = fired_.find(id);
    return found == fired_.end() ? 0 : found->second;
}

uint64_t faulty_file_system::injected() const {
    std::lock_guard lock(mutex_);
    return injected_;
}

void faulty_file_system::reset_counts() {
    std::lock_guard lock(mutex_);
    counts_.fill(0);
    injected_ = 0;
}

std::optional<faulty_file_system::injected_fault> faulty_file_system::check(
    file_operation operation, const std::filesystem::path& path,
    const std::filesystem::path* second_path) {
    std::lock_guard lock(mutex_);
    ++counts_[static_cast<std::size_t>(operation)];
    auto describe = [&](std::error_code error, std::string_view why) {
        return io_failure{
            error,
            fmt::format("{} {}{}: {} ({})", to_string(operation), path.string(),
                        second_path ? " to " + second_path->string() : "", error.message(), why)};
    };
    if (crashed_) {
        ++injected_;
        return injected_fault{describe(std::make_error_code(std::errc::io_error),
                                       "injected: the file system crashed earlier"),
                              std::nullopt};
    }
    std::optional<injected_fault> fault;
    for (auto rule = rules_.begin(); rule != rules_.end();) {
        bool matches = rule->rule.operation == operation &&
                       (rule->rule.matches(path) ||
                        (second_path != nullptr && rule->rule.matches(*second_path)));
        if (!matches || ++rule->matched <= rule->rule.skip || fault) {
            ++rule;
            continue;
        }
        ++fired_[rule->id];
        ++injected_;
        bool crash = rule->rule.effect == fault_effect::crash;
        fault = injected_fault{describe(rule->rule.error, crash ? "injected crash" : "injected"),
                               rule->rule.short_write_bytes};
        crashed_ = crash;
        if (rule->rule.repeat == fault_repeat::once) {
            rule = rules_.erase(rule);
        } else {
            ++rule;
        }
    }
    return fault;
}

io_result<std::unique_ptr<data_file>> faulty_file_system::open(const std::filesystem::path& path,
                                                               open_mode mode) {
    if (auto fault = check(file_operation::open, path)) {
        return failure{fault->failure};
    }
    auto file = inner_.open(path, mode);
    if (!file) {
        return failure{file.error()};
    }
    return std::unique_ptr<data_file>(
        std::make_unique<faulty_data_file>(*this, std::move(file.value())));
}

io_status faulty_file_system::rename(const std::filesystem::path& from,
                                     const std::filesystem::path& to) {
    if (auto fault = check(file_operation::rename, from, &to)) {
        return failure{fault->failure};
    }
    return inner_.rename(from, to);
}

io_status faulty_file_system::remove(const std::filesystem::path& path) {
    if (auto fault = check(file_operation::remove, path)) {
        return failure{fault->failure};
    }
    return inner_.remove(path);
}

io_status faulty_file_system::remove_all(const std::filesystem::path& path) {
    if (auto fault = check(file_operation::remove_all, path)) {
        return failure{fault->failure};
    }
    return inner_.remove_all(path);
}

io_result<std::vector<std::string>> faulty_file_system::list(const std::filesystem::path& dir) {
    if (auto fault = check(file_operation::list, dir)) {
        return failure{fault->failure};
    }
    return inner_.list(dir);
}

io_status faulty_file_system::create_directories(const std::filesystem::path& dir) {
    if (auto fault = check(file_operation::create_directories, dir)) {
        return failure{fault->failure};
    }
    return inner_.create_directories(dir);
}

io_result<bool> faulty_file_system::exists(const std::filesystem::path& path) {
    if (auto fault = check(file_operation::exists, path)) {
        return failure{fault->failure};
    }
    return inner_.exists(path);
}

io_status faulty_file_system::sync(data_file& file) {
    data_file& inner_file = unwrap(file);
    if (auto fault = check(file_operation::sync, file.path())) {
        return failure{fault->failure};
    }
    return inner_.sync(inner_file);
}

io_status faulty_file_system::sync_directory(const std::filesystem::path& dir) {
    if (auto fault = check(file_operation::sync_directory, dir)) {
        return failure{fault->failure};
    }
    return inner_.sync_directory(dir);
}

asio::awaitable<io_status> faulty_file_system::async_sync(data_file& file) {
    data_file& inner_file = unwrap(file);
    if (auto fault = check(file_operation::sync, file.path())) {
        co_return failure{fault->failure};
    }
    co_return co_await inner_.async_sync(inner_file);
}

}  // namespace samsa::storage
