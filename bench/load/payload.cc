#include "payload.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "base/assert.h"

namespace samsa::load {
namespace {

void fill_random(std::vector<char>& bytes, std::mt19937_64& random) {
    std::size_t i = 0;
    for (; i + sizeof(uint64_t) <= bytes.size(); i += sizeof(uint64_t)) {
        uint64_t word = random();
        std::memcpy(bytes.data() + i, &word, sizeof word);
    }
    for (; i < bytes.size(); ++i) {
        bytes[i] = static_cast<char>(random());
    }
}

constexpr std::array<const char*, 128> vocabulary = {
    "the",      "request",      "order",      "payment",    "user",       "session",   "cache",
    "miss",     "hit",          "retry",      "timeout",    "connection", "pool",      "database",
    "query",    "returned",     "rows",       "in",         "for",        "with",      "from",
    "to",       "after",        "before",     "failed",     "succeeded",  "started",   "completed",
    "queued",   "message",      "event",      "handler",    "worker",     "thread",    "lock",
    "acquired", "released",     "token",      "expired",    "refreshed",  "account",   "balance",
    "updated",  "created",      "deleted",    "invoice",    "shipment",   "warehouse", "inventory",
    "reserved", "item",         "items",      "cart",       "checkout",   "price",     "discount",
    "applied",  "coupon",       "invalid",    "valid",      "address",    "verified",  "email",
    "sent",     "notification", "push",       "device",     "mobile",     "browser",   "client",
    "server",   "upstream",     "downstream", "latency",    "slow",       "fast",      "limit",
    "exceeded", "rate",         "throttled",  "backoff",    "circuit",    "breaker",   "open",
    "closed",   "half",         "state",      "changed",    "config",     "reloaded",  "feature",
    "flag",     "enabled",      "disabled",   "experiment", "variant",    "assigned",  "metrics",
    "flushed",  "batch",        "size",       "records",    "partition",  "offset",    "committed",
    "consumer", "producer",     "topic",      "schema",     "version",    "migrated",  "index",
    "rebuilt",  "scan",         "full",       "table",      "join",       "search",    "results",
    "empty",    "page",         "rendered",   "template",   "static",     "asset",     "served",
    "gzip",     "and",
};
constexpr std::array<const char*, 8> services = {"checkout", "payments", "inventory", "search",
                                                 "accounts", "shipping", "gateway",   "catalog"};
constexpr std::array<const char*, 5> methods = {"GET", "GET", "GET", "POST", "PUT"};
constexpr std::array<const char*, 6> resources = {"orders",   "carts", "users",
                                                  "products", "items", "sessions"};

const char* pick_level(std::mt19937_64& random) {
    auto roll = random() % 100;
    return roll < 80 ? "INFO" : roll < 93 ? "DEBUG" : roll < 98 ? "WARN" : "ERROR";
}

int pick_status(std::mt19937_64& random) {
    auto roll = random() % 100;
    return roll < 88 ? 200 : roll < 92 ? 201 : roll < 95 ? 204 : roll < 98 ? 404 : 500;
}

// One log line, newline included.
void append_log_line(std::string& out, std::mt19937_64& random, int64_t& timestamp_ms) {
    timestamp_ms += static_cast<int64_t>(random() % 20);
    char head[320];
    auto service = services[random() % services.size()];
    int written = std::snprintf(
        head, sizeof head,
        "{\"ts\":%" PRId64
        ",\"level\":\"%s\",\"service\":\"%s\",\"host\":\"%s-%02u\",\"user_id\":%u,"
        "\"method\":\"%s\",\"path\":\"/api/v1/%s/%u\",\"status\":%d,\"latency_ms\":%u,\"msg\":\"",
        timestamp_ms, pick_level(random), service, service, static_cast<unsigned>(random() % 24),
        static_cast<unsigned>(random() % 100000), methods[random() % methods.size()],
        resources[random() % resources.size()], static_cast<unsigned>(random() % 100000),
        pick_status(random),
        // Mostly fast, with a tail: the shape of real latencies.
        static_cast<unsigned>((random() % 20) * ((random() % 10) == 0 ? 25 : 1)));
    out.append(head, static_cast<std::size_t>(written));
    auto words = 6 + random() % 9;
    for (uint64_t i = 0; i < words; ++i) {
        if (i > 0) {
            out += ' ';
        }
        out += vocabulary[random() % vocabulary.size()];
    }
    out += "\"}\n";
}

void fill_text(std::vector<char>& bytes, std::mt19937_64& random) {
    int64_t timestamp_ms = 1'763'700'000'000;
    std::string line;
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        line.clear();
        append_log_line(line, random, timestamp_ms);
        std::size_t take = std::min(line.size(), bytes.size() - filled);
        std::memcpy(bytes.data() + filled, line.data(), take);
        filled += take;
    }
}

}  // namespace

payload_pool::payload_pool(payload_kind kind, std::size_t record_bytes, uint64_t seed,
                           std::size_t pool_bytes)
    : record_bytes_(record_bytes), bytes_(std::max(pool_bytes, 2 * record_bytes)) {
    SAMSA_ASSERT(record_bytes > 0, "records of 0 bytes");
    std::mt19937_64 random(seed);
    if (kind == payload_kind::random) {
        fill_random(bytes_, random);
    } else {
        fill_text(bytes_, random);
    }
}

payload_cursor::payload_cursor(const payload_pool& pool, std::size_t index, std::size_t count)
    : pool_(pool), offset_(0) {
    SAMSA_ASSERT(index < count, "cursor %zu of %zu", index, count);
    std::size_t slices = pool.bytes().size() / pool.record_bytes();
    offset_ = slices * index / count * pool.record_bytes();
}

const char* payload_cursor::next() {
    std::size_t size = pool_.record_bytes();
    if (offset_ + size > pool_.bytes().size()) {
        offset_ = 0;
    }
    const char* record = pool_.bytes().data() + offset_;
    offset_ += size;
    return record;
}

}  // namespace samsa::load
