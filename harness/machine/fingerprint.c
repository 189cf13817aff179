/*
 * fingerprint.c - what machine a result came from, as Google Benchmark's context fields
 * plus everything that changes a zero-copy result: kernel, CPU and its flags, hypervisor,
 * governor, boost, SMT, THP, mitigations, compiler and flags, library versions, commit.
 * Also the noise warnings. A fact that cannot be read is recorded as "unknown". Machine
 * facts only: a run's settings are app/run_context.c's.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "machine.h"

#ifndef ZC_GIT_COMMIT
#define ZC_GIT_COMMIT "unknown"
#endif
#ifndef ZC_GIT_DIRTY
#define ZC_GIT_DIRTY 1
#endif
#ifndef ZC_LIBURING_VERSION
#define ZC_LIBURING_VERSION "unknown"
#endif
#ifndef ZC_CFLAGS
#define ZC_CFLAGS "unknown"
#endif

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v && *v ? v : "unknown"));
}

static void set_file(json_t *o, const char *k, const char *path)
{
	char buf[512];
	set_str(o, k, zc_read_line(path, buf, sizeof buf) == 0 ? buf : NULL);
}

/* Value of the first "key : value" line of /proc/cpuinfo with this key. */
static int cpuinfo(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int found = -1;
	size_t kl = strlen(key);
	while (getline(&line, &cap, f) > 0) {
		/* The key, then only blanks up to the colon ("model" is not "model name"). */
		if (strncmp(line, key, kl) == 0 && line[kl + strspn(line + kl, " \t")] == ':') {
			char *v = strchr(line, ':');
			if (!v)
				continue;
			v++;
			while (*v == ' ')
				v++;
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			found = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return found;
}

static int has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The hypervisor's CPUID signature (leaf 0x40000000), raw; "none" on bare metal. */
static void hypervisor_signature(char *out, size_t len, int flagged)
{
	snprintf(out, len, "%s", flagged ? "unknown" : "none");
#if defined(__x86_64__) || defined(__i386__)
	if (flagged) {
		unsigned a, b, c, d;
		__cpuid(0x40000000, a, b, c, d);
		char v[13];
		memcpy(v, &b, 4);
		memcpy(v + 4, &c, 4);
		memcpy(v + 8, &d, 4);
		v[12] = '\0';
		if (v[0])
			snprintf(out, len, "%s", v);
	}
#endif
}

/* The hypervisor as the kernel detected it at boot ("Hypervisor detected: PVM" in its log),
 * which can differ from CPUID's signature: a PVM guest's host answers CPUID as bhyve. Read
 * from /dev/kmsg (root, and only while the boot's records are still in the ring). */
static void hypervisor_kernel(char *out, size_t len)
{
	static const char tag[] = "Hypervisor detected: ";
	snprintf(out, len, "unknown (the boot log is not readable)");
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(out, len, "unknown (not in the boot log)");
	char rec[2048];
	for (;;) {
		ssize_t n = read(fd, rec, sizeof rec - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* a record overwritten while we read: the next one */
		if (n <= 0)
			break;
		rec[n] = '\0';
		const char *m = strchr(rec, ';'), *h = m ? strstr(m, tag) : NULL;
		if (h) {
			h += sizeof tag - 1;
			snprintf(out, len, "%.*s", (int)strcspn(h, "\n"), h);
			break;
		}
	}
	close(fd);
}

const char *zc_hypervisor_name(const char *signature)
{
	static const struct {
		const char *sig, *name;
	} known[] = {
		{"KVMKVMKVM", "KVM"},	       {"bhyve bhyve ", "bhyve"}, {"XenVMMXenVMM", "Xen"},
		{"Microsoft Hv", "Hyper-V"}, {"VMwareVMware", "VMware"}, {"TCGTCGTCGTCG", "QEMU TCG"},
		{"ACRNACRNACRN", "ACRN"},     {"VBoxVBoxVBox", "VirtualBox"}, {" lrpepyh  vr", "Parallels"},
		{"QNXQVMBSQG", "QNX"},       {"none", "none"},
	};
	for (size_t i = 0; signature && i < sizeof known / sizeof known[0]; i++)
		if (strncmp(signature, known[i].sig, strlen(known[i].sig)) == 0)
			return known[i].name;
	return "unknown";
}

const char *zc_cpu_microarchitecture(const char *vendor, int family, int model)
{
	/* Ranges of model numbers per family, from the kernel's and the vendors' tables. */
	static const struct {
		const char *vendor;
		int family, lo, hi;
		const char *name;
	} known[] = {
		{"AuthenticAMD", 0x17, 0x00, 0x2f, "Zen/Zen+"},	{"AuthenticAMD", 0x17, 0x30, 0x3f, "Zen 2"},
		{"AuthenticAMD", 0x17, 0x47, 0x47, "Zen 2"},	{"AuthenticAMD", 0x17, 0x60, 0x7f, "Zen 2"},
		{"AuthenticAMD", 0x17, 0x84, 0x9f, "Zen 2"},	{"AuthenticAMD", 0x19, 0x00, 0x0f, "Zen 3"},
		{"AuthenticAMD", 0x19, 0x10, 0x1f, "Zen 4"},	{"AuthenticAMD", 0x19, 0x20, 0x5f, "Zen 3"},
		{"AuthenticAMD", 0x19, 0x60, 0x7f, "Zen 4"},	{"AuthenticAMD", 0x19, 0xa0, 0xaf, "Zen 4c"},
		{"AuthenticAMD", 0x1a, 0x00, 0x7f, "Zen 5"},	{"GenuineIntel", 6, 0x3f, 0x3f, "Haswell"},
		{"GenuineIntel", 6, 0x4f, 0x4f, "Broadwell"},	{"GenuineIntel", 6, 0x55, 0x55, "Skylake-SP/Cascade Lake"},
		{"GenuineIntel", 6, 0x8e, 0x8e, "Kaby/Coffee Lake"}, {"GenuineIntel", 6, 0x9e, 0x9e, "Kaby/Coffee Lake"},
		{"GenuineIntel", 6, 0x6a, 0x6a, "Ice Lake-SP"},	{"GenuineIntel", 6, 0x6c, 0x6c, "Ice Lake-SP"},
		{"GenuineIntel", 6, 0x7e, 0x7e, "Ice Lake"},	{"GenuineIntel", 6, 0x8c, 0x8d, "Tiger Lake"},
		{"GenuineIntel", 6, 0x8f, 0x8f, "Sapphire Rapids"}, {"GenuineIntel", 6, 0xcf, 0xcf, "Emerald Rapids"},
		{"GenuineIntel", 6, 0xad, 0xae, "Granite Rapids"}, {"GenuineIntel", 6, 0x97, 0x9a, "Alder Lake"},
		{"GenuineIntel", 6, 0xb7, 0xb7, "Raptor Lake"},	{"GenuineIntel", 6, 0xba, 0xba, "Raptor Lake"},
		{"GenuineIntel", 6, 0xbf, 0xbf, "Raptor Lake"},	{"GenuineIntel", 6, 0xaa, 0xac, "Meteor Lake"},
		{"GenuineIntel", 6, 0xaf, 0xaf, "Sierra Forest"},
	};
	for (size_t i = 0; vendor && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(vendor, known[i].vendor) == 0 && family == known[i].family && model >= known[i].lo &&
		    model <= known[i].hi)
			return known[i].name;
	return "unknown";
}

/* The CPU's identity from /proc/cpuinfo: family, model and stepping (-1 when not there). */
static void cpu_identity(int *family, int *model, int *stepping)
{
	char buf[64];
	*family = cpuinfo("cpu family", buf, sizeof buf) == 0 ? atoi(buf) : -1;
	*model = cpuinfo("model", buf, sizeof buf) == 0 ? atoi(buf) : -1;
	*stepping = cpuinfo("stepping", buf, sizeof buf) == 0 ? atoi(buf) : -1;
}

/*
 * The results folder's name: the short hostname plus 8 hex digits of XXH3 over what makes
 * a machine for zcbench's purposes (hypervisor, CPU model, family, model number and
 * stepping, cores, memory in GiB, kernel release): two CPU generations sold under one
 * name ("AMD EPYC" in a guest) are two machines. Cloud guests are all called "vm" or "localhost", and /etc/machine-id comes
 * with the image in containers, so neither names a machine on its own.
 */
int zc_machine_identity(char *name, size_t namelen, char *facts, size_t factslen)
{
	char host[64] = "", model[256] = "", flags[8192] = "", hv[64];
	int family, number, stepping;
	struct utsname u;
	if (gethostname(host, sizeof host) != 0 || !host[0])
		snprintf(host, sizeof host, "host");
	host[strcspn(host, ".")] = '\0';
	for (char *c = host; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '_'))
			*c = '_';
	if (cpuinfo("model name", model, sizeof model) != 0)
		snprintf(model, sizeof model, "unknown");
	cpuinfo("flags", flags, sizeof flags);
	hypervisor_signature(hv, sizeof hv, has_flag(flags, "hypervisor"));
	cpu_identity(&family, &number, &stepping);
	if (uname(&u) != 0)
		snprintf(u.release, sizeof u.release, "unknown");
	long long gib = ((long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) + (1LL << 29)) >> 30;
	snprintf(facts, factslen, "hypervisor=%s|cpu=%s|family=%d|model=%d|stepping=%d|cores=%ld|memory_gib=%lld|kernel=%s",
		 zc_hypervisor_name(hv), model, family, number, stepping, sysconf(_SC_NPROCESSORS_CONF), gib, u.release);
	snprintf(name, namelen, "%s-%08llx", host,
		 (unsigned long long)(XXH3_64bits(facts, strlen(facts)) & 0xffffffffULL));
	return 0;
}

/* "32K" -> 32768 */
static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end == 'K')
		v *= 1024;
	else if (*end == 'M')
		v *= 1024 * 1024;
	return v;
}

/* The next range "a" or "a-b" of a sysfs cpu list ("0-3,8,10-11") at *s, which it
 * advances; 0 at the end of the list. */
static int next_cpu_range(const char **s, long *a, long *b)
{
	char *end;
	*a = *b = strtol(*s, &end, 10);
	if (end == *s)
		return 0;
	if (*end == '-')
		*b = strtol(end + 1, &end, 10);
	*s = *end == ',' ? end + 1 : end;
	return 1;
}

static int count_cpu_list(const char *s)
{
	int n = 0;
	for (long a, b; next_cpu_range(&s, &a, &b);)
		n += (int)(b - a + 1);
	return n;
}

static json_t *caches(int cpu)
{
	json_t *arr = json_array();
	for (int i = 0; i < 16; i++) {
		char base[128], path[192], type[32], level[8], size[32], shared[256];
		snprintf(base, sizeof base, "/sys/devices/system/cpu/cpu%d/cache/index%d", cpu, i);
		snprintf(path, sizeof path, "%s/type", base);
		if (zc_read_line(path, type, sizeof type) != 0)
			break;
		snprintf(path, sizeof path, "%s/level", base);
		if (zc_read_line(path, level, sizeof level) != 0)
			continue;
		snprintf(path, sizeof path, "%s/size", base);
		if (zc_read_line(path, size, sizeof size) != 0)
			continue;
		snprintf(path, sizeof path, "%s/shared_cpu_list", base);
		if (zc_read_line(path, shared, sizeof shared) != 0)
			snprintf(shared, sizeof shared, "%d", cpu);
		json_t *c = json_object();
		json_object_set_new(c, "type", json_string(type));
		json_object_set_new(c, "level", json_integer(atoi(level)));
		json_object_set_new(c, "size", json_integer(parse_size(size)));
		json_object_set_new(c, "num_sharing", json_integer(count_cpu_list(shared)));
		json_array_append_new(arr, c);
	}
	return arr;
}

static json_t *mitigations(void)
{
	json_t *o = json_object();
	const char *dir = "/sys/devices/system/cpu/vulnerabilities";
	DIR *d = opendir(dir);
	if (!d)
		return o;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[512], buf[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (zc_read_line(path, buf, sizeof buf) == 0)
			json_object_set_new(o, e->d_name, json_string(buf));
	}
	closedir(d);
	return o;
}

/* Busy fraction of one core over ~100 ms, from /proc/stat; -1 if unreadable. */
static double core_busy(int cpu)
{
	unsigned long long v[2][10];
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen("/proc/stat", "r");
		if (!f)
			return -1;
		char line[512], want[16];
		snprintf(want, sizeof want, "cpu%d ", cpu);
		int ok = 0;
		while (fgets(line, sizeof line, f))
			if (strncmp(line, want, strlen(want)) == 0) {
				memset(v[k], 0, sizeof v[k]);
				ok = sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
					    &v[k][0], &v[k][1], &v[k][2], &v[k][3], &v[k][4], &v[k][5],
					    &v[k][6], &v[k][7]) >= 4;
				break;
			}
		fclose(f);
		if (!ok)
			return -1;
		if (k == 0) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	unsigned long long total = 0, idle = (v[1][3] - v[0][3]) + (v[1][4] - v[0][4]);
	for (int i = 0; i < 8; i++)
		total += v[1][i] - v[0][i];
	return total ? 1.0 - (double)idle / (double)total : 0.0;
}

void zc_machine_pinned(json_t *ctx, int cpu, struct zc_run *run)
{
	char path[128], sib[128];
	json_object_set_new(ctx, "pinned_cpu", json_integer(cpu));
	snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
	if (zc_read_line(path, sib, sizeof sib) != 0) {
		set_str(ctx, "pinned_cpu_siblings", NULL);
		return;
	}
	set_str(ctx, "pinned_cpu_siblings", sib);
	/* Each sibling other than ourselves shares the core's caches and ports. */
	const char *s = sib;
	for (long a, b; next_cpu_range(&s, &a, &b);) {
		for (long c = a; c <= b; c++) {
			if (c == cpu)
				continue;
			double busy = core_busy((int)c);
			if (busy > 0.2)
				zc_add_warning(run, "SMT sibling cpu%ld of pinned cpu%d is %.0f%% busy: it shares the core's caches and execution units",
					       c, cpu, busy * 100);
		}
	}
}

static void smt(json_t *ctx)
{
	set_file(ctx, "smt_control", "/sys/devices/system/cpu/smt/control");
	set_file(ctx, "smt_active", "/sys/devices/system/cpu/smt/active");
}

static void frequency(json_t *ctx, struct zc_run *run, int cpu)
{
	char path[128], gov[64], buf[64];
	snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
	if (zc_read_line(path, gov, sizeof gov) == 0) {
		set_str(ctx, "governor", gov);
		json_object_set_new(ctx, "cpu_scaling_enabled", json_boolean(strcmp(gov, "performance") != 0));
		if (strcmp(gov, "performance") != 0)
			zc_add_warning(run, "CPU governor of cpu%d is '%s', not 'performance': clock speed may change during the run (make tune sets it)",
				       cpu, gov);
	} else {
		set_str(ctx, "governor", "not exposed");
		zc_add_warning(run, "cpufreq is not exposed (common in VMs): the governor and clock speed cannot be checked or set");
	}
	const char *boost = "unknown";
	if (zc_read_line("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf) == 0)
		boost = strcmp(buf, "1") == 0 ? "on" : "off";
	else if (zc_read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf) == 0)
		boost = strcmp(buf, "0") == 0 ? "on" : "off";
	set_str(ctx, "boost", boost);
	if (strcmp(boost, "on") == 0)
		zc_add_warning(run, "turbo/boost is on: the clock depends on temperature and load (make tune turns it off)");
}

json_t *zc_machine_facts(const char *machine, int cpu, struct zc_run *run)
{
	json_t *ctx = json_object();
	char buf[4096], buf2[256];

	/* Google Benchmark's fields first, in its order. */
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
	set_str(ctx, "date", buf);
	gethostname(buf2, sizeof buf2);
	buf2[sizeof buf2 - 1] = '\0';
	set_str(ctx, "host_name", buf2);
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	set_str(ctx, "executable", buf);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	json_object_set_new(ctx, "num_cpus", json_integer(ncpu));
	json_object_set_new(ctx, "mhz_per_cpu",
			    json_integer(cpuinfo("cpu MHz", buf, sizeof buf) == 0 ? (json_int_t)atof(buf) : 0));
	frequency(ctx, run, cpu); /* sets cpu_scaling_enabled when known */
	if (zc_read_line("/proc/sys/kernel/randomize_va_space", buf, sizeof buf) == 0)
		json_object_set_new(ctx, "aslr_enabled", json_boolean(strcmp(buf, "0") != 0));
	json_object_set_new(ctx, "caches", caches(cpu));
	double la[3] = {0, 0, 0};
	int nla = getloadavg(la, 3);
	json_t *jla = json_array();
	for (int i = 0; i < nla; i++)
		json_array_append_new(jla, json_real(la[i]));
	json_object_set_new(ctx, "load_avg", jla);
	set_str(ctx, "library_version", "zcbench " ZC_VERSION);
#ifdef __OPTIMIZE__
	set_str(ctx, "library_build_type", "release");
#else
	set_str(ctx, "library_build_type", "debug");
	zc_add_warning(run, "debug build (compiled without optimisation): timings do not represent real code");
#endif

	/* zcbench's fingerprint. */
	set_str(ctx, "zcbench_version", ZC_VERSION);
	struct utsname u;
	if (uname(&u) == 0) {
		set_str(ctx, "kernel_release", u.release);
		set_str(ctx, "kernel_version", u.version);
		set_str(ctx, "arch", u.machine);
	}
	set_str(ctx, "cpu_model", cpuinfo("model name", buf, sizeof buf) == 0 ? buf : NULL);
	set_str(ctx, "cpu_vendor", cpuinfo("vendor_id", buf2, sizeof buf2) == 0 ? buf2 : NULL);
	int family, number, stepping;
	cpu_identity(&family, &number, &stepping);
	json_object_set_new(ctx, "cpu_family", family >= 0 ? json_integer(family) : json_null());
	json_object_set_new(ctx, "cpu_model_number", number >= 0 ? json_integer(number) : json_null());
	json_object_set_new(ctx, "cpu_stepping", stepping >= 0 ? json_integer(stepping) : json_null());
	set_str(ctx, "microcode", cpuinfo("microcode", buf, sizeof buf) == 0 ? buf : NULL);
	set_str(ctx, "cpu_microarchitecture", zc_cpu_microarchitecture(buf2, family, number));
	set_str(ctx, "cache_size_cpuinfo", cpuinfo("cache size", buf, sizeof buf) == 0 ? buf : NULL);
	char flags[8192] = "";
	cpuinfo("flags", flags, sizeof flags);
	/* What changes copies and hashing (the AVX-512 subsets, fast string moves, SHA and
	 * vector AES/carry-less multiply), and the clock and paging facts. */
	static const char *const relevant[] = {
		"sse2", "ssse3", "sse4_2", "avx", "avx2", "bmi2", "avx512f", "avx512dq", "avx512cd", "avx512bw",
		"avx512vl", "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg",
		"avx512_vpopcntdq", "avx512_bf16", "avx_vnni", "gfni", "vaes", "vpclmulqdq", "sha_ni", "erms",
		"fsrm", "fzrm", "fsrs", "rep_good", "movdir64b", "constant_tsc", "nonstop_tsc", "hypervisor",
		"pdpe1gb"};
	json_t *jf = json_object();
	for (size_t i = 0; i < sizeof relevant / sizeof relevant[0]; i++)
		json_object_set_new(jf, relevant[i], json_boolean(has_flag(flags, relevant[i])));
	json_object_set_new(ctx, "cpu_flags", jf);
	hypervisor_signature(buf2, sizeof buf2, has_flag(flags, "hypervisor"));
	const char *hv = zc_hypervisor_name(buf2);
	set_str(ctx, "hypervisor", hv);
	set_str(ctx, "hypervisor_signature", buf2);
	hypervisor_kernel(buf2, sizeof buf2);
	set_str(ctx, "hypervisor_kernel", buf2);
	if (strcmp(hv, "none") != 0)
		zc_add_warning(run, "running under a hypervisor (%s): steal time and neighbours add noise; compare ratios, not absolute times",
			       hv);
	set_file(ctx, "thp_enabled", "/sys/kernel/mm/transparent_hugepage/enabled");
	set_file(ctx, "thp_defrag", "/sys/kernel/mm/transparent_hugepage/defrag");
	json_object_set_new(ctx, "mitigations", mitigations());
	set_file(ctx, "perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid");
	json_object_set_new(ctx, "page_size", json_integer(sysconf(_SC_PAGESIZE)));
	json_object_set_new(ctx, "memory_bytes",
			    json_integer((json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE)));
	set_str(ctx, "compiler", __VERSION__);
	set_str(ctx, "cflags", ZC_CFLAGS);
	snprintf(buf, sizeof buf, "%u.%u.%u", XXH_versionNumber() / 10000,
		 XXH_versionNumber() / 100 % 100, XXH_versionNumber() % 100);
	set_str(ctx, "xxhash_version", buf);
	set_str(ctx, "openssl_version", OpenSSL_version(OPENSSL_VERSION));
	set_str(ctx, "jansson_version", jansson_version_str());
	set_str(ctx, "liburing_version", ZC_LIBURING_VERSION);
	set_str(ctx, "git_commit", ZC_GIT_COMMIT);
	json_object_set_new(ctx, "git_dirty", json_boolean(ZC_GIT_DIRTY));
	smt(ctx);
	char mname[128], mfacts[512];
	zc_machine_identity(mname, sizeof mname, mfacts, sizeof mfacts);
	set_str(ctx, "machine", machine ? machine : mname);
	set_str(ctx, "machine_id_facts", mfacts);

	if (nla > 0 && la[0] > 0.5 * (double)ncpu)
		zc_add_warning(run, "load average %.2f is above 0.5 per core (%ld cores): other work competes for the machine",
			       la[0], ncpu);
	return ctx;
}
