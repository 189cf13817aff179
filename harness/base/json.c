/*
 * json.c - what every JSON writer here shares: numbers (JSON has no NaN), intervals,
 * numbers as a result file keeps them, and the atomic result file (a temporary file in
 * the destination's folder, renamed into place; never over an existing file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

json_t *zc_json_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *zc_interval_json(struct zc_interval v)
{
	if (!isfinite(v.value))
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "median", zc_json_number(v.value));
	json_object_set_new(o, "ci_low", zc_json_number(v.ci_low));
	json_object_set_new(o, "ci_high", zc_json_number(v.ci_high));
	return o;
}

/* A number as a result file keeps it (10 significant digits): a run analyses exactly what
 * --reanalyse will read back from its file. */
double zc_json_real10(const json_t *v)
{
	if (!json_is_number(v))
		return NAN;
	char buf[32];
	snprintf(buf, sizeof buf, "%.10g", json_number_value(v));
	return strtod(buf, NULL);
}

int zc_out_open(struct zc_outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (strlen(path) >= sizeof o->path - 32) {
		snprintf(err, errlen, "--out: path too long");
		return -1;
	}
	snprintf(o->path, sizeof o->path, "%s", path);
	char dirbuf[sizeof o->path];
	snprintf(dirbuf, sizeof dirbuf, "%s", path);
	const char *dir = dirname(dirbuf);

	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--out %s: directory '%s' does not exist", path, dir);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		snprintf(err, errlen, "--out %s: file exists; results are never overwritten", path);
		return -1;
	}
	/* An unnamed file: nothing appears in the directory until it is complete. */
	o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (o->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(o->tmp, sizeof o->tmp, "%s/.zcbench-XXXXXX", dir);
		o->fd = mkstemp(o->tmp);
		if (o->fd >= 0)
			fchmod(o->fd, 0644);
		else
			o->tmp[0] = '\0';
	}
	if (o->fd < 0) {
		snprintf(err, errlen, "--out %s: cannot write in '%s': %s", path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

void zc_out_abort(struct zc_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int zc_out_commit(struct zc_outfile *o, const char *data, size_t len, char *err, size_t errlen)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(o->fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "writing %s: %s", o->path, strerror(errno));
			zc_out_abort(o);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(o->fd) != 0) {
		snprintf(err, errlen, "fsync %s: %s", o->path, strerror(errno));
		zc_out_abort(o);
		return -1;
	}
	int rc;
	if (o->tmp[0]) {
		/* link() fails with EEXIST instead of replacing: never overwrite. */
		rc = link(o->tmp, o->path);
	} else {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW);
	}
	if (rc != 0) {
		snprintf(err, errlen, "creating %s: %s%s", o->path, strerror(errno),
			 errno == EEXIST ? " (results are never overwritten)" : "");
		zc_out_abort(o);
		return -1;
	}
	zc_out_abort(o); /* closes, and removes the named temp file if there was one */
	return 0;
}

int zc_out_fallback(const char *path, const char *data, size_t len, char *saved, size_t savedlen)
{
	char base[256];
	const char *slash = strrchr(path, '/');
	snprintf(base, sizeof base, "%s", slash ? slash + 1 : path);
	const char *env = getenv("ZCBENCH_FALLBACK_DIR");
	const char *dirs[] = {env, getenv("TMPDIR"), "/var/tmp", "/tmp", "."};
	snprintf(saved, savedlen, "tried $ZCBENCH_FALLBACK_DIR, $TMPDIR, /var/tmp, /tmp, .");
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		for (int k = 0; k < 100; k++) {
			char p[4096];
			if (k)
				snprintf(p, sizeof p, "%s/zcbench-unsaved-%d-%s", dirs[i], k, base);
			else
				snprintf(p, sizeof p, "%s/zcbench-unsaved-%s", dirs[i], base);
			int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd < 0) {
				if (errno == EEXIST)
					continue;
				break;
			}
			size_t off = 0;
			while (off < len) {
				ssize_t w = write(fd, data + off, len - off);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				off += (size_t)w;
			}
			int ok = off == len && fsync(fd) == 0;
			close(fd);
			if (ok) {
				snprintf(saved, savedlen, "%s", p);
				return 0;
			}
			unlink(p);
			break;
		}
	}
	return -1;
}

int zc_out_write_json(struct zc_outfile *o, const char *path, json_t *doc, const char *who)
{
	char err[512], *json = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10)), *text = NULL;
	int rc = 0;
	if (json && asprintf(&text, "%s\n", json) < 0)
		text = NULL;
	free(json);
	if (!text) {
		fprintf(stderr, "%s: out of memory writing %s\n", who, path);
		rc = 1;
	} else if (zc_out_commit(o, text, strlen(text), err, sizeof err) != 0) {
		char saved[4096];
		if (zc_out_fallback(path, text, strlen(text), saved, sizeof saved) == 0)
			fprintf(stderr, "%s: %s; it was saved to %s instead\n", who, err, saved);
		else
			fprintf(stderr, "%s: %s; and no fallback location was writable (%s)\n", who, err, saved);
		rc = 1;
	} else {
		fprintf(stderr, "%s: wrote %s\n", who, path);
	}
	free(text);
	return rc;
}
