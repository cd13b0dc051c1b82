# The two commands of the README quick start, and a few more.
#   make run   install what is missing, build Release, start the server on
#              127.0.0.1:50051 with its data under ./var/
#   make test  install what is missing, build, run every test (ctest)
BUILD_DIR ?= build
JOBS ?= 2
LISTEN ?= 127.0.0.1:50051

.PHONY: deps build run test bench format format-check clean

deps:
	deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	mkdir -p var
	$(BUILD_DIR)/server/tilbake-server --listen=$(LISTEN) --data_dir=var/data

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 600

bench: build
	$(BUILD_DIR)/bench/tilbake-bench --json_out=bench-results.json
	$(BUILD_DIR)/bench/tilbake-trend-bench --json_out=trend-bench.json

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR)
