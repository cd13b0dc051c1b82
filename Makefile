# The two commands of the README quick start, and a few more.
#   make run   install what is missing, build Release, start the server on
#              127.0.0.1:50051 with its data under ./var/, and the pages
#              (tilbake-web) on http://127.0.0.1:8080/
#   make test  install what is missing, build, run every test (ctest), then
#              one clang build that checks the thread-safety annotations
#              (-Werror=thread-safety) and runs the fuzzer (libFuzzer, ASan)
BUILD_DIR ?= build
JOBS ?= 2
LISTEN ?= 127.0.0.1:50051
WEB_LISTEN ?= 127.0.0.1:8080

FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 120
# A fixed seed and run count make the CI run the same every time.
FUZZ_RUNS ?= 1000000

.PHONY: deps build run test bench fuzz format format-check clean

deps:
	deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j$(JOBS)

# The pages run beside the server and stop with it.
run: build
	mkdir -p var
	@$(BUILD_DIR)/client/web/tilbake-web --server=$(LISTEN) --listen=$(WEB_LISTEN) & \
	  web=$$!; trap 'kill $$web 2>/dev/null' EXIT INT TERM; \
	  echo "tilbake-web: open http://$(WEB_LISTEN)/report in a browser"; \
	  $(BUILD_DIR)/server/tilbake-server --listen=$(LISTEN) --data_dir=var/data

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 600
	$(MAKE) fuzz

bench: build
	$(BUILD_DIR)/bench/tilbake-bench --json_out=bench-results.json

# One clang build serves two checks: the server and the CLI compile with
# -Werror=thread-safety (cmake/Warnings.cmake), so a guarded member touched
# without its lock fails the build; and the fuzzer, with AddressSanitizer
# and libFuzzer, gets a bounded run.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTILBAKE_BUILD_FUZZERS=ON -DTILBAKE_BUILD_TESTS=OFF -DTILBAKE_BUILD_BENCH=OFF
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target tilbake-server tilbake rating_fuzzer
	rm -rf $(FUZZ_DIR)/corpus && mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/fuzz/rating_fuzzer -seed=1 -runs=$(FUZZ_RUNS) \
	  -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -print_final_stats=1 $(FUZZ_DIR)/corpus fuzz/corpus/rating

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR)
