// Google Benchmark's view of the copy side of copy_vs_slice/64KiB_reused: the same
// memcpy of 64 KiB between two page-aligned buffers, timed by an established harness.
// scripts/crosscheck runs both and compares the medians.
#include <benchmark/benchmark.h>
#include <cstdlib>
#include <cstring>

static void BM_memcpy_64KiB_aligned(benchmark::State &state)
{
	const size_t n = 64 * 1024;
	auto *src = static_cast<unsigned char *>(std::aligned_alloc(4096, n));
	auto *dst = static_cast<unsigned char *>(std::aligned_alloc(4096, n));
	std::memset(src, 1, n);
	std::memset(dst, 0, n);
	for (auto _ : state) {
		std::memcpy(dst, src, n);
		benchmark::DoNotOptimize(dst);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
	std::free(src);
	std::free(dst);
}
BENCHMARK(BM_memcpy_64KiB_aligned);
BENCHMARK_MAIN();
