// bench.cc: Google Benchmark timings of the pure vmx-emul and ept-merge code that L0 runs on every
// nested round trip, through the C shim (shim.h): VMCS12 VM-entry checks, the VMCS02 merge, exit
// reflection, field lookup, VMREAD emulation and the EPT02 fill on L2's EPT violations. Host code
// only; no hardware.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/shim.h"

namespace
{

bench_state *state_or_skip(benchmark::State &st)
{
	const char *why = "unknown";
	bench_state *s = bench_new(&why);

	if (!s)
		st.SkipWithError((std::string("setup failed: ") + why).c_str());
	return s;
}

void BM_vmcs12_checks(benchmark::State &st, int stage)
{
	bench_state *s = state_or_skip(st);

	if (!s)
		return;
	for (auto _ : st) {
		if (bench_check(s, stage) != 0) {
			st.SkipWithError("the valid VMCS12 failed a check");
			break;
		}
	}
	bench_free(s);
}

void BM_vmcs02_merge(benchmark::State &st)
{
	bench_state *s = state_or_skip(st);

	if (!s)
		return;
	for (auto _ : st) {
		if (bench_vmcs02_build(s) != 0) {
			st.SkipWithError("vmxe_vmcs02_build failed");
			break;
		}
	}
	bench_free(s);
}

void BM_exit_reflection(benchmark::State &st, int exit)
{
	bench_state *s = state_or_skip(st);
	int route = 0;

	if (!s)
		return;
	for (auto _ : st) {
		route = bench_reflect(s, exit);
		if (route < 0) {
			st.SkipWithError("vmxe_l1_wants_exit gave no route");
			break;
		}
	}
	st.SetLabel(route ? "reflected to L1" : "handled by L0");
	bench_free(s);
}

void BM_field_lookup(benchmark::State &st)
{
	size_t n = 0;

	for (auto _ : st) {
		n = bench_field_lookup_all();
		if (n == 0) {
			st.SkipWithError("a field of the table was not found by its encoding");
			break;
		}
	}
	// one item = one encoding, so that the rate reads per lookup
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n));
	st.counters["encodings"] = static_cast<double>(n);
}

void BM_vmcs12_vmread(benchmark::State &st)
{
	bench_state *s = state_or_skip(st);
	size_t n = 0;

	if (!s)
		return;
	for (auto _ : st) {
		n = bench_vmread_all(s);
		if (n == 0) {
			st.SkipWithError("vmxe_vmcs12_read failed on a listed field");
			break;
		}
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n));
	st.counters["fields"] = static_cast<double>(n);
	bench_free(s);
}

void BM_ept02_fill(benchmark::State &st)
{
	const char *why = "unknown";
	bench_ept02 *e = bench_ept02_new(&why);

	if (!e) {
		st.SkipWithError((std::string("setup failed: ") + why).c_str());
		return;
	}
	for (auto _ : st) {
		if (bench_ept02_fill_all(e) != BENCH_EPT02_PAGES) {
			st.SkipWithError("an EPT violation did not fill EPT02");
			break;
		}
	}
	// one item = one fill (the INVEPT before each round of BENCH_EPT02_PAGES is included)
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * BENCH_EPT02_PAGES));
	st.counters["fills"] = BENCH_EPT02_PAGES;
	bench_ept02_free(e);
}

} // namespace

int main(int argc, char **argv)
{
	for (int stage = 0; stage < BENCH_CHECK_STAGES; stage++)
		benchmark::RegisterBenchmark(
		    (std::string("BM_vmcs12_checks/") + bench_check_name(stage)).c_str(),
		    BM_vmcs12_checks, stage);
	benchmark::RegisterBenchmark("BM_vmcs02_merge", BM_vmcs02_merge);
	for (int exit = 0; exit < BENCH_EXITS; exit++)
		benchmark::RegisterBenchmark(
		    (std::string("BM_exit_reflection/") + bench_exit_name(exit)).c_str(),
		    BM_exit_reflection, exit);
	benchmark::RegisterBenchmark("BM_field_lookup", BM_field_lookup);
	benchmark::RegisterBenchmark("BM_vmcs12_vmread", BM_vmcs12_vmread);
	benchmark::RegisterBenchmark("BM_ept02_fill", BM_ept02_fill);

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
