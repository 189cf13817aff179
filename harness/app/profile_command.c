/*
 * command.c - zcbench profile: run a command (or attach to a process) under the syscall
 * tracepoints, stop it when asked, measure what tracing costs, write the profile.
 *
 * Exit status: the command's own (128 + signal when a signal ended it); 2 for bad input
 * (no such command, a process that is gone or not ours, no permission for the
 * tracepoints, an --out file that exists); 0 after an attachment.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

#define DRAIN_MS 5 /* how often the buffers are read: also how stale /proc lookups are */

struct options {
	const char *out, *results, *mechanism;
	int json, pid, overhead;
	double duration;
	size_t buffer_kib;
	char **cmd;
};

static volatile sig_atomic_t stop_requests;

static void on_stop(int sig)
{
	(void)sig;
	stop_requests++;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zcbench profile [options] -- CMD [ARGS...]\n"
		"       zcbench profile [options] -p PID --duration SECONDS\n"
		"Counts, per IO path (syscall x kind of descriptor), the calls, bytes, sizes and time of\n"
		"a command and everything it starts, from the kernel's syscall tracepoints (no ptrace);\n"
		"the bytes copied between user and kernel memory and those moved without a copy; page\n"
		"faults, mappings and context switches; and the pairs measured on this machine that\n"
		"would replace its copied paths. The report goes to stderr (the command owns stdout).\n"
		"  --out FILE        write the profile as JSON (atomically; never over a file)\n"
		"  --format F        table (default) or json, for the report on stderr\n"
		"  -p, --pid PID     attach to a running process (its threads and children)\n"
		"  --duration S      stop after S seconds (an attached process; a command is sent SIGTERM)\n"
		"  --overhead N      also run the command N times untraced and N traced (ABBA) and\n"
		"                    report the wall and CPU time ratio: what tracing costs it\n"
		"  --mechanism M     auto (default), bpf or perf. bpf: an eBPF program resolves each\n"
		"                    descriptor from its struct file in the kernel and counts per\n"
		"                    path in kernel maps (root, the kernel's BTF, no lockdown of\n"
		"                    confidentiality); perf: sampled tracepoints, descriptors looked\n"
		"                    up under /proc. auto: bpf where the machine allows it, else\n"
		"                    perf; the profile says which ran and why\n"
		"  --buffer-kib K    perf: trace buffer per CPU (default 1024); a full buffer drops\n"
		"                    events, and the profile says how many\n"
		"  --results DIR     where the results of make bench are (default results)\n"
		"  --list-syscalls   print the IO syscalls followed (NAME FD_ARG FROM_ARG: the path's\n"
		"                    descriptor and, for a move, its source's; -1 none) and exit\n"
		"Exit status: the command's; 2 for bad input or when tracing is not permitted.\n");
}

/* The syscalls whose calls make paths (not mmap: it counts mappings), for cross-checks. */
static void list_syscalls(void)
{
	size_t n;
	const struct zc_syscall_info *s = zc_io_syscalls(&n);
	for (size_t i = 0; i < n; i++)
		if (s[i].dir == ZC_DIR_IN || s[i].dir == ZC_DIR_OUT || s[i].dir == ZC_DIR_MOVE || s[i].dir == ZC_DIR_RING)
			printf("%s %d %d\n", s[i].name, s[i].fd_arg, s[i].from_arg);
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{"out", required_argument, NULL, 'o'},	    {"format", required_argument, NULL, 'f'},
		{"pid", required_argument, NULL, 'p'},	    {"duration", required_argument, NULL, 'd'},
		{"overhead", required_argument, NULL, 'n'}, {"buffer-kib", required_argument, NULL, 'b'},
		{"results", required_argument, NULL, 'r'},  {"help", no_argument, NULL, 'h'},
		{"mechanism", required_argument, NULL, 'm'},  {"list-syscalls", no_argument, NULL, 'l'},
		{NULL, 0, NULL, 0}};
	*o = (struct options){.results = "results", .buffer_kib = 1024, .mechanism = "auto"};
	long v;
	double d;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "table") && strcmp(optarg, "json")) {
				fprintf(stderr, "zcbench profile: --format must be table or json, not '%s'\n", optarg);
				return 2;
			}
			o->json = !strcmp(optarg, "json");
			break;
		case 'p':
			if (zc_parse_long(optarg, 1, 1L << 30, &v) != 0) {
				fprintf(stderr, "zcbench profile: -p needs a process id, not '%s'\n", optarg);
				return 2;
			}
			o->pid = (int)v;
			break;
		case 'd':
			if (zc_parse_double(optarg, 0.001, 1e6, &d) != 0) {
				fprintf(stderr, "zcbench profile: --duration needs seconds > 0, not '%s'\n", optarg);
				return 2;
			}
			o->duration = d;
			break;
		case 'n':
			if (zc_parse_long(optarg, 1, 32, &v) != 0) {
				fprintf(stderr, "zcbench profile: --overhead needs 1 to 32 repetitions, not '%s'\n", optarg);
				return 2;
			}
			o->overhead = (int)v;
			break;
		case 'b':
			if (zc_parse_long(optarg, 4, 1 << 20, &v) != 0) {
				fprintf(stderr, "zcbench profile: --buffer-kib needs 4 to 1048576, not '%s'\n", optarg);
				return 2;
			}
			o->buffer_kib = (size_t)v;
			break;
		case 'r':
			o->results = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "auto") && strcmp(optarg, "bpf") && strcmp(optarg, "perf")) {
				fprintf(stderr, "zcbench profile: --mechanism must be auto, bpf or perf, not '%s'\n", optarg);
				return 2;
			}
			o->mechanism = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'l':
			list_syscalls();
			return 1;
		default:
			fprintf(stderr, "zcbench profile: see zcbench profile --help\n");
			return 2;
		}
	}
	if (optind < argc)
		o->cmd = argv + optind;
	if (!o->cmd == !o->pid) {
		fprintf(stderr, "zcbench profile: give a command (after --) or -p PID, one of them\n");
		return 2;
	}
	if (o->pid && !o->duration) {
		fprintf(stderr, "zcbench profile: -p needs --duration SECONDS (Ctrl-C also stops it)\n");
		return 2;
	}
	if (o->pid && o->overhead) {
		fprintf(stderr, "zcbench profile: --overhead runs the command again: not with -p\n");
		return 2;
	}
	return 0;
}

static double now_s(void)
{
	return zc_now_ns() * 1e-9;
}

static double tv_s(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/*
 * Opens the tracer: the run's mechanism when it has one (the overhead runs repeat the
 * first run's), else the one asked for; auto tries bpf and falls back to perf, keeping
 * why. NULL with the message printed.
 */
static struct zc_tracer *open_tracer(const struct options *o, const int *tids, size_t ntids, int on_exec,
				     struct zc_ioprof *agg, struct zc_ioprof_run *run)
{
	char why[512] = "";
	const struct zc_tracer_ops *ops = run->mechanism;
	if (!ops)
		ops = !strcmp(o->mechanism, "perf") ? &zc_tracer_perf : &zc_tracer_bpf;
	struct zc_tracer *t = ops->open(tids, ntids, on_exec, o->buffer_kib << 10, agg, why, sizeof why);
	if (t && !run->mechanism)
		snprintf(run->mechanism_why, sizeof run->mechanism_why, "%s",
			 ops == &zc_tracer_bpf ? "bpf: root, the kernel's BTF, no lockdown of confidentiality"
						: "perf: asked for with --mechanism perf");
	if (!t && ops == &zc_tracer_bpf && !run->mechanism && !strcmp(o->mechanism, "auto")) {
		char perf_why[512] = "";
		snprintf(run->mechanism_why, sizeof run->mechanism_why, "perf: bpf was refused: %s", why);
		ops = &zc_tracer_perf;
		t = ops->open(tids, ntids, on_exec, o->buffer_kib << 10, agg, perf_why, sizeof perf_why);
		if (!t) {
			fprintf(stderr, "zcbench profile: no mechanism can trace here: bpf: %s; perf: %s\n", why, perf_why);
			return NULL;
		}
	}
	if (!t) {
		fprintf(stderr, "zcbench profile: %s\n", why);
		return NULL;
	}
	run->mechanism = ops;
	return t;
}

/*
 * A traced process stopped for us (perf holds them, see run_once): at its exit, once its
 * events are read, its descriptors looked up while they are still open; at a fork, at
 * once; a signal on its way, delivered; a stop signal, obeyed (LISTEN).
 */
static void release_stop(pid_t pid, int status, struct zc_tracer *rec, const struct zc_tracer_ops *ops)
{
	int event = (unsigned)status >> 16, sig = WSTOPSIG(status);
	if (event == PTRACE_EVENT_EXIT) {
		/* Two reads: the second hands over every event older than the first, which
		 * holds all of the stopped process's. */
		ops->poll(rec, 0);
		ops->poll(rec, 0);
		ptrace(PTRACE_CONT, pid, 0, 0);
	} else if (event == PTRACE_EVENT_STOP) {
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			ptrace(PTRACE_LISTEN, pid, 0, 0);
		else
			ptrace(PTRACE_CONT, pid, 0, 0);
	} else if (event) {
		ptrace(PTRACE_CONT, pid, 0, 0);
	} else {
		ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
	}
}

/* A process's parent and state letter from /proc/PID/stat; -1 when it is gone. */
static int parent_of(int pid, char *state)
{
	char path[64], line[512];
	int ppid = -1;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	const char *close_paren = zc_read_line(path, line, sizeof line) == 0 ? strrchr(line, ')') : NULL;
	if (!close_paren || sscanf(close_paren + 2, "%c %d", state, &ppid) != 2)
		return -1;
	return ppid;
}

/* Our children other than the command: its descendants orphaned when it ended, which
 * PR_SET_CHILD_SUBREAPER made ours (the processes a `sh -c` started). */
static size_t orphans_of_command(pid_t self, pid_t *out, size_t max)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d)) && n < max) {
		int p = atoi(de->d_name);
		char state = 0;
		if (p > 0 && parent_of(p, &state) == self && state != 'Z')
			out[n++] = p;
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * Runs the command once; traced when agg is given. The child waits on a pipe until the
 * tracer is open on it; tracing starts at its execve (perf: enable_on_exec; bpf: the
 * process's state in the map), so nothing of ours is counted. With perf, zcbench is also
 * the command's ptrace tracer for its exits only (PTRACE_O_TRACEEXIT, children followed):
 * a process that exits is held until its events are read, so that a descriptor it kept
 * open is still there to be looked up. floor_tp >= 0 (an untraced run of --overhead): the
 * command counts that tracepoint and nothing else, the floor under any syscall tracer.
 * Returns 0, or 2 with the message printed.
 */
static int run_once(const struct options *o, struct zc_ioprof *agg, long floor_tp, struct zc_ioprof_run *run)
{
	int release[2], failed[2];
	if (pipe2(release, O_CLOEXEC) != 0 || pipe2(failed, O_CLOEXEC) != 0) {
		fprintf(stderr, "zcbench profile: pipe: %s\n", strerror(errno));
		return 2;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "zcbench profile: fork: %s\n", strerror(errno));
		return 2;
	}
	if (child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		char go;
		close(release[1]);
		close(failed[0]);
		if (read(release[0], &go, 1) != 1)
			_exit(127);
		execvp(o->cmd[0], o->cmd);
		int e = errno;
		if (write(failed[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(release[0]);
	close(failed[1]);
	struct zc_tracer *rec = NULL;
	if (agg) {
		int tids[1] = {child};
		rec = open_tracer(o, tids, 1, 1, agg, run);
		if (!rec) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			return 2;
		}
	}
	int floor_fd = -1;
	if (!agg && floor_tp >= 0) {
		struct perf_event_attr a;
		zc_perf_base_attr(&a, 1);
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (uint64_t)floor_tp;
		floor_fd = zc_perf_open(&a, child, -1);
		if (floor_fd < 0) {
			char why[256];
			zc_perf_open_error("raw_syscalls/sys_enter", child, why, sizeof why);
			fprintf(stderr, "zcbench profile: --overhead floor: %s\n", why);
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			return 2;
		}
	}
	/* perf: hold the command's processes at their exits until their events are read. */
	int held = rec && run->mechanism == &zc_tracer_perf &&
		   ptrace(PTRACE_SEIZE, child, 0,
			  PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE) == 0;
	double cpu0 = self_cpu_s(), t0 = now_s();
	if (write(release[1], "g", 1) != 1) {
		fprintf(stderr, "zcbench profile: cannot start the command: %s\n", strerror(errno));
		kill(child, SIGKILL);
	}
	close(release[1]);
	int e = 0;
	ssize_t got = read(failed[0], &e, sizeof e);
	close(failed[0]);
	if (got == (ssize_t)sizeof e) {
		waitpid(child, NULL, 0);
		if (rec)
			run->mechanism->close(rec);
		fprintf(stderr, "zcbench profile: cannot run '%s': %s\n", o->cmd[0], strerror(e));
		return 2;
	}
	int status = 0, signalled = 0, child_done = 0;
	struct rusage ru;
	double deadline = o->duration ? t0 + o->duration : 0, killed_at = 0, orphans_since = 0;
	for (;;) {
		int st;
		struct rusage r;
		pid_t w = wait4(held || child_done ? -1 : child, &st, WNOHANG | __WALL, &r);
		if (w > 0 && WIFSTOPPED(st)) {
			release_stop(w, st, rec, run->mechanism);
			continue;
		}
		if (w == child) {
			child_done = 1;
			status = st;
			ru = r;
			run->wall_s = now_s() - t0;
		} else if (w > 0) {
			continue; /* a descendant's end, reported to us as its tracer or reaper */
		}
		if (child_done) {
			/* An interrupted command's orphans (a shell's background jobs, which
			 * ignore SIGINT) get SIGTERM, then SIGKILL after 2 s, and are reaped
			 * here, their stops released as the command's are: an interrupted
			 * profile leaves no process behind. */
			pid_t left[256];
			size_t n = run->interrupted ? orphans_of_command(getpid(), left, 256) : 0;
			if (n == 0)
				break;
			int first = !orphans_since, late = !first && now_s() - orphans_since > 2;
			if (first)
				orphans_since = now_s();
			for (size_t i = 0; i < n && (first || late); i++)
				kill(left[i], late ? SIGKILL : SIGTERM);
		} else if ((stop_requests || (deadline && now_s() > deadline)) && !signalled) {
			/* Ctrl-C reached the command too (same process group); a kill or the
			 * duration did not: pass it on, and insist after 2 s. */
			kill(child, stop_requests ? SIGINT : SIGTERM);
			signalled = 1;
			killed_at = now_s();
			run->interrupted = 1;
		} else if (signalled && (stop_requests > 1 || now_s() - killed_at > 2)) {
			kill(child, SIGKILL);
		}
		if (rec) {
			run->mechanism->poll(rec, DRAIN_MS);
		} else {
			struct timespec ts = {0, DRAIN_MS * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	if (floor_fd >= 0)
		close(floor_fd);
	run->pid = child;
	run->user_s = tv_s(ru.ru_utime);
	run->system_s = tv_s(ru.ru_stime);
	run->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (rec) {
		run->mechanism->finish(rec, &run->counts);
		run->mechanism->close(rec);
	}
	run->tracer_cpu_s = self_cpu_s() - cpu0;
	return 0;
}

/* The tasks of a process and of all its descendants, as they are now. */
static size_t tasks_of(int pid, int *tids, size_t max)
{
	int procs[4096];
	size_t np = 0, n = 0;
	procs[np++] = pid;
	DIR *d = opendir("/proc");
	struct dirent *de;
	/* Descendants: repeat until no new child of a known process appears. */
	for (int grew = 1; grew && d;) {
		grew = 0;
		rewinddir(d);
		while ((de = readdir(d)) && np < 4096) {
			int p = atoi(de->d_name), known = 0;
			char state;
			if (p <= 0)
				continue;
			for (size_t i = 0; i < np; i++)
				known |= procs[i] == p;
			int ppid = known ? -1 : parent_of(p, &state);
			for (size_t i = 0; i < np && ppid > 0 && !known; i++)
				if (procs[i] == ppid) {
					procs[np++] = p;
					grew = known = 1;
				}
		}
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < np; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", procs[i]);
		DIR *t = opendir(path);
		while (t && (de = readdir(t)) && n < max)
			if (atoi(de->d_name) > 0)
				tids[n++] = atoi(de->d_name);
		if (t)
			closedir(t);
	}
	return n;
}

static int attach(const struct options *o, struct zc_ioprof *agg, struct zc_ioprof_run *run)
{
	if (kill(o->pid, 0) != 0) {
		fprintf(stderr, "zcbench profile: process %d %s\n", o->pid,
			errno == ESRCH ? "does not exist" : "is not ours (no permission to trace it)");
		return 2;
	}
	static int tids[65536];
	size_t n = tasks_of(o->pid, tids, sizeof tids / sizeof tids[0]);
	struct zc_tracer *rec = open_tracer(o, tids, n, 0, agg, run);
	if (!rec)
		return 2;
	snprintf(run->command, sizeof run->command, "pid %d", o->pid);
	run->pid = o->pid;
	run->attached = 1;
	run->exit_status = -1;
	double cpu0 = self_cpu_s(), t0 = now_s();
	run->mechanism->enable(rec);
	while (!stop_requests && now_s() - t0 < o->duration && kill(o->pid, 0) == 0)
		run->mechanism->poll(rec, DRAIN_MS);
	run->interrupted = stop_requests > 0;
	run->wall_s = now_s() - t0;
	run->mechanism->finish(rec, &run->counts);
	run->mechanism->close(rec);
	run->tracer_cpu_s = self_cpu_s() - cpu0;
	agg->processes += 1;
	return 0;
}

/*
 * Three arms in ABCCBA order (untraced, traced, the floor: the syscall tracepoint counted
 * and nothing else), so that drift hits all alike; N runs each. The floor is left out
 * where tracefs gives no id for the tracepoint.
 */
static int measure_overhead(const struct options *o, struct zc_ioprof_run *run)
{
	static const int arm_at[6] = {0, 1, 2, 2, 1, 0};
	static const char *const arm_name[3] = {"untraced", "traced", "floor"};
	char where[128], why[256];
	long tp = zc_tracepoint_id("raw_syscalls/sys_enter", where, sizeof where, why, sizeof why);
	int arms = tp >= 0 ? 3 : 2, k[3] = {0, 0, 0};
	for (int i = 0; i < arms * o->overhead && !stop_requests; i++) {
		int arm = arms == 3 ? arm_at[i % 6] : (i % 4 == 1 || i % 4 == 2);
		struct zc_ioprof scratch;
		struct zc_ioprof_run r = {.mechanism = run->mechanism};
		zc_ioprof_init(&scratch);
		int rc = run_once(o, arm == 1 ? &scratch : NULL, arm == 2 ? tp : -1, &r);
		zc_ioprof_free(&scratch);
		if (rc != 0)
			return rc;
		double cpu = r.user_s + r.system_s;
		if (arm == 0) {
			run->untraced_wall_s[k[0]] = r.wall_s;
			run->untraced_cpu_s[k[0]] = cpu;
		} else if (arm == 1) {
			run->traced_wall_s[k[1]] = r.wall_s;
			run->traced_cpu_s[k[1]] = cpu;
		} else {
			run->floor_wall_s[k[2]] = r.wall_s;
		}
		k[arm]++;
		fprintf(stderr, "[overhead %d/%d] %s: %.3f s\n", i + 1, arms * o->overhead, arm_name[arm], r.wall_s);
	}
	run->overhead_reps = stop_requests ? 0 : o->overhead;
	run->floor_reps = stop_requests || arms < 3 ? 0 : o->overhead;
	return 0;
}

/* The machine's facts: a traced program is no benchmark run, so no run settings. */
static json_t *profile_context(void)
{
	static struct zc_run zrun;
	return zc_machine_facts(NULL, -1, &zrun);
}

int zc_ioprof_main(int argc, char **argv)
{
	struct options o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	char err[512];
	struct zc_outfile out = {.fd = -1};
	if (o.out && zc_out_open(&out, o.out, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench profile: %s\n", err);
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	static struct zc_ioprof_run run;
	struct zc_ioprof agg;
	zc_ioprof_init(&agg);
	if (o.pid) {
		rc = attach(&o, &agg, &run);
	} else {
		/* The command's orphans become ours, so that an interruption can end them too. */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		size_t len = 0;
		for (char **a = o.cmd; *a && len + 2 < sizeof run.command; a++)
			len += (size_t)snprintf(run.command + len, sizeof run.command - len, "%s%s", len ? " " : "", *a);
		rc = run_once(&o, &agg, -1, &run);
		agg.processes += 1;
		if (rc == 0 && o.overhead && !stop_requests)
			rc = measure_overhead(&o, &run);
	}
	if (rc != 0) {
		zc_out_abort(&out);
		zc_ioprof_free(&agg);
		return rc;
	}
	struct zc_ioprof_summary sum;
	if (zc_ioprof_summarize(&agg, &run, &sum) != 0) {
		fprintf(stderr, "zcbench profile: out of memory\n");
		zc_out_abort(&out);
		zc_ioprof_free(&agg);
		return 1;
	}
	json_t *doc = zc_ioprof_json(&agg, &run, &sum, zc_ioprof_suggest(&agg, o.results), profile_context());
	zc_ioprof_summary_free(&sum);
	if (o.json) {
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		fprintf(stderr, "%s\n", s ? s : "null");
		free(s);
	} else {
		zc_ioprof_print(stderr, doc);
	}
	int wrc = o.out && zc_out_write_json(&out, o.out, doc, "zcbench profile") ? 2 : 0;
	json_decref(doc);
	zc_ioprof_free(&agg);
	if (wrc)
		return wrc;
	return run.attached ? 0 : run.exit_status;
}
