# larch — convenience entry points. The real build is CMake (CMakeLists.txt).
#   make run    install missing packages, build, run larch on the bundled rules in front of
#               the demo MCP upstream (scripts/run-demo.sh; Ctrl-C stops both)
#   make test   install missing packages, build, run every test through ctest
#   make bench  run the benchmarks and print their figures
#   make asan   build and test under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz   build the libFuzzer targets (clang)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test bench asan fuzz clean format

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/proxy/larch check rules/
	$(BUILD)/proxy/larch test rules/
	LARCH=$(BUILD)/proxy/larch scripts/run-demo.sh

test: build
	@scripts/npm-deps.sh
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	scripts/bench.sh $(BUILD)

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Asan $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Asan -DLARCH_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan build-fuzz
