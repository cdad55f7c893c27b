# The front door. `make test` is what CI runs (.ci/run).

BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
JOBS ?= $(shell nproc)
# Debian's python3: python3-pytest, python3-kafka and python3-confluent-kafka belong to it,
# whatever python3 comes first on PATH.
PYTHON := /usr/bin/python3
SCHEMAS ?= ../shared/kafka-protocol

HAND_WRITTEN_SOURCES = $(shell git ls-files --cached --others --exclude-standard \
	'src/*.h' 'src/*.cc' 'tools/*.h' 'tools/*.cc' 'bench/*.h' 'bench/*.cc' 'fuzz/*.h' 'fuzz/*.cc' \
	| grep -v '/generated/')

.PHONY: all deps build build-asan test unit-test asan-test integration-test \
	asan-integration-test codegen codegen-check fmt fmt-check run bench bench-quick clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer, built with clang:
# it compiles this build in about half the time g++ takes, and it brings libFuzzer (fuzz/).
build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSAMSA_SANITIZE=ON \
		-DCMAKE_CXX_COMPILER=clang++ -DSAMSA_FUZZ=ON
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

test: deps fmt-check codegen-check build build-asan unit-test asan-test fuzz-quick \
	integration-test asan-integration-test

unit-test:
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

asan-test:
	ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j $(JOBS)

integration-test:
	SAMSA_BUILD_DIR=$(abspath $(BUILD_DIR)) $(PYTHON) -m pytest tests

# The hostile-input, connection, data-path, group and admin tests again, against the
# sanitizer build.
ASAN_INTEGRATION_TESTS = tests/integration/test_bad_input.py tests/integration/test_connections.py \
	tests/integration/test_topics.py tests/integration/test_produce_fetch_errors.py \
	tests/integration/test_fetch_sessions.py tests/integration/test_produce_consume.py \
	tests/integration/test_consumer_groups.py tests/integration/test_group_protocol.py \
	tests/integration/test_configs.py tests/integration/test_client_quotas.py \
	tests/integration/test_partition_admin.py tests/integration/test_delete_records.py \
	tests/integration/test_idempotence.py tests/integration/test_transactions.py \
	tests/integration/test_txn_offset_commit.py tests/integration/test_hostile_clients.py
asan-integration-test:
	SAMSA_BUILD_DIR=$(abspath $(ASAN_BUILD_DIR)) $(PYTHON) -m pytest $(ASAN_INTEGRATION_TESTS)

# Regenerates the committed protocol codecs from Kafka's schemas.
codegen:
	$(PYTHON) tools/codegen/generate.py --schemas $(SCHEMAS) \
		--out src/protocol/generated --tests-out src/protocol/tests/generated

# Fails when the committed generated code differs from what the schemas produce (skipped
# when the schemas are not beside the checkout).
codegen-check:
	@tools/codegen/check.sh $(SCHEMAS)

fmt:
	clang-format -i $(HAND_WRITTEN_SOURCES)

fmt-check:
	clang-format --dry-run --Werror $(HAND_WRITTEN_SOURCES)

# One node on 127.0.0.1:9092 with data under ./data (samsa serve's defaults); stop it with
# Ctrl-C. Extra settings: make run ARGS="--set num.partitions=3".
run: build
	$(BUILD_DIR)/samsa serve $(ARGS)

# The standard load matrix (bench/run_bench.py) against a real broker, with
# build/bench/samsa-load on the same machine: measures the machine's limits (iperf3, fio),
# runs every workload (about 6 minutes on 2 cores) and rewrites the generated part of
# docs/benchmarks.md; every figure also goes to build/bench-results.json. Run it on an
# otherwise idle machine. bench-quick is a one-minute smoke run of the same script (runs of
# a second or two) that leaves docs/ alone and writes build/bench-quick.md.
BENCH = $(PYTHON) bench/run_bench.py --samsa $(BUILD_DIR)/samsa \
	--load $(BUILD_DIR)/bench/samsa-load
bench: build
	$(BENCH)

bench-quick: build
	$(BENCH) --quick --out $(BUILD_DIR)/bench-quick.md

# The libFuzzer targets of fuzz/: every fuzzer for FUZZ_SECONDS, two at a time, each from
# its working corpus in <build>/fuzz-corpus. A crash, leak, out-of-memory or timeout fails
# the target and leaves its input in <build>/fuzz-crashes. `fuzz` runs the fuzzers of an
# optimised (-O2) ASan and UBSan build, which executes inputs several times faster than the
# -O0 ASan build; fuzz-quick (part of `test`) runs those of the ASan build for a minute each.
.PHONY: fuzz fuzz-quick build-fuzz
FUZZ_SECONDS ?= 600
build-fuzz: deps
	cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMSA_SANITIZE=ON \
		-DCMAKE_CXX_COMPILER=clang++ -DSAMSA_FUZZ=ON
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target samsa_fuzzers

fuzz: build-fuzz
	fuzz/run_fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

fuzz-quick: build-asan
	fuzz/run_fuzzers.sh $(ASAN_BUILD_DIR) 60

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)

# The kill -9 durability soak (tests/soak/test_soak.py) at length: SOAK_CYCLES kills of the
# broker under idempotent acks=all producers (`make test` runs a short one of 10).
# SAMSA_SOAK_SEED=<n> replays a run's schedule. Uses the build in $(BUILD_DIR) as it is.
SOAK_CYCLES ?= 100
.PHONY: soak
soak:
	SAMSA_SOAK_CYCLES=$(SOAK_CYCLES) SAMSA_BUILD_DIR=$(abspath $(BUILD_DIR)) \
		$(PYTHON) -m pytest tests/soak/test_soak.py
